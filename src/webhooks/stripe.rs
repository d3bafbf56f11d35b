//! Stripe: `Stripe-Signature` verification, and Event parsing into shop events with
//! serde types of our own (`objects`) for the fields we use, amounts converted from
//! Stripe's minor units (`currency`), sales and refunds built in `events`.
//!
//! async-stripe's `Event` is kept for the contract tests only (`contract.rs`): its
//! generated models refuse currencies they do not list (BHD, JOD, KWD, OMR, TND)
//! and object shapes newer than they are, and a refused delivery is retried for
//! three days and then lost.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::{
    constant_time_eq, hmac_sha256, malformed_json, non_empty, usable_secrets, WebhookError,
};
use crate::sale::ShopEvent;

pub mod currency;
mod events;
mod objects;

use events::Context;
use objects::{Charge, Data, Dispute, Event, Invoice, Named, PaymentIntent, Session};
use serde_json::value::RawValue;

const SESSION_COMPLETED: &str = "checkout.session.completed";
const SESSION_ASYNC_SUCCEEDED: &str = "checkout.session.async_payment_succeeded";
const PAYMENT_INTENT_SUCCEEDED: &str = "payment_intent.succeeded";
const CHARGE_REFUNDED: &str = "charge.refunded";
const DISPUTE_CREATED: &str = "charge.dispute.created";
const INVOICE_PAID: &str = "invoice.paid";
const INVOICE_PAYMENT_SUCCEEDED: &str = "invoice.payment_succeeded";

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

/// Turns a verified Stripe event body into a [`ShopEvent`].
///
/// * `checkout.session.completed` (paid) and `…async_payment_succeeded`: Sale keyed
///   on the PaymentIntent id (payment mode), else the invoice id (subscription
///   mode), else the session id; amount `amount_total`.
/// * `checkout.session.completed` not yet paid: Ignored (the async event follows).
/// * `payment_intent.succeeded`: Sale keyed on the PaymentIntent, `amount_received`;
///   Ignored when it pays an invoice.
/// * `invoice.paid`, `invoice.payment_succeeded`: for a subscription's first invoice
///   a Sale keyed on the invoice (the twin of its Checkout Session); else Ignored.
/// * `charge.refunded`: Refund, cumulative `amount_refunded`.
/// * `charge.dispute.created`: Refund of the disputed amount.
/// * anything else: Ignored, whatever its object.
pub fn parse(body: &[u8], shop: &str) -> Result<ShopEvent, WebhookError> {
    let event: Event =
        serde_json::from_slice(body).map_err(|e| malformed_json("Stripe event", &e))?;
    let event_id = non_empty(event.id.as_deref()).ok_or(WebhookError::MissingField("id"))?;
    let kind = event.kind.ok_or(WebhookError::MissingField("type"))?;
    let delivery = Delivery {
        kind: &kind,
        created: event.created,
        data: event.data,
        shop,
        event_id,
    };
    match kind.as_str() {
        SESSION_COMPLETED | SESSION_ASYNC_SUCCEEDED => {
            let (session, ctx) = delivery.read::<Session>()?;
            events::session_sale(&kind, session, ctx)
        }
        PAYMENT_INTENT_SUCCEEDED => {
            let (intent, ctx) = delivery.read::<PaymentIntent>()?;
            events::intent_sale(intent, ctx)
        }
        INVOICE_PAID | INVOICE_PAYMENT_SUCCEEDED => {
            let (invoice, ctx) = delivery.read::<Invoice>()?;
            events::invoice_sale(invoice, ctx)
        }
        CHARGE_REFUNDED => {
            let (charge, ctx) = delivery.read::<Charge>()?;
            events::charge_refund(charge, ctx)
        }
        DISPUTE_CREATED => {
            let (dispute, ctx) = delivery.read::<Dispute>()?;
            events::dispute_refund(dispute, ctx)
        }
        _ => {
            let shown: String = kind.chars().take(64).collect();
            Ok(ShopEvent::Ignored {
                event_id: delivery.event_id,
                reason: format!("event type {shown} is not used"),
            })
        }
    }
}

/// A read event whose type we use, its object still to be read.
struct Delivery<'a> {
    kind: &'a str,
    created: Option<i64>,
    data: Option<&'a RawValue>,
    shop: &'a str,
    event_id: String,
}

impl<'a> Delivery<'a> {
    /// The event's object as a `T`, which it must say it is, and its time.
    fn read<T: DeserializeOwned + Named>(self) -> Result<(T, Context<'a>), WebhookError> {
        let data = self.data.ok_or_else(|| {
            WebhookError::Malformed(format!("{} event carries no data", self.kind))
        })?;
        let data: Data<T> = serde_json::from_str(data.get())
            .map_err(|e| malformed_json("Stripe event data", &e))?;
        let object = data.object;
        if object.object() != Some(T::OBJECT) {
            return Err(WebhookError::Malformed(format!(
                "{} event does not carry a {}",
                self.kind,
                T::OBJECT
            )));
        }
        let created = self.created.ok_or(WebhookError::MissingField("created"))?;
        let at = DateTime::from_timestamp(created, 0)
            .ok_or_else(|| WebhookError::Malformed("created is out of range".into()))?;
        let ctx = Context {
            shop: self.shop,
            event_id: self.event_id,
            at,
        };
        Ok((object, ctx))
    }
}

#[cfg(test)]
mod contract;
#[cfg(test)]
mod tests;
