//! From Stripe's objects to shop events: which delivery is a sale, under which key
//! and references, and which is a refund of which sale.
//!
//! One purchase reaches us as several events, credited once: a sale is keyed on its
//! PaymentIntent, else its invoice, else its Checkout Session, and every one of
//! those ids it carries is a reference, so whichever twin comes second finds the
//! sale the first one recorded.

use chrono::{DateTime, Utc};

use super::currency::stripe_money;
use super::objects::{Charge, Dispute, Expandable, Invoice, Metadata, PaymentIntent, Session};
use super::SESSION_COMPLETED;
use crate::money::Money;
use crate::sale::{Buyer, Provider, RefundAmount, RefundEvent, SaleEvent, ShopEvent};
use crate::webhooks::{clean_tag, lobby_code, lobby_tag_by_key, non_empty, positive, WebhookError};

/// `client_reference_id` forms that name a lobby, prefix in any case. Checkout
/// Sessions created through the API may use `lobby:<code>`; a Payment Link keeps
/// only letters, digits, `-` and `_`, so its links carry `lobby-<CODE>`.
const REFERENCE_PREFIXES: &[&str] = &["lobby:", "lobby-", "lobby_"];

/// The only invoices that are sales: a subscription's first, paid at its checkout.
const FIRST_SUBSCRIPTION_INVOICE: &str = "subscription_create";

/// What every event of a delivery shares.
pub struct Context<'a> {
    pub shop: &'a str,
    pub event_id: String,
    /// The event's `created`: when the customer paid.
    pub at: DateTime<Utc>,
}

impl Context<'_> {
    fn ignored(self, reason: String) -> ShopEvent {
        ShopEvent::Ignored {
            event_id: self.event_id,
            reason,
        }
    }

    fn sale(self, sale_id: String, refs: Vec<String>, amount: Money) -> SaleEvent {
        SaleEvent {
            provider: Provider::Stripe,
            shop: self.shop.to_string(),
            event_id: self.event_id,
            sale_id,
            refs,
            amount,
            subtotal: None,
            sold_at: self.at,
            lobby_tag: None,
            discount_codes: Vec::new(),
            buyer: Buyer::default(),
        }
    }

    fn refund(self, refund_id: String, sale_ref: String, amount: RefundAmount) -> ShopEvent {
        ShopEvent::Refund(RefundEvent {
            provider: Provider::Stripe,
            shop: self.shop.to_string(),
            event_id: self.event_id,
            refund_id,
            sale_ref,
            amount,
            refunded_at: self.at,
        })
    }
}

/// A paid Checkout Session, in payment or subscription mode. Keyed on its
/// PaymentIntent (payment mode), else its invoice (subscription mode: the first
/// invoice, whose `invoice.paid` is the same purchase), else the session itself.
pub fn session_sale(kind: &str, s: Session, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let session_id = required_id(s.id)?;
    let status = s
        .payment_status
        .as_deref()
        .unwrap_or("without a payment status");
    if kind == SESSION_COMPLETED && status != "paid" {
        let shown: String = status.chars().take(32).collect();
        return Ok(ctx.ignored(format!(
            "checkout session {session_id} is {shown}: credited on async_payment_succeeded"
        )));
    }
    let currency = required(s.currency, "currency")?;
    let amount = positive(stripe_money(
        required(s.amount_total, "amount_total")?,
        &currency,
    )?)?;
    let discount = s.total_details.and_then(|d| d.amount_discount);
    let subtotal = s
        .amount_subtotal
        .and_then(|sub| sub.checked_sub(discount.unwrap_or(0)))
        .and_then(|goods| stripe_money(goods, &currency).ok());
    let intent = s.payment_intent.as_ref().and_then(id);
    let invoice = s.invoice.as_ref().and_then(id);
    let mut refs = vec![session_id.clone()];
    refs.extend(intent.clone());
    refs.extend(invoice.clone());
    let sale_id = intent.or(invoice).unwrap_or(session_id);
    let lobby_tag = s
        .metadata
        .as_ref()
        .and_then(metadata_tag)
        .or_else(|| s.client_reference_id.as_deref().and_then(reference_tag));
    // Stripe has no consent flag for showing the buyer's name: never public.
    let name = s.customer_details.and_then(|d| d.name);
    Ok(ShopEvent::Sale(SaleEvent {
        subtotal,
        lobby_tag,
        buyer: Buyer {
            name: non_empty(name.as_deref()),
            public: false,
        },
        ..ctx.sale(sale_id, refs, amount)
    }))
}

/// A PaymentIntent paid outside any invoice, keyed on itself. One that pays an
/// invoice is credited from that invoice or its checkout (a subscription's first
/// payment) or not at all (a renewal): crediting it too would count one payment
/// twice under two keys.
pub fn intent_sale(pi: PaymentIntent, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let intent_id = required_id(pi.id)?;
    if let Some(invoice) = &pi.invoice {
        return Ok(ctx.ignored(format!(
            "payment intent {intent_id} pays invoice {}: credited from the invoice",
            invoice.id()
        )));
    }
    let currency = required(pi.currency, "currency")?;
    let amount = positive(stripe_money(
        required(pi.amount_received, "amount_received")?,
        &currency,
    )?)?;
    let mut refs = vec![intent_id.clone()];
    refs.extend(pi.latest_charge.as_ref().and_then(id));
    Ok(ShopEvent::Sale(SaleEvent {
        lobby_tag: pi.metadata.as_ref().and_then(metadata_tag),
        ..ctx.sale(intent_id, refs, amount)
    }))
}

/// A subscription's first invoice, paid: the same purchase as its subscription-mode
/// Checkout Session, keyed on the invoice id that session names. Renewals and other
/// invoices are not sales of a race (see the README).
pub fn invoice_sale(invoice: Invoice, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let invoice_id = required_id(invoice.id)?;
    let reason = invoice
        .billing_reason
        .as_deref()
        .unwrap_or("of no billing reason");
    if reason != FIRST_SUBSCRIPTION_INVOICE {
        let shown: String = reason.chars().take(32).collect();
        return Ok(ctx.ignored(format!(
            "invoice {invoice_id} is {shown}: only a subscription's first invoice is a sale"
        )));
    }
    if invoice
        .status
        .as_deref()
        .is_some_and(|status| status != "paid")
    {
        return Ok(ctx.ignored(format!("invoice {invoice_id} is not paid")));
    }
    let currency = required(invoice.currency, "currency")?;
    let paid = stripe_money(required(invoice.amount_paid, "amount_paid")?, &currency)?;
    if paid.is_zero() {
        // A trial's first invoice: nothing was paid, so nothing is shared.
        return Ok(ctx.ignored(format!("invoice {invoice_id} has nothing paid")));
    }
    let amount = positive(paid)?;
    let discounts = (invoice.total_discount_amounts.iter().flatten())
        .try_fold(0i64, |sum, d| sum.checked_add(d.amount.unwrap_or(0)));
    let subtotal = (invoice.subtotal.zip(discounts))
        .and_then(|(sub, off)| sub.checked_sub(off))
        .and_then(|goods| stripe_money(goods, &currency).ok());
    let mut refs = vec![invoice_id.clone()];
    refs.extend(invoice.payment_intent.as_ref().and_then(id));
    refs.extend(invoice.charge.as_ref().and_then(id));
    let subscription_metadata = [
        invoice.subscription_details,
        invoice.parent.and_then(|p| p.subscription_details),
    ]
    .into_iter()
    .flatten()
    .find_map(|details| details.metadata);
    let lobby_tag = [invoice.metadata, subscription_metadata]
        .iter()
        .flatten()
        .find_map(metadata_tag);
    Ok(ShopEvent::Sale(SaleEvent {
        subtotal,
        lobby_tag,
        buyer: Buyer {
            name: non_empty(invoice.customer_name.as_deref()),
            public: false,
        },
        ..ctx.sale(invoice_id.clone(), refs, amount)
    }))
}

/// `amount_refunded` is the running total on the charge, so the refund id pairs
/// the charge with that total: each further partial refund is a new reversal,
/// a redelivery of the same one is not. The sale is found by the invoice the
/// charge paid (its sale is keyed there), else by its PaymentIntent, else by the
/// charge itself.
pub fn charge_refund(charge: Charge, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let charge_id = required_id(charge.id)?;
    let currency = required(charge.currency, "currency")?;
    let refunded = required(charge.amount_refunded, "amount_refunded")?;
    let amount = positive(stripe_money(refunded, &currency)?)?;
    let sale_ref = [&charge.invoice, &charge.payment_intent]
        .into_iter()
        .flatten()
        .find_map(id)
        .unwrap_or_else(|| charge_id.clone());
    Ok(ctx.refund(
        format!("{charge_id}:{refunded}"),
        sale_ref,
        RefundAmount::Cumulative(amount),
    ))
}

/// A dispute reverses the commission on the disputed amount at once, when the
/// money leaves the balance. A dispute later won is not re-credited automatically:
/// that takes a manual adjustment.
pub fn dispute_refund(dispute: Dispute, ctx: Context) -> Result<ShopEvent, WebhookError> {
    let dispute_id = required_id(dispute.id)?;
    let currency = required(dispute.currency, "currency")?;
    let amount = positive(stripe_money(
        required(dispute.amount, "amount")?,
        &currency,
    )?)?;
    let sale_ref = [&dispute.payment_intent, &dispute.charge]
        .into_iter()
        .flatten()
        .find_map(id)
        .ok_or(WebhookError::MissingField("charge"))?;
    Ok(ctx.refund(dispute_id, sale_ref, RefundAmount::Incremental(amount)))
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, WebhookError> {
    value.ok_or(WebhookError::MissingField(field))
}

/// The object's own id; a blank one is no id (it would key nothing).
fn required_id(value: Option<String>) -> Result<String, WebhookError> {
    value
        .filter(|id| !id.trim().is_empty())
        .ok_or(WebhookError::MissingField("id"))
}

/// A related object's id; a blank one names nothing.
fn id(related: &Expandable) -> Option<String> {
    let id = related.id();
    (!id.trim().is_empty()).then(|| id.to_owned())
}

/// Lobby named in the object's metadata.
fn metadata_tag(metadata: &Metadata) -> Option<String> {
    lobby_tag_by_key(|key| metadata.get(key))
}

/// Lobby named by a `client_reference_id`: `lobby:<tag>`, or in a form Payment
/// Links keep, `lobby-<CODE>`, `lobby_<CODE>` or the bare `<CODE>`, in any case.
pub(super) fn reference_tag(reference: &str) -> Option<String> {
    let reference = reference.trim();
    let prefixed = REFERENCE_PREFIXES.iter().find_map(|prefix| {
        let head = reference.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| (*prefix, &reference[prefix.len()..]))
    });
    match prefixed {
        // The API form has always taken any short tag; the router resolves it.
        Some(("lobby:", rest)) => clean_tag(rest),
        Some((_, rest)) => lobby_code(rest),
        None => lobby_code(reference),
    }
}
