//! Money: amounts that always carry their currency and can never hold more decimal
//! places than that currency's minor unit, plus the commission and split rules of
//! DESIGN section 2 (pool rounded down, exact even split, leftover minor units
//! handed out in an order derived from the sale id).

mod pot;
mod threshold;

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

pub use pot::Pot;
pub use threshold::{PayoutThresholds, ThresholdError};

/// Why an amount, currency or rate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
    #[error("{amount} has more decimal places than {currency} allows ({exponent})")]
    TooPrecise {
        amount: String,
        currency: &'static str,
        exponent: u32,
    },
    #[error("{0:?} is not a decimal amount")]
    NotANumber(String),
    #[error("amount {0} is out of range")]
    OutOfRange(String),
    #[error("amount must be positive, got {0}")]
    NotPositive(String),
    #[error("commission rate must be between 0 and 1, got {0}")]
    BadRate(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(&'static str, &'static str),
}

/// ISO 4217 codes in circulation with the number of digits of their minor unit.
/// Codes not listed here are refused: an unknown currency must never be guessed.
#[rustfmt::skip]
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("ANG", 2), ("AOA", 2), ("ARS", 2),
    ("AUD", 2), ("AWG", 2), ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BGN", 2),
    ("BHD", 3), ("BIF", 0), ("BMD", 2), ("BND", 2), ("BOB", 2), ("BRL", 2), ("BSD", 2),
    ("BTN", 2), ("BWP", 2), ("BYN", 2), ("BZD", 2), ("CAD", 2), ("CDF", 2), ("CHF", 2),
    ("CLF", 4), ("CLP", 0), ("CNY", 2), ("COP", 2), ("CRC", 2), ("CUP", 2), ("CVE", 2),
    ("CZK", 2), ("DJF", 0), ("DKK", 2), ("DOP", 2), ("DZD", 2), ("EGP", 2), ("ERN", 2),
    ("ETB", 2), ("EUR", 2), ("FJD", 2), ("FKP", 2), ("GBP", 2), ("GEL", 2), ("GHS", 2),
    ("GIP", 2), ("GMD", 2), ("GNF", 0), ("GTQ", 2), ("GYD", 2), ("HKD", 2), ("HNL", 2),
    ("HTG", 2), ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2), ("IQD", 3), ("IRR", 2),
    ("ISK", 0), ("JMD", 2), ("JOD", 3), ("JPY", 0), ("KES", 2), ("KGS", 2), ("KHR", 2),
    ("KMF", 0), ("KPW", 2), ("KRW", 0), ("KWD", 3), ("KYD", 2), ("KZT", 2), ("LAK", 2),
    ("LBP", 2), ("LKR", 2), ("LRD", 2), ("LSL", 2), ("LYD", 3), ("MAD", 2), ("MDL", 2),
    ("MGA", 2), ("MKD", 2), ("MMK", 2), ("MNT", 2), ("MOP", 2), ("MRU", 2), ("MUR", 2),
    ("MVR", 2), ("MWK", 2), ("MXN", 2), ("MYR", 2), ("MZN", 2), ("NAD", 2), ("NGN", 2),
    ("NIO", 2), ("NOK", 2), ("NPR", 2), ("NZD", 2), ("OMR", 3), ("PAB", 2), ("PEN", 2),
    ("PGK", 2), ("PHP", 2), ("PKR", 2), ("PLN", 2), ("PYG", 0), ("QAR", 2), ("RON", 2),
    ("RSD", 2), ("RUB", 2), ("RWF", 0), ("SAR", 2), ("SBD", 2), ("SCR", 2), ("SDG", 2),
    ("SEK", 2), ("SGD", 2), ("SHP", 2), ("SLE", 2), ("SOS", 2), ("SRD", 2), ("SSP", 2),
    ("STN", 2), ("SVC", 2), ("SYP", 2), ("SZL", 2), ("THB", 2), ("TJS", 2), ("TMT", 2),
    ("TND", 3), ("TOP", 2), ("TRY", 2), ("TTD", 2), ("TWD", 2), ("TZS", 2), ("UAH", 2),
    ("UGX", 0), ("USD", 2), ("UYI", 0), ("UYU", 2), ("UYW", 4), ("UZS", 2), ("VES", 2),
    ("VND", 0), ("VUV", 0), ("WST", 2), ("XAF", 0), ("XCD", 2), ("XOF", 0), ("XPF", 0),
    ("YER", 2), ("ZAR", 2), ("ZMW", 2), ("ZWG", 2),
];

/// Largest amount accepted, in major units: far above any merch order, far below
/// where `Decimal` or `i64` minor units could overflow.
pub const AMOUNT_MAX: i64 = 1_000_000_000_000;

/// An ISO 4217 currency known to this server; only built through [`Currency::parse`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
}

impl Currency {
    /// Parses a code in either case (`"usd"` from Stripe, `"EUR"` from Shopify).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|&(code, exponent)| Currency { code, exponent })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.chars().take(16).collect()))
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    /// Digits of the minor unit: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        self.exponent
    }

    /// Every currency this server accepts (property tests sample from it).
    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES
            .iter()
            .map(|&(code, exponent)| Currency { code, exponent })
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// An amount in a currency, scaled exactly to that currency's minor unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Accepts an amount that already fits the currency's minor unit; a value with
    /// more places (`1.005` USD) is refused rather than silently rounded.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let normal = amount.normalize();
        if normal.scale() > currency.exponent {
            return Err(MoneyError::TooPrecise {
                amount: amount.to_string(),
                currency: currency.code,
                exponent: currency.exponent,
            });
        }
        if normal.abs() > Decimal::from(AMOUNT_MAX) {
            return Err(MoneyError::OutOfRange(amount.to_string()));
        }
        let mut amount = normal;
        amount.rescale(currency.exponent);
        Ok(Money { amount, currency })
    }

    /// Parses a decimal string such as `"31.50"` (Shopify, Ko-fi, Discord options).
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let trimmed = text.trim();
        let valid = !trimmed.is_empty()
            && trimmed
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
        if !valid || trimmed.len() > 40 {
            return Err(MoneyError::NotANumber(text.chars().take(40).collect()));
        }
        let amount: Decimal = trimmed
            .parse()
            .map_err(|_| MoneyError::NotANumber(text.chars().take(40).collect()))?;
        // `parse` rounds past 28 decimal places ("1.00000000000000000000000000001"
        // would be 1): refuse such an amount rather than round it.
        if Decimal::from_str_exact(trimmed).is_err() {
            return Err(MoneyError::TooPrecise {
                amount: trimmed.to_string(),
                currency: currency.code,
                exponent: currency.exponent,
            });
        }
        Money::new(amount, currency)
    }

    /// Builds an amount from integer minor units (`2250` USD cents is 22.50).
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        Money::new(Decimal::new(minor, currency.exponent), currency)
    }

    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::new(0, currency.exponent),
            currency,
        }
    }

    pub fn amount(self) -> Decimal {
        self.amount
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount as a whole number of minor units.
    pub fn minor(self) -> i64 {
        (self.amount * Decimal::from(10i64.pow(self.currency.exponent)))
            .to_i64()
            .unwrap_or_else(|| unreachable!("amount bounded by AMOUNT_MAX"))
    }

    pub fn is_zero(self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_positive(self) -> bool {
        self.amount.is_sign_positive() && !self.amount.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn with_minor(self, minor: i64) -> Money {
        Money {
            amount: Decimal::new(minor, self.currency.exponent),
            currency: self.currency,
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Money::new(self.amount + other.amount, self.currency)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Money::new(self.amount - other.amount, self.currency)
    }

    pub fn negate(self) -> Money {
        self.with_minor(-self.minor())
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code,
                other.currency.code,
            ))
        }
    }

    /// The commission pool of a sale: amount x rate, rounded **down** to the minor
    /// unit so that we never pay out more than the rate.
    pub fn commission(self, rate: Rate) -> Money {
        let scaled = Decimal::from(self.minor()) * rate.0;
        let minor = scaled.floor().to_i64().unwrap_or(0);
        self.with_minor(minor)
    }

    /// `self x numerator / denominator`, rounded toward zero to the minor unit; used
    /// for proportional refunds (`allocation x refunded / sale`).
    pub fn proportion(self, numerator: Money, denominator: Money) -> Money {
        let den = denominator.minor();
        if den == 0 {
            return Money::zero(self.currency);
        }
        let minor = i128::from(self.minor()) * i128::from(numerator.minor()) / i128::from(den);
        self.with_minor(minor as i64)
    }

    /// Splits this amount into `parts` shares that sum exactly to it and differ by at
    /// most one minor unit. The `parts % n` leftover units go one each to the shares
    /// starting at a position derived from `seed` (the sale id), so the same sale
    /// always splits the same way and no racer is favoured across sales.
    pub fn split(self, parts: usize, seed: &str) -> Vec<Money> {
        if parts == 0 {
            return Vec::new();
        }
        let total = self.minor();
        let n = parts as i64;
        let base = total.div_euclid(n);
        let leftover = total.rem_euclid(n) as usize;
        let start = seed_index(seed, parts);
        (0..parts)
            .map(|i| {
                let gets_extra = (i + parts - start) % parts < leftover;
                self.with_minor(base + i64::from(gets_extra))
            })
            .collect()
    }
}

/// Position in `0..parts` derived from a stable hash of `seed`.
fn seed_index(seed: &str, parts: usize) -> usize {
    let digest = Sha256::digest(seed.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % parts as u64) as usize
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code)
    }
}

/// A commission rate in `[0, 1]`, e.g. `0.20`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate(Decimal);

impl Rate {
    pub fn new(rate: Decimal) -> Result<Self, MoneyError> {
        if rate < Decimal::ZERO || rate > Decimal::ONE || rate.scale() > 6 {
            return Err(MoneyError::BadRate(rate.to_string()));
        }
        Ok(Rate(rate))
    }

    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let rate: Decimal = text
            .trim()
            .parse()
            .map_err(|_| MoneyError::BadRate(text.chars().take(20).collect()))?;
        Rate::new(rate)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

/// Serializes money as its decimal string in the currency's minor unit (`"1.67"`,
/// `"600"` for JPY): JSON never carries money as a float.
pub mod serde_amount {
    use super::Money;

    pub fn serialize<S: serde::Serializer>(
        money: &Money,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&money.amount())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("kwd").unwrap().exponent(), 3);
        assert_eq!(usd().exponent(), 2);
        assert!(Currency::parse("XXX").is_err());
    }

    #[test]
    fn refuses_more_places_than_the_minor_unit() {
        assert!(Money::parse("1.005", usd()).is_err());
        assert!(Money::parse("1.5", Currency::parse("JPY").unwrap()).is_err());
        assert_eq!(
            Money::parse("1.50", usd()).unwrap().amount().to_string(),
            "1.50"
        );
        assert_eq!(
            Money::parse("7", usd()).unwrap().amount().to_string(),
            "7.00"
        );
        assert!(Money::parse("1e5", usd()).is_err());
        assert!(Money::parse(" ", usd()).is_err());
    }

    #[test]
    fn commission_rounds_down() {
        let rate = Rate::parse("0.20").unwrap();
        let pool = Money::parse("22.49", usd()).unwrap().commission(rate);
        assert_eq!(pool.amount().to_string(), "4.49");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            Money::from_minor(3300, jpy)
                .unwrap()
                .commission(rate)
                .minor(),
            660
        );
    }

    #[test]
    fn split_of_five_dollars_among_three() {
        let shares = Money::parse("5.00", usd()).unwrap().split(3, "pi_1");
        let mut minors: Vec<i64> = shares.iter().map(|m| m.minor()).collect();
        minors.sort();
        assert_eq!(minors, vec![166, 167, 167]);
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        let all: Vec<Currency> = Currency::all().collect();
        proptest::sample::select(all)
    }

    proptest! {
        #[test]
        fn shares_sum_to_pool_and_differ_by_at_most_one_unit(
            minor in 0i64..10_000_000_000,
            rate_millis in 0u32..=1000,
            racers in 1usize..=64,
            currency in any_currency(),
            seed in "[a-z0-9_]{1,24}",
        ) {
            let amount = Money::from_minor(minor, currency).unwrap();
            let rate = Rate::new(Decimal::new(i64::from(rate_millis), 3)).unwrap();
            let pool = amount.commission(rate);
            prop_assert!(pool.amount() <= amount.amount() * rate.value());
            prop_assert!(amount.amount() * rate.value() - pool.amount()
                < Decimal::new(1, currency.exponent()));
            let shares = pool.split(racers, &seed);
            prop_assert_eq!(shares.len(), racers);
            let sum: i64 = shares.iter().map(|s| s.minor()).sum();
            prop_assert_eq!(sum, pool.minor());
            let max = shares.iter().map(|s| s.minor()).max().unwrap();
            let min = shares.iter().map(|s| s.minor()).min().unwrap();
            prop_assert!(max - min <= 1);
            prop_assert!(shares.iter().all(|s| s.currency() == currency));
            prop_assert_eq!(pool.split(racers, &seed), shares);
        }

        #[test]
        fn proportional_reversal_never_exceeds_the_allocation(
            share in 0i64..1_000_000, sale in 1i64..10_000_000, refunded_frac in 0u32..=100,
        ) {
            let c = usd();
            let sale_m = Money::from_minor(sale, c).unwrap();
            let refunded = Money::from_minor(sale * i64::from(refunded_frac) / 100, c).unwrap();
            let share_m = Money::from_minor(share, c).unwrap();
            let back = share_m.proportion(refunded, sale_m);
            prop_assert!(back.minor() <= share && back.minor() >= 0);
            if refunded_frac == 100 { prop_assert_eq!(back.minor(), share); }
        }
    }
}
