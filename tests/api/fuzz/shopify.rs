//! Shopify: the `X-Shopify-Hmac-Sha256` check, and the order and refund parser on
//! arbitrary bytes and topics, mutated documents, and odd money and id shapes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cozykart::sale::ShopEvent;
use cozykart::webhooks::shopify;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use super::mutation::{edits, mutate};
use super::{
    arbitrary_bytes, check_error, check_outcome, config, fixture_json, scalar, tricky_string,
    RAW_TOKENS,
};
use crate::signing::{shopify_signature, SHOPIFY_SECRET};

pub(super) const SHOPIFY_ORDER: &[u8] =
    include_bytes!("../../fixtures/webhooks/shopify/orders_paid.json");
pub(super) const SHOPIFY_REFUND: &[u8] =
    include_bytes!("../../fixtures/webhooks/shopify/refunds_create.json");

#[rustfmt::skip]
pub(super) const SHOPIFY_FIELDS: &[&str] = &[
    "id", "order_id", "total_price", "currency", "processed_at", "created_at",
    "note_attributes", "name", "value", "discount_codes", "code", "customer", "first_name",
    "transactions", "kind", "status", "amount", "currency_code", "shop_money",
    "presentment_money", "subtotal_set", "total_tax_set", "amount_set", "tax_amount_set",
    "refund_line_items", "order_adjustments",
];

fn shopify_header(body: Vec<u8>) -> impl Strategy<Value = Option<String>> {
    let valid = shopify_signature(&body);
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
            .is_some_and(|claimed| STANDARD.encode(claimed) == shopify_signature(&body));
        prop_assert_eq!(result.is_ok(), expected, "header {:?}", header);
        if let Err(err) = &result {
            check_error(err)?;
        }
    }

    #[test]
    fn shopify_parse_of_arbitrary_bytes_and_topics_is_clean(
        body in arbitrary_bytes(),
        topic in shopify_topic(),
    ) {
        let headers = shopify::ShopifyHeaders {
            hmac: None,
            topic: topic.as_deref(),
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
    ) {
        let body = mutate(&doc, SHOPIFY_FIELDS, &edits);
        let headers = shopify::ShopifyHeaders {
            hmac: None,
            topic: Some(topic),
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
            shopify::verify_signature(body, Some(&shopify_signature(body)), &secrets),
            Ok(())
        );
    }
}
