//! Refunds: recorded once, applied to their sale as a proportional clawback of
//! every allocation, or kept waiting until the sale arrives (the sales layer then
//! hands the new sales to [`apply_waiting`]). This layer never calls the sales layer.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::{
    JournalKind, ProcessedEventKind, Provider, RefundKind, RefundStatus,
};
use entity::{allocation, refund, sale, sale_ref};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

mod waiting;

pub(super) use waiting::{apply_waiting, Arrival};

use super::journal::{self, BalanceChanges, Legs, Posting};
use super::{LedgerError, LobbyDelta, RefundOutcome, RefundRecord};
use crate::domain::ids::LobbyId;
use crate::money::{Currency, Money};
use crate::sale::RefundAmount;

/// What applying a refund to a sale changed.
#[derive(Default)]
struct Clawback {
    /// Part of the sale newly counted as refunded.
    refunded_minor: i64,
    deltas: Vec<LobbyDelta>,
}

/// The total an allocation of `amount` has given back once `refunded` of a sale
/// of `sale` is refunded: `amount x refunded / sale` toward zero, by
/// [`Money::proportion`], so that a full refund takes it back whole. `None` when
/// that is no more than `reversed`, what it gave back already.
fn reversed_after(amount: Money, reversed: Money, refunded: Money, sale: Money) -> Option<Money> {
    let target = amount.proportion(refunded, sale);
    (target.minor() > reversed.minor()).then_some(target)
}

/// Records a refund once; applies it now if its sale is known, else keeps it.
pub(super) async fn record_refund(
    tx: &impl ConnectionTrait,
    record: &RefundRecord,
) -> Result<RefundOutcome, LedgerError> {
    let event = &record.refund;
    let key = (event.provider, event.shop.clone(), event.event_id.clone());
    if journal::seen_events(tx, [key.clone()])
        .await?
        .contains(&key)
    {
        return Ok(RefundOutcome::Duplicate);
    }
    let known = refund::Entity::find()
        .filter(refund::Column::Provider.eq(event.provider))
        .filter(refund::Column::Shop.eq(event.shop.as_str()))
        .filter(refund::Column::ProviderRefundId.eq(event.refund_id.as_str()))
        .one(tx)
        .await?
        .is_some();
    let kind = if known {
        ProcessedEventKind::Duplicate
    } else {
        ProcessedEventKind::Refund
    };
    journal::mark_events(tx, &[(key, kind, record.received_at)]).await?;
    if known {
        return Ok(RefundOutcome::Duplicate);
    }
    let settled = settle(tx, record).await?;
    insert_refund(tx, record, &settled).await?;
    Ok(settled.outcome)
}

/// What a new refund did, and how its row records it.
struct Settled {
    status: RefundStatus,
    applied_minor: i64,
    note: Option<String>,
    outcome: RefundOutcome,
}

/// Applies a new refund to its sale, if the sale is known and in its currency.
async fn settle(tx: &impl ConnectionTrait, record: &RefundRecord) -> Result<Settled, LedgerError> {
    let event = &record.refund;
    let money = event.amount.money();
    let Some(sale_row) = find_sale(tx, event.provider, &event.shop, &event.sale_ref).await? else {
        return Ok(Settled {
            status: RefundStatus::Waiting,
            applied_minor: 0,
            note: None,
            outcome: RefundOutcome::Waiting,
        });
    };
    if sale_row.currency != money.currency().code() {
        let reason = format!(
            "refund in {} but the sale was in {}",
            money.currency(),
            sale_row.currency
        );
        return Ok(Settled {
            status: RefundStatus::Rejected,
            applied_minor: 0,
            note: Some(reason.clone()),
            outcome: RefundOutcome::Rejected { reason },
        });
    }
    let applied = apply_refund(
        tx,
        &sale_row,
        event.amount,
        &event.refund_id,
        record.received_at,
    )
    .await?;
    Ok(Settled {
        status: RefundStatus::Applied,
        applied_minor: applied.refunded_minor,
        note: None,
        outcome: RefundOutcome::Applied {
            sale_id: sale_row.id,
            refunded: Money::from_minor(applied.refunded_minor, money.currency())?,
            deltas: applied.deltas,
        },
    })
}

async fn insert_refund(
    tx: &impl ConnectionTrait,
    record: &RefundRecord,
    settled: &Settled,
) -> Result<(), LedgerError> {
    let event = &record.refund;
    let money = event.amount.money();
    let sale_id = match &settled.outcome {
        RefundOutcome::Applied { sale_id, .. } => Some(*sale_id),
        _ => None,
    };
    refund::Entity::insert(refund::ActiveModel {
        id: NotSet,
        provider: Set(event.provider),
        shop: Set(event.shop.clone()),
        provider_refund_id: Set(event.refund_id.clone()),
        sale_ref: Set(event.sale_ref.clone()),
        sale_id: Set(sale_id),
        kind: Set(match event.amount {
            RefundAmount::Cumulative(_) => RefundKind::Cumulative,
            RefundAmount::Incremental(_) => RefundKind::Incremental,
        }),
        amount_minor: Set(money.minor()),
        currency: Set(money.currency().code().to_owned()),
        applied_minor: Set(settled.applied_minor),
        status: Set(settled.status),
        note: Set(settled.note.clone()),
        refunded_at: Set(event.refunded_at),
        received_at: Set(record.received_at),
    })
    .exec(tx)
    .await?;
    Ok(())
}

/// The sale `reference` names (its id or one of its references) in this shop.
async fn find_sale(
    tx: &impl ConnectionTrait,
    provider: Provider,
    shop: &str,
    reference: &str,
) -> Result<Option<sale::Model>, LedgerError> {
    let found = sale_ref::Entity::find()
        .filter(sale_ref::Column::Provider.eq(provider))
        .filter(sale_ref::Column::Shop.eq(shop))
        .filter(sale_ref::Column::Reference.eq(reference))
        .one(tx)
        .await?;
    match found {
        // Locked: a refund of the same sale on another process waits, then reads
        // what this one reversed (PostgreSQL; SQLite has one writer anyway).
        Some(reference) => Ok(sale::Entity::find_by_id(reference.sale_id)
            .lock_exclusive()
            .one(tx)
            .await?),
        None => Ok(None),
    }
}

/// Reverses the newly refunded part of a sale from each of its allocations in
/// proportion ([`reversed_after`]), exact to the minor unit.
async fn apply_refund(
    tx: &impl ConnectionTrait,
    sale_row: &sale::Model,
    amount: RefundAmount,
    refund_key: &str,
    at: DateTime<Utc>,
) -> Result<Clawback, LedgerError> {
    let total = sale_row.amount_minor;
    let before = sale_row.refunded_minor;
    let after = match amount {
        RefundAmount::Incremental(m) => before.saturating_add(m.minor()),
        RefundAmount::Cumulative(m) => before.max(m.minor()),
    }
    .min(total);
    let mut result = Clawback {
        refunded_minor: after - before,
        deltas: Vec::new(),
    };
    if after == before {
        return Ok(result);
    }
    let currency = Currency::parse(&sale_row.currency)?;
    let sale_total = Money::from_minor(total, currency)?;
    let refunded = Money::from_minor(after, currency)?;
    let reversal = reverse_allocations(tx, sale_row.id, refunded, sale_total).await?;
    let mut sale_update: sale::ActiveModel = sale_row.clone().into();
    sale_update.refunded_minor = Set(after);
    sale::Entity::update(sale_update).exec(tx).await?;
    if !reversal.legs.is_empty() {
        let posting = Posting {
            kind: JournalKind::Refund,
            reference: format!("refund:{refund_key}"),
            currency,
            legs: reversal.legs,
            at,
        };
        journal::post(tx, &[posting]).await?;
        journal::bump_balances(tx, &reversal.changes).await?;
    }
    for (lobby_id, minor) in reversal.per_lobby {
        result.deltas.push(LobbyDelta {
            lobby_id: LobbyId::try_from(lobby_id)?,
            amount: Money::from_minor(minor, currency)?,
            sold_at: sale_row.sold_at,
            seq: None,
        });
    }
    Ok(result)
}

/// What the allocations of a sale gave back to the house for one refund.
#[derive(Default)]
struct Reversal {
    legs: Legs,
    changes: BalanceChanges,
    /// Minor units each lobby lost (negative).
    per_lobby: BTreeMap<i64, i64>,
}

/// Raises each allocation's reversed part to its share of `refunded`.
async fn reverse_allocations(
    tx: &impl ConnectionTrait,
    sale_id: i64,
    refunded: Money,
    sale_total: Money,
) -> Result<Reversal, LedgerError> {
    let currency = sale_total.currency();
    let allocations = allocation::Entity::find()
        .filter(allocation::Column::SaleId.eq(sale_id))
        .order_by_asc(allocation::Column::Id)
        .all(tx)
        .await?;
    let mut reversal = Reversal::default();
    for row in allocations {
        let amount = Money::from_minor(row.amount_minor, currency)?;
        let reversed = Money::from_minor(row.reversed_minor, currency)?;
        let Some(target) = reversed_after(amount, reversed, refunded, sale_total) else {
            continue;
        };
        let delta = target.minor() - row.reversed_minor;
        let Reversal {
            legs,
            changes,
            per_lobby,
        } = &mut reversal;
        let whose = (row.guild_id.as_str(), row.discord_id.as_str());
        journal::house_to_racer(legs, changes, whose, currency, -delta, row.status);
        *per_lobby.entry(row.lobby_id).or_default() -= delta;
        let mut update: allocation::ActiveModel = row.into();
        update.reversed_minor = Set(target.minor());
        allocation::Entity::update(update).exec(tx).await?;
    }
    Ok(reversal)
}

#[cfg(test)]
mod tests;
