//! Stripe: `Stripe-Signature` verification and Event parsing with async-stripe's
//! models (checkout sessions, payment intents, refunded charges, disputes).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use stripe::{
    Charge, CheckoutSession, CheckoutSessionPaymentStatus, Dispute, Event, EventObject,
    PaymentIntent,
};

use super::{
    clean_tag, constant_time_eq, hmac_sha256, lobby_tag_by_key, malformed_json, non_empty,
    positive, usable_secrets, WebhookError,
};
use crate::money::{Currency, Money};
use crate::sale::{Buyer, Provider, RefundAmount, RefundEvent, SaleEvent, ShopEvent};

const SESSION_COMPLETED: &str = "checkout.session.completed";
const SESSION_ASYNC_SUCCEEDED: &str = "checkout.session.async_payment_succeeded";
const PAYMENT_INTENT_SUCCEEDED: &str = "payment_intent.succeeded";
const CHARGE_REFUNDED: &str = "charge.refunded";
const DISPUTE_CREATED: &str = "charge.dispute.created";
const HANDLED: &[&str] = &[
    SESSION_COMPLETED,
    SESSION_ASYNC_SUCCEEDED,
    PAYMENT_INTENT_SUCCEEDED,
    CHARGE_REFUNDED,
    DISPUTE_CREATED,
];

/// `client_reference_id` prefix naming a lobby: `lobby:<code>`.
const LOBBY_REFERENCE_PREFIX: &str = "lobby:";

/// Checks a `Stripe-Signature` header against the raw body.
///
/// Only `v1` entries count (a matching `v0` is a downgrade attempt and ignored);
/// any configured secret may match (rotation overlap); the HMAC key is the whole
/// secret string, `whsec_` included. A matching signature whose `t` is more than
/// `tolerance_seconds` before `now`, or more than that after it, is refused.
pub fn verify_signature(
    body: &[u8],
    header: Option<&str>,
    secrets: &[String],
    now: DateTime<Utc>,
    tolerance_seconds: i64,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::BadSignature(
        "missing Stripe-Signature header",
    ))?;
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.split_once('=') else {
            continue;
        };
        match key.trim() {
            "t" if timestamp.is_some() => {
                return Err(WebhookError::BadSignature("more than one timestamp"));
            }
            "t" => timestamp = Some(value.trim()),
            "v1" => v1.push(value.trim()),
            _ => {}
        }
    }
    let t_text = timestamp.ok_or(WebhookError::BadSignature("no timestamp"))?;
    let t: i64 = t_text
        .parse()
        .ok()
        .filter(|_| t_text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(WebhookError::BadSignature("malformed timestamp"))?;
    if v1.is_empty() {
        return Err(WebhookError::BadSignature("no v1 signature"));
    }
    // Values that are not hex can never match; they are skipped, not fatal.
    let candidates: Vec<Vec<u8>> = v1.iter().filter_map(|v| hex::decode(v).ok()).collect();
    let matched = usable_secrets(secrets).any(|secret| {
        let mac = hmac_sha256(secret.as_bytes(), &[t_text.as_bytes(), b".", body]);
        candidates
            .iter()
            .fold(false, |found, sig| found | constant_time_eq(&mac, sig))
    });
    if !matched {
        return Err(WebhookError::BadSignature("no matching v1 signature"));
    }
    let age = now.timestamp().saturating_sub(t);
    if age > tolerance_seconds || age < tolerance_seconds.saturating_neg() {
        return Err(WebhookError::StaleTimestamp);
    }
    Ok(())
}

/// The `Stripe-Signature` header Stripe sends with `body` at `timestamp` (Unix
/// seconds): `t=<timestamp>,v1=<lowercase hex HMAC-SHA256 of "<timestamp>.<body>">`,
/// keyed with the whole endpoint secret. The one signer behind the demo's sales, the
/// load generator and the tests; [`verify_signature`] accepts what it writes.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = hmac_sha256(
        secret.as_bytes(),
        &[timestamp.to_string().as_bytes(), b".", body],
    );
    format!("t={timestamp},v1={}", hex::encode(mac))
}

/// Just enough of the envelope to route the event, read before the full model:
/// async-stripe refuses object types it does not know, and an event we do not use
/// must still be answered 200 (Ignored), not 400 with three days of retries.
#[derive(Deserialize)]
struct Envelope {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    data: Option<EnvelopeData>,
}

#[derive(Deserialize)]
struct EnvelopeData {
    object: Option<EnvelopeObject>,
}

#[derive(Deserialize)]
struct EnvelopeObject {
    currency: Option<String>,
}

struct Context<'a> {
    shop: &'a str,
    event_id: String,
    at: DateTime<Utc>,
}

/// Turns a verified Stripe event body into a [`ShopEvent`].
///
/// * `checkout.session.completed` (paid) and `…async_payment_succeeded`: Sale keyed
///   on the PaymentIntent id (else the session id), amount `amount_total`.
/// * `checkout.session.completed` not yet paid: Ignored (the async event follows).
/// * `payment_intent.succeeded`: Sale keyed on the PaymentIntent, `amount_received`.
/// * `charge.refunded`: Refund, cumulative `amount_refunded`.
/// * `charge.dispute.created`: Refund of the disputed amount.
/// * anything else: Ignored.
pub fn parse(body: &[u8], shop: &str) -> Result<ShopEvent, WebhookError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| malformed_json("Stripe event", &e))?;
    let event_id = non_empty(envelope.id.as_deref()).ok_or(WebhookError::MissingField("id"))?;
    let kind = envelope.kind.ok_or(WebhookError::MissingField("type"))?;
    if !HANDLED.contains(&kind.as_str()) {
        let shown: String = kind.chars().take(64).collect();
        return Ok(ShopEvent::Ignored {
            event_id,
            reason: format!("event type {shown} is not used"),
        });
    }
    // async-stripe only knows the currencies Stripe did when it was generated; check
    // ours first so an unknown code is reported as such rather than as bad JSON.
    let currency = envelope
        .data
        .and_then(|d| d.object)
        .and_then(|o| o.currency);
    if let Some(code) = currency {
        Currency::parse(&code)?;
    }
    let event: Event =
        serde_json::from_slice(body).map_err(|e| malformed_json("Stripe event", &e))?;
    let at = DateTime::from_timestamp(event.created, 0)
        .ok_or_else(|| WebhookError::Malformed("created is out of range".into()))?;
    let ctx = Context {
        shop,
        event_id: event.id.to_string(),
        at,
    };
    match (kind.as_str(), event.data.object) {
        (SESSION_COMPLETED | SESSION_ASYNC_SUCCEEDED, EventObject::CheckoutSession(s)) => {
            session_sale(&kind, s, ctx)
        }
        (PAYMENT_INTENT_SUCCEEDED, EventObject::PaymentIntent(pi)) => intent_sale(pi, ctx),
        (CHARGE_REFUNDED, EventObject::Charge(charge)) => charge_refund(charge, ctx),
        (DISPUTE_CREATED, EventObject::Dispute(dispute)) => dispute_refund(dispute, ctx),
        _ => Err(WebhookError::Malformed(format!(
            "{kind} event does not carry the expected object"
        ))),
    }
}

fn session_sale(kind: &str, s: CheckoutSession, ctx: Context) -> Result<ShopEvent, WebhookError> {
    if kind == SESSION_COMPLETED && s.payment_status != CheckoutSessionPaymentStatus::Paid {
        return Ok(ShopEvent::Ignored {
            event_id: ctx.event_id,
            reason: format!(
                "checkout session {} is {}: credited on async_payment_succeeded",
                s.id,
                s.payment_status.as_str()
            ),
        });
    }
    let minor = s
        .amount_total
        .ok_or(WebhookError::MissingField("amount_total"))?;
    let currency = s.currency.ok_or(WebhookError::MissingField("currency"))?;
    let amount = money(minor, currency)?;
    let session_id = s.id.to_string();
    let intent_id = s.payment_intent.as_ref().map(|pi| pi.id().to_string());
    let lobby_tag = s.metadata.as_ref().and_then(metadata_tag).or_else(|| {
        s.client_reference_id
            .as_deref()
            .and_then(|r| r.trim().strip_prefix(LOBBY_REFERENCE_PREFIX))
            .and_then(clean_tag)
    });
    // Stripe has no consent flag for showing the buyer's name: never public.
    let name = s.customer_details.and_then(|d| d.name);
    let mut refs = vec![session_id.clone()];
    refs.extend(intent_id.clone());
    Ok(ShopEvent::Sale(SaleEvent {
        provider: Provider::Stripe,
        shop: ctx.shop.to_string(),
        event_id: ctx.event_id,
        sale_id: intent_id.unwrap_or(session_id),
        refs,
        amount,
        sold_at: ctx.at,
        lobby_tag,
        discount_codes: Vec::new(),
        buyer: Buyer {
            name: non_empty(name.as_deref()),
            public: false,
        },
    }))
}

fn intent_sale(pi: PaymentIntent, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let amount = money(pi.amount_received, pi.currency)?;
    let intent_id = pi.id.to_string();
    let mut refs = vec![intent_id.clone()];
    refs.extend(pi.latest_charge.as_ref().map(|ch| ch.id().to_string()));
    Ok(ShopEvent::Sale(SaleEvent {
        provider: Provider::Stripe,
        shop: ctx.shop.to_string(),
        event_id: ctx.event_id,
        sale_id: intent_id,
        refs,
        amount,
        sold_at: ctx.at,
        lobby_tag: metadata_tag(&pi.metadata),
        discount_codes: Vec::new(),
        buyer: Buyer::default(),
    }))
}

/// `amount_refunded` is the running total on the charge, so the refund id pairs
/// the charge with that total: each further partial refund is a new reversal,
/// a redelivery of the same one is not.
fn charge_refund(charge: Charge, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let amount = money(charge.amount_refunded, charge.currency)?;
    let charge_id = charge.id.to_string();
    let sale_ref = charge
        .payment_intent
        .as_ref()
        .map(|pi| pi.id().to_string())
        .unwrap_or_else(|| charge_id.clone());
    Ok(ShopEvent::Refund(RefundEvent {
        provider: Provider::Stripe,
        shop: ctx.shop.to_string(),
        event_id: ctx.event_id,
        refund_id: format!("{charge_id}:{}", charge.amount_refunded),
        sale_ref,
        amount: RefundAmount::Cumulative(amount),
        refunded_at: ctx.at,
    }))
}

/// A dispute reverses the commission on the disputed amount at once, when the
/// money leaves the balance. A dispute later won is not re-credited automatically:
/// that takes a manual adjustment.
fn dispute_refund(dispute: Dispute, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let amount = money(dispute.amount, dispute.currency)?;
    let sale_ref = dispute
        .payment_intent
        .as_ref()
        .map(|pi| pi.id().to_string())
        .unwrap_or_else(|| dispute.charge.id().to_string());
    Ok(ShopEvent::Refund(RefundEvent {
        provider: Provider::Stripe,
        shop: ctx.shop.to_string(),
        event_id: ctx.event_id,
        refund_id: dispute.id.to_string(),
        sale_ref,
        amount: RefundAmount::Incremental(amount),
        refunded_at: ctx.at,
    }))
}

/// Integer minor units in a Stripe currency, which must be positive.
fn money(minor: i64, currency: stripe::Currency) -> Result<Money, WebhookError> {
    let currency = Currency::parse(&currency.to_string())?;
    positive(Money::from_minor(minor, currency)?)
}

/// Lobby named in session or `payment_intent_data` metadata.
fn metadata_tag(metadata: &HashMap<String, String>) -> Option<String> {
    lobby_tag_by_key(|key| metadata.get(key).cloned())
}

#[cfg(test)]
mod tests;
