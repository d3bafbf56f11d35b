//! Money, currencies and rates: parsing never panics, never rounds, and round-trips.

use cozykart::money::{Currency, Money, MoneyError, Rate, AMOUNT_MAX};
use cozykart::webhooks::shopify;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{config, tricky_string};

fn any_currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::all().collect::<Vec<_>>())
}

fn decimal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \t]{0,2}-?[0-9]{0,32}(\\.[0-9]{0,32})?[ \t]{0,2}",
        "-?[0-9]{1,13}(\\.[0-9]{0,4})?",
        tricky_string(),
        ".{0,48}",
    ]
}

/// Decimal text without sign of zero, leading or trailing zeros: two texts of the
/// same value have the same canonical form. Written without `Decimal` on purpose.
fn canonical(text: &str) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let body = if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    };
    if negative && body != "0" {
        format!("-{body}")
    } else {
        body
    }
}

/// An amount is exact, bounded and carries exactly its currency's minor unit.
fn check_money(m: Money, currency: Currency) -> Result<(), TestCaseError> {
    prop_assert_eq!(m.currency(), currency);
    prop_assert_eq!(m.amount().scale(), currency.exponent());
    prop_assert!(m.amount().abs() <= Decimal::from(AMOUNT_MAX));
    // Round trip through its decimal text and through its display.
    let text = m.amount().to_string();
    prop_assert_eq!(Money::parse(&text, currency), Ok(m));
    let shown = m.to_string();
    let (amount, code) = shown.split_once(' ').expect("amount and code");
    prop_assert_eq!(Currency::parse(code), Ok(currency));
    prop_assert_eq!(Money::parse(amount, currency), Ok(m));
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn money_parse_never_panics_and_round_trips(text in decimal_text(), currency in any_currency()) {
        if let Ok(m) = Money::parse(&text, currency) {
            check_money(m, currency)?;
            // Never rounded: the amount is exactly the value written.
            prop_assert_eq!(
                canonical(text.trim()),
                canonical(&m.amount().to_string()),
                "{:?} read as {}",
                text,
                m
            );
        }
    }

    #[test]
    fn money_from_minor_round_trips(
        minor in prop_oneof![any::<i64>(), -10_000_000_000i64..10_000_000_000],
        currency in any_currency(),
    ) {
        match Money::from_minor(minor, currency) {
            Ok(m) => {
                check_money(m, currency)?;
                prop_assert_eq!(m.minor(), minor);
            }
            Err(_) => {
                let limit = i128::from(AMOUNT_MAX) * 10i128.pow(currency.exponent());
                prop_assert!(i128::from(minor).abs() > limit);
            }
        }
    }

    #[test]
    fn currency_parse_never_panics_and_round_trips(text in prop_oneof![
        ".{0,8}",
        "[a-zA-Z]{3}",
        " ?[A-Z]{3} ?",
        tricky_string(),
    ]) {
        if let Ok(currency) = Currency::parse(&text) {
            let code = currency.code();
            prop_assert!(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()));
            prop_assert!(text.trim().eq_ignore_ascii_case(code));
            prop_assert_eq!(Currency::parse(code), Ok(currency));
            prop_assert_eq!(Currency::parse(&code.to_lowercase()), Ok(currency));
            prop_assert_eq!(currency.to_string(), code);
        }
    }

    #[test]
    fn rate_parse_never_panics_and_round_trips(text in prop_oneof![
        "[ ]?-?[01]?(\\.[0-9]{0,10})?[ ]?",
        "[0-9]{1,3}[eE][-+]?[0-9]{1,3}",
        "0\\.[0-9]{0,40}",
        decimal_text(),
    ]) {
        if let Ok(rate) = Rate::parse(&text) {
            let value = rate.value();
            prop_assert!(value >= Decimal::ZERO && value <= Decimal::ONE, "{}", value);
            prop_assert!(value.scale() <= 6);
            prop_assert_eq!(Rate::parse(&rate.to_string()), Ok(rate));
            // Exact, never rounded. (Scientific notation such as "2E-1" is accepted
            // too, exactly; only plain decimals are compared as text.)
            if !text.contains(['e', 'E']) {
                prop_assert_eq!(canonical(text.trim()), canonical(&value.to_string()));
            }
        }
    }
}

#[test]
fn every_currency_round_trips() {
    for currency in Currency::all() {
        let code = currency.code();
        assert_eq!(Currency::parse(code), Ok(currency));
        assert_eq!(Currency::parse(&code.to_lowercase()), Ok(currency));
        assert_eq!(Currency::parse(&format!(" {code}\n")), Ok(currency));
    }
}

// Regressions found by the properties above

/// `Money::parse` rounded amounts with more than 28 decimal places instead of
/// refusing them: "0.0000000000000000000000000000001" USD became 0.00 and a
/// Shopify order total of "31.500000000000000000000000000001" a sale of 31.50.
#[test]
fn money_past_28_decimal_places_is_refused_not_rounded() {
    let usd = Currency::parse("USD").unwrap();
    for text in [
        "0.0000000000000000000000000000001",
        "1.00000000000000000000000000001",
        "-5.000000000000000000000000000009",
    ] {
        assert!(
            matches!(Money::parse(text, usd), Err(MoneyError::TooPrecise { .. })),
            "{text}: {:?}",
            Money::parse(text, usd)
        );
    }
    // 28 places are still read exactly (and refused only for the currency's unit).
    assert!(matches!(
        Money::parse("1.0000000000000000000000000001", usd),
        Err(MoneyError::TooPrecise { .. })
    ));
    assert_eq!(
        Money::parse("1.0000000000000000000000000000", usd).map(|m| m.to_string()),
        Ok("1.00 USD".to_owned())
    );
    let body = br#"{"id":6021458803752,"total_price":"31.500000000000000000000000000001","currency":"EUR","processed_at":"2025-10-09T10:53:20+02:00"}"#;
    let headers = shopify::ShopifyHeaders {
        topic: Some("orders/paid"),
        ..Default::default()
    };
    let err = shopify::parse(body, &headers, "eu").unwrap_err();
    assert_eq!(err.code(), "invalid_amount", "{err}");
}
