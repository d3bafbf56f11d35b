//! Shopify: `X-Shopify-Hmac-Sha256` verification and `orders/paid`,
//! `orders/cancelled` and `refunds/create` parsing (refunds in `refund`). Ids are
//! read as integers (they exceed 2^53) and money as decimal strings, never through a
//! float.
//!
//! The HMAC covers the body only: `X-Shopify-Topic` and `X-Shopify-Event-Id` are
//! not signed, and whoever holds a captured body can send it again under any topic
//! and event id. So the topic only says what to look for, and the body must prove
//! it: a sale needs a paid `financial_status`, a cancellation a `cancelled_at`. Every
//! key comes from the body too: the delivery keys `order:<id>`, `cancel:<id>` and
//! `refund:<id>`, the order id as the sale, the refund id as the reversal.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use super::{
    constant_time_eq, hmac_sha256, lobby_tag_by_key, malformed_json, non_empty, parse_time,
    positive, usable_secrets, WebhookError,
};
use crate::money::{Currency, Money};
use crate::sale::{Buyer, Provider, RefundAmount, RefundEvent, SaleEvent, ShopEvent};

mod refund;

/// `financial_status` values of an order whose money was taken: `paid`, or paid and
/// then partly or wholly refunded (those refunds arrive as their own
/// `refunds/create` and are reversed there). `pending`, `authorized`,
/// `partially_paid` and `voided` orders are not sales.
const PAID_STATUSES: &[&str] = &["paid", "partially_refunded", "refunded"];

/// The Shopify headers a parser needs (names are case-insensitive on the wire; the
/// HTTP layer looks them up with and without the `X-` prefix). Neither is signed.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShopifyHeaders<'a> {
    /// `X-Shopify-Hmac-Sha256`.
    pub hmac: Option<&'a str>,
    /// `X-Shopify-Topic`: which proof to look for in the body.
    pub topic: Option<&'a str>,
}

/// Checks `X-Shopify-Hmac-Sha256`: standard padded base64 of HMAC-SHA256 over the
/// raw body, keyed with any of `secrets` (rotation overlap). A hex digest is
/// refused (it does not decode to 32 bytes).
pub fn verify_signature(
    body: &[u8],
    hmac_header: Option<&str>,
    secrets: &[String],
) -> Result<(), WebhookError> {
    let header = hmac_header.ok_or(WebhookError::BadSignature("missing HMAC header"))?;
    let claimed = STANDARD
        .decode(header.trim())
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .ok_or(WebhookError::BadSignature(
            "HMAC header is not a base64 SHA-256 digest",
        ))?;
    let matched = usable_secrets(secrets)
        .any(|secret| constant_time_eq(&hmac_sha256(secret.as_bytes(), &[body]), &claimed));
    if matched {
        Ok(())
    } else {
        Err(WebhookError::BadSignature("no matching HMAC"))
    }
}

/// The `X-Shopify-Hmac-Sha256` header Shopify sends with `body`: standard padded
/// base64 of HMAC-SHA256 over the raw body, keyed with the app's client secret.
/// The one signer behind the tests; [`verify_signature`] accepts what it writes.
pub fn signature_header(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(hmac_sha256(secret.as_bytes(), &[body]))
}

#[derive(Deserialize)]
struct Order {
    id: Option<u64>,
    total_price: Option<String>,
    /// After discounts, before shipping and tax, with later edits and refunds.
    current_subtotal_price: Option<String>,
    /// The same as first ordered; read when the current one is absent.
    subtotal_price: Option<String>,
    financial_status: Option<String>,
    cancelled_at: Option<String>,
    currency: Option<String>,
    processed_at: Option<String>,
    created_at: Option<String>,
    note_attributes: Option<Vec<NoteAttribute>>,
    discount_codes: Option<Vec<DiscountCode>>,
    customer: Option<Customer>,
}

#[derive(Deserialize)]
struct NoteAttribute {
    name: Option<String>,
    value: Option<Value>,
}

#[derive(Deserialize)]
struct DiscountCode {
    code: Option<String>,
}

#[derive(Deserialize)]
struct Customer {
    first_name: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<u64>,
}

/// Turns a verified Shopify webhook into a [`ShopEvent`]: `orders/paid` is a Sale
/// when the body shows it paid, `refunds/create` a Refund, `orders/cancelled` a
/// Refund when the body shows it cancelled; anything else is Ignored.
pub fn parse(body: &[u8], headers: &ShopifyHeaders, shop: &str) -> Result<ShopEvent, WebhookError> {
    let topic = non_empty(headers.topic).ok_or(WebhookError::MissingField("X-Shopify-Topic"))?;
    match topic.as_str() {
        "orders/paid" => order_sale(body, shop),
        "refunds/create" => refund::refund(body, shop),
        "orders/cancelled" => cancellation(body, shop),
        _ => {
            let id = serde_json::from_slice::<IdOnly>(body)
                .ok()
                .and_then(|o| o.id);
            let shown: String = topic.chars().take(64).collect();
            Ok(ShopEvent::Ignored {
                event_id: format!(
                    "{shown}:{}",
                    id.map_or("unknown".into(), |id| id.to_string())
                ),
                reason: format!("topic {shown} is not used"),
            })
        }
    }
}

/// An order body with its id and its total: `total_price` in `currency`, the shop
/// currency, which sales and cancellations keep.
fn read_order(body: &[u8]) -> Result<(Order, u64, Money), WebhookError> {
    let order: Order =
        serde_json::from_slice(body).map_err(|e| malformed_json("Shopify order", &e))?;
    let id = order.id.ok_or(WebhookError::MissingField("id"))?;
    let currency = (order.currency.as_deref()).ok_or(WebhookError::MissingField("currency"))?;
    let total = (order.total_price.as_deref()).ok_or(WebhookError::MissingField("total_price"))?;
    let total = Money::parse(total, Currency::parse(currency)?)?;
    Ok((order, id, total))
}

fn ignored(event_id: String, reason: String) -> Result<ShopEvent, WebhookError> {
    Ok(ShopEvent::Ignored { event_id, reason })
}

fn order_sale(body: &[u8], shop: &str) -> Result<ShopEvent, WebhookError> {
    let (order, id, amount) = read_order(body)?;
    let event_id = format!("order:{id}");
    let status = order.financial_status.as_deref().unwrap_or("of no status");
    if !PAID_STATUSES.contains(&status) {
        let shown: String = status.chars().take(32).collect();
        return ignored(event_id, format!("order {id} is {shown}: not paid"));
    }
    if amount.is_zero() {
        // A free order (100 % discount) is authentic and paid; refusing it would
        // only make Shopify retry it and eventually drop the subscription.
        return ignored(event_id, format!("order {id} has a zero total"));
    }
    let sold_at = match (order.processed_at.as_deref(), order.created_at.as_deref()) {
        (Some(t), _) | (None, Some(t)) => parse_time("processed_at", t)?,
        (None, None) => return Err(WebhookError::MissingField("processed_at")),
    };
    // The breakdown only narrows the pool: a sale is never refused for it.
    let subtotal = (order.current_subtotal_price.as_deref())
        .or(order.subtotal_price.as_deref())
        .and_then(|text| Money::parse(text, amount.currency()).ok());
    let attributes = order.note_attributes.unwrap_or_default();
    let lobby_tag = lobby_tag_by_key(|key| {
        attributes
            .iter()
            .find(|a| a.name.as_deref().map(str::trim) == Some(key))
            .and_then(|a| match &a.value {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
    });
    let discount_codes = (order.discount_codes.unwrap_or_default().iter())
        .filter_map(|d| non_empty(d.code.as_deref()))
        .collect();
    let name = order.customer.and_then(|c| c.first_name);
    Ok(ShopEvent::Sale(SaleEvent {
        provider: Provider::Shopify,
        shop: shop.to_string(),
        event_id,
        sale_id: id.to_string(),
        refs: Vec::new(),
        amount: positive(amount)?,
        subtotal,
        sold_at,
        lobby_tag,
        discount_codes,
        // Shopify has no consent flag for showing the buyer's name: never public.
        buyer: Buyer {
            name: non_empty(name.as_deref()),
            public: false,
        },
    }))
}

/// A cancelled order reverses whatever its refunds have not already reversed: a
/// running total equal to the order total, keyed once per order. Only a body with
/// `cancelled_at` is a cancellation, whatever the topic header says.
fn cancellation(body: &[u8], shop: &str) -> Result<ShopEvent, WebhookError> {
    let (order, id, amount) = read_order(body)?;
    let event_id = format!("cancel:{id}");
    let Some(cancelled_at) = non_empty(order.cancelled_at.as_deref()) else {
        return ignored(event_id, format!("order {id} is not cancelled"));
    };
    if amount.is_zero() {
        return ignored(event_id, format!("cancelled order {id} has a zero total"));
    }
    Ok(ShopEvent::Refund(RefundEvent {
        provider: Provider::Shopify,
        shop: shop.to_string(),
        event_id,
        refund_id: format!("cancel:{id}"),
        sale_ref: id.to_string(),
        amount: RefundAmount::Cumulative(positive(amount)?),
        refunded_at: parse_time("cancelled_at", &cancelled_at)?,
    }))
}

#[cfg(test)]
mod tests;
