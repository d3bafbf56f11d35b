//! Shopify refunds (`refunds/create`): the money a refund returned, in the shop
//! currency its order was credited in.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

use crate::money::{Currency, Money};
use crate::sale::{Provider, RefundAmount, RefundEvent, ShopEvent};
use crate::webhooks::{malformed_json, parse_time, positive, WebhookError};

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

/// A `refunds/create` body: money returned on an order, reversed once per refund id.
pub(super) fn refund(body: &[u8], shop: &str) -> Result<ShopEvent, WebhookError> {
    let refund: Refund =
        serde_json::from_slice(body).map_err(|e| malformed_json("Shopify refund", &e))?;
    let id = refund.id.ok_or(WebhookError::MissingField("id"))?;
    let order_id = refund
        .order_id
        .ok_or(WebhookError::MissingField("order_id"))?;
    let event_id = format!("refund:{id}");
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
