//! Stripe's minor units. Stripe states every amount as an integer of its own minor
//! unit of the currency, which is ISO 4217's (the exponents in `money.rs`) except
//! for the special cases it documents:
//!
//! | currency | ISO 4217 | Stripe's API | what Stripe says |
//! | --- | --- | --- | --- |
//! | ISK | 0 | 2 | zero-decimal now, but kept two-decimal: 100 is 1 krona, amounts in multiples of 100 |
//! | UGX | 0 | 2 | two-decimal in the API, amounts in multiples of 100 |
//! | MGA | 2 | 0 | on Stripe's list of zero-decimal currencies |
//! | HUF, TWD | 2 | 2 | two-decimal in the API; payouts are whole units, so amounts come in multiples of 100 |
//! | BHD, JOD, KWD, OMR, TND | 3 | 3 | three-decimal; the last digit is 0 |
//!
//! Only the first three differ from ISO, so only they are in [`STRIPE_EXPONENTS`];
//! the others are read with ISO's exponent, and this file's tests pin all of them.
//! An amount becomes ISO money exactly or not at all: 50050 ISK (500.50 kronur)
//! cannot be represented in whole kronur and is refused, never rounded.

use rust_decimal::Decimal;

use crate::money::{Currency, Money};
use crate::webhooks::WebhookError;

/// Stripe's minor-unit exponent for the currencies where it is not ISO 4217's.
pub const STRIPE_EXPONENTS: &[(&str, u32)] = &[("ISK", 2), ("MGA", 0), ("UGX", 2)];

/// Digits of Stripe's minor unit of `currency`.
pub fn stripe_exponent(currency: Currency) -> u32 {
    STRIPE_EXPONENTS
        .iter()
        .find(|(code, _)| *code == currency.code())
        .map_or(currency.exponent(), |&(_, exponent)| exponent)
}

/// `amount` of Stripe's minor units of the currency `code` (any case), as money in
/// the currency's ISO units. Refuses an unknown currency and an amount that ISO's
/// minor unit cannot hold; says nothing about the sign.
pub fn stripe_money(amount: i64, code: &str) -> Result<Money, WebhookError> {
    let currency = Currency::parse(code)?;
    Ok(Money::new(
        Decimal::new(amount, stripe_exponent(currency)),
        currency,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(code: &str) -> u32 {
        Currency::parse(code).unwrap().exponent()
    }

    fn shown(amount: i64, code: &str) -> String {
        stripe_money(amount, code).unwrap().amount().to_string()
    }

    #[test]
    fn the_table_lists_only_real_differences_from_iso() {
        for &(code, exponent) in STRIPE_EXPONENTS {
            assert_ne!(iso(code), exponent, "{code} agrees with ISO: leave it out");
        }
        for code in ["HUF", "TWD"] {
            assert_eq!(
                (iso(code), stripe_exponent(Currency::parse(code).unwrap())),
                (2, 2)
            );
        }
        for code in ["BHD", "JOD", "KWD", "OMR", "TND"] {
            assert_eq!(
                (iso(code), stripe_exponent(Currency::parse(code).unwrap())),
                (3, 3)
            );
        }
    }

    #[test]
    fn special_cases_become_iso_units_exactly() {
        assert_eq!(shown(50000, "isk"), "500");
        assert_eq!(shown(1_000_000, "UGX"), "10000");
        assert_eq!(shown(10000, "mga"), "10000.00");
        assert_eq!(shown(50050, "huf"), "500.50");
        assert_eq!(shown(12300, "twd"), "123.00");
        assert_eq!(shown(5120, "kwd"), "5.120");
        for code in ["bhd", "jod", "omr", "tnd"] {
            assert_eq!(shown(12340, code), "12.340", "{code}");
        }
        assert_eq!(shown(2250, "usd"), "22.50");
        assert_eq!(shown(3300, "jpy"), "3300");
        assert_eq!(shown(-20000, "isk"), "-200");
    }

    #[test]
    fn an_amount_iso_cannot_hold_is_refused_not_rounded() {
        for (amount, code) in [(50050, "isk"), (1, "ugx"), (99, "ISK")] {
            let err = stripe_money(amount, code).unwrap_err();
            assert_eq!(err.code(), "invalid_amount", "{amount} {code}");
        }
        assert_eq!(
            stripe_money(100, "xyz"),
            Err(WebhookError::UnknownCurrency("xyz".into()))
        );
        assert_eq!(
            stripe_money(i64::MAX, "usd").unwrap_err().code(),
            "invalid_amount"
        );
    }
}
