//! The parts of Stripe's event and objects that Cozy-Kart reads, as serde types of
//! its own. Real objects carry many more fields and gain new ones with each API
//! version; these read only what a sale or refund needs and ignore the rest. A
//! currency is read as text, so a currency Stripe accepts is never refused for being
//! missing from a generated model (async-stripe's `Currency` lacks BHD, JOD, KWD,
//! OMR and TND). Everything is optional here; the builders say what is required.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// An event as delivered, read once: its id, type and time, with its object
/// left as JSON text until the type says what to read it as (an event of a type
/// we do not use is ignored whatever its object holds).
#[derive(Deserialize)]
pub struct Event<'a> {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Unix seconds when Stripe created the event: the sale's own time.
    pub created: Option<i64>,
    #[serde(borrow)]
    pub data: Option<&'a RawValue>,
}

/// An event's `data`, its object read as a `T`.
#[derive(Deserialize)]
pub struct Data<T> {
    pub object: T,
}

/// An object's type name, its `object` field (`checkout.session`, `charge`, ...).
pub trait Named {
    const OBJECT: &'static str;
    fn object(&self) -> Option<&str>;
}

/// A related object: its id, or the object itself when the request expanded it.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Expandable {
    Id(String),
    Object { id: String },
}

impl Expandable {
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) | Expandable::Object { id } => id,
        }
    }
}

/// A string-to-string map; values of any other type are passed over.
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    pub fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).and_then(Value::as_str).map(str::to_owned)
    }
}

macro_rules! named {
    ($type:ty, $name:literal) => {
        impl Named for $type {
            const OBJECT: &'static str = $name;
            fn object(&self) -> Option<&str> {
                self.object.as_deref()
            }
        }
    };
}

/// A Checkout Session (`checkout.session.completed`, `…async_payment_succeeded`).
#[derive(Deserialize)]
pub struct Session {
    pub id: Option<String>,
    pub object: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: Option<String>,
    /// After discounts, shipping and tax.
    pub amount_total: Option<i64>,
    /// The items before discounts, shipping and tax.
    pub amount_subtotal: Option<i64>,
    pub total_details: Option<TotalDetails>,
    pub currency: Option<String>,
    pub client_reference_id: Option<String>,
    pub metadata: Option<Metadata>,
    /// Set in payment mode.
    pub payment_intent: Option<Expandable>,
    /// Set in subscription mode (the first invoice), or with `invoice_creation`.
    pub invoice: Option<Expandable>,
    pub customer_details: Option<CustomerDetails>,
}
named!(Session, "checkout.session");

#[derive(Deserialize)]
pub struct TotalDetails {
    pub amount_discount: Option<i64>,
}

#[derive(Deserialize)]
pub struct CustomerDetails {
    pub name: Option<String>,
}

/// A PaymentIntent (`payment_intent.succeeded`).
#[derive(Deserialize)]
pub struct PaymentIntent {
    pub id: Option<String>,
    pub object: Option<String>,
    pub amount_received: Option<i64>,
    pub currency: Option<String>,
    pub latest_charge: Option<Expandable>,
    pub metadata: Option<Metadata>,
    /// The invoice it pays (API versions before 2025-03-31; later ones dropped it).
    pub invoice: Option<Expandable>,
}
named!(PaymentIntent, "payment_intent");

/// A Charge (`charge.refunded`).
#[derive(Deserialize)]
pub struct Charge {
    pub id: Option<String>,
    pub object: Option<String>,
    /// Running total refunded on the charge.
    pub amount_refunded: Option<i64>,
    pub currency: Option<String>,
    pub payment_intent: Option<Expandable>,
    /// The invoice it paid (API versions before 2025-03-31).
    pub invoice: Option<Expandable>,
}
named!(Charge, "charge");

/// A Dispute (`charge.dispute.created`).
#[derive(Deserialize)]
pub struct Dispute {
    pub id: Option<String>,
    pub object: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub charge: Option<Expandable>,
    pub payment_intent: Option<Expandable>,
}
named!(Dispute, "dispute");

/// An Invoice (`invoice.paid`, `invoice.payment_succeeded`).
#[derive(Deserialize)]
pub struct Invoice {
    pub id: Option<String>,
    pub object: Option<String>,
    /// `subscription_create` for a subscription's first invoice, `subscription_cycle`
    /// for a renewal, `subscription_update`, `manual`, ...
    pub billing_reason: Option<String>,
    pub status: Option<String>,
    pub amount_paid: Option<i64>,
    pub currency: Option<String>,
    /// Before invoice-level discounts and exclusive tax; shipping is apart.
    pub subtotal: Option<i64>,
    pub total_discount_amounts: Option<Vec<DiscountAmount>>,
    pub metadata: Option<Metadata>,
    pub customer_name: Option<String>,
    /// API versions before 2025-03-31: the subscription's metadata, and the
    /// PaymentIntent and Charge that paid the invoice.
    pub subscription_details: Option<SubscriptionDetails>,
    pub payment_intent: Option<Expandable>,
    pub charge: Option<Expandable>,
    /// From 2025-03-31 the subscription's details are under `parent`.
    pub parent: Option<InvoiceParent>,
}
named!(Invoice, "invoice");

#[derive(Deserialize)]
pub struct DiscountAmount {
    pub amount: Option<i64>,
}

#[derive(Deserialize)]
pub struct SubscriptionDetails {
    pub metadata: Option<Metadata>,
}

#[derive(Deserialize)]
pub struct InvoiceParent {
    pub subscription_details: Option<SubscriptionDetails>,
}
