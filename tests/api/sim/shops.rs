//! What the simulation's shops send besides Stripe, built from the provider
//! fixtures in USD: Shopify orders, refunds and cancellations signed with the
//! shop's secret, and Ko-fi payments carrying its verification token.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::signing::{post, shopify_signature, KOFI_TOKEN};

/// The Shopify shop of [`crate::signing::full_config`] (signed with its secret).
pub const SHOPIFY_SHOP: &str = "eu";
/// The Ko-fi shop of [`crate::signing::full_config`]: shop orders count, donations not.
pub const KOFI_ORDERS_SHOP: &str = "kofi";
/// The simulation's own Ko-fi shop, counting donations too ([`tips_shop_config`]).
pub const KOFI_TIPS_SHOP: &str = "tips";

/// The `[shops.tips]` table: a Ko-fi shop counting shop orders and donations.
pub fn tips_shop_config() -> String {
    format!(
        "[shops.{KOFI_TIPS_SHOP}]\nprovider = \"kofi\"\nsecret = \"{KOFI_TOKEN}\"\n\
         kofi_types = [\"Shop Order\", \"Donation\"]\n"
    )
}

/// Minor units of USD as Shopify and Ko-fi write them (`"12.34"`).
pub fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// A provider's time: whole seconds, as Shopify and Ko-fi send it.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// An `orders/paid` body: order `id` of `amount` (USD) paid at `at`, naming a
/// lobby in its `lobby` note attribute or not.
pub fn shopify_order(id: u64, amount: i64, at: DateTime<Utc>, lobby: Option<&str>) -> Vec<u8> {
    let mut order: Value = serde_json::from_slice(include_bytes!(
        "../../fixtures/webhooks/shopify/orders_paid.json"
    ))
    .expect("the fixture is JSON");
    let total = decimal(amount);
    order["id"] = json!(id);
    order["admin_graphql_api_id"] = json!(format!("gid://shopify/Order/{id}"));
    order["currency"] = json!("USD");
    order["presentment_currency"] = json!("USD");
    for field in [
        "total_price",
        "current_total_price",
        "subtotal_price",
        "current_subtotal_price",
    ] {
        order[field] = json!(total);
    }
    for field in ["total_discounts", "current_total_discounts"] {
        order[field] = json!("0.00");
    }
    let object = order.as_object_mut().expect("an order is an object");
    object.retain(|key, _| !key.ends_with("_set"));
    order["financial_status"] = json!("paid");
    order["processed_at"] = json!(stamp(at));
    order["created_at"] = json!(stamp(at));
    order["discount_codes"] = json!([]);
    order["note_attributes"] = match lobby {
        Some(code) => json!([{"name": "lobby", "value": code}]),
        None => json!([]),
    };
    serde_json::to_vec(&order).expect("JSON")
}

/// The same order cancelled at `at` (Shopify's `orders/cancelled` body).
pub fn shopify_cancelled(
    id: u64,
    amount: i64,
    paid_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Vec<u8> {
    let mut order: Value =
        serde_json::from_slice(&shopify_order(id, amount, paid_at, None)).expect("JSON");
    order["cancelled_at"] = json!(stamp(at));
    order["cancel_reason"] = json!("customer");
    order["financial_status"] = json!("refunded");
    serde_json::to_vec(&order).expect("JSON")
}

/// A `refunds/create` body: refund `id` of order `order` returning `amount`
/// (USD, one successful refund transaction) at `at`.
pub fn shopify_refund(id: u64, order: u64, amount: i64, at: DateTime<Utc>) -> Vec<u8> {
    let refund = json!({
        "id": id,
        "order_id": order,
        "created_at": stamp(at),
        "processed_at": stamp(at),
        "restock": false,
        "note": "simulated",
        "refund_line_items": [],
        "order_adjustments": [],
        "transactions": [{
            "id": id + 1,
            "order_id": order,
            "kind": "refund",
            "status": "success",
            "amount": decimal(amount),
            "currency": "USD",
            "gateway": "bogus",
        }],
    });
    serde_json::to_vec(&refund).expect("JSON")
}

/// Posts a Shopify webhook to `shop` (which has the test shop's secret), signed,
/// with its topic and event id.
pub async fn post_shopify(
    app: &TestApp,
    shop: &str,
    topic: &str,
    body: Vec<u8>,
    event: &str,
) -> (u16, Value) {
    let headers = [
        ("X-Shopify-Topic", topic.to_owned()),
        ("X-Shopify-Hmac-Sha256", shopify_signature(&body)),
        ("X-Shopify-Event-Id", event.to_owned()),
        ("Content-Type", "application/json".to_owned()),
    ];
    post(app, &format!("/webhooks/shopify/{shop}"), body, &headers).await
}

/// A Ko-fi payment of `kind` (`Shop Order`, `Donation`) as its form body:
/// message `message_id`, transaction `tx`, `amount` USD paid at `at`, with the
/// buyer's `message`.
pub fn kofi_payment(
    message_id: &str,
    tx: &str,
    kind: &str,
    amount: i64,
    at: DateTime<Utc>,
    message: &str,
) -> Vec<u8> {
    let mut payment: Value = serde_json::from_slice(include_bytes!(
        "../../fixtures/webhooks/kofi/shop_order.json"
    ))
    .expect("the fixture is JSON");
    payment["message_id"] = json!(message_id);
    payment["kofi_transaction_id"] = json!(tx);
    payment["type"] = json!(kind);
    payment["amount"] = json!(decimal(amount));
    payment["currency"] = json!("USD");
    payment["timestamp"] = json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    payment["message"] = json!(message);
    if kind != "Shop Order" {
        payment["shop_items"] = Value::Null;
        payment["shipping"] = Value::Null;
    }
    serde_urlencoded::to_string([("data", payment.to_string())])
        .expect("a form")
        .into_bytes()
}

/// Posts a Ko-fi form to `shop`.
pub async fn post_kofi(app: &TestApp, shop: &str, form: Vec<u8>) -> (u16, Value) {
    let headers = [(
        "Content-Type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    post(app, &format!("/webhooks/kofi/{shop}"), form, &headers).await
}
