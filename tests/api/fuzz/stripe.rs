//! Stripe: the `Stripe-Signature` check against an independent reference rule,
//! and the event parser on arbitrary bytes, mutated events and extreme values.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use cozykart::money::Currency;
use cozykart::sale::ShopEvent;
use cozykart::webhooks::stripe;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use sha2::Sha256;

use super::mutation::{edits, mutate};
use super::{
    arbitrary_bytes, check_error, check_outcome, config, fixture_json, tricky_string, TRICKY_INTS,
};
use crate::signing::{stripe_signature, STRIPE_SECRET};

pub(super) const STRIPE_FIXTURES: &[(&str, &[u8])] = &[
    (
        "checkout_session_completed.json",
        include_bytes!("../../fixtures/webhooks/stripe/checkout_session_completed.json"),
    ),
    (
        "checkout_session_completed_jpy.json",
        include_bytes!("../../fixtures/webhooks/stripe/checkout_session_completed_jpy.json"),
    ),
    (
        "payment_intent_succeeded.json",
        include_bytes!("../../fixtures/webhooks/stripe/payment_intent_succeeded.json"),
    ),
    (
        "charge_refunded.json",
        include_bytes!("../../fixtures/webhooks/stripe/charge_refunded.json"),
    ),
    (
        "charge_dispute_created.json",
        include_bytes!("../../fixtures/webhooks/stripe/charge_dispute_created.json"),
    ),
    (
        "checkout_session_completed_subscription.json",
        include_bytes!(
            "../../fixtures/webhooks/stripe/checkout_session_completed_subscription.json"
        ),
    ),
    (
        "invoice_paid.json",
        include_bytes!("../../fixtures/webhooks/stripe/invoice_paid.json"),
    ),
];

#[rustfmt::skip]
pub(super) const STRIPE_FIELDS: &[&str] = &[
    "id", "object", "type", "created", "data", "livemode", "api_version", "amount",
    "amount_total", "amount_subtotal", "amount_received", "amount_refunded", "amount_captured",
    "currency", "payment_status", "status", "mode", "payment_intent", "latest_charge", "charge",
    "metadata", "lobby", "cozy_kart_lobby_id", "client_reference_id", "customer_details",
    "name", "refunded", "balance_transactions", "total_details", "amount_discount", "invoice",
    "amount_paid", "billing_reason", "subtotal", "total_discount_amounts", "parent",
    "subscription_details",
];

/// The moment the Stripe properties treat as now.
fn stripe_now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_125, 0).single().expect("valid")
}

/// The `v1` MAC for a `t` written as any text, which `stripe::signature_header`
/// (an integer timestamp) cannot write. Computed apart from the library on purpose:
/// the reference rule below must check the verifier, not repeat it.
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
    // `t=<now>` and its `v1=<mac>`, as separate items.
    let base: Vec<String> = stripe_signature(&body, stripe_now().timestamp())
        .split(',')
        .map(str::to_owned)
        .collect();
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

pub(super) fn stripe_fixture_docs() -> Vec<Value> {
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
        let empty_key = stripe::signature_header("", stripe_now().timestamp(), &body);
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
/// extremes, so that the parse gets past the types and our rules decide.
pub(super) fn stripe_field_edit() -> impl Strategy<Value = (&'static str, Value)> {
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
        amount
            .clone()
            .prop_map(|v| ("/data/object/amount_subtotal", v)),
        amount.clone().prop_map(|v| ("/data/object/amount_paid", v)),
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
        (
            prop::sample::select(&["lobby:", "lobby-", "LOBBY_", ""][..]),
            tricky_string()
        )
            .prop_map(|(prefix, v)| (
                "/data/object/client_reference_id",
                Value::from(format!("{prefix}{v}"))
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
        let header = stripe_signature(body, stripe_now().timestamp());
        let secrets = [STRIPE_SECRET.to_owned()];
        assert_eq!(
            stripe::verify_signature(body, Some(&header), &secrets, stripe_now(), 300),
            Ok(())
        );
    }
}
