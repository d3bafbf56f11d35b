//! Ko-fi: the form parser and its verification token, on arbitrary bytes, broken
//! form encodings and mutated payloads.

use cozykart::sale::ShopEvent;
use cozykart::webhooks::{kofi, WebhookError};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use super::mutation::{edits, mutate};
use super::{
    any_json, arbitrary_bytes, check_outcome, config, deep_json, fixture_json, tricky_string,
};
use crate::signing::KOFI_TOKEN;

const KOFI_FIXTURES: &[&[u8]] = &[
    include_bytes!("../../fixtures/webhooks/kofi/shop_order.json"),
    include_bytes!("../../fixtures/webhooks/kofi/donation.json"),
    include_bytes!("../../fixtures/webhooks/kofi/subscription.json"),
];
pub(super) const KOFI_FORM: &[u8] =
    include_bytes!("../../fixtures/webhooks/kofi/shop_order.form-urlencoded.txt");

#[rustfmt::skip]
pub(super) const KOFI_FIELDS: &[&str] = &[
    "message_id", "timestamp", "type", "is_public", "from_name", "message", "amount",
    "currency", "kofi_transaction_id", "verification_token",
];

pub(super) fn kofi_docs() -> Vec<Value> {
    KOFI_FIXTURES.iter().map(|b| fixture_json(b)).collect()
}

pub(super) fn form_encode(pairs: &[(String, String)]) -> String {
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
