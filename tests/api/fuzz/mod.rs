//! Robustness properties for every boundary parser: the shop webhooks (signature
//! checks and body parsers), Discord interactions, money, rates and configuration;
//! then samples against the running server: hostile requests (refused with a JSON
//! error, nothing recorded) and signed but mutated deliveries (200 or a clean 400,
//! never a 5xx, the ledger balanced).
//!
//! Inputs are arbitrary bytes and strings, and structure-aware mutations of the
//! real fixtures (fields replaced by values of other types, raw number tokens no
//! `Value` can hold, removed fields, deep nesting). Every property asserts that
//! nothing panics and that every refusal is a clean error value; where an input is
//! accepted, the result must still satisfy the parser's contract.
//!
//! Case counts follow `PROPTEST_CASES` when it is set; the defaults keep this module
//! to a few seconds in a debug build.
//!
//! # Layout
//! - here: case counts, the checks every webhook property shares, generic strategies;
//! - `mutation`: structure-aware edits of fixture documents;
//! - `stripe`, `shopify`, `kofi`, `discord`: each provider's signature check and parser;
//! - `money`: money, currencies and rates; `config`: configuration files;
//! - `http`: hostile requests to the running server;
//! - `deliveries`: signed, mutated deliveries through the running server.

mod config;
mod deliveries;
mod discord;
mod http;
mod kofi;
mod money;
mod mutation;
mod shopify;
mod stripe;

use actix_web::ResponseError;
use cozykart::http::ApiError;
use cozykart::money::{Money, AMOUNT_MAX};
use cozykart::sale::{CommissionBase, ShopEvent};
use cozykart::webhooks::WebhookError;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::signing::{KOFI_TOKEN, SHOPIFY_SECRET, STRIPE_SECRET};

// ---------------------------------------------------------------------------
// Case counts

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Defaults (512 for most parsers) keep the module to a few seconds in a debug
/// build. No regression files: a failure found here becomes a named regression test.
fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// `cases(default)` values drawn from `strategy`, for the properties checked against
/// the running server: they are async, which `proptest!` cannot run.
fn samples<S: Strategy>(strategy: S, default: u32) -> Vec<S::Value> {
    let mut runner = TestRunner::new(config(default));
    let count = runner.config().cases;
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("case").current())
        .collect()
}

fn fixture_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("fixture is JSON")
}

// ---------------------------------------------------------------------------
// Checks shared by the webhook properties

#[rustfmt::skip]
const WEBHOOK_CODES: &[&str] = &[
    "bad_signature", "stale_timestamp", "malformed_body", "missing_field", "invalid_amount",
    "unknown_currency",
];

/// Longest error message: a name and at most a short excerpt, never the body.
const MESSAGE_MAX_CHARS: usize = 256;

fn all_secrets() -> [&'static str; 3] {
    [STRIPE_SECRET, SHOPIFY_SECRET, KOFI_TOKEN]
}

/// A refusal is one of the documented codes with its status (as the HTTP layer
/// answers it), short, and secret-free.
fn check_error(err: &WebhookError) -> Result<(), TestCaseError> {
    let code = err.code();
    prop_assert!(WEBHOOK_CODES.contains(&code), "undocumented code {code}");
    let expected = match code {
        "bad_signature" | "stale_timestamp" => 401,
        _ => 400,
    };
    let api_error = ApiError::from(err.clone());
    let status = ResponseError::status_code(&api_error).as_u16();
    prop_assert_eq!(status, expected, "{} has the wrong status", code);
    let message = err.to_string();
    prop_assert!(
        message.chars().count() <= MESSAGE_MAX_CHARS,
        "message of {} chars: {message:.300}",
        message.chars().count()
    );
    for secret in all_secrets() {
        prop_assert!(!message.contains(secret), "message carries a secret");
    }
    Ok(())
}

/// An accepted delivery is a sale or refund of a positive, bounded amount with its
/// keys, or an Ignored with a dedupe key.
fn check_event(event: &ShopEvent) -> Result<(), TestCaseError> {
    let bounded = |m: Money| m.is_positive() && m.amount() <= Decimal::from(AMOUNT_MAX);
    match event {
        ShopEvent::Sale(sale) => {
            prop_assert!(bounded(sale.amount), "sale amount {}", sale.amount);
            // The pool's base is the whole sale or part of it, never more.
            let base = sale.commission_base(CommissionBase::Subtotal);
            prop_assert!(
                base.currency() == sale.amount.currency()
                    && !base.is_negative()
                    && base.minor() <= sale.amount.minor(),
                "base {base} of a sale of {}",
                sale.amount
            );
            prop_assert!(!sale.event_id.trim().is_empty());
            prop_assert!(!sale.sale_id.trim().is_empty());
            if let Some(tag) = &sale.lobby_tag {
                prop_assert!(
                    !tag.is_empty()
                        && tag.trim() == tag
                        && tag.chars().count() <= 64
                        && !tag.chars().any(char::is_control),
                    "lobby tag {tag:?}"
                );
            }
        }
        ShopEvent::Refund(refund) => {
            let amount = refund.amount.money();
            prop_assert!(bounded(amount), "refund amount {amount}");
            prop_assert!(!refund.event_id.trim().is_empty());
            prop_assert!(!refund.refund_id.trim().is_empty());
            prop_assert!(!refund.sale_ref.trim().is_empty());
        }
        ShopEvent::Ignored { event_id, .. } => {
            prop_assert!(!event_id.trim().is_empty());
        }
    }
    Ok(())
}

fn check_outcome(result: &Result<ShopEvent, WebhookError>) -> Result<(), TestCaseError> {
    match result {
        Ok(event) => check_event(event),
        Err(err) => check_error(err),
    }
}

// ---------------------------------------------------------------------------
// Generic strategies

/// Strings that parsers of money, ids, times and codes tend to trip over.
#[rustfmt::skip]
const TRICKY_STRINGS: &[&str] = &[
    "", " ", "0", "-0", "0.00", "-0.00", "1", "-1.00", "31.50", " 31.50 ", "+31.50", "31.505",
    "31,50", "1_000", "1e9", "1E-2", "0x1F", "NaN", "nan", "inf", "-Infinity",
    "99999999999999999999.99", "1000000000000.00", "1000000000000.01",
    "79228162514264337593543950336", "0.0000000000000000000000000000001", ".5", "5.", ".", "-",
    "--1", "1.2.3", "\u{0661}\u{0662}", "\u{ff11}", "usd", "USD", "jpy", "XXX", "us",
    "\u{ff35}\u{ff33}\u{ff24}", "paid", "unpaid", "refund", "success", "Shop Order",
    "shop order", "Donation", "checkout.session.completed",
    "checkout.session.async_payment_succeeded", "payment_intent.succeeded", "charge.refunded",
    "charge.dispute.created", "event", "checkout.session", "payment_intent", "charge",
    "dispute", "pi_", "cs_", "ch_", "lobby:", "lobby: KART", "#ABCD",
    "2025-10-09T10:53:20+02:00", "2025-10-09T10:53:20", "2025-02-30T00:00:00Z",
    "9999-12-31T23:59:59Z", "+275760-09-13T00:00:00Z", "2025-10-09T10:53:20+99:00", "yesterday",
    "18446744073709551616", "18446744073709551615", "9223372036854775808",
    "-9223372036854775809", "6021458803752", "1100000000000000001", "\u{0}", "\u{202e}",
    "\u{1f3ce}", "a\nb", "1e-99999999999", "9E+2147483648",
];

/// Raw JSON number and value tokens, spliced into a document as text: most of them
/// no `serde_json::Value` can hold.
#[rustfmt::skip]
const RAW_TOKENS: &[&str] = &[
    "18446744073709551617", "18446744073709551616", "-9223372036854775809",
    "123456789012345678901234567890", "1e400", "-1e400", "1e-400", "6021458803752.0",
    "6021458803752.5", "2.5e3", "1E2", "-0", "-0.0", "0.1", "1.7976931348623157e308",
    "4.9e-324", "9007199254740993",
];

#[rustfmt::skip]
const TRICKY_INTS: &[i64] = &[
    0, -1, 1, -2250, i64::MIN, i64::MAX, 1 << 53, (1 << 53) + 1, AMOUNT_MAX,
    AMOUNT_MAX * 100 + 1, -AMOUNT_MAX * 1000,
];

const TRICKY_FLOATS: &[f64] = &[0.5, -0.0, 31.5, -22.5, 1e9, 1e300, 6021458803752.0];

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TRICKY_STRINGS).prop_map(str::to_owned),
        3 => ".{0,24}",
        1 => "[0-9]{0,40}(\\.[0-9]{0,30})?",
        1 => (0usize..12_000, prop::sample::select(&["x", "9", "é", " ", "\u{1f3ce}"][..]))
            .prop_map(|(n, s)| s.repeat(n)),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(TRICKY_INTS).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(TRICKY_FLOATS).prop_map(Value::from),
        tricky_string().prop_map(Value::from),
        tricky_string().prop_map(Value::from),
    ]
}

/// Any JSON value of modest size, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Arrays or objects nested `depth` levels: past serde_json's recursion limit
/// (128) at the top end.
fn deep_json() -> impl Strategy<Value = String> {
    (1usize..200, any::<bool>()).prop_map(|(depth, arrays)| {
        let (open, close) = if arrays { ("[", "]") } else { ("{\"a\":", "}") };
        format!("{}1{}", open.repeat(depth), close.repeat(depth))
    })
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..512),
        2 => ".{0,256}".prop_map(String::into_bytes),
        1 => any_json().prop_map(|v| serde_json::to_vec(&v).expect("serialises")),
        1 => deep_json().prop_map(String::into_bytes),
    ]
}
