use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::*;
use crate::money::{Currency, Money};

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
const VECTORS: &[u8] = include_bytes!("../../../tests/fixtures/webhooks/stripe/signatures.json");
const OPENAPI: &[u8] = include_bytes!("../../../tests/fixtures/stripe-openapi/fixtures3.json");

fn fixture(name: &str) -> &'static [u8] {
    match name {
        "checkout_session_completed.json" => SESSION,
        "checkout_session_completed_jpy.json" => SESSION_JPY,
        "payment_intent_succeeded.json" => INTENT,
        "charge_refunded.json" => REFUNDED,
        "charge_dispute_created.json" => DISPUTE,
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
fn readme_worked_example() {
    let body = br#"{"id":"evt_test_demo","object":"event","type":"checkout.session.completed"}"#;
    let v1 = "a1ef490f3abe3852a19f1624cc0e6aa7466444fa4349b953f2a20079023e6cfd";
    let secret = vec!["whsec_test_CozyKartDemo".to_string()];
    let header = format!("t=1760000000,v1={v1}");
    assert_eq!(signature_header(&secret[0], 1760000000, body), header);
    assert_eq!(
        verify_signature(body, Some(&header), &secret, at(1760000000), 300),
        Ok(())
    );

    let mut with_newline = body.to_vec();
    with_newline.push(b'\n');
    let nl = "t=1760000000,v1=dbe5c35501e1ef788d62dd035db5c3faa4e7df848f76081b1e5ec5399595cc49";
    assert_eq!(signature_header(&secret[0], 1760000000, &with_newline), nl);
    assert!(verify_signature(&with_newline, Some(&header), &secret, at(1760000000), 300).is_err());

    let old = "495f9534eaefa495985e0de489715cbd72382a343133dc4f91339cba0c072ae0";
    let rotating = format!("t=1760000000,v1={v1},v1={old}");
    let only_old = vec!["whsec_test_CozyKartDemoOld".to_string()];
    assert_eq!(
        verify_signature(body, Some(&rotating), &only_old, at(1760000000), 300),
        Ok(())
    );
}

#[test]
fn signature_header_writes_the_recorded_vectors_and_verifies() {
    let v = vectors();
    let secret = secrets(&["endpoint_secret"]);
    for vector in v["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        let t = vector["signed_at"].as_i64().unwrap();
        let header = signature_header(&secret[0], t, body);
        assert_eq!(Some(header.as_str()), vector["stripe_signature"].as_str());
        assert_eq!(
            verify_signature(body, Some(&header), &secret, at(t), 300),
            Ok(())
        );
        let other = signature_header("whsec_test_SomeOtherEndpoint", t, body);
        let err = verify_signature(body, Some(&other), &secret, at(t), 300).unwrap_err();
        assert_eq!(err.code(), "bad_signature");
    }
}

#[test]
fn every_vector_verifies_inside_the_window_only() {
    let v = vectors();
    let secret = secrets(&["endpoint_secret"]);
    for vector in v["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        assert_eq!(body.len() as u64, vector["body_len"].as_u64().unwrap());
        let header = vector["stripe_signature"].as_str();
        let t = vector["signed_at"].as_i64().unwrap();
        for now in [t, t + 300, t - 300] {
            assert_eq!(
                verify_signature(body, header, &secret, at(now), 300),
                Ok(())
            );
        }
        for now in [t + 301, t - 301] {
            let err = verify_signature(body, header, &secret, at(now), 300);
            assert_eq!(err, Err(WebhookError::StaleTimestamp));
        }
        let rotated = secrets(&["previous_endpoint_secret", "endpoint_secret"]);
        assert_eq!(verify_signature(body, header, &rotated, at(t), 300), Ok(()));
    }
}

#[test]
fn rotation_header_accepts_either_secret_and_ignores_v0() {
    let v = vectors();
    let example = &v["rotation_example"];
    let body = fixture(example["file"].as_str().unwrap());
    let header = example["stripe_signature"].as_str();
    let now = at(example["signed_at"].as_i64().unwrap());
    for names in [
        &["endpoint_secret"][..],
        &["previous_endpoint_secret"],
        &["endpoint_secret", "previous_endpoint_secret"],
    ] {
        assert_eq!(
            verify_signature(body, header, &secrets(names), now, 300),
            Ok(())
        );
    }
    let other = vec!["whsec_test_SomeOtherEndpoint".to_string()];
    let err = verify_signature(body, header, &other, now, 300).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
}

#[test]
fn negative_vectors_fail_with_the_right_error() {
    let v = vectors();
    let both = secrets(&["endpoint_secret", "previous_endpoint_secret"]);
    for case in v["negative_examples"].as_array().unwrap() {
        let body = fixture(case["file"].as_str().unwrap());
        let header = case["stripe_signature"].as_str();
        let now = at(case["verify_at"].as_i64().unwrap());
        let err = verify_signature(body, header, &both, now, 300).unwrap_err();
        match case["case"].as_str().unwrap() {
            "stale timestamp" => assert_eq!(err, WebhookError::StaleTimestamp),
            "wrong secret" => {
                assert_eq!(err, WebhookError::BadSignature("no matching v1 signature"))
            }
            "only v0 present" => assert_eq!(err, WebhookError::BadSignature("no v1 signature")),
            other => panic!("unexpected case {other}"),
        }
    }
}

#[test]
fn malformed_headers_and_bodies_are_refused() {
    let secret = secrets(&["endpoint_secret"]);
    let good = signature_header(&secret[0], 1760000125, SESSION);
    let now = at(1760000125);
    let bad = |header: Option<&str>, secrets: &[String]| {
        verify_signature(SESSION, header, secrets, now, 300)
            .unwrap_err()
            .code()
    };
    assert_eq!(bad(None, &secret), "bad_signature");
    assert_eq!(bad(Some(""), &secret), "bad_signature");
    assert_eq!(bad(Some("v1=abc"), &secret), "bad_signature");
    assert_eq!(bad(Some("t=abc,v1=00"), &secret), "bad_signature");
    assert_eq!(bad(Some(&format!("t=1,{good}")), &secret), "bad_signature");
    assert_eq!(bad(Some(&good), &[]), "bad_signature");
    assert_eq!(bad(Some(&good), &[String::new()]), "bad_signature");
    let empty_key = signature_header("", 1760000125, SESSION);
    assert_eq!(bad(Some(&empty_key), &[String::new()]), "bad_signature");
    assert_eq!(
        bad(Some(&good.replace("v1=", "v1=zz")), &secret),
        "bad_signature"
    );

    let spaced = good.replace(',', ", ");
    assert_eq!(
        verify_signature(SESSION, Some(&spaced), &secret, now, 300),
        Ok(())
    );
    let future = signature_header(&secret[0], 1760000125 + 301, SESSION);
    assert_eq!(
        verify_signature(SESSION, Some(&future), &secret, now, 300),
        Err(WebhookError::StaleTimestamp)
    );
    let reserialised = serde_json::to_vec(&serde_json::from_slice::<Value>(SESSION).unwrap());
    let err = verify_signature(&reserialised.unwrap(), Some(&good), &secret, now, 300);
    assert_eq!(err.unwrap_err().code(), "bad_signature");
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
