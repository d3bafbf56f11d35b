//! The payout threshold per currency, in each currency's own units: below it a payout
//! needs `force`. One default (`commission.payout_threshold`, written like a
//! two-decimal amount) and optional amounts per currency
//! (`[commission.payout_thresholds]`).
//!
//! A currency without an entry takes the default read the way that gives the larger
//! amount in that currency: as the same face value (20.00 -> 20.000 KWD) or as the
//! same count of minor units (2000 hundredths -> 2000 JPY). For two-decimal
//! currencies both readings agree. Without exchange rates no reading can be right
//! for every currency; the larger one errs towards asking for `force`, which costs
//! an admin one option, where the smaller one would let through exactly the tiny
//! payouts (20 yen) that a threshold is there to stop.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Currency, Money, MoneyError};

/// Digits of the minor unit in which the default is written.
const DEFAULT_EXPONENT: u32 = 2;

/// Why a threshold was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("{0}")]
    Money(#[from] MoneyError),
    #[error("{0:?} has more than two decimal places")]
    TooPrecise(String),
    #[error("must not be negative")]
    Negative,
    #[error("is too large for {0}, whose threshold is read in its minor units")]
    TooLarge(Currency),
}

/// The threshold in force for every currency; only built through [`Self::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutThresholds {
    /// The default as a count of hundredths (`2000` for `"20.00"`).
    default_hundredths: i64,
    /// A currency's own threshold, in its own units.
    by_currency: BTreeMap<Currency, Money>,
}

impl PayoutThresholds {
    /// `default` is decimal text with at most two places (`"20.00"`); it must give a
    /// valid amount in every currency. Each entry is already in its currency's units.
    pub fn new(
        default: &str,
        by_currency: impl IntoIterator<Item = Money>,
    ) -> Result<Self, ThresholdError> {
        let default = Money::parse(default, two_decimal_currency()).map_err(|e| match e {
            MoneyError::TooPrecise { amount, .. } => ThresholdError::TooPrecise(amount),
            other => ThresholdError::Money(other),
        })?;
        if default.is_negative() {
            return Err(ThresholdError::Negative);
        }
        let thresholds = PayoutThresholds {
            default_hundredths: default.minor(),
            by_currency: BTreeMap::new(),
        };
        for currency in Currency::all() {
            thresholds
                .default_for(currency)
                .map_err(|_| ThresholdError::TooLarge(currency))?;
        }
        let mut thresholds = thresholds;
        for amount in by_currency {
            if amount.is_negative() {
                return Err(ThresholdError::Negative);
            }
            thresholds.by_currency.insert(amount.currency(), amount);
        }
        Ok(thresholds)
    }

    /// The smallest payout in `currency` that needs no `force`.
    pub fn for_currency(&self, currency: Currency) -> Money {
        match self.by_currency.get(&currency) {
            Some(amount) => *amount,
            None => self
                .default_for(currency)
                .unwrap_or_else(|_| unreachable!("every currency checked in new")),
        }
    }

    /// The default in `currency`: the larger of its two readings (module doc).
    fn default_for(&self, currency: Currency) -> Result<Money, MoneyError> {
        let hundredths = self.default_hundredths;
        if currency.exponent() < DEFAULT_EXPONENT {
            // Same count of minor units: 2000 hundredths -> 2000 JPY.
            Money::from_minor(hundredths, currency)
        } else {
            // Same face value: 20.00 -> 20.000 KWD.
            Money::new(Decimal::new(hundredths, DEFAULT_EXPONENT), currency)
        }
    }
}

impl Default for PayoutThresholds {
    /// 20.00 (the configuration's default), no entries.
    fn default() -> Self {
        PayoutThresholds {
            default_hundredths: 2000,
            by_currency: BTreeMap::new(),
        }
    }
}

/// The currency whose minor unit the default is written in.
fn two_decimal_currency() -> Currency {
    Currency::parse("USD").unwrap_or_else(|_| unreachable!("USD is in the currency table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn money(text: &str, code: &str) -> Money {
        Money::parse(text, currency(code)).unwrap()
    }

    /// Whether a payout of `amount` is below the threshold of its currency.
    fn below(thresholds: &PayoutThresholds, amount: Money) -> bool {
        amount.minor() < thresholds.for_currency(amount.currency()).minor()
    }

    #[test]
    fn entries_are_in_their_currencys_own_units() {
        let thresholds =
            PayoutThresholds::new("20.00", [money("2000", "JPY"), money("20.000", "KWD")]).unwrap();
        assert_eq!(
            thresholds.for_currency(currency("JPY")),
            money("2000", "JPY")
        );
        assert!(below(&thresholds, money("500", "JPY")));
        assert!(!below(&thresholds, money("2000", "JPY")));
        assert!(below(&thresholds, money("19.999", "KWD")));
        assert!(below(&thresholds, money("5.00", "USD")));
        assert!(!below(&thresholds, money("20.00", "USD")));
    }

    #[test]
    fn the_default_is_read_the_way_that_gives_more() {
        let thresholds = PayoutThresholds::new("20.00", []).unwrap();
        let cases = [
            ("USD", "20.00"),
            ("EUR", "20.00"),
            ("JPY", "2000"),
            ("KRW", "2000"),
            ("KWD", "20.000"),
            ("BHD", "20.000"),
            ("CLF", "20.0000"),
        ];
        for (code, expected) in cases {
            assert_eq!(
                thresholds.for_currency(currency(code)),
                money(expected, code),
                "{code}"
            );
        }
        // 20 yen is not a threshold: 500 JPY is below the scaled default.
        assert!(below(&thresholds, money("500", "JPY")));
        let odd = PayoutThresholds::new("12.34", []).unwrap();
        assert_eq!(odd.for_currency(currency("JPY")), money("1234", "JPY"));
        assert_eq!(odd.for_currency(currency("OMR")), money("12.340", "OMR"));
        assert_eq!(PayoutThresholds::default(), thresholds);
    }

    #[test]
    fn zero_means_no_threshold() {
        let thresholds = PayoutThresholds::new("0", [money("0", "JPY")]).unwrap();
        for code in ["USD", "JPY", "KWD"] {
            assert!(thresholds.for_currency(currency(code)).is_zero());
        }
    }

    #[test]
    fn bad_thresholds_are_refused() {
        assert_eq!(
            PayoutThresholds::new("-1.00", []),
            Err(ThresholdError::Negative)
        );
        assert_eq!(
            PayoutThresholds::new("20.005", []),
            Err(ThresholdError::TooPrecise("20.005".into()))
        );
        assert!(matches!(
            PayoutThresholds::new("twenty", []),
            Err(ThresholdError::Money(MoneyError::NotANumber(_)))
        ));
        // Fine in dollars, but 10^14 yen is past AMOUNT_MAX.
        assert!(matches!(
            PayoutThresholds::new("1000000000000.00", []),
            Err(ThresholdError::TooLarge(_))
        ));
        assert_eq!(
            PayoutThresholds::new("20.00", [money("-5", "JPY")]),
            Err(ThresholdError::Negative)
        );
    }
}
