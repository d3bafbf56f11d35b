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

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use cozykart::config::{Config, ConfigError};
use cozykart::discord::{parse_incoming, Command, Incoming, InteractionVerifier, VerifyError};
use cozykart::money::{Currency, Money, MoneyError, Rate, AMOUNT_MAX};
use cozykart::sale::ShopEvent;
use cozykart::webhooks::{kofi, shopify, stripe, WebhookError};
use entity::sale;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{spawn_app, Engine};
use crate::on_both_engines;
use crate::signing::{
    command, create_lobby, full_config, option, post, stripe_signature, HOST, KOFI_TOKEN,
    SHOPIFY_SECRET, STRIPE_SECRET,
};

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

// ---------------------------------------------------------------------------
// Fixtures

const STRIPE_FIXTURES: &[(&str, &[u8])] = &[
    (
        "checkout_session_completed.json",
        include_bytes!("../fixtures/webhooks/stripe/checkout_session_completed.json"),
    ),
    (
        "checkout_session_completed_jpy.json",
        include_bytes!("../fixtures/webhooks/stripe/checkout_session_completed_jpy.json"),
    ),
    (
        "payment_intent_succeeded.json",
        include_bytes!("../fixtures/webhooks/stripe/payment_intent_succeeded.json"),
    ),
    (
        "charge_refunded.json",
        include_bytes!("../fixtures/webhooks/stripe/charge_refunded.json"),
    ),
    (
        "charge_dispute_created.json",
        include_bytes!("../fixtures/webhooks/stripe/charge_dispute_created.json"),
    ),
];

const SHOPIFY_ORDER: &[u8] = include_bytes!("../fixtures/webhooks/shopify/orders_paid.json");
const SHOPIFY_REFUND: &[u8] = include_bytes!("../fixtures/webhooks/shopify/refunds_create.json");

const KOFI_FIXTURES: &[&[u8]] = &[
    include_bytes!("../fixtures/webhooks/kofi/shop_order.json"),
    include_bytes!("../fixtures/webhooks/kofi/donation.json"),
    include_bytes!("../fixtures/webhooks/kofi/subscription.json"),
];
const KOFI_FORM: &[u8] = include_bytes!("../fixtures/webhooks/kofi/shop_order.form-urlencoded.txt");

const DISCORD_FIXTURES: &[(&str, &[u8])] = &[
    ("ping.json", include_bytes!("../fixtures/discord/ping.json")),
    (
        "lobby_create.json",
        include_bytes!("../fixtures/discord/lobby_create.json"),
    ),
    ("join.json", include_bytes!("../fixtures/discord/join.json")),
    (
        "start.json",
        include_bytes!("../fixtures/discord/start.json"),
    ),
    (
        "wallet.json",
        include_bytes!("../fixtures/discord/wallet.json"),
    ),
    (
        "payout.json",
        include_bytes!("../fixtures/discord/payout.json"),
    ),
    (
        "payout_by_non_admin.json",
        include_bytes!("../fixtures/discord/payout_by_non_admin.json"),
    ),
];
const DISCORD_SIGNATURES: &[u8] = include_bytes!("../fixtures/discord/signatures.json");

fn fixture_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("fixture is JSON")
}

/// `(file, timestamp, signature)` of every recorded Discord vector.
fn discord_vectors() -> Vec<(String, String, String)> {
    let sigs = fixture_json(DISCORD_SIGNATURES);
    let text = |v: &Value, k: &str| v[k].as_str().expect("vector field").to_owned();
    sigs["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| (text(v, "file"), text(v, "timestamp"), text(v, "signature")))
        .collect()
}

fn discord_verifier() -> InteractionVerifier {
    let sigs = fixture_json(DISCORD_SIGNATURES);
    InteractionVerifier::new(sigs["public_key_hex"].as_str().expect("key")).expect("valid key")
}

fn discord_body(file: &str) -> &'static [u8] {
    DISCORD_FIXTURES
        .iter()
        .find(|(f, _)| *f == file)
        .expect("fixture")
        .1
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

/// A refusal is one of the documented codes with its status, short, and secret-free.
fn check_error(err: &WebhookError) -> Result<(), TestCaseError> {
    let code = err.code();
    prop_assert!(WEBHOOK_CODES.contains(&code), "undocumented code {code}");
    let expected = match code {
        "bad_signature" | "stale_timestamp" => 401,
        _ => 400,
    };
    let status =
        actix_web::ResponseError::status_code(&cozykart::http::ApiError::from(err.clone()));
    prop_assert_eq!(status.as_u16(), expected, "{} has the wrong status", code);
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

// ---------------------------------------------------------------------------
// Structure-aware mutation of fixture documents

/// One change at one place of a document.
#[derive(Clone, Debug)]
enum Edit {
    /// Replace the value with another, usually of another type.
    Set(Value),
    /// Replace the value with a raw JSON token (see [`RAW_TOKENS`]).
    Raw(&'static str),
    /// Replace the value with a deeply nested one (raw text).
    Deep(String),
    /// Remove the member or element.
    Remove,
    /// Add a member named as a known field to an object (a duplicate key if present).
    Duplicate(String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        8 => any_json().prop_map(Edit::Set),
        3 => prop::sample::select(RAW_TOKENS).prop_map(Edit::Raw),
        1 => deep_json().prop_map(Edit::Deep),
        2 => Just(Edit::Remove),
        1 => ("[a-z_]{1,12}", any_json()).prop_map(|(k, v)| Edit::Duplicate(k, v)),
    ]
}

/// `(at, prefer an interesting field, edit)` applied in order.
type Edits = Vec<(Index, bool, Edit)>;

fn edits() -> impl Strategy<Value = Edits> {
    prop::collection::vec((any::<Index>(), any::<bool>(), edit()), 1..5)
}

fn escape_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// JSON pointers to every value below the root, and those whose own key is one of
/// `interesting`.
fn pointers(doc: &Value, interesting: &[&str]) -> (Vec<String>, Vec<String>) {
    fn walk(
        v: &Value,
        at: String,
        key: &str,
        interesting: &[&str],
        out: &mut (Vec<String>, Vec<String>),
    ) {
        if !at.is_empty() {
            out.0.push(at.clone());
            if interesting.contains(&key) {
                out.1.push(at.clone());
            }
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    walk(
                        child,
                        format!("{at}/{}", escape_token(k)),
                        k,
                        interesting,
                        out,
                    );
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), key, interesting, out);
                }
            }
            _ => {}
        }
    }
    let mut out = (Vec::new(), Vec::new());
    walk(doc, String::new(), "", interesting, &mut out);
    out
}

/// Applies `edits` to a copy of `doc` and serialises it, splicing raw tokens in.
fn mutate(doc: &Value, interesting: &[&str], edits: &Edits) -> Vec<u8> {
    let mut doc = doc.clone();
    let mut raw = Vec::new();
    for (at, prefer, edit) in edits {
        let (all, chosen) = pointers(&doc, interesting);
        let pool = if *prefer && !chosen.is_empty() {
            chosen
        } else {
            all
        };
        if pool.is_empty() {
            continue;
        }
        let pointer = &pool[at.index(pool.len())];
        match edit {
            Edit::Set(value) => {
                if let Some(slot) = doc.pointer_mut(pointer) {
                    *slot = value.clone();
                }
            }
            Edit::Raw(token) => {
                if let Some(slot) = doc.pointer_mut(pointer) {
                    *slot = Value::String(format!("@@raw{}@@", raw.len()));
                    raw.push((*token).to_owned());
                }
            }
            Edit::Deep(text) => {
                if let Some(slot) = doc.pointer_mut(pointer) {
                    *slot = Value::String(format!("@@raw{}@@", raw.len()));
                    raw.push(text.clone());
                }
            }
            Edit::Remove => {
                let (parent, last) = pointer.rsplit_once('/').expect("pointer below root");
                let last = last.replace("~1", "/").replace("~0", "~");
                match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last);
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            if i < items.len() {
                                items.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Edit::Duplicate(key, value) => {
                let (parent, _) = pointer.rsplit_once('/').expect("pointer below root");
                if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
                    let key = interesting
                        .get(key.len() % interesting.len().max(1))
                        .map_or(key.clone(), |k| (*k).to_owned());
                    map.insert(format!("@@dup{}@@", raw.len()), value.clone());
                    raw.push(key);
                }
            }
        }
    }
    let mut text = serde_json::to_string(&doc).expect("serialises");
    for (i, token) in raw.iter().enumerate() {
        // A duplicate key keeps its quotes; a raw value replaces the quoted marker.
        text = text.replace(&format!("\"@@dup{i}@@\""), &format!("{token:?}"));
        text = text.replace(&format!("\"@@raw{i}@@\""), token);
    }
    text.into_bytes()
}

// ---------------------------------------------------------------------------
// Stripe

#[rustfmt::skip]
const STRIPE_FIELDS: &[&str] = &[
    "id", "object", "type", "created", "data", "livemode", "api_version", "amount",
    "amount_total", "amount_subtotal", "amount_received", "amount_refunded", "amount_captured",
    "currency", "payment_status", "status", "mode", "payment_intent", "latest_charge", "charge",
    "metadata", "lobby", "cozy_kart_lobby_id", "client_reference_id", "customer_details",
    "name", "refunded", "balance_transactions",
];

/// The moment the Stripe properties treat as now.
fn stripe_now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_125, 0).single().expect("valid")
}

fn stripe_mac(secret: &str, t: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// One item of a `Stripe-Signature` header, valid or not.
fn stripe_item(body: Vec<u8>) -> impl Strategy<Value = String> {
    let now = stripe_now().timestamp();
    let ts = prop_oneof![
        Just(now.to_string()),
        (now - 400..now + 400).prop_map(|t| t.to_string()),
        any::<i64>().prop_map(|t| t.to_string()),
        any::<u64>().prop_map(|t| t.to_string()),
        prop::sample::select(
            &[
                "",
                "-1",
                "+1760000125",
                " 1760000125 ",
                "0",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775808",
                "99999999999999999999999999",
                "1760000125.0",
                "1e9",
                "0x68e8"
            ][..]
        )
        .prop_map(str::to_owned),
    ];
    let signed = ts.clone().prop_map(move |t| {
        // A correct MAC for this t, so only the timestamp rules decide.
        format!("t={t},v1={}", stripe_mac(STRIPE_SECRET, &t, &body))
    });
    prop_oneof![
        ts.prop_map(|t| format!("t={t}")),
        "[0-9a-f]{64}".prop_map(|h| format!("v1={h}")),
        "[0-9a-fA-F]{0,130}".prop_map(|h| format!("v1={h}")),
        ".{0,80}".prop_map(|h| format!("v1={h}")),
        Just("v1=".to_owned()),
        "[0-9a-f]{64}".prop_map(|h| format!("v0={h}")),
        signed,
        ".{0,40}",
        Just("=".to_owned()),
        Just(",".to_owned()),
        Just(" t = 1760000125 ".to_owned()),
    ]
}

/// A valid header (`t` now, its `v1`) with items inserted anywhere: a second `t`,
/// huge, negative or overflowing timestamps, empty or non-hex `v1`, junk; or the
/// valid pair inside thousands of items.
fn stripe_mutated_valid_header(body: Vec<u8>) -> impl Strategy<Value = String> {
    let now = stripe_now().timestamp().to_string();
    let base = vec![
        format!("t={now}"),
        format!("v1={}", stripe_mac(STRIPE_SECRET, &now, &body)),
    ];
    let inserts = prop::collection::vec((any::<Index>(), stripe_item(body.clone())), 0..4);
    let crowd = prop::option::weighted(0.2, (stripe_item(body), 1000usize..5000));
    (inserts, crowd).prop_map(move |(inserts, crowd)| {
        let mut items = base.clone();
        for (at, item) in inserts {
            items.insert(at.index(items.len() + 1), item);
        }
        if let Some((item, n)) = crowd {
            let mut many = vec![item; n];
            many.splice(n / 2..n / 2, items);
            items = many;
        }
        items.join(",")
    })
}

/// Headers: arbitrary text, lists of items, thousands of items, and mutations of
/// a valid header.
fn stripe_header(body: Vec<u8>) -> impl Strategy<Value = Option<String>> {
    let items = prop::collection::vec(stripe_item(body.clone()), 0..8).prop_map(|i| i.join(","));
    let many =
        (stripe_item(body.clone()), 1000usize..5000).prop_map(|(item, n)| vec![item; n].join(","));
    prop_oneof![
        1 => Just(None),
        3 => ".{0,200}".prop_map(Some),
        6 => items.prop_map(Some),
        1 => many.prop_map(Some),
        4 => stripe_mutated_valid_header(body).prop_map(Some),
    ]
}

/// The reference rule, written independently: exactly one `t` of digits, a `v1`
/// equal to the MAC under the (non-empty) secret, within tolerance.
fn stripe_should_accept(header: &str, body: &[u8], tolerance: i64) -> bool {
    let mut ts = Vec::new();
    let mut v1 = BTreeSet::new();
    for item in header.split(',') {
        if let Some((k, v)) = item.split_once('=') {
            match k.trim() {
                "t" => ts.push(v.trim().to_owned()),
                "v1" => {
                    v1.insert(v.trim().to_ascii_lowercase());
                }
                _ => {}
            }
        }
    }
    let [t] = ts.as_slice() else {
        return false;
    };
    let Some(t_num) = t
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| t.parse::<i64>().ok())
        .flatten()
    else {
        return false;
    };
    v1.contains(&stripe_mac(STRIPE_SECRET, t, body))
        && (stripe_now().timestamp() - t_num).abs() <= tolerance
}

fn stripe_body() -> impl Strategy<Value = Vec<u8>> {
    let fixtures: Vec<&'static [u8]> = STRIPE_FIXTURES.iter().map(|(_, b)| *b).collect();
    prop_oneof![
        prop::sample::select(fixtures).prop_map(<[u8]>::to_vec),
        arbitrary_bytes(),
    ]
}

fn stripe_fixture_docs() -> Vec<Value> {
    STRIPE_FIXTURES
        .iter()
        .map(|(_, b)| fixture_json(b))
        .collect()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn stripe_signature_check_never_panics_and_never_accepts_a_forgery(
        (body, header, tolerance) in stripe_body().prop_flat_map(|body| {
            (Just(body.clone()), stripe_header(body), prop_oneof![Just(300i64), any::<i64>()])
        }),
    ) {
        // An empty configured secret must never become an empty HMAC key.
        let secrets = vec![String::new(), STRIPE_SECRET.to_owned()];
        let result = stripe::verify_signature(
            &body, header.as_deref(), &secrets, stripe_now(), tolerance,
        );
        match &result {
            Ok(()) => {
                let header = header.as_deref().unwrap_or_default();
                prop_assert!(stripe_should_accept(header, &body, tolerance), "accepted {header:.300}");
            }
            Err(err) => {
                check_error(err)?;
                if let Some(header) = header.as_deref() {
                    prop_assert!(!stripe_should_accept(header, &body, tolerance) || tolerance < 0,
                        "refused a valid header with {err}");
                }
            }
        }
        // The same header signed with the empty key never passes.
        let empty_key = format!("t={},v1={}", stripe_now().timestamp(),
            stripe_mac("", &stripe_now().timestamp().to_string(), &body));
        prop_assert!(stripe::verify_signature(&body, Some(&empty_key), &secrets, stripe_now(), 300).is_err());
    }

    #[test]
    fn stripe_parse_of_arbitrary_bytes_is_clean(body in arbitrary_bytes()) {
        check_outcome(&stripe::parse(&body, "main"))?;
    }

    #[test]
    fn stripe_parse_of_mutated_events_is_clean(
        doc in prop::sample::select(stripe_fixture_docs()),
        edits in edits(),
    ) {
        let body = mutate(&doc, STRIPE_FIELDS, &edits);
        check_outcome(&stripe::parse(&body, "main"))?;
    }
}

/// Values of the right JSON type for the fields the Stripe parser reads, at their
/// extremes, so that async-stripe's model accepts the event and our code decides.
fn stripe_field_edit() -> impl Strategy<Value = (&'static str, Value)> {
    let amount = prop_oneof![
        any::<i64>(),
        prop::sample::select(TRICKY_INTS),
        -100_000i64..100_000
    ]
    .prop_map(Value::from);
    let currencies: Vec<String> = Currency::all()
        .map(|c| c.code().to_lowercase())
        .chain(["xxx", "usdc", "", "eur "].map(str::to_owned))
        .collect();
    let text = tricky_string().prop_map(Value::from).boxed();
    prop_oneof![
        amount
            .clone()
            .prop_map(|v| ("/data/object/amount_total", v)),
        amount
            .clone()
            .prop_map(|v| ("/data/object/amount_received", v)),
        amount
            .clone()
            .prop_map(|v| ("/data/object/amount_refunded", v)),
        amount.prop_map(|v| ("/data/object/amount", v)),
        prop::sample::select(currencies).prop_map(|c| ("/data/object/currency", Value::from(c))),
        prop_oneof![any::<i64>(), prop::sample::select(TRICKY_INTS)]
            .prop_map(|t| ("/created", Value::from(t))),
        prop::sample::select(&["paid", "unpaid", "no_payment_required", "PAID"][..])
            .prop_map(|p| ("/data/object/payment_status", Value::from(p))),
        text.clone()
            .prop_map(|v| ("/data/object/metadata/lobby", v)),
        text.clone()
            .prop_map(|v| ("/data/object/metadata/cozy_kart_lobby_id", v)),
        tricky_string().prop_map(|v| (
            "/data/object/client_reference_id",
            Value::from(format!("lobby:{v}"))
        )),
        text.clone()
            .prop_map(|v| ("/data/object/customer_details/name", v)),
        text.prop_map(|v| ("/id", v)),
        prop::sample::select(&["pi_", "pi_x", "ch_", "cs_test", "evt_"][..])
            .prop_map(|v| ("/data/object/payment_intent", Value::from(v))),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn stripe_parse_of_extreme_amounts_currencies_and_times_is_clean(
        doc in prop::sample::select(stripe_fixture_docs()),
        edits in prop::collection::vec(stripe_field_edit(), 1..4),
    ) {
        let mut doc = doc;
        for (pointer, value) in edits {
            let (parent, key) = pointer.rsplit_once('/').expect("pointer");
            if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
                map.insert(key.to_owned(), value);
            }
        }
        let body = serde_json::to_vec(&doc).expect("serialises");
        check_outcome(&stripe::parse(&body, "main"))?;
    }
}

#[test]
fn stripe_fixtures_still_parse() {
    for (file, body) in STRIPE_FIXTURES {
        let event = stripe::parse(body, "main").unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!matches!(event, ShopEvent::Ignored { .. }), "{file}");
        let header = format!(
            "t={},v1={}",
            stripe_now().timestamp(),
            stripe_mac(STRIPE_SECRET, &stripe_now().timestamp().to_string(), body)
        );
        let secrets = [STRIPE_SECRET.to_owned()];
        assert_eq!(
            stripe::verify_signature(body, Some(&header), &secrets, stripe_now(), 300),
            Ok(())
        );
    }
}

// ---------------------------------------------------------------------------
// Shopify

#[rustfmt::skip]
const SHOPIFY_FIELDS: &[&str] = &[
    "id", "order_id", "total_price", "currency", "processed_at", "created_at",
    "note_attributes", "name", "value", "discount_codes", "code", "customer", "first_name",
    "transactions", "kind", "status", "amount", "currency_code", "shop_money",
    "presentment_money", "subtotal_set", "total_tax_set", "amount_set", "tax_amount_set",
    "refund_line_items", "order_adjustments",
];

fn shopify_mac(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SHOPIFY_SECRET.as_bytes()).expect("key");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn shopify_header(body: Vec<u8>) -> impl Strategy<Value = Option<String>> {
    let valid = shopify_mac(&body);
    let flipped = (Just(valid.clone()), any::<Index>(), any::<u8>()).prop_map(|(v, at, b)| {
        let mut bytes = v.into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
            [usize::from(b) % 65];
        String::from_utf8_lossy(&bytes).into_owned()
    });
    prop_oneof![
        Just(None),
        ".{0,120}".prop_map(Some),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| Some(STANDARD.encode(b))),
        prop::collection::vec(any::<u8>(), 32..=32).prop_map(|b| Some(STANDARD.encode(b))),
        prop::collection::vec(any::<u8>(), 32..=32).prop_map(|b| Some(hex::encode(b))),
        Just(Some(valid.clone())),
        Just(Some(format!("  {valid}\t"))),
        Just(Some(valid.trim_end_matches('=').to_owned())),
        flipped.prop_map(Some),
    ]
}

fn shopify_topic() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(
            &[
                "orders/paid",
                "refunds/create",
                " orders/paid ",
                "orders/create",
                "orders/cancelled",
                "ORDERS/PAID",
                ""
            ][..]
        )
        .prop_map(|t| Some(t.to_owned())),
        tricky_string().prop_map(Some),
    ]
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(tricky_string())
}

fn shopify_docs() -> Vec<Value> {
    vec![fixture_json(SHOPIFY_ORDER), fixture_json(SHOPIFY_REFUND)]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn shopify_signature_check_never_panics_and_never_accepts_a_forgery(
        (body, header) in prop_oneof![
            Just(SHOPIFY_ORDER.to_vec()),
            arbitrary_bytes(),
        ].prop_flat_map(|body| (Just(body.clone()), shopify_header(body))),
    ) {
        let secrets = vec![String::new(), SHOPIFY_SECRET.to_owned()];
        let result = shopify::verify_signature(&body, header.as_deref(), &secrets);
        let expected = header
            .as_deref()
            .and_then(|h| STANDARD.decode(h.trim()).ok())
            .is_some_and(|claimed| STANDARD.encode(claimed) == shopify_mac(&body));
        prop_assert_eq!(result.is_ok(), expected, "header {:?}", header);
        if let Err(err) = &result {
            check_error(err)?;
        }
    }

    #[test]
    fn shopify_parse_of_arbitrary_bytes_and_topics_is_clean(
        body in arbitrary_bytes(),
        topic in shopify_topic(),
        event_id in optional_text(),
        webhook_id in optional_text(),
    ) {
        let headers = shopify::ShopifyHeaders {
            hmac: None,
            topic: topic.as_deref(),
            event_id: event_id.as_deref(),
            webhook_id: webhook_id.as_deref(),
        };
        check_outcome(&shopify::parse(&body, &headers, "eu"))?;
    }

    #[test]
    fn shopify_parse_of_mutated_orders_and_refunds_is_clean(
        (doc, topic) in prop_oneof![
            Just((fixture_json(SHOPIFY_ORDER), "orders/paid")),
            Just((fixture_json(SHOPIFY_REFUND), "refunds/create")),
            prop::sample::select(shopify_docs()).prop_map(|d| (d, "orders/create")),
        ],
        edits in edits(),
        event_id in optional_text(),
    ) {
        let body = mutate(&doc, SHOPIFY_FIELDS, &edits);
        let headers = shopify::ShopifyHeaders {
            hmac: None,
            topic: Some(topic),
            event_id: event_id.as_deref(),
            webhook_id: None,
        };
        check_outcome(&shopify::parse(&body, &headers, "eu"))?;
    }

    #[test]
    fn shopify_money_and_id_shapes_are_clean(
        id in prop_oneof![
            prop::sample::select(RAW_TOKENS).prop_map(str::to_owned),
            scalar().prop_map(|v| v.to_string()),
        ],
        money in prop_oneof![
            tricky_string().prop_map(|s| Value::from(s).to_string()),
            prop::sample::select(RAW_TOKENS).prop_map(str::to_owned),
            scalar().prop_map(|v| v.to_string()),
        ],
        currency in tricky_string(),
        refund in any::<bool>(),
    ) {
        // Shapes the brief names: ids as floats, 2^64+1 and strings; money as
        // numbers, "1e9", "-0.00", "NaN", "99999999999999999999.99".
        let (body, topic) = if refund {
            let body = format!(
                r#"{{"id":{id},"order_id":{id},"processed_at":"2025-10-11T14:20:05+02:00",
                "transactions":[{{"kind":"refund","status":"success","amount":{money},"currency":{c}}}],
                "refund_line_items":[{{"subtotal_set":{{"shop_money":{{"amount":{money},"currency_code":"EUR"}},
                "presentment_money":{{"amount":{money},"currency_code":{c}}}}}}}]}}"#,
                c = Value::from(currency.clone()),
            );
            (body, "refunds/create")
        } else {
            let body = format!(
                r#"{{"id":{id},"total_price":{money},"currency":{c},"processed_at":"2025-10-09T10:53:20+02:00"}}"#,
                c = Value::from(currency.clone()),
            );
            (body, "orders/paid")
        };
        let headers = shopify::ShopifyHeaders { topic: Some(topic), ..Default::default() };
        check_outcome(&shopify::parse(body.as_bytes(), &headers, "eu"))?;
    }
}

#[test]
fn shopify_fixtures_still_parse() {
    for (body, topic) in [
        (SHOPIFY_ORDER, "orders/paid"),
        (SHOPIFY_REFUND, "refunds/create"),
    ] {
        let headers = shopify::ShopifyHeaders {
            topic: Some(topic),
            ..Default::default()
        };
        let event = shopify::parse(body, &headers, "eu").expect(topic);
        assert!(!matches!(event, ShopEvent::Ignored { .. }), "{topic}");
        let secrets = [SHOPIFY_SECRET.to_owned()];
        assert_eq!(
            shopify::verify_signature(body, Some(&shopify_mac(body)), &secrets),
            Ok(())
        );
    }
}

// ---------------------------------------------------------------------------
// Ko-fi

#[rustfmt::skip]
const KOFI_FIELDS: &[&str] = &[
    "message_id", "timestamp", "type", "is_public", "from_name", "message", "amount",
    "currency", "kofi_transaction_id", "verification_token",
];

fn kofi_docs() -> Vec<Value> {
    KOFI_FIXTURES.iter().map(|b| fixture_json(b)).collect()
}

fn form_encode(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).expect("form encodes")
}

/// Random percent-escapes, stray `%`, `+`, `&` and `=` spliced into encoded text.
fn splice_escapes(text: String, at: Vec<(Index, String)>) -> String {
    let mut text = text.into_bytes();
    for (i, piece) in at {
        let pos = i.index(text.len() + 1);
        text.splice(pos..pos, piece.into_bytes());
    }
    String::from_utf8_lossy(&text).into_owned()
}

fn escape_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u8>().prop_map(|b| format!("%{b:02X}")),
        any::<u8>().prop_map(|b| format!("%{b:02x}")),
        Just("%".to_owned()),
        Just("%G1".to_owned()),
        Just("%C3".to_owned()),
        Just("%ED%A0%80".to_owned()),
        Just("+".to_owned()),
        Just("&".to_owned()),
        Just("=".to_owned()),
        Just("&data=".to_owned()),
        Just("%00".to_owned()),
    ]
}

/// A `data` value: a mutated fixture with its token intact, or anything else.
fn kofi_data() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (prop::sample::select(kofi_docs()), edits())
            .prop_map(|(doc, e)| String::from_utf8(mutate(&doc, KOFI_FIELDS, &e)).expect("utf-8")),
        1 => prop::sample::select(kofi_docs()).prop_map(|d| d.to_string()),
        1 => tricky_string(),
        1 => deep_json(),
        1 => any_json().prop_map(|v| v.to_string()),
    ]
}

fn kofi_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("data".to_owned()),
        1 => prop::sample::select(&["DATA", "data ", " data", "dat", "data[]", ""][..])
            .prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

/// Form bodies: zero, one or several pairs (missing and duplicate `data`), encoded
/// properly, then with escapes spliced in.
fn kofi_form() -> impl Strategy<Value = Vec<u8>> {
    let pairs = prop::collection::vec((kofi_key(), kofi_data()), 0..4);
    let escapes = prop::collection::vec((any::<Index>(), escape_piece()), 0..4);
    (pairs, escapes)
        .prop_map(|(pairs, escapes)| splice_escapes(form_encode(&pairs), escapes).into_bytes())
}

fn counted_types() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        3 => Just(vec!["Shop Order".to_owned()]),
        1 => Just(vec!["Shop Order".to_owned(), "donation".to_owned(), " Subscription ".to_owned()]),
        1 => prop::collection::vec(tricky_string(), 0..3),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn kofi_parse_of_arbitrary_bytes_is_clean(body in arbitrary_bytes(), types in counted_types()) {
        let tokens = vec![String::new(), KOFI_TOKEN.to_owned()];
        check_outcome(&kofi::parse(&body, &tokens, &types, "kofi"))?;
    }

    #[test]
    fn kofi_parse_of_arbitrary_forms_is_clean(body in kofi_form(), types in counted_types()) {
        let tokens = vec![String::new(), KOFI_TOKEN.to_owned()];
        check_outcome(&kofi::parse(&body, &tokens, &types, "kofi"))?;
    }

    #[test]
    fn kofi_parse_of_mutated_payloads_is_clean(
        doc in prop::sample::select(kofi_docs()),
        edits in edits(),
        types in counted_types(),
    ) {
        let data = String::from_utf8(mutate(&doc, KOFI_FIELDS, &edits)).expect("utf-8");
        let body = form_encode(&[("data".to_owned(), data)]);
        let tokens = vec![String::new(), KOFI_TOKEN.to_owned()];
        check_outcome(&kofi::parse(body.as_bytes(), &tokens, &types, "kofi"))?;
    }

    #[test]
    fn kofi_without_the_token_is_always_refused(data in kofi_data(), token in ".{0,40}") {
        prop_assume!(token != KOFI_TOKEN);
        let mut doc: Value = match serde_json::from_str(&data) {
            Ok(Value::Object(map)) => Value::Object(map),
            _ => return Ok(()),
        };
        doc["verification_token"] = Value::from(token);
        let body = form_encode(&[("data".to_owned(), doc.to_string())]);
        let tokens = vec![String::new(), KOFI_TOKEN.to_owned()];
        let result = kofi::parse(body.as_bytes(), &tokens, &["Shop Order".to_owned()], "kofi");
        prop_assert_eq!(result, Err(WebhookError::BadSignature("verification token")));
    }
}

#[test]
fn kofi_fixture_form_still_parses() {
    let tokens = [KOFI_TOKEN.to_owned()];
    let event = kofi::parse(KOFI_FORM, &tokens, &["Shop Order".to_owned()], "kofi").unwrap();
    assert!(matches!(event, ShopEvent::Sale(_)));
}

// ---------------------------------------------------------------------------
// Discord

#[rustfmt::skip]
const DISCORD_FIELDS: &[&str] = &[
    "id", "application_id", "type", "data", "name", "value", "options", "focused", "resolved",
    "users", "members", "roles", "guild_id", "channel_id", "channel", "guild", "member", "user",
    "username", "global_name", "nick", "permissions", "app_permissions", "token", "version",
    "locale", "entitlements", "context", "authorizing_integration_owners", "joined_at",
    "discriminator", "public_flags", "flags",
];

const OPTION_NAMES: &[&str] = &[
    "create", "name", "lobby", "user", "amount", "currency", "method", "note", "force", "rate",
];

#[rustfmt::skip]
const COMMAND_NAMES: &[&str] = &[
    "lobby", "join", "leave", "start", "end", "pot", "wallet", "leaderboard", "payout",
    "commission",
];

fn snowflake() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!("1100000000000000002")),
        Just(json!("0")),
        Just(json!(0)),
        Just(json!("-1")),
        Just(json!("18446744073709551615")),
        Just(json!("18446744073709551616")),
        Just(json!(1_100_000_000_000_000_002u64)),
        any::<u64>().prop_map(|n| json!(n.to_string())),
        scalar(),
    ]
    .boxed()
}

/// An option value of the right type for `kind`, or anything at all.
fn option_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        tricky_string().prop_map(Value::from),
        snowflake(),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        scalar(),
    ]
}

/// A value of the type an option of `kind` carries, or (one time in five) any value.
fn option_value_for(kind: u8) -> BoxedStrategy<Value> {
    let typed = match kind {
        3 => tricky_string().prop_map(Value::from).boxed(),
        4 => any::<i64>().prop_map(Value::from).boxed(),
        5 => any::<bool>().prop_map(Value::from).boxed(),
        6..=9 | 11 => snowflake(),
        10 => any::<f64>().prop_map(Value::from).boxed(),
        _ => option_value().boxed(),
    };
    prop_oneof![4 => typed, 1 => option_value()].boxed()
}

/// A tree of command options: leaves of every option type (and unknown ones),
/// subcommands and groups holding more options.
fn option_tree() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        3 => prop::sample::select(OPTION_NAMES).prop_map(str::to_owned),
        1 => tricky_string(),
    ];
    let leaf = (name.clone(), prop_oneof![9 => 3u8..=11, 1 => 0u8..=14])
        .prop_flat_map(|(name, kind)| {
            (
                Just(name),
                Just(kind),
                prop::option::weighted(0.9, option_value_for(kind)),
                prop::option::weighted(0.1, any::<bool>()),
            )
        })
        .prop_map(|(name, kind, value, focused)| {
            let mut option = json!({"name": name, "type": kind});
            if let Some(value) = value {
                option["value"] = value;
            }
            if let Some(focused) = focused {
                option["focused"] = focused.into();
            }
            option
        });
    leaf.prop_recursive(4, 32, 4, move |inner| {
        (
            name.clone(),
            prop_oneof![Just(1u8), Just(2u8), 0u8..=14],
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(
                |(name, kind, options)| json!({"name": name, "type": kind, "options": options}),
            )
    })
}

/// `data.resolved` with user and member objects shaped like Discord's, with
/// arbitrary names, or anything at all.
fn resolved() -> impl Strategy<Value = Option<Value>> {
    let id = prop_oneof![
        3 => Just("1100000000000000002".to_owned()),
        1 => Just("0".to_owned()),
        1 => "[0-9a-z]{0,20}",
    ];
    let name = prop_oneof![tricky_string().prop_map(Value::from), Just(Value::Null)];
    let user = (id.clone(), tricky_string(), name.clone()).prop_map(|(id, username, global)| {
        (
            id.clone(),
            json!({"id": id, "username": username, "global_name": global,
                   "avatar": null, "discriminator": "0", "public_flags": 0}),
        )
    });
    let member = (id, name).prop_map(|(id, nick)| {
        (
            id,
            json!({"roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false,
                   "mute": false, "flags": 0, "pending": false, "permissions": "0", "nick": nick}),
        )
    });
    prop_oneof![
        1 => Just(None),
        4 => (prop::collection::vec(user, 0..3), prop::collection::vec(member, 0..3))
            .prop_map(|(users, members)| {
                let users: serde_json::Map<String, Value> = users.into_iter().collect();
                let members: serde_json::Map<String, Value> = members.into_iter().collect();
                Some(json!({"users": users, "members": members}))
            }),
        1 => any_json().prop_map(Some),
    ]
}

/// Subcommands nested `depth` deep, up to past serde_json's recursion limit.
fn nested_subcommands(depth: usize) -> Value {
    let mut options = json!([{"name": "name", "type": 3, "value": "Cup"}]);
    for _ in 0..depth {
        options = json!([{"name": "create", "type": 1, "options": options}]);
    }
    options
}

/// A command interaction built from a fixture with its data replaced.
fn discord_command() -> impl Strategy<Value = Vec<u8>> {
    let docs: Vec<Value> = DISCORD_FIXTURES[1..]
        .iter()
        .map(|(_, b)| fixture_json(b))
        .collect();
    let name = prop_oneof![
        4 => prop::sample::select(COMMAND_NAMES).prop_map(str::to_owned),
        1 => tricky_string(),
    ];
    let options = prop_oneof![
        4 => prop::collection::vec(option_tree(), 0..5).prop_map(Value::Array),
        1 => (1usize..100).prop_map(nested_subcommands),
        1 => any_json(),
    ];
    let permissions = prop_oneof![
        Just(json!("3112")),
        Just(json!("8")),
        Just(json!("-1")),
        Just(json!("340282366920938463463374607431768211456")),
        Just(json!(8)),
        scalar(),
    ];
    (
        prop::sample::select(docs),
        name,
        prop_oneof![Just(json!(1)), Just(json!(2)), Just(json!(3)), scalar()],
        options,
        resolved(),
        permissions,
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |(mut doc, name, kind, options, resolved, permissions, drop_member)| {
                doc["data"]["name"] = name.into();
                doc["data"]["type"] = kind;
                doc["data"]["options"] = options;
                if let Some(resolved) = resolved {
                    doc["data"]["resolved"] = resolved;
                }
                doc["member"]["permissions"] = permissions;
                match drop_member {
                    Some(true) => {
                        doc.as_object_mut().expect("object").remove("member");
                    }
                    Some(false) => {
                        doc.as_object_mut().expect("object").remove("guild_id");
                    }
                    None => {}
                }
                serde_json::to_vec(&doc).expect("serialises")
            },
        )
}

fn discord_docs() -> Vec<Value> {
    DISCORD_FIXTURES
        .iter()
        .map(|(_, b)| fixture_json(b))
        .collect()
}

/// A parsed command honours the option limits the parser promises.
fn check_command(command: &Command) -> Result<(), TestCaseError> {
    let within = |text: &Option<String>, max: usize| {
        text.as_ref()
            .is_none_or(|t| !t.is_empty() && t.trim() == t && t.chars().count() <= max)
    };
    match command {
        Command::LobbyCreate { name } => prop_assert!(within(name, 64)),
        Command::Join { lobby }
        | Command::Leave { lobby }
        | Command::Start { lobby }
        | Command::End { lobby }
        | Command::Pot { lobby } => prop_assert!(within(lobby, 64)),
        Command::Payout { form, .. } => {
            let id = &form.discord_id;
            prop_assert!(id.parse::<u64>().is_ok_and(|id| id > 0), "user id {id}");
            prop_assert!(within(&Some(form.amount.clone()), 32));
            prop_assert!(within(&form.currency, 3));
            prop_assert!(within(&form.note, 200));
            // The parser hands on a method's value, never free text.
            prop_assert!(form
                .method
                .as_deref()
                .is_none_or(|m| cozykart::payout::parse_method(m)
                    .is_some_and(|method| method.as_str() == m)));
        }
        Command::Commission { rate } => prop_assert!(within(&Some(rate.clone()), 32)),
        Command::Wallet | Command::Leaderboard => {}
    }
    Ok(())
}

fn check_incoming(result: &Result<Incoming, serde_json::Error>) -> Result<(), TestCaseError> {
    match result {
        Ok(Incoming::Command(caller, command)) => {
            prop_assert!(caller.user_id.parse::<u64>().is_ok_and(|id| id > 0));
            check_command(command)?;
        }
        Ok(Incoming::Refused(reply)) => {
            prop_assert!(reply.ephemeral);
            prop_assert!(reply.content.chars().count() <= 200, "{}", reply.content);
        }
        Ok(Incoming::Ping | Incoming::Unsupported) | Err(_) => {}
    }
    Ok(())
}

fn discord_signature() -> impl Strategy<Value = Option<String>> {
    let vectors: Vec<String> = discord_vectors().into_iter().map(|(_, _, s)| s).collect();
    let flipped = (
        prop::sample::select(vectors.clone()),
        any::<Index>(),
        0usize..16,
    )
        .prop_map(|(sig, at, digit)| {
            let mut bytes = sig.into_bytes();
            let i = at.index(bytes.len());
            let replacement = b"0123456789abcdef"[digit];
            bytes[i] = if bytes[i] == replacement {
                b'0' ^ b'1' ^ replacement
            } else {
                replacement
            };
            String::from_utf8(bytes).expect("hex")
        });
    prop_oneof![
        Just(None),
        ".{0,140}".prop_map(Some),
        "[0-9a-fA-F]{128}".prop_map(Some),
        "[0-9a-f]{126,130}".prop_map(Some),
        prop::sample::select(vectors.clone()).prop_map(|s| Some(s.to_uppercase())),
        prop::sample::select(vectors).prop_map(|s| Some(format!(" {s}"))),
        flipped.prop_map(Some),
    ]
}

fn discord_timestamp() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some("1760000200".to_owned())),
        Just(Some("1760000200 ".to_owned())),
        Just(Some("01760000200".to_owned())),
        any::<i64>().prop_map(|t| Some(t.to_string())),
        ".{0,40}".prop_map(Some),
    ]
}

proptest! {
    // Fewer by default: an Ed25519 verification costs milliseconds in a debug build.
    #![proptest_config(config(256))]

    #[test]
    fn discord_verify_never_panics_and_accepts_only_recorded_vectors(
        signature in discord_signature(),
        timestamp in discord_timestamp(),
        body in prop_oneof![
            prop::sample::select(DISCORD_FIXTURES).prop_map(|(_, b)| b.to_vec()),
            arbitrary_bytes(),
        ],
    ) {
        let verifier = discord_verifier();
        let result = verifier.verify(signature.as_deref(), timestamp.as_deref(), &body);
        match (&result, signature.as_deref(), timestamp.as_deref()) {
            (Ok(()), Some(sig), Some(ts)) => {
                let recorded = discord_vectors().into_iter().any(|(file, vts, vsig)| {
                    vsig.eq_ignore_ascii_case(sig) && vts == ts && discord_body(&file) == body
                });
                prop_assert!(recorded, "accepted an unrecorded request");
            }
            (Ok(()), _, _) => return Err(TestCaseError::fail("accepted without headers")),
            (Err(VerifyError::MissingSignature), sig, _) => prop_assert!(sig.is_none()),
            (Err(VerifyError::MissingTimestamp), _, ts) => {
                prop_assert!(ts.is_none_or(str::is_empty));
            }
            (Err(VerifyError::MalformedSignature | VerifyError::BadSignature), _, _) => {}
            (Err(other), _, _) => {
                return Err(TestCaseError::fail(format!("request refused as {other:?}")));
            }
        }
    }

    #[test]
    fn discord_public_keys_are_checked_without_panicking(
        key in prop_oneof!["[0-9a-fA-F]{64}", " ?[0-9a-f]{62,66} ?", ".{0,70}"],
    ) {
        // serenity's own Verifier::new panics on a bad key; ours must not.
        let _ = InteractionVerifier::new(&key);
    }

    #[test]
    fn discord_parse_of_arbitrary_bytes_is_clean(body in arbitrary_bytes()) {
        check_incoming(&parse_incoming(&body, Some("1200000000000000009")))?;
    }

    #[test]
    fn discord_parse_of_mutated_interactions_is_clean(
        doc in prop::sample::select(discord_docs()),
        edits in edits(),
        admin_role in prop::option::of(prop_oneof![Just("1200000000000000009".to_owned()), ".{0,20}"]),
    ) {
        let body = mutate(&doc, DISCORD_FIELDS, &edits);
        check_incoming(&parse_incoming(&body, admin_role.as_deref()))?;
    }

    #[test]
    fn discord_parse_of_arbitrary_commands_is_clean(body in discord_command()) {
        check_incoming(&parse_incoming(&body, None))?;
    }
}

#[test]
fn discord_fixtures_still_verify_and_parse() {
    let verifier = discord_verifier();
    for (file, ts, sig) in discord_vectors() {
        let body = discord_body(&file);
        assert_eq!(
            verifier.verify(Some(&sig), Some(&ts), body),
            Ok(()),
            "{file}"
        );
        let incoming = parse_incoming(body, None).unwrap();
        assert!(
            matches!(incoming, Incoming::Ping | Incoming::Command(..)),
            "{file}"
        );
    }
}

// ---------------------------------------------------------------------------
// Money, currencies and rates

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

// ---------------------------------------------------------------------------
// Configuration

const CONFIG_SECRET: &str = "whsec_fuzz_ConfigSecretMustNotLeak";

#[rustfmt::skip]
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("http", "bind"), ("http", "public_url"), ("database", "url"), ("discord", "public_key"),
    ("discord", "guild_id"), ("discord", "admin_role"), ("admin", "token"),
    ("commission", "rate"), ("commission", "max_racers"), ("commission", "hold_days"),
    ("commission", "payout_threshold"), ("commission", "untagged"),
    ("commission", "max_window_minutes"), ("commission", "max_delay_minutes"),
    ("shops.main", "provider"), ("shops.main", "guild_id"), ("shops.main", "checkout_url"),
    ("shops.main", "kofi_types"), ("shops.main", "previous_secret"),
];

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(
            &[
                "0",
                "-1",
                "65",
                "nan",
                "inf",
                "-inf",
                "1e400",
                "0.2",
                "1.5",
                "true",
                "[]",
                "[1, \"a\"]",
                "{}",
                "{ a = 1 }",
                "1979-05-27T07:32:00Z",
                "18446744073709551616",
                "\"\"",
                "\"  \"",
                "\"0.20\"",
                "\"NaN\"",
                "\"split\"",
                "\"stripe\"",
                "\"kofi\"",
                "\"127.0.0.1:0\"",
                "\"sqlite::memory:\"",
                "\"99999999999999999999.99\"",
                "\"-0.00\"",
                "\"1e9\"",
            ][..],
        )
        .prop_map(str::to_owned),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        tricky_string().prop_map(|s| Value::from(s).to_string()),
    ]
}

fn config_text() -> impl Strategy<Value = String> {
    let assignment = (prop::sample::select(CONFIG_KEYS), toml_value())
        .prop_map(|((table, key), value)| format!("[{table}]\n{key} = {value}\n"));
    let shop = (
        prop_oneof![Just("main".to_owned()), ".{0,12}"],
        prop::sample::select(&["stripe", "shopify", "kofi", "paypal", ""][..]),
    )
        .prop_map(|(name, provider)| {
            format!(
                "[shops.{}]\nprovider = \"{provider}\"\nsecret = \"{CONFIG_SECRET}\"\n",
                Value::from(name)
            )
        });
    prop_oneof![
        4 => (shop, prop::collection::vec(assignment, 0..4))
            .prop_map(|(shop, rest)| format!("{shop}{}", rest.concat())),
        1 => ".{0,120}",
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn config_from_toml_never_panics_and_names_the_key(text in config_text()) {
        match Config::from_toml(&text) {
            Ok(config) => {
                let c = &config.commission;
                prop_assert!(c.rate.value() >= Decimal::ZERO && c.rate.value() <= Decimal::ONE);
                prop_assert!((1..=64).contains(&c.max_racers));
                prop_assert!(!c.payout_threshold.is_sign_negative());
                for shop in config.shops.values() {
                    prop_assert!(!shop.secrets.is_empty());
                    prop_assert!(shop.secrets.iter().all(|s| !s.trim().is_empty()));
                }
            }
            Err(err) => {
                let message = err.to_string();
                prop_assert!(!message.contains(CONFIG_SECRET), "secret in {message}");
                if let ConfigError::Invalid { key, .. } = &err {
                    prop_assert!(!key.is_empty());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The running server

/// One hostile request.
#[derive(Clone, Debug)]
struct HttpCase {
    path: &'static str,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

const HTTP_PATHS: &[&str] = &[
    "/webhooks/stripe/main",
    "/webhooks/shopify/eu",
    "/webhooks/kofi/kofi",
    "/discord/interactions",
];

#[rustfmt::skip]
const HTTP_HEADERS: &[&str] = &[
    "Stripe-Signature", "X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256", "X-Shopify-Topic",
    "X-Shopify-Event-Id", "X-Signature-Ed25519", "X-Signature-Timestamp", "Content-Type",
];

/// Header value bytes as HTTP allows them (visible ASCII, space, tab, obs-text).
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[ -~]{0,160}".prop_map(String::into_bytes),
        prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')], 0..80),
        "[0-9a-f]{128}".prop_map(String::into_bytes),
        Just(b"t=1759996800,v1=00".to_vec()),
        Just(b"orders/paid".to_vec()),
        Just(b"refunds/create".to_vec()),
        Just(b"1759996800".to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
    ]
}

/// A fixture with a small change (flip, cut, extension) and the fixture's own
/// credentials where it has them: never a valid request.
fn near_miss() -> impl Strategy<Value = HttpCase> {
    let stripe = prop::sample::select(STRIPE_FIXTURES).prop_map(|(file, body)| {
        // Recorded vectors are signed hours after the test clock's start.
        let sigs = fixture_json(include_bytes!(
            "../fixtures/webhooks/stripe/signatures.json"
        ));
        let header = sigs["vectors"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["file"] == file))
            .and_then(|v| v["stripe_signature"].as_str())
            .unwrap_or_default()
            .to_owned();
        HttpCase {
            path: "/webhooks/stripe/main",
            headers: vec![("Stripe-Signature", header.into_bytes())],
            body: body.to_vec(),
        }
    });
    let shopify = prop::sample::select(
        &[
            (SHOPIFY_ORDER, "orders/paid"),
            (SHOPIFY_REFUND, "refunds/create"),
        ][..],
    )
    .prop_map(|(body, topic)| HttpCase {
        path: "/webhooks/shopify/eu",
        headers: vec![
            ("X-Shopify-Hmac-Sha256", shopify_mac(body).into_bytes()),
            ("X-Shopify-Topic", topic.as_bytes().to_vec()),
        ],
        body: body.to_vec(),
    });
    let kofi = ".{0,40}".prop_map(|token| {
        let token = if token == KOFI_TOKEN {
            format!("{token}x")
        } else {
            token
        };
        let body = String::from_utf8_lossy(KOFI_FORM)
            .replace(KOFI_TOKEN, &form_encode(&[(String::new(), token)])[1..]);
        HttpCase {
            path: "/webhooks/kofi/kofi",
            headers: vec![],
            body: body.into_bytes(),
        }
    });
    let discord = prop::sample::select(discord_vectors()).prop_map(|(file, ts, sig)| HttpCase {
        path: "/discord/interactions",
        headers: vec![
            ("X-Signature-Ed25519", sig.into_bytes()),
            ("X-Signature-Timestamp", ts.into_bytes()),
        ],
        body: discord_body(&file).to_vec(),
    });
    let damage = prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(at, x)| (0u8, at, x)),
        (any::<Index>(), Just(0u8)).prop_map(|(at, x)| (1u8, at, x)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, x)| (2u8, at, x)),
    ];
    (prop_oneof![stripe, shopify, kofi, discord], damage).prop_map(|(mut case, (how, at, x))| {
        let i = at.index(case.body.len());
        match how {
            0 => case.body[i] ^= x,
            1 => case.body.truncate(i),
            _ => case.body.push(x),
        }
        case
    })
}

fn http_case() -> impl Strategy<Value = HttpCase> {
    let random = (
        prop_oneof![
            8 => prop::sample::select(HTTP_PATHS),
            1 => prop::sample::select(&["/webhooks/stripe/eu", "/webhooks/shopify/main", "/webhooks/paypal/main", "/webhooks/kofi/nope"][..]),
        ],
        prop::collection::vec((prop::sample::select(HTTP_HEADERS), header_value()), 0..5),
        prop_oneof![
            8 => arbitrary_bytes(),
            1 => (256usize * 1024 + 1..300 * 1024).prop_map(|n| vec![b'{'; n]),
        ],
    )
        .prop_map(|(path, headers, body)| HttpCase { path, headers, body });
    prop_oneof![3 => random, 1 => near_miss()]
}

#[actix_web::test]
async fn http_endpoints_refuse_hostile_requests_with_json_errors() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    // Round trips are slow next to a parser call: a smaller default sample.
    let mut runner = TestRunner::new(config(64));
    let strategy = http_case();
    let count = runner.config().cases;
    let requests: Vec<HttpCase> = (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("case").current())
        .collect();
    let client = app.client();
    for case in &requests {
        let mut request = client.post(format!("{}{}", app.address, case.path));
        for (name, value) in &case.headers {
            let value =
                actix_web::http::header::HeaderValue::from_bytes(value).expect("valid bytes");
            request = request.insert_header((*name, value));
        }
        let mut response = request
            .send_body(case.body.clone())
            .await
            .unwrap_or_else(|e| panic!("request failed ({e}) for {}", describe(case)));
        let status = response.status().as_u16();
        let body = response.body().limit(1 << 20).await.expect("response body");
        let json: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "{status} answer is not JSON: {:?} for {}",
                String::from_utf8_lossy(&body),
                describe(case)
            )
        });
        assert!(
            matches!(status, 400 | 401 | 404 | 413),
            "status {status} {json} for {}",
            describe(case)
        );
        assert!(
            json["error"].is_string() && json["message"].is_string(),
            "{json} for {}",
            describe(case)
        );
        for secret in all_secrets() {
            assert!(!json.to_string().contains(secret), "secret in {json}");
        }
    }
    let sales = sale::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(sales, 0, "a hostile request recorded a sale");
    eprintln!("{} hostile requests refused", requests.len());
}

/// A correctly signed delivery of a mutated fixture: what a shop (or anyone who
/// holds its secret) could send. Its headers are signed when it is sent.
#[derive(Clone, Debug)]
enum SignedCase {
    Stripe(Vec<u8>),
    /// Topic, event id, body.
    Shopify(&'static str, String, Vec<u8>),
    Kofi(Vec<u8>),
}

/// Fresh delivery ids (`nonce`) and sale keys from a small pool (`sale`), so that
/// deliveries are not all duplicates and refunds meet the sales they name.
fn rekey(doc: &mut Value, nonce: u64, sale: u8) {
    let fresh = |id: &Value, suffix: String| {
        let id = id.as_str().unwrap_or_default();
        let prefix = id.split_once('_').map_or("x", |(p, _)| p);
        Value::from(format!("{prefix}_fuzz{suffix}"))
    };
    if doc.get("data").is_some() {
        // Stripe: the event, its object, and the PaymentIntent a sale is keyed on.
        doc["id"] = fresh(&doc["id"], nonce.to_string());
        let object = &mut doc["data"]["object"];
        let object_key = if object["object"] == "payment_intent" {
            format!("sale{sale}")
        } else {
            nonce.to_string()
        };
        object["id"] = fresh(&object["id"], object_key);
        if object.get("payment_intent").is_some_and(Value::is_string) {
            object["payment_intent"] = Value::from(format!("pi_fuzzsale{sale}"));
        }
    } else if doc.get("order_id").is_some() {
        // Shopify refund.
        doc["id"] = Value::from(nonce >> 1);
        doc["order_id"] = Value::from(6_021_458_803_752u64 + u64::from(sale));
    } else if doc.get("total_price").is_some() {
        // Shopify order.
        doc["id"] = Value::from(6_021_458_803_752u64 + u64::from(sale));
    } else {
        // Ko-fi.
        doc["message_id"] = Value::from(format!("fuzz-{nonce}"));
        doc["kofi_transaction_id"] = Value::from(format!("fuzz-sale-{sale}"));
    }
}

fn signed_case() -> impl Strategy<Value = SignedCase> {
    let keys = (any::<u64>(), 0u8..24);
    let stripe_fields = (
        prop::sample::select(stripe_fixture_docs()),
        keys.clone(),
        prop::collection::vec(stripe_field_edit(), 0..4),
    )
        .prop_map(|(mut doc, (nonce, sale), edits)| {
            rekey(&mut doc, nonce, sale);
            for (pointer, value) in edits {
                let (parent, key) = pointer.rsplit_once('/').expect("pointer");
                if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
                    map.insert(key.to_owned(), value);
                }
            }
            SignedCase::Stripe(serde_json::to_vec(&doc).expect("serialises"))
        });
    let stripe_any = (
        prop::sample::select(stripe_fixture_docs()),
        keys.clone(),
        edits(),
    )
        .prop_map(|(mut doc, (nonce, sale), e)| {
            rekey(&mut doc, nonce, sale);
            SignedCase::Stripe(mutate(&doc, STRIPE_FIELDS, &e))
        });
    let shopify = (
        prop_oneof![
            Just((fixture_json(SHOPIFY_ORDER), "orders/paid")),
            Just((fixture_json(SHOPIFY_REFUND), "refunds/create")),
        ],
        keys.clone(),
        edits(),
    )
        .prop_map(|((mut doc, topic), (nonce, sale), e)| {
            rekey(&mut doc, nonce, sale);
            SignedCase::Shopify(
                topic,
                format!("fuzz-{nonce}"),
                mutate(&doc, SHOPIFY_FIELDS, &e),
            )
        });
    let kofi = (prop::sample::select(kofi_docs()), keys, edits())
        .prop_map(|(mut doc, (nonce, sale), e)| {
            rekey(&mut doc, nonce, sale);
            let data = String::from_utf8(mutate(&doc, KOFI_FIELDS, &e)).expect("utf-8");
            form_encode(&[("data".to_owned(), data)]).into_bytes()
        })
        // Ko-fi's "signature" is the token in the body: keep the edits that left it.
        .prop_filter("the edits changed the token", |body| {
            let tokens = [KOFI_TOKEN.to_owned()];
            !matches!(
                kofi::parse(body, &tokens, &[], "kofi"),
                Err(WebhookError::BadSignature(_))
            )
        })
        .prop_map(SignedCase::Kofi);
    prop_oneof![stripe_fields, stripe_any, shopify, kofi]
}

/// Signed, mutated deliveries through the whole server and its database: each is
/// answered 200 or a clean 400, never a 5xx (a provider would retry it for days),
/// and the ledger still balances afterwards.
async fn signed_mutated_deliveries_are_answered_cleanly(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    // An open window with two racers, so that sales are allocated and reversed.
    let code = create_lobby(&app, "Fuzz Cup").await;
    for racer in ["1100000000000000021", "1100000000000000022"] {
        command(&app, "join", json!([option("lobby", &code)]), racer, false).await;
    }
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    let mut runner = TestRunner::new(config(64));
    let strategy = signed_case();
    let count = runner.config().cases;
    let deliveries: Vec<SignedCase> = (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("case").current())
        .collect();
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for case in &deliveries {
        let (path, body, headers) = match case {
            SignedCase::Stripe(body) => {
                let signature = stripe_signature(body, app.clock.now().timestamp());
                (
                    "/webhooks/stripe/main",
                    body,
                    vec![("Stripe-Signature", signature)],
                )
            }
            SignedCase::Shopify(topic, event_id, body) => (
                "/webhooks/shopify/eu",
                body,
                vec![
                    ("X-Shopify-Hmac-Sha256", shopify_mac(body)),
                    ("X-Shopify-Topic", (*topic).to_owned()),
                    ("X-Shopify-Event-Id", event_id.clone()),
                ],
            ),
            SignedCase::Kofi(body) => ("/webhooks/kofi/kofi", body, vec![]),
        };
        let (status, json) = post(&app, path, body.clone(), &headers).await;
        let shown = String::from_utf8_lossy(&body[..body.len().min(2000)]).into_owned();
        match status {
            200 => {
                let outcome = json["status"].as_str().unwrap_or_default();
                assert!(
                    [
                        "recorded",
                        "duplicate",
                        "ignored",
                        "refund_applied",
                        "refund_waiting",
                        "refund_rejected"
                    ]
                    .contains(&outcome),
                    "{json} for POST {path} {shown}"
                );
                *statuses.entry(outcome.to_owned()).or_default() += 1;
            }
            400 => {
                let code = json["error"].as_str().unwrap_or_default();
                assert!(
                    WEBHOOK_CODES.contains(&code) && json["message"].is_string(),
                    "{json} for POST {path} {shown}"
                );
                *statuses.entry(code.to_owned()).or_default() += 1;
            }
            _ => panic!("{status} {json} for POST {path} {shown}"),
        }
    }
    app.assert_ledger_balances().await;
    eprintln!(
        "{engine:?}: {} signed deliveries: {statuses:?}",
        deliveries.len()
    );
}

on_both_engines!(signed_mutated_deliveries_are_answered_cleanly);

/// A failing request in a form that can be replayed: path, headers, body prefix.
fn describe(case: &HttpCase) -> String {
    let headers: Vec<String> = case
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {:?}", String::from_utf8_lossy(v)))
        .collect();
    format!(
        "POST {} [{}] body of {} bytes: {:?}",
        case.path,
        headers.join(", "),
        case.body.len(),
        String::from_utf8_lossy(&case.body[..case.body.len().min(300)])
    )
}

// ---------------------------------------------------------------------------
// Regressions found by the properties above

/// An interaction over the body limit was refused by actix's `Bytes` extractor with
/// a plain-text `413 payload reached size limit`, not the JSON error body.
#[actix_web::test]
async fn oversized_discord_interaction_is_a_json_413() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    let limit = cozykart::http::BODY_MAX_BYTES;
    let (status, json) = post(&app, "/discord/interactions", vec![b'{'; limit + 1], &[]).await;
    assert_eq!(status, 413, "{json}");
    assert_eq!(json["error"], "body_too_large");
    // A body of exactly the limit is read and then refused for its signature.
    let (status, json) = post(&app, "/discord/interactions", vec![b'{'; limit], &[]).await;
    assert_eq!(status, 401, "{json}");
    assert_eq!(json["error"], "bad_signature");
}

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

/// PostgreSQL `text` cannot hold U+0000: names and codes are cleaned and ids with
/// control characters refused at the webhook edge, so a buyer who types one into
/// their name is no server error (Shopify drops a subscription that keeps failing).
async fn nul_in_a_buyer_name_is_not_a_server_error(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let mut order = fixture_json(SHOPIFY_ORDER);
    order["customer"]["first_name"] = json!("Pip\u{0}");
    let body = serde_json::to_vec(&order).unwrap();
    let headers = [
        ("X-Shopify-Hmac-Sha256", shopify_mac(&body)),
        ("X-Shopify-Topic", "orders/paid".to_owned()),
    ];
    let (status, json) = post(&app, "/webhooks/shopify/eu", body, &headers).await;
    assert_ne!(status, 500, "{json}");
}

mod nul_in_a_buyer_name {
    use super::*;

    #[actix_web::test]
    async fn sqlite() {
        nul_in_a_buyer_name_is_not_a_server_error(Engine::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if crate::helpers::postgres_url().is_some() {
            nul_in_a_buyer_name_is_not_a_server_error(Engine::Postgres).await;
        }
    }
}
