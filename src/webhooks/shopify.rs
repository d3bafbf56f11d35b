//! Shopify: `X-Shopify-Hmac-Sha256` verification and `orders/paid` /
//! `refunds/create` parsing. Ids are read as integers (they exceed 2^53) and money
//! as decimal strings, never through a float.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use serde_json::Value;

use super::{
    constant_time_eq, hmac_sha256, lobby_tag_by_key, malformed_json, non_empty, parse_time,
    positive, usable_secrets, WebhookError,
};
use crate::money::{Currency, Money};
use crate::sale::{Buyer, Provider, RefundAmount, RefundEvent, SaleEvent, ShopEvent};

/// The Shopify headers a parser needs (names are case-insensitive on the wire; the
/// HTTP layer looks them up with and without the `X-` prefix).
#[derive(Clone, Copy, Debug, Default)]
pub struct ShopifyHeaders<'a> {
    /// `X-Shopify-Hmac-Sha256`.
    pub hmac: Option<&'a str>,
    /// `X-Shopify-Topic`.
    pub topic: Option<&'a str>,
    /// `X-Shopify-Event-Id`: the same for duplicate deliveries of one event.
    pub event_id: Option<&'a str>,
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: Option<&'a str>,
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
    cancelled_at: Option<String>,
    updated_at: Option<String>,
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
struct Refund {
    id: Option<u64>,
    order_id: Option<u64>,
    processed_at: Option<String>,
    created_at: Option<String>,
    transactions: Option<Vec<Transaction>>,
    refund_line_items: Option<Vec<RefundLineItem>>,
    order_adjustments: Option<Vec<OrderAdjustment>>,
}

#[derive(Deserialize)]
struct Transaction {
    kind: Option<String>,
    status: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct RefundLineItem {
    subtotal_set: Option<MoneySet>,
    total_tax_set: Option<MoneySet>,
}

#[derive(Deserialize)]
struct OrderAdjustment {
    amount_set: Option<MoneySet>,
    tax_amount_set: Option<MoneySet>,
}

#[derive(Deserialize)]
struct MoneySet {
    shop_money: Option<SetAmount>,
    presentment_money: Option<SetAmount>,
}

#[derive(Deserialize)]
struct SetAmount {
    amount: String,
    currency_code: String,
}

/// The same refund parts summed in shop money and in presentment money.
#[derive(Clone, Copy, Default)]
struct Totals {
    shop: Decimal,
    shown: Decimal,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<u64>,
}

/// Turns a verified Shopify webhook into a [`ShopEvent`]: `orders/paid` is a Sale,
/// `refunds/create` and `orders/cancelled` are Refunds, any other topic is Ignored.
pub fn parse(body: &[u8], headers: &ShopifyHeaders, shop: &str) -> Result<ShopEvent, WebhookError> {
    let topic = non_empty(headers.topic).ok_or(WebhookError::MissingField("X-Shopify-Topic"))?;
    match topic.as_str() {
        "orders/paid" => order_sale(body, headers, shop),
        "refunds/create" => refund(body, headers, shop),
        "orders/cancelled" => cancellation(body, headers, shop),
        _ => {
            let id = serde_json::from_slice::<IdOnly>(body)
                .ok()
                .and_then(|o| o.id);
            let shown: String = topic.chars().take(64).collect();
            let fallback = format!(
                "{shown}:{}",
                id.map_or("unknown".into(), |id| id.to_string())
            );
            Ok(ShopEvent::Ignored {
                event_id: event_id(headers, fallback),
                reason: format!("topic {shown} is not used"),
            })
        }
    }
}

/// Dedupe key: the event id shared by duplicates, else this delivery's id, else
/// one derived from the resource.
fn event_id(headers: &ShopifyHeaders, fallback: String) -> String {
    non_empty(headers.event_id)
        .or_else(|| non_empty(headers.webhook_id))
        .unwrap_or(fallback)
}

/// The order's id and its total: `total_price` in `currency`, the shop currency,
/// which sales and cancellations keep.
fn order_total(order: &Order) -> Result<(u64, Money), WebhookError> {
    let id = order.id.ok_or(WebhookError::MissingField("id"))?;
    let currency = (order.currency.as_deref()).ok_or(WebhookError::MissingField("currency"))?;
    let total = (order.total_price.as_deref()).ok_or(WebhookError::MissingField("total_price"))?;
    Ok((id, Money::parse(total, Currency::parse(currency)?)?))
}

fn order_sale(
    body: &[u8],
    headers: &ShopifyHeaders,
    shop: &str,
) -> Result<ShopEvent, WebhookError> {
    let order: Order =
        serde_json::from_slice(body).map_err(|e| malformed_json("Shopify order", &e))?;
    let (id, amount) = order_total(&order)?;
    let event_id = event_id(headers, format!("order:{id}"));
    if amount.is_zero() {
        // A free order (100 % discount) is authentic and paid; refusing it would
        // only make Shopify retry it and eventually drop the subscription.
        return Ok(ShopEvent::Ignored {
            event_id,
            reason: format!("order {id} has a zero total"),
        });
    }
    let sold_at = match (order.processed_at.as_deref(), order.created_at.as_deref()) {
        (Some(t), _) | (None, Some(t)) => parse_time("processed_at", t)?,
        (None, None) => return Err(WebhookError::MissingField("processed_at")),
    };
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
/// running total equal to the order total, keyed once per order.
fn cancellation(
    body: &[u8],
    headers: &ShopifyHeaders,
    shop: &str,
) -> Result<ShopEvent, WebhookError> {
    let order: Order =
        serde_json::from_slice(body).map_err(|e| malformed_json("Shopify order", &e))?;
    let (id, amount) = order_total(&order)?;
    let event_id = event_id(headers, format!("cancel:{id}"));
    if amount.is_zero() {
        return Ok(ShopEvent::Ignored {
            event_id,
            reason: format!("cancelled order {id} has a zero total"),
        });
    }
    let at = [
        order.cancelled_at,
        order.updated_at,
        order.processed_at,
        order.created_at,
    ]
    .into_iter()
    .flatten()
    .next()
    .ok_or(WebhookError::MissingField("cancelled_at"))?;
    Ok(ShopEvent::Refund(RefundEvent {
        provider: Provider::Shopify,
        shop: shop.to_string(),
        event_id,
        refund_id: format!("cancel:{id}"),
        sale_ref: id.to_string(),
        amount: RefundAmount::Cumulative(positive(amount)?),
        refunded_at: parse_time("cancelled_at", &at)?,
    }))
}

fn refund(body: &[u8], headers: &ShopifyHeaders, shop: &str) -> Result<ShopEvent, WebhookError> {
    let refund: Refund =
        serde_json::from_slice(body).map_err(|e| malformed_json("Shopify refund", &e))?;
    let id = refund.id.ok_or(WebhookError::MissingField("id"))?;
    let order_id = refund
        .order_id
        .ok_or(WebhookError::MissingField("order_id"))?;
    let event_id = event_id(headers, format!("refund:{id}"));
    let refunded_at = match (refund.processed_at.as_deref(), refund.created_at.as_deref()) {
        (Some(t), _) | (None, Some(t)) => parse_time("processed_at", t)?,
        (None, None) => return Err(WebhookError::MissingField("processed_at")),
    };
    let Some(amount) = refund_in_shop_currency(&refund)? else {
        // Restock-only refunds and the like move no money: nothing to reverse.
        return Ok(ShopEvent::Ignored {
            event_id,
            reason: format!("refund {id} returns no money"),
        });
    };
    Ok(ShopEvent::Refund(RefundEvent {
        provider: Provider::Shopify,
        shop: shop.to_string(),
        event_id,
        refund_id: id.to_string(),
        sale_ref: order_id.to_string(),
        amount: RefundAmount::Incremental(positive(amount)?),
        refunded_at,
    }))
}

/// The money a refund returned, in the shop currency the sale was recorded in.
///
/// Rule: the money returned is the sum of successful `kind=refund` transactions.
/// If they are in the shop currency (the currency of the `shop_money` amounts, or
/// no `shop_money` at all) that sum is the answer. On a multi-currency order they
/// are in the buyer's presentment currency; then the refund's own shop/presentment
/// pairs convert it, using Shopify's conversion rather than ours:
/// 1. the line items' subtotals, plus the negated order adjustments (shipping
///    refunds are negative adjustments), in presentment money; if that equals the
///    transactions (prices include tax), the same sum in shop money is the refund;
/// 2. else the same with the line items' and adjustments' taxes added (prices
///    exclude tax);
/// 3. else (a custom amount) the transactions are scaled by shop / presentment of
///    all those pairs, rounded toward zero so a reversal never overshoots.
///
/// Returns `None` when no money moved.
fn refund_in_shop_currency(refund: &Refund) -> Result<Option<Money>, WebhookError> {
    let mut paid: Option<Money> = None;
    let successful = (refund.transactions.iter().flatten())
        .filter(|t| t.kind.as_deref() == Some("refund") && t.status.as_deref() == Some("success"));
    for tx in successful {
        let currency = tx
            .currency
            .as_deref()
            .ok_or(WebhookError::MissingField("transactions.currency"))?;
        let amount = tx
            .amount
            .as_deref()
            .ok_or(WebhookError::MissingField("transactions.amount"))?;
        let amount = Money::parse(amount, Currency::parse(currency)?)?;
        paid = Some(match paid {
            None => amount,
            Some(sum) => sum.checked_add(amount)?,
        });
    }
    let Some(paid) = paid.filter(|p| !p.is_zero()) else {
        return Ok(None);
    };

    // (set, is tax, sign): adjustments reduce what the order is owed, so a
    // negative adjustment is money returned.
    let items = refund.refund_line_items.iter().flatten();
    let adjustments = refund.order_adjustments.iter().flatten();
    let parts = (items.flat_map(|i| [(&i.subtotal_set, false, 1), (&i.total_tax_set, true, 1)]))
        .chain(
            adjustments.flat_map(|a| [(&a.amount_set, false, -1), (&a.tax_amount_set, true, -1)]),
        );
    let mut shop_currency = None;
    let (mut base, mut tax) = (Totals::default(), Totals::default());
    for (set, is_tax, sign) in parts {
        let Some(MoneySet {
            shop_money: Some(shop),
            presentment_money,
        }) = set
        else {
            continue;
        };
        let currency = Currency::parse(&shop.currency_code)?;
        if *shop_currency.get_or_insert(currency) != currency {
            return Err(WebhookError::InvalidAmount(
                "refund lines in several shop currencies".into(),
            ));
        }
        if currency == paid.currency() {
            return Ok(Some(paid));
        }
        let Some(shown) = presentment_money else {
            continue;
        };
        if Currency::parse(&shown.currency_code)? != paid.currency() {
            return Err(WebhookError::InvalidAmount(
                "refund lines and transactions are in different currencies".into(),
            ));
        }
        let sign = Decimal::from(sign);
        let totals = if is_tax { &mut tax } else { &mut base };
        totals.shop += Money::parse(&shop.amount, currency)?.amount() * sign;
        totals.shown += Money::parse(&shown.amount, paid.currency())?.amount() * sign;
    }
    let Some(shop_currency) = shop_currency else {
        return Ok(Some(paid));
    };
    let with_tax = Totals {
        shop: base.shop + tax.shop,
        shown: base.shown + tax.shown,
    };
    let shop_amount = if base.shown == paid.amount() {
        base.shop
    } else if with_tax.shown == paid.amount() {
        with_tax.shop
    } else {
        let scaled = Some(with_tax)
            .filter(|t| t.shop > Decimal::ZERO && t.shown > Decimal::ZERO)
            .and_then(|t| paid.amount().checked_mul(t.shop)?.checked_div(t.shown));
        let Some(scaled) = scaled else {
            return Err(WebhookError::InvalidAmount(format!(
                "refund in {} cannot be converted to {shop_currency}",
                paid.currency()
            )));
        };
        scaled.round_dp_with_strategy(shop_currency.exponent(), RoundingStrategy::ToZero)
    };
    Ok(Some(Money::new(shop_amount, shop_currency)?))
}

#[cfg(test)]
mod tests;
