use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::*;

const SHOP_ORDER_FORM: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/kofi/shop_order.form-urlencoded.txt");
const SHOP_ORDER: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/kofi/shop_order.json");
const DONATION: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/kofi/donation.json");
const SUBSCRIPTION: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/kofi/subscription.json");
const TOKEN: &str = "5e1f0c2a-7d3b-4c9e-8a61-c0ffee000042";

fn tokens() -> Vec<String> {
    vec![TOKEN.to_string()]
}

fn shop_orders() -> Vec<String> {
    vec!["Shop Order".to_string()]
}

fn form(json: &[u8]) -> Vec<u8> {
    let data = std::str::from_utf8(json).unwrap();
    serde_urlencoded::to_string([("data", data)])
        .unwrap()
        .into_bytes()
}

fn edited(json: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(json).unwrap();
    edit(&mut value);
    form(value.to_string().as_bytes())
}

fn time(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn money(text: &str, code: &str) -> Money {
    Money::parse(text, Currency::parse(code).unwrap()).unwrap()
}

fn run_err(body: &[u8]) -> WebhookError {
    parse(body, &tokens(), &shop_orders(), "k").unwrap_err()
}

#[test]
fn readme_wire_example_decodes_plus_as_space() {
    let body = b"data=%7B%22verification_token%22%3A%225e1f0c2a-7d3b-4c9e-8a61-c0ffee000042%22%2C%22type%22%3A%22Shop+Order%22%2C%22amount%22%3A%2218.50%22%7D";
    // Past the token and the type check, it stops at the first missing field.
    let err = parse(body, &tokens(), &shop_orders(), "kofi").unwrap_err();
    assert_eq!(err, WebhookError::MissingField("message_id"));
}

#[test]
fn shop_order_fixture_is_a_sale() {
    let event = parse(SHOP_ORDER_FORM, &tokens(), &shop_orders(), "kofi").unwrap();
    let expected = SaleEvent {
        provider: Provider::Kofi,
        shop: "kofi".into(),
        event_id: "dd5c57f5-2366-4419-8b95-e971fd568275".into(),
        sale_id: "08a718a9-d8cc-470e-8feb-6b88a0df116e".into(),
        refs: vec![],
        amount: money("18.50", "EUR"),
        subtotal: None,
        sold_at: time("2025-10-09T09:12:44Z"),
        lobby_tag: None,
        discount_codes: vec![],
        buyer: Buyer {
            name: Some("Pip Tester".into()),
            public: true,
        },
    };
    assert_eq!(event, ShopEvent::Sale(expected));
    // The pretty-printed inner JSON, form-encoded by us, means the same.
    assert_eq!(
        parse(&form(SHOP_ORDER), &tokens(), &shop_orders(), "kofi").unwrap(),
        event
    );
}

#[test]
fn the_token_is_checked_first() {
    let wrong = vec!["00000000-0000-0000-0000-000000000000".to_string()];
    let bad = WebhookError::BadSignature("verification token");
    assert_eq!(
        parse(SHOP_ORDER_FORM, &wrong, &shop_orders(), "k"),
        Err(bad.clone())
    );
    assert_eq!(
        parse(SHOP_ORDER_FORM, &[], &shop_orders(), "k"),
        Err(bad.clone())
    );
    let garbage = edited(SHOP_ORDER, |v| {
        v["verification_token"] = json!("nope");
        v["amount"] = json!({"not": "money"});
        v["message_id"] = json!(42);
    });
    assert_eq!(
        parse(&garbage, &tokens(), &shop_orders(), "k"),
        Err(bad.clone())
    );
    let empty = edited(SHOP_ORDER, |v| v["verification_token"] = json!(""));
    assert_eq!(
        parse(&empty, &[String::new()], &shop_orders(), "k"),
        Err(bad.clone())
    );
    let missing = edited(SHOP_ORDER, |v| v["verification_token"] = Value::Null);
    assert_eq!(
        parse(&missing, &tokens(), &shop_orders(), "k"),
        Err(bad.clone())
    );
    assert_eq!(bad.code(), "bad_signature");
    assert!(!bad.to_string().contains(TOKEN));
    let syntax = run_err(b"data=%7B%22verification_token%22%3A%225e1f0c2a");
    assert!(!syntax.to_string().contains("5e1f0c2a"), "{syntax}");
    let rotated = vec!["new-token".to_string(), TOKEN.to_string()];
    assert!(parse(SHOP_ORDER_FORM, &rotated, &shop_orders(), "k").is_ok());
}

#[test]
fn donations_are_ignored_unless_counted_and_stay_private() {
    match parse(&form(DONATION), &tokens(), &shop_orders(), "k").unwrap() {
        ShopEvent::Ignored { event_id, .. } => {
            assert_eq!(event_id, "d64ef4a4-bf3a-4484-acbf-3a25259bee05")
        }
        other => panic!("{other:?}"),
    }
    let counted = vec!["Shop Order".to_string(), "donation".to_string()];
    let ShopEvent::Sale(sale) = parse(&form(DONATION), &tokens(), &counted, "k").unwrap() else {
        panic!("donation not counted");
    };
    assert_eq!(sale.sale_id, "7bc74a60-44cb-4598-ba30-25b6b5be8577");
    assert_eq!(sale.amount, money("3.00", "USD"));
    assert_eq!(sale.sold_at, time("2025-10-09T09:20:03Z"));
    assert_eq!(sale.buyer.name.as_deref(), Some("Anonymous Tester"));
    assert!(!sale.buyer.public);
    assert_eq!(sale.buyer.public_name(), None);
    assert_eq!(sale.lobby_tag, None);
}

#[test]
fn subscriptions_follow_the_counted_types() {
    let ignored = parse(&form(SUBSCRIPTION), &tokens(), &shop_orders(), "k").unwrap();
    assert!(matches!(ignored, ShopEvent::Ignored { .. }));
    let counted = vec!["Subscription".to_string()];
    let ShopEvent::Sale(sale) = parse(&form(SUBSCRIPTION), &tokens(), &counted, "k").unwrap()
    else {
        panic!("subscription not counted");
    };
    assert_eq!(sale.amount, money("5.00", "GBP"));
    assert_eq!(sale.event_id, "121e79e8-ecc7-403f-b7cf-cfafcd242f1e");
    assert_eq!(sale.buyer.public_name(), Some("Pit Crew Tester"));
}

#[test]
fn lobby_tag_comes_from_the_message() {
    let tagged = edited(SHOP_ORDER, |v| {
        v["message"] = json!("for lobby #k4rt9 and #ZZZZ!")
    });
    let ShopEvent::Sale(sale) = parse(&tagged, &tokens(), &shop_orders(), "k").unwrap() else {
        panic!();
    };
    assert_eq!(sale.lobby_tag.as_deref(), Some("K4RT9"));
}

#[test]
fn bad_bodies_give_the_right_error() {
    let run = |body: &[u8]| parse(body, &tokens(), &shop_orders(), "k");
    assert_eq!(run(b"other=1"), Err(WebhookError::MissingField("data")));
    assert_eq!(
        run(b"data=%7Bnot+json").unwrap_err().code(),
        "malformed_body"
    );
    let code = |edit: fn(&mut Value)| run(&edited(SHOP_ORDER, edit)).unwrap_err().code();
    assert_eq!(code(|v| v["amount"] = Value::Null), "missing_field");
    assert_eq!(code(|v| v["amount"] = json!("0.00")), "invalid_amount");
    assert_eq!(code(|v| v["amount"] = json!("-18.50")), "invalid_amount");
    assert_eq!(code(|v| v["amount"] = json!("18.505")), "invalid_amount");
    assert_eq!(code(|v| v["currency"] = json!("XYZ")), "unknown_currency");
    assert_eq!(code(|v| v["timestamp"] = json!("soon")), "malformed_body");
    assert_eq!(
        code(|v| v["kofi_transaction_id"] = Value::Null),
        "missing_field"
    );
    assert_eq!(code(|v| v["is_public"] = json!("yes")), "malformed_body");
    let numeric = run(&edited(SHOP_ORDER, |v| v["amount"] = json!(18.5))).unwrap();
    assert!(matches!(numeric, ShopEvent::Sale(s) if s.amount == money("18.50", "EUR")));
}
