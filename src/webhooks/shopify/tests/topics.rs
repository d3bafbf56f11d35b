//! The topic header is not signed: the body must prove what the topic claims, a
//! paid `financial_status` for a sale, `cancelled_at` for a cancellation.

use super::*;

#[test]
fn only_a_paid_order_is_a_sale() {
    let status = |status: Value| {
        let body = edited(ORDER, |o| o["financial_status"] = status);
        parse(&body, &topic("orders/paid"), "s").unwrap()
    };
    for paid in ["paid", "partially_refunded", "refunded"] {
        assert!(
            matches!(status(json!(paid)), ShopEvent::Sale(ref s) if s.event_id == "order:6021458803752"),
            "{paid}"
        );
    }
    for unpaid in [
        json!("pending"),
        json!("authorized"),
        json!("partially_paid"),
        json!("voided"),
        json!("PAID"),
        Value::Null,
    ] {
        assert!(
            matches!(status(unpaid.clone()), ShopEvent::Ignored { ref event_id, .. } if event_id == "order:6021458803752"),
            "{unpaid}"
        );
    }
}

#[test]
fn a_paid_order_replayed_as_cancelled_is_ignored() {
    // The topic header is not signed: without `cancelled_at` the body proves no
    // cancellation, whatever the header says.
    for cancelled_at in [Value::Null, json!(""), json!("  ")] {
        let body = edited(ORDER, |o| o["cancelled_at"] = cancelled_at.clone());
        match parse(&body, &topic("orders/cancelled"), "s").unwrap() {
            ShopEvent::Ignored { event_id, reason } => {
                assert_eq!(event_id, "cancel:6021458803752");
                assert!(reason.contains("not cancelled"), "{reason}");
            }
            other => panic!("{cancelled_at}: {other:?}"),
        }
    }
    // Nor does any other body: a refund is no order, an order no refund.
    let err = parse(REFUND, &topic("orders/cancelled"), "s").unwrap_err();
    assert_eq!(err.code(), "missing_field");
    let err = parse(ORDER, &topic("refunds/create"), "s").unwrap_err();
    assert_eq!(err, WebhookError::MissingField("order_id"));
}
