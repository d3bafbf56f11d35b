//! Signed but mutated deliveries through the running server and its database:
//! answered 200 or a clean 400, never a 5xx, the ledger balanced.

use cozykart::webhooks::{kofi, WebhookError};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::kofi::{form_encode, kofi_docs, KOFI_FIELDS};
use super::mutation::{edits, mutate};
use super::shopify::{SHOPIFY_FIELDS, SHOPIFY_ORDER, SHOPIFY_REFUND};
use super::stripe::{stripe_field_edit, stripe_fixture_docs, STRIPE_FIELDS};
use super::{fixture_json, samples, WEBHOOK_CODES};
use crate::helpers::{spawn_app, Engine};
use crate::on_both_engines;
use crate::signing::{
    command, create_lobby, full_config, option, post, shopify_signature, stripe_signature, HOST,
    KOFI_TOKEN,
};

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
    let deliveries = samples(signed_case(), 64);
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
                    ("X-Shopify-Hmac-Sha256", shopify_signature(body)),
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

// Regressions found by the properties above

/// PostgreSQL `text` cannot hold U+0000: names and codes are cleaned and ids with
/// control characters refused at the webhook edge, so a buyer who types one into
/// their name is no server error (Shopify drops a subscription that keeps failing).
async fn nul_in_a_buyer_name_is_not_a_server_error(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let mut order = fixture_json(SHOPIFY_ORDER);
    order["customer"]["first_name"] = json!("Pip\u{0}");
    let body = serde_json::to_vec(&order).unwrap();
    let headers = [
        ("X-Shopify-Hmac-Sha256", shopify_signature(&body)),
        ("X-Shopify-Topic", "orders/paid".to_owned()),
    ];
    let (status, json) = post(&app, "/webhooks/shopify/eu", body, &headers).await;
    assert_ne!(status, 500, "{json}");
}

on_both_engines!(nul_in_a_buyer_name_is_not_a_server_error);
