use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::*;

const ORDER: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/shopify/orders_paid.json");
const REFUND: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/shopify/refunds_create.json");
const VECTORS: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/shopify/signatures.json");

fn fixture(name: &str) -> &'static [u8] {
    match name {
        "orders_paid.json" => ORDER,
        "refunds_create.json" => REFUND,
        other => panic!("no fixture {other}"),
    }
}

fn vectors() -> Value {
    serde_json::from_slice(VECTORS).unwrap()
}

fn secret() -> Vec<String> {
    vec![vectors()["client_secret"].as_str().unwrap().to_string()]
}

fn time(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn money(text: &str, code: &str) -> Money {
    Money::parse(text, Currency::parse(code).unwrap()).unwrap()
}

fn topic(topic: &str) -> ShopifyHeaders<'_> {
    ShopifyHeaders {
        topic: Some(topic),
        ..ShopifyHeaders::default()
    }
}

fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(body).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

fn refund_amount(body: &[u8]) -> ShopEvent {
    parse(body, &topic("refunds/create"), "shopify-eu").unwrap()
}

#[test]
fn readme_worked_example() {
    let body = br#"{"id":6021458803752,"total_price":"31.50","currency":"EUR"}"#;
    let secret = vec!["shpss_test_cozykart_demo".to_string()];
    let header = "Knq+sbWHMvD6yrRi/5nvMN3Y7xSgNWe3RONNluipGGM=";
    assert_eq!(verify_signature(body, Some(header), &secret), Ok(()));
    let hex = "2a7abeb1b58732f0facab462ff99ef30ddd8ef14a03567b744e34d96e8a91863";
    assert_eq!(hex::encode(hmac_sha256(secret[0].as_bytes(), &[body])), hex);
    let err = verify_signature(body, Some(hex), &secret).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
    let unpadded = header.trim_end_matches('=');
    assert!(verify_signature(body, Some(unpadded), &secret).is_err());
}

#[test]
fn every_vector_verifies_and_parses_with_its_headers() {
    let v = vectors();
    for vector in v["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        assert_eq!(body.len() as u64, vector["body_len"].as_u64().unwrap());
        let h = &vector["headers"];
        let headers = ShopifyHeaders {
            hmac: h["X-Shopify-Hmac-Sha256"].as_str(),
            topic: h["X-Shopify-Topic"].as_str(),
        };
        assert_eq!(verify_signature(body, headers.hmac, &secret()), Ok(()));
        let rotated = vec!["shpss_test_new_secret".to_string(), secret()[0].clone()];
        assert_eq!(verify_signature(body, headers.hmac, &rotated), Ok(()));
        let other = vec!["shpss_test_new_secret".to_string()];
        assert!(verify_signature(body, headers.hmac, &other).is_err());
        assert!(verify_signature(body, None, &secret()).is_err());
        assert!(verify_signature(body, headers.hmac, &[String::new()]).is_err());

        // Delivery keys come from the body, never from the unsigned event id.
        let event_id = match parse(body, &headers, "shopify-eu").unwrap() {
            ShopEvent::Sale(sale) => sale.event_id,
            ShopEvent::Refund(refund) => refund.event_id,
            other => panic!("{other:?}"),
        };
        assert!(
            ["order:6021458803752", "refund:1002345670001"].contains(&event_id.as_str()),
            "{event_id}"
        );
    }
}

#[test]
fn signature_header_writes_the_recorded_vectors_and_verifies() {
    let v = vectors();
    for vector in v["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        let header = signature_header(&secret()[0], body);
        assert_eq!(
            Some(header.as_str()),
            vector["headers"]["X-Shopify-Hmac-Sha256"].as_str()
        );
        assert_eq!(verify_signature(body, Some(&header), &secret()), Ok(()));
        let other = signature_header("shpss_test_new_secret", body);
        let err = verify_signature(body, Some(&other), &secret()).unwrap_err();
        assert_eq!(err.code(), "bad_signature");
    }
}

#[test]
fn negative_vectors_are_rejected() {
    let v = vectors();
    let good = v["vectors"][0]["headers"]["X-Shopify-Hmac-Sha256"].as_str();
    for case in v["negative_examples"].as_array().unwrap() {
        let body = fixture(case["file"].as_str().unwrap());
        let err = match case["case"].as_str().unwrap() {
            "hex instead of base64" => {
                verify_signature(body, case["X-Shopify-Hmac-Sha256"].as_str(), &secret())
            }
            "re-serialised body" => verify_signature(&edited(body, |_| {}), good, &secret()),
            other => panic!("unexpected case {other}"),
        };
        assert_eq!(err.unwrap_err().code(), "bad_signature");
    }
}

#[test]
fn orders_paid_is_a_sale_in_the_shop_currency() {
    let event = parse(ORDER, &topic("orders/paid"), "shopify-eu").unwrap();
    let expected = SaleEvent {
        provider: Provider::Shopify,
        shop: "shopify-eu".into(),
        event_id: "order:6021458803752".into(),
        sale_id: "6021458803752".into(),
        refs: vec![],
        amount: money("31.50", "EUR"),
        // 30.00 of goods less the 3.00 code; the 4.50 shipping is left out.
        subtotal: Some(money("27.00", "EUR")),
        sold_at: time("2025-10-09T08:53:19Z"),
        lobby_tag: Some("lobby_test_0420".into()),
        discount_codes: vec!["KARTFAN10".into()],
        buyer: Buyer {
            name: Some("Pip".into()),
            public: false,
        },
    };
    assert_eq!(event, ShopEvent::Sale(expected));
}

#[test]
fn subtotal_falls_back_to_the_first_one_and_never_refuses_a_sale() {
    let subtotal =
        |edit: fn(&mut Value)| match parse(&edited(ORDER, edit), &topic("orders/paid"), "s") {
            Ok(ShopEvent::Sale(sale)) => sale.subtotal,
            other => panic!("{other:?}"),
        };
    assert_eq!(
        subtotal(|o| o["current_subtotal_price"] = Value::Null),
        Some(money("27.00", "EUR"))
    );
    assert_eq!(
        subtotal(|o| {
            o["current_subtotal_price"] = Value::Null;
            o["subtotal_price"] = Value::Null;
        }),
        None
    );
    assert_eq!(
        subtotal(|o| o["current_subtotal_price"] = json!("27.005")),
        None
    );
}

#[test]
fn ids_beyond_two_to_the_53_stay_exact() {
    let text = String::from_utf8(ORDER.to_vec()).unwrap();
    let body = text.replacen("\"id\": 6021458803752,", "\"id\": 9007199254740993,", 1);
    match parse(body.as_bytes(), &topic("orders/paid"), "s").unwrap() {
        ShopEvent::Sale(sale) => assert_eq!(sale.sale_id, "9007199254740993"),
        other => panic!("{other:?}"),
    }
    let float = text.replacen("\"id\": 6021458803752,", "\"id\": 6021458803752.0,", 1);
    let err = parse(float.as_bytes(), &topic("orders/paid"), "s").unwrap_err();
    assert_eq!(err.code(), "malformed_body");
}

#[test]
fn refunds_create_is_converted_back_to_the_shop_currency() {
    let expected = RefundEvent {
        provider: Provider::Shopify,
        shop: "shopify-eu".into(),
        event_id: "refund:1002345670001".into(),
        refund_id: "1002345670001".into(),
        sale_ref: "6021458803752".into(),
        // 3.89 USD returned = the line's tax-inclusive subtotal, 3.60 EUR.
        amount: RefundAmount::Incremental(money("3.60", "EUR")),
        refunded_at: time("2025-10-11T12:20:05Z"),
    };
    assert_eq!(
        parse(REFUND, &topic("refunds/create"), "shopify-eu").unwrap(),
        ShopEvent::Refund(expected)
    );
}

fn refund_with(edit: impl FnOnce(&mut Value)) -> Option<Money> {
    match refund_amount(&edited(REFUND, edit)) {
        ShopEvent::Refund(refund) => Some(refund.amount.money()),
        ShopEvent::Ignored { .. } => None,
        other => panic!("{other:?}"),
    }
}

#[test]
fn refund_currency_rules() {
    let in_shop_currency = refund_with(|r| {
        r["transactions"][0]["currency"] = json!("EUR");
        r["transactions"][0]["amount"] = json!("4.00");
    });
    assert_eq!(in_shop_currency, Some(money("4.00", "EUR")));
    // Tax charged on top: the transaction covers subtotal and tax.
    let tax_on_top = refund_with(|r| r["transactions"][0]["amount"] = json!("4.57"));
    assert_eq!(tax_on_top, Some(money("4.22", "EUR")));
    // A custom amount is scaled by the refund's own rate (4.22 / 4.57), rounded down.
    let custom = refund_with(|r| r["transactions"][0]["amount"] = json!("1.00"));
    assert_eq!(custom, Some(money("0.92", "EUR")));
    let with_shipping = refund_with(|r| {
        r["transactions"][0]["amount"] = json!("8.75");
        r["order_adjustments"] = json!([{
            "kind": "shipping_refund", "amount": "-4.50", "tax_amount": "0.00",
            "amount_set": {"shop_money": {"amount": "-4.50", "currency_code": "EUR"},
                "presentment_money": {"amount": "-4.86", "currency_code": "USD"}},
            "tax_amount_set": {"shop_money": {"amount": "0.00", "currency_code": "EUR"},
                "presentment_money": {"amount": "0.00", "currency_code": "USD"}}
        }]);
    });
    assert_eq!(with_shipping, Some(money("8.10", "EUR")));
    let two_transactions = refund_with(|r| {
        let tx = r["transactions"][0].clone();
        r["transactions"][0]["amount"] = json!("1.89");
        r["transactions"].as_array_mut().unwrap().push(tx);
        r["transactions"][1]["amount"] = json!("2.00");
    });
    assert_eq!(two_transactions, Some(money("3.60", "EUR")));
    let no_lines = refund_with(|r| r["refund_line_items"] = json!([]));
    assert_eq!(no_lines, Some(money("3.89", "USD")));
    assert_eq!(
        refund_with(|r| r["transactions"][0]["status"] = json!("failure")),
        None
    );
    assert_eq!(refund_with(|r| r["transactions"] = json!([])), None);
    assert_eq!(
        refund_with(|r| r["transactions"][0]["kind"] = json!("sale")),
        None
    );
}

#[test]
fn a_cancelled_order_reverses_up_to_its_total() {
    let body = edited(ORDER, |order| {
        order["cancelled_at"] = serde_json::json!("2025-10-10T09:00:00+02:00");
    });
    match parse(&body, &topic("orders/cancelled"), "s").unwrap() {
        ShopEvent::Refund(refund) => {
            assert_eq!(refund.event_id, "cancel:6021458803752");
            assert_eq!(refund.refund_id, "cancel:6021458803752");
            assert_eq!(refund.sale_ref, "6021458803752");
            assert_eq!(
                refund.amount,
                RefundAmount::Cumulative(money("31.50", "EUR"))
            );
            assert_eq!(refund.refunded_at, time("2025-10-10T07:00:00Z"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_topics_are_ignored_and_missing_topic_is_an_error() {
    for name in ["orders/create", "products/update"] {
        match parse(ORDER, &topic(name), "s").unwrap() {
            ShopEvent::Ignored { event_id, .. } => {
                assert_eq!(event_id, format!("{name}:6021458803752"))
            }
            other => panic!("{other:?}"),
        }
    }
    let err = parse(ORDER, &ShopifyHeaders::default(), "s").unwrap_err();
    assert_eq!(err, WebhookError::MissingField("X-Shopify-Topic"));
    assert_eq!(
        parse(ORDER, &topic("  "), "s").unwrap_err().code(),
        "missing_field"
    );
}

#[test]
fn bad_bodies_give_the_right_error() {
    let order = |edit: fn(&mut Value)| parse(&edited(ORDER, edit), &topic("orders/paid"), "s");
    let code = |edit: fn(&mut Value)| order(edit).unwrap_err().code();
    assert_eq!(
        parse(b"{\"id\":", &topic("orders/paid"), "s")
            .unwrap_err()
            .code(),
        "malformed_body"
    );
    assert_eq!(
        order(|o| o["total_price"] = Value::Null),
        Err(WebhookError::MissingField("total_price"))
    );
    assert_eq!(
        code(|o| o["total_price"] = json!("-1.00")),
        "invalid_amount"
    );
    assert_eq!(
        code(|o| o["total_price"] = json!("31.505")),
        "invalid_amount"
    );
    assert_eq!(code(|o| o["total_price"] = json!(31.5)), "malformed_body");
    assert_eq!(code(|o| o["currency"] = json!("XYZ")), "unknown_currency");
    assert_eq!(
        code(|o| o["processed_at"] = json!("last tuesday")),
        "malformed_body"
    );
    assert!(matches!(
        order(|o| o["total_price"] = json!("0.00")),
        Ok(ShopEvent::Ignored { .. })
    ));
    let refund = |edit: fn(&mut Value)| parse(&edited(REFUND, edit), &topic("refunds/create"), "s");
    assert_eq!(
        refund(|r| r["order_id"] = Value::Null),
        Err(WebhookError::MissingField("order_id"))
    );
    let negative = refund(|r| r["transactions"][0]["amount"] = json!("-3.89"));
    assert_eq!(negative.unwrap_err().code(), "invalid_amount");
    let unknown = refund(|r| r["transactions"][0]["currency"] = json!("xyz"));
    assert_eq!(unknown.unwrap_err().code(), "unknown_currency");
    let no_rate = refund(|r| {
        for set in ["subtotal_set", "total_tax_set"] {
            r["refund_line_items"][0][set]["presentment_money"] = Value::Null;
        }
    });
    assert_eq!(no_rate.unwrap_err().code(), "invalid_amount");
}

mod topics;
