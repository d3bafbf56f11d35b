use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::*;
use crate::money::{Currency, Money};
use crate::sale::{Buyer, Provider, RefundAmount, RefundEvent, SaleEvent};

const SESSION: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/stripe/checkout_session_completed.json");
const SESSION_JPY: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/stripe/checkout_session_completed_jpy.json");
const INTENT: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/stripe/payment_intent_succeeded.json");
const REFUNDED: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/stripe/charge_refunded.json");
const DISPUTE: &[u8] =
    include_bytes!("../../../tests/fixtures/webhooks/stripe/charge_dispute_created.json");
const SUBSCRIPTION: &[u8] = include_bytes!(
    "../../../tests/fixtures/webhooks/stripe/checkout_session_completed_subscription.json"
);
const INVOICE: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/stripe/invoice_paid.json");
const VECTORS: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/stripe/signatures.json");
const OPENAPI: &[u8] = include_bytes!("../../../tests/fixtures/stripe-openapi/fixtures3.json");

fn fixture(name: &str) -> &'static [u8] {
    match name {
        "checkout_session_completed.json" => SESSION,
        "checkout_session_completed_jpy.json" => SESSION_JPY,
        "payment_intent_succeeded.json" => INTENT,
        "charge_refunded.json" => REFUNDED,
        "charge_dispute_created.json" => DISPUTE,
        "checkout_session_completed_subscription.json" => SUBSCRIPTION,
        "invoice_paid.json" => INVOICE,
        other => panic!("no fixture {other}"),
    }
}

fn vectors() -> Value {
    serde_json::from_slice(VECTORS).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn secrets(names: &[&str]) -> Vec<String> {
    let v = vectors();
    names
        .iter()
        .map(|n| v[*n].as_str().unwrap().to_string())
        .collect()
}

fn money(text: &str, code: &str) -> Money {
    Money::parse(text, Currency::parse(code).unwrap()).unwrap()
}

/// A fixture with its event (`envelope`) and `data.object` edited.
fn edited(body: &[u8], edit: impl FnOnce(&mut Value, &mut Value)) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(body).unwrap();
    let mut object = event["data"]["object"].take();
    edit(&mut event, &mut object);
    event["data"]["object"] = object;
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn checkout_session_completed_is_a_sale_keyed_on_the_payment_intent() {
    let ShopEvent::Sale(sale) = parse(SESSION, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(
        sale,
        SaleEvent {
            provider: Provider::Stripe,
            shop: "merch".into(),
            event_id: "evt_test_1CozyKartSessionDone0001".into(),
            sale_id: "pi_test_3CozyKartMochiPlush0001".into(),
            refs: vec![
                "cs_test_a1CozyKartMochiPlush0001".into(),
                "pi_test_3CozyKartMochiPlush0001".into()
            ],
            amount: money("22.50", "USD"),
            // 25.00 of goods less the 2.50 discount; no shipping or tax.
            subtotal: Some(money("22.50", "USD")),
            sold_at: at(1760000123),
            lobby_tag: Some("lobby_test_0420".into()),
            discount_codes: vec![],
            buyer: Buyer {
                name: Some("Pip Tester".into()),
                public: false
            },
        }
    );
    assert_eq!(sale.buyer.public_name(), None);
}

#[test]
fn a_blank_id_names_nothing() {
    // A blank PaymentIntent: the sale is keyed on the session, never on "".
    let body = edited(SESSION, |_, session| session["payment_intent"] = json!(" "));
    let ShopEvent::Sale(sale) = parse(&body, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.sale_id, "cs_test_a1CozyKartMochiPlush0001");
    assert_eq!(sale.refs, ["cs_test_a1CozyKartMochiPlush0001"]);
    // A blank id of the object itself is a missing field.
    let body = edited(SESSION, |_, session| session["id"] = json!(""));
    assert!(matches!(
        parse(&body, "merch"),
        Err(WebhookError::MissingField("id"))
    ));
}

#[test]
fn zero_decimal_currency_keeps_whole_units() {
    let ShopEvent::Sale(sale) = parse(SESSION_JPY, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.amount.amount().to_string(), "3300");
    assert_eq!(sale.amount, money("3300", "JPY"));
    assert_eq!(sale.sale_id, "pi_test_3CozyKartJpyStickers001");
    assert_eq!(sale.event_id, "evt_test_1CozyKartSessionJpy0001");
    assert_eq!(sale.sold_at, at(1760000700));
    assert_eq!(sale.buyer.name.as_deref(), Some("Daifuku Tester"));
}

#[test]
fn payment_intent_succeeded_is_a_sale_with_the_charge_as_ref() {
    let ShopEvent::Sale(sale) = parse(INTENT, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.event_id, "evt_test_3CozyKartPaySucceeded001");
    assert_eq!(sale.sale_id, "pi_test_3CozyKartMochiPlush0001");
    assert!(sale
        .refs
        .contains(&"ch_test_3CozyKartMochiPlush0001".to_string()));
    assert_eq!(sale.amount, money("22.50", "usd"));
    assert_eq!(sale.sold_at, at(1760000121));
    assert_eq!(sale.lobby_tag.as_deref(), Some("lobby_test_0420"));
    assert_eq!(sale.buyer, Buyer::default());
}

#[test]
fn charge_refunded_is_a_cumulative_refund() {
    let event = parse(REFUNDED, "merch").unwrap();
    let expected = RefundEvent {
        provider: Provider::Stripe,
        shop: "merch".into(),
        event_id: "evt_test_3CozyKartRefunded00001".into(),
        refund_id: "ch_test_3CozyKartMochiPlush0001:1000".into(),
        sale_ref: "pi_test_3CozyKartMochiPlush0001".into(),
        amount: RefundAmount::Cumulative(money("10.00", "USD")),
        refunded_at: at(1760176400),
    };
    assert_eq!(event, ShopEvent::Refund(expected));

    let no_intent = edited(REFUNDED, |_, o| o["payment_intent"] = Value::Null);
    let ShopEvent::Refund(refund) = parse(&no_intent, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(refund.sale_ref, "ch_test_3CozyKartMochiPlush0001");
}

#[test]
fn dispute_created_is_an_incremental_refund() {
    let event = parse(DISPUTE, "merch").unwrap();
    let expected = RefundEvent {
        provider: Provider::Stripe,
        shop: "merch".into(),
        event_id: "evt_test_1CozyKartDisputed00001".into(),
        refund_id: "du_test_1CozyKartChargeback0001".into(),
        sale_ref: "pi_test_3CozyKartMochiPlush0001".into(),
        amount: RefundAmount::Incremental(money("22.50", "USD")),
        refunded_at: at(1760777600),
    };
    assert_eq!(event, ShopEvent::Refund(expected));

    let no_intent = edited(DISPUTE, |_, o| o["payment_intent"] = Value::Null);
    let ShopEvent::Refund(refund) = parse(&no_intent, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(refund.sale_ref, "ch_test_3CozyKartMochiPlush0001");
}

#[test]
fn unpaid_sessions_wait_and_async_success_credits() {
    let unpaid = edited(SESSION, |_, o| o["payment_status"] = json!("unpaid"));
    let event = parse(&unpaid, "merch").unwrap();
    assert!(matches!(event, ShopEvent::Ignored { ref event_id, .. }
        if event_id == "evt_test_1CozyKartSessionDone0001"));

    let later = edited(SESSION, |e, _| e["type"] = json!(SESSION_ASYNC_SUCCEEDED));
    let ShopEvent::Sale(sale) = parse(&later, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.sale_id, "pi_test_3CozyKartMochiPlush0001");

    let no_intent = edited(SESSION, |_, o| o["payment_intent"] = Value::Null);
    let ShopEvent::Sale(sale) = parse(&no_intent, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.sale_id, "cs_test_a1CozyKartMochiPlush0001");
    assert_eq!(
        sale.refs,
        vec!["cs_test_a1CozyKartMochiPlush0001".to_string()]
    );
}

#[test]
fn lobby_tag_sources() {
    let tagged = |meta: Value, reference: Value| {
        let body = edited(SESSION, |_, o| {
            o["metadata"] = meta;
            o["client_reference_id"] = reference;
        });
        match parse(&body, "merch").unwrap() {
            ShopEvent::Sale(sale) => sale.lobby_tag,
            other => panic!("{other:?}"),
        }
    };
    let both = json!({"lobby": "K4RT", "cozy_kart_lobby_id": "other"});
    assert_eq!(tagged(both, json!("lobby:REF1")).as_deref(), Some("K4RT"));
    assert_eq!(
        tagged(json!({}), json!("lobby:REF1")).as_deref(),
        Some("REF1")
    );
    assert_eq!(tagged(json!({}), json!("racer_test_mochi")), None);
    assert_eq!(tagged(json!({"lobby": "  "}), Value::Null), None);
}

#[test]
fn payment_link_references_name_a_lobby_in_any_case() {
    let tag = |reference: &str| {
        let body = edited(SESSION, |_, o| {
            o["metadata"] = json!({});
            o["client_reference_id"] = json!(reference);
        });
        match parse(&body, "merch").unwrap() {
            ShopEvent::Sale(sale) => sale.lobby_tag,
            other => panic!("{other:?}"),
        }
    };
    for reference in [
        "lobby-K7QX",
        "lobby_K7QX",
        "K7QX",
        "k7qx",
        "LOBBY-k7qx",
        "Lobby_K7qX",
        "lobby:K7QX",
        " lobby-K7QX ",
    ] {
        assert_eq!(tag(reference).as_deref(), Some("K7QX"), "{reference}");
    }
    // The API form keeps taking any short tag, as it always did.
    assert_eq!(tag("LOBBY:kart42").as_deref(), Some("kart42"));
    // Only a lobby code counts in the Payment Link forms: 4 characters of the code
    // alphabet, one a letter.
    for reference in [
        "lobby-2345",
        "2345",
        "lobby-K7QXY",
        "K7Q",
        "lobby-K1QX",
        "lobby-",
        "lobbyK7QX",
        "lobby--K7QX",
        "racer_test_mochi",
    ] {
        assert_eq!(tag(reference), None, "{reference}");
    }
}

#[test]
fn checkout_links_round_trip_to_their_lobby() {
    for url in [
        "https://buy.stripe.com/test_28o5lq3Xa8Hm0XS000",
        "https://shop.example/checkout?client_reference_id=lobby:",
    ] {
        let link = crate::checkout::CheckoutUrl::parse(url).for_lobby("K7QX");
        let (_, reference) = link.split_once("client_reference_id=").unwrap();
        assert_eq!(events::reference_tag(reference).as_deref(), Some("K7QX"));
    }
}

#[test]
fn other_event_types_are_ignored_even_with_unknown_objects() {
    let body = json!({
        "id": "evt_test_other", "object": "event", "type": "radar.early_fraud_warning.created",
        "created": 1760000000, "livemode": false, "pending_webhooks": 1,
        "data": {"object": {"id": "issfr_1", "object": "radar.early_fraud_warning"}}
    });
    let event = parse(body.to_string().as_bytes(), "merch").unwrap();
    assert!(
        matches!(event, ShopEvent::Ignored { ref event_id, .. } if event_id == "evt_test_other")
    );
    let plan = edited(SESSION, |e, _| {
        e["type"] = json!("checkout.session.expired")
    });
    assert!(matches!(
        parse(&plan, "merch"),
        Ok(ShopEvent::Ignored { .. })
    ));
}

#[test]
fn openapi_checkout_session_parses() {
    let openapi: Value = serde_json::from_slice(OPENAPI).unwrap();
    let mut session = openapi["resources"]["checkout.session"].clone();
    session["amount_total"] = json!(1999);
    session["amount_subtotal"] = json!(1999);
    session["currency"] = json!("eur");
    session["payment_status"] = json!("paid");
    session["status"] = json!("complete");
    session["metadata"] = json!({"lobby": "KART42"});
    session["payment_method_configuration_details"] = Value::Null;
    let mut event = openapi["resources"]["event"].clone();
    event["type"] = json!(SESSION_COMPLETED);
    event["data"]["object"] = session;
    let body = serde_json::to_vec(&event).unwrap();
    let ShopEvent::Sale(sale) = parse(&body, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.event_id, "evt_1Pgc76B7WZ01zgkWwyRHS12y");
    assert_eq!(sale.sale_id, "pi_1PgafyB7WZ01zgkWSjxsAJo3");
    assert_eq!(sale.amount, money("19.99", "EUR"));
    assert_eq!(sale.sold_at, at(1234567890));
    assert_eq!(sale.lobby_tag.as_deref(), Some("KART42"));
    assert_eq!(sale.buyer.name, None);
}

#[test]
fn bad_bodies_give_the_right_error() {
    let code = |body: &[u8]| parse(body, "merch").unwrap_err().code();
    assert_eq!(code(b"{not json"), "malformed_body");
    assert_eq!(code(b"[]"), "malformed_body");
    assert_eq!(code(br#"{"type":"charge.refunded"}"#), "missing_field");
    let missing = edited(SESSION, |_, o| o["amount_total"] = Value::Null);
    assert_eq!(
        parse(&missing, "m"),
        Err(WebhookError::MissingField("amount_total"))
    );
    let zero = edited(SESSION, |_, o| o["amount_total"] = json!(0));
    assert_eq!(code(&zero), "invalid_amount");
    let negative = edited(INTENT, |_, o| o["amount_received"] = json!(-5));
    assert_eq!(code(&negative), "invalid_amount");
    let nothing_refunded = edited(REFUNDED, |_, o| o["amount_refunded"] = json!(0));
    assert_eq!(code(&nothing_refunded), "invalid_amount");
    let xyz = edited(SESSION, |_, o| o["currency"] = json!("xyz"));
    assert_eq!(
        parse(&xyz, "m"),
        Err(WebhookError::UnknownCurrency("xyz".into()))
    );
    let wrong_object = edited(REFUNDED, |e, _| e["type"] = json!(PAYMENT_INTENT_SUCCEEDED));
    assert_eq!(code(&wrong_object), "malformed_body");
    let err = parse(
        br#"{"id": "evt_1", "type": "charge.refunded", "data": {"object": 3}}"#,
        "m",
    );
    assert_eq!(err.unwrap_err().code(), "malformed_body");
}

#[test]
fn an_objects_shape_matters_only_for_a_type_we_use() {
    // Read once: an unused type is ignored whatever its data holds, or without any.
    for data in [
        json!([1, 2]),
        json!({"object": "not an object"}),
        Value::Null,
    ] {
        let body = json!({"id": "evt_1", "type": "customer.created", "created": 1, "data": data});
        let event = parse(body.to_string().as_bytes(), "m");
        assert!(matches!(event, Ok(ShopEvent::Ignored { .. })), "{data}");
    }
    let body = json!({"id": "evt_1", "type": "customer.created"});
    let event = parse(body.to_string().as_bytes(), "m");
    assert!(matches!(event, Ok(ShopEvent::Ignored { .. })));
    // A type we use needs its object.
    let body = json!({"id": "evt_1", "type": CHARGE_REFUNDED, "created": 1});
    let err = parse(body.to_string().as_bytes(), "m").unwrap_err();
    assert_eq!(err.code(), "malformed_body");
    let no_time = edited(REFUNDED, |e, _| e["created"] = Value::Null);
    assert_eq!(
        parse(&no_time, "m"),
        Err(WebhookError::MissingField("created"))
    );
}

mod currencies;
mod signatures;
mod subscriptions;
