//! Shopify's topic and event-id headers are not signed: a captured body replayed
//! under another topic or event id changes nothing; a real cancellation still
//! reverses the sale.

use super::*;

const ORDER: &[u8] = include_bytes!("../../fixtures/webhooks/shopify/orders_paid.json");
const REFUND: &[u8] = include_bytes!("../../fixtures/webhooks/shopify/refunds_create.json");

async fn deliver(app: &TestApp, topic: &str, event_id: &str, body: Vec<u8>) -> (u16, Value) {
    let headers = [
        ("X-Shopify-Topic", topic.to_owned()),
        ("X-Shopify-Hmac-Sha256", shopify_signature(&body)),
        ("X-Shopify-Event-Id", event_id.to_owned()),
    ];
    post(app, "/webhooks/shopify/eu", body, &headers).await
}

async fn refund_rows(app: &TestApp) -> u64 {
    entity::refund::Entity::find().count(&app.db).await.unwrap()
}

async fn a_replayed_body_under_another_topic_changes_nothing(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2025, 10, 9, 8, 54, 0).unwrap());
    let (_, answer) = deliver(&app, "orders/paid", "evt-paid", ORDER.to_vec()).await;
    assert_eq!(answer["status"], "recorded", "{answer}");
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "6.30");

    // The paid order's signed body, replayed as a cancellation with a fresh event id.
    let (status, answer) = deliver(&app, "orders/cancelled", "evt-forged", ORDER.to_vec()).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("ignored")),
        "{answer}"
    );
    // Again as a sale under a fresh event id: the order id makes it a duplicate.
    let (_, answer) = deliver(&app, "orders/paid", "evt-forged-2", ORDER.to_vec()).await;
    assert_eq!(answer["status"], "duplicate", "{answer}");
    // A refund's body is no order, and an order's body no refund.
    let (status, _) = deliver(&app, "orders/cancelled", "evt-forged-3", REFUND.to_vec()).await;
    assert_eq!(status, 400);
    let (status, _) = deliver(&app, "refunds/create", "evt-forged-4", ORDER.to_vec()).await;
    assert_eq!(status, 400);
    // The refund itself, once, whatever event ids it comes under.
    for event_id in ["evt-refund", "evt-refund-again"] {
        let (_, answer) = deliver(&app, "refunds/create", event_id, REFUND.to_vec()).await;
        let expected = if event_id == "evt-refund" {
            "refund_applied"
        } else {
            "duplicate"
        };
        assert_eq!(answer["status"], expected, "{answer}");
    }
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "5.58");
    assert_eq!((sales_count(&app).await, refund_rows(&app).await), (1, 1));

    // A real cancellation (the body says `cancelled_at`) still reverses the rest.
    let mut cancelled: Value = serde_json::from_slice(ORDER).unwrap();
    cancelled["cancelled_at"] = json!("2025-10-12T10:00:00+02:00");
    cancelled["financial_status"] = json!("refunded");
    let cancelled = serde_json::to_vec(&cancelled).unwrap();
    let (_, answer) = deliver(&app, "orders/cancelled", "evt-cancel", cancelled.clone()).await;
    assert_eq!(answer["status"], "refund_applied", "{answer}");
    let (_, answer) = deliver(&app, "orders/cancelled", "evt-cancel-2", cancelled).await;
    assert_eq!(answer["status"], "duplicate", "{answer}");
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "0.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(a_replayed_body_under_another_topic_changes_nothing);

async fn an_order_not_yet_paid_is_not_a_sale(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2025, 10, 9, 8, 54, 0).unwrap());
    let mut pending: Value = serde_json::from_slice(ORDER).unwrap();
    pending["financial_status"] = json!("pending");
    let (status, answer) = deliver(
        &app,
        "orders/paid",
        "evt-pending",
        serde_json::to_vec(&pending).unwrap(),
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("ignored")),
        "{answer}"
    );
    assert_eq!(sales_count(&app).await, 0);
    // Once paid it is credited, even under the same event id.
    let (_, answer) = deliver(&app, "orders/paid", "evt-pending", ORDER.to_vec()).await;
    assert_eq!(answer["status"], "recorded", "{answer}");
    app.assert_ledger_balances().await;
}
on_both_engines!(an_order_not_yet_paid_is_not_a_sale);
