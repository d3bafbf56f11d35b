//! Provider-neutral sale and refund events: what every webhook parser produces and
//! what the SalesRouter and LedgerActor consume. Past this type no raw JSON, float
//! or untyped provider id travels.

use chrono::{DateTime, Utc};

use crate::money::Money;

/// The shop platform that reported an event. It is also the type of the
/// `provider` columns, so the stored text is the name in the webhook path.
pub use entity::sea_orm_active_enums::Provider;

/// Who bought, as far as an overlay may show it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buyer {
    /// Display name the buyer chose, if the provider sent one.
    pub name: Option<String>,
    /// Whether the buyer allowed the name to be shown publicly (Ko-fi `is_public`).
    pub public: bool,
}

impl Buyer {
    /// The name an overlay may show: the buyer's own only when public.
    pub fn public_name(&self) -> Option<&str> {
        if self.public {
            self.name.as_deref()
        } else {
            None
        }
    }
}

/// A completed, paid merch sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleEvent {
    pub provider: Provider,
    /// Shop name from the configuration (the `{shop}` of the webhook path).
    pub shop: String,
    /// Per-delivery dedupe key (Stripe event id, Shopify event id, Ko-fi message id).
    pub event_id: String,
    /// Business key credited once (PaymentIntent id, Shopify order id, Ko-fi transaction id).
    pub sale_id: String,
    /// Other ids that later refunds or disputes may name (charge id, checkout session id).
    pub refs: Vec<String>,
    /// Total paid, in the currency the provider reported.
    pub amount: Money,
    /// The goods alone, as the provider reports them: after discounts, before
    /// shipping and tax (Stripe `amount_subtotal` less discounts, Shopify
    /// `current_subtotal_price`), in `amount`'s currency; `None` when the provider
    /// sends no breakdown (Ko-fi, a PaymentIntent).
    pub subtotal: Option<Money>,
    /// The provider's own payment time (before clamping to the delay window).
    pub sold_at: DateTime<Utc>,
    /// Lobby code the sale names explicitly, if any.
    pub lobby_tag: Option<String>,
    /// Discount codes used (Shopify); one registered to a lobby tags the sale.
    pub discount_codes: Vec<String>,
    pub buyer: Buyer,
}

/// What the commission pool of a sale is computed from (`commission.base`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommissionBase {
    /// The whole amount paid, shipping and tax included.
    #[default]
    Total,
    /// The goods alone: shipping and tax are left out, where the provider says.
    Subtotal,
}

impl SaleEvent {
    /// The amount the pool is a share of. A subtotal is held to `[0, amount]`, so
    /// that no base pays more than the sale itself; a sale without one counts whole.
    pub fn commission_base(&self, base: CommissionBase) -> Money {
        match (base, self.subtotal) {
            (CommissionBase::Subtotal, Some(subtotal))
                if subtotal.currency() == self.amount.currency() =>
            {
                if subtotal.is_negative() {
                    Money::zero(self.amount.currency())
                } else if subtotal.minor() > self.amount.minor() {
                    self.amount
                } else {
                    subtotal
                }
            }
            _ => self.amount,
        }
    }
}

/// How a refund states its amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundAmount {
    /// This refund alone (Shopify refund, Stripe dispute).
    Incremental(Money),
    /// Running total refunded on the sale so far (Stripe `amount_refunded`).
    Cumulative(Money),
}

impl RefundAmount {
    pub fn money(self) -> Money {
        match self {
            RefundAmount::Incremental(m) | RefundAmount::Cumulative(m) => m,
        }
    }
}

/// Money returned to a buyer: the commission on it is clawed back proportionally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundEvent {
    pub provider: Provider,
    pub shop: String,
    /// Per-delivery dedupe key.
    pub event_id: String,
    /// Business key reversed once (Shopify refund id, Stripe charge id + running total, dispute id).
    pub refund_id: String,
    /// Id of the sale it reverses: the sale id or one of its `refs`.
    pub sale_ref: String,
    pub amount: RefundAmount,
    pub refunded_at: DateTime<Utc>,
}

/// What a webhook body turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShopEvent {
    Sale(SaleEvent),
    Refund(RefundEvent),
    /// A well-formed, authentic event we do not act on (answered 200).
    Ignored {
        event_id: String,
        reason: String,
    },
}

/// Text safe to store and show: control characters (NUL among them, which
/// PostgreSQL text cannot hold) removed, surrounding space trimmed.
pub fn clean_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A provider id must be plain text: no control characters.
fn plain_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() || id.chars().any(char::is_control) {
        Err("an id is empty or holds control characters")
    } else {
        Ok(())
    }
}

impl ShopEvent {
    /// Refuses ids with control characters and cleans free text (names, tags,
    /// codes), so that what is stored is the same on every database engine.
    pub fn cleaned(self) -> Result<ShopEvent, &'static str> {
        match self {
            ShopEvent::Sale(mut sale) => {
                plain_id(&sale.event_id)?;
                plain_id(&sale.sale_id)?;
                sale.refs.iter().try_for_each(|r| plain_id(r))?;
                sale.buyer.name = sale
                    .buyer
                    .name
                    .as_deref()
                    .map(clean_text)
                    .filter(|n| !n.is_empty());
                sale.lobby_tag = sale.lobby_tag.as_deref().map(clean_text);
                sale.discount_codes = sale.discount_codes.iter().map(|c| clean_text(c)).collect();
                Ok(ShopEvent::Sale(sale))
            }
            ShopEvent::Refund(refund) => {
                plain_id(&refund.event_id)?;
                plain_id(&refund.refund_id)?;
                plain_id(&refund.sale_ref)?;
                Ok(ShopEvent::Refund(refund))
            }
            ignored => Ok(ignored),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::{ActiveEnum, Iterable};

    use super::{Buyer, CommissionBase, Provider, SaleEvent};
    use crate::money::{Currency, Money};

    fn usd(text: &str) -> Money {
        Money::parse(text, Currency::parse("USD").unwrap()).unwrap()
    }

    fn sale(amount: &str, subtotal: Option<Money>) -> SaleEvent {
        SaleEvent {
            provider: Provider::Stripe,
            shop: "main".into(),
            event_id: "evt".into(),
            sale_id: "pi".into(),
            refs: vec![],
            amount: usd(amount),
            subtotal,
            sold_at: Utc::now(),
            lobby_tag: None,
            discount_codes: vec![],
            buyer: Buyer::default(),
        }
    }

    #[test]
    fn the_commission_base_is_the_total_or_the_goods_within_the_total() {
        let sale_of = |subtotal| sale("26.00", subtotal);
        let goods = sale_of(Some(usd("18.00")));
        assert_eq!(goods.commission_base(CommissionBase::Total), usd("26.00"));
        assert_eq!(
            goods.commission_base(CommissionBase::Subtotal),
            usd("18.00")
        );
        // No breakdown: the whole amount, as Ko-fi's.
        assert_eq!(
            sale_of(None).commission_base(CommissionBase::Subtotal),
            usd("26.00")
        );
        // Never more than the sale, never below nothing, never another currency.
        let over = sale_of(Some(usd("30.00")));
        assert_eq!(over.commission_base(CommissionBase::Subtotal), usd("26.00"));
        let under = sale_of(Some(usd("-1.00")));
        assert_eq!(under.commission_base(CommissionBase::Subtotal), usd("0.00"));
        let eur = Money::parse("18.00", Currency::parse("EUR").unwrap()).unwrap();
        let other = sale_of(Some(eur));
        assert_eq!(
            other.commission_base(CommissionBase::Subtotal),
            usd("26.00")
        );
        assert_eq!(CommissionBase::default(), CommissionBase::Total);
    }

    #[test]
    fn provider_names_are_the_stored_text_and_unknown_names_are_refused() {
        for provider in Provider::iter() {
            assert_eq!(provider.as_str(), provider.to_value());
            assert_eq!(provider.to_string(), provider.to_value());
            assert_eq!(Provider::parse(provider.as_str()), Some(provider));
        }
        assert_eq!(Provider::Kofi.as_str(), "kofi");
        for unknown in ["", "Stripe", " stripe", "paypal", "ko-fi"] {
            assert_eq!(Provider::parse(unknown), None, "{unknown:?}");
        }
    }
}
