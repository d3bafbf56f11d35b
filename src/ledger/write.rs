//! The ledger's transactions. Each function runs inside a database transaction
//! opened by the LedgerActor, checks idempotency first, and writes journal,
//! allocations and balance caches together. Only the LedgerActor calls these.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    allocation, balance, journal_entry, journal_transaction, payout, processed_event, refund, sale,
    sale_ref,
};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::{
    payouts_account, racer_account, LedgerDelta, LedgerError, LobbyDelta, PayoutRecord,
    PayoutRefusal, PayoutRequest, RefundOutcome, RefundRecord, SaleOutcome, SaleRecord, HOUSE,
};
use crate::money::{Currency, Money};
use crate::sale::RefundAmount;

/// Change to one racer's cached balance, in minor units.
#[derive(Default, Clone, Copy)]
pub(super) struct BalanceChange {
    pub available: i64,
    pub pending: i64,
    pub paid: i64,
}

pub(super) async fn bump_balances(
    tx: &impl ConnectionTrait,
    changes: &BTreeMap<(String, &'static str), BalanceChange>,
) -> Result<(), LedgerError> {
    if changes.is_empty() {
        return Ok(());
    }
    let add = |column: balance::Column| {
        sea_orm::sea_query::ExprTrait::add(
            Expr::col((balance::Entity, column)),
            Expr::col((Alias::new("excluded"), column)),
        )
    };
    let rows: Vec<_> = changes.iter().collect();
    for chunk in rows.chunks(1_000) {
        let models = chunk
            .iter()
            .map(|((discord_id, currency), c)| balance::ActiveModel {
                discord_id: Set(discord_id.clone()),
                currency: Set((*currency).to_owned()),
                available_minor: Set(c.available),
                pending_minor: Set(c.pending),
                paid_minor: Set(c.paid),
            });
        balance::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([balance::Column::DiscordId, balance::Column::Currency])
                    .value(
                        balance::Column::AvailableMinor,
                        add(balance::Column::AvailableMinor),
                    )
                    .value(
                        balance::Column::PendingMinor,
                        add(balance::Column::PendingMinor),
                    )
                    .value(balance::Column::PaidMinor, add(balance::Column::PaidMinor))
                    .to_owned(),
            )
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Writes one balanced journal transaction; `legs` must sum to zero.
async fn journal(
    tx: &impl ConnectionTrait,
    kind: &str,
    reference: String,
    currency: Currency,
    legs: &BTreeMap<String, i64>,
    at: DateTime<Utc>,
) -> Result<(), LedgerError> {
    debug_assert_eq!(legs.values().sum::<i64>(), 0, "journal legs must balance");
    let header = journal_transaction::Entity::insert(journal_transaction::ActiveModel {
        id: NotSet,
        kind: Set(kind.to_owned()),
        reference: Set(reference),
        created_at: Set(at),
    })
    .exec(tx)
    .await?;
    let entries = legs
        .iter()
        .filter(|(_, amount)| **amount != 0)
        .map(|(account, amount)| journal_entry::ActiveModel {
            id: NotSet,
            transaction_id: Set(header.last_insert_id),
            account: Set(account.clone()),
            currency: Set(currency.code().to_owned()),
            amount_minor: Set(*amount),
        });
    journal_entry::Entity::insert_many(entries).exec(tx).await?;
    Ok(())
}

async fn event_seen(
    tx: &impl ConnectionTrait,
    provider: &str,
    shop: &str,
    event_id: &str,
) -> Result<bool, LedgerError> {
    Ok(processed_event::Entity::find()
        .filter(processed_event::Column::Provider.eq(provider))
        .filter(processed_event::Column::Shop.eq(shop))
        .filter(processed_event::Column::EventId.eq(event_id))
        .one(tx)
        .await?
        .is_some())
}

async fn mark_event(
    tx: &impl ConnectionTrait,
    provider: &str,
    shop: &str,
    event_id: &str,
    kind: &'static str,
    at: DateTime<Utc>,
) -> Result<(), LedgerError> {
    let key = (provider.to_owned(), shop.to_owned(), event_id.to_owned());
    super::batch::insert_events(tx, &[(key, kind, at)]).await
}

/// The sale any of `references` names, for this provider and shop.
async fn find_sale(
    tx: &impl ConnectionTrait,
    provider: &str,
    shop: &str,
    references: &[String],
) -> Result<Option<sale::Model>, LedgerError> {
    let found = sale_ref::Entity::find()
        .filter(sale_ref::Column::Provider.eq(provider))
        .filter(sale_ref::Column::Shop.eq(shop))
        .filter(sale_ref::Column::Reference.is_in(references.iter().cloned()))
        .one(tx)
        .await?;
    match found {
        Some(reference) => Ok(sale::Entity::find_by_id(reference.sale_id).one(tx).await?),
        None => Ok(None),
    }
}

/// Records one sale (the batch path with a batch of one).
pub(super) async fn record_sale(
    tx: &impl ConnectionTrait,
    record: &SaleRecord,
) -> Result<SaleOutcome, LedgerError> {
    let mut outcomes = super::batch::record_sales(tx, &[record]).await?;
    outcomes
        .pop()
        .ok_or_else(|| LedgerError::Database("no outcome for a recorded sale".into()))
}

/// Applies refunds that arrived before these new sales; returns what each sale's
/// lobbies lost, by sale id.
pub(super) async fn apply_waiting_refunds(
    tx: &impl ConnectionTrait,
    sales: &[&SaleRecord],
    ids: &[i64],
) -> Result<HashMap<i64, Vec<LobbyDelta>>, LedgerError> {
    let mut applied: HashMap<i64, Vec<LobbyDelta>> = HashMap::new();
    let waiting = super::batch::waiting_refunds(tx, sales).await?;
    for early in waiting {
        let owner = sales.iter().zip(ids).find(|(record, _)| {
            record.sale.provider.as_str() == early.provider
                && record.sale.shop == early.shop
                && super::batch::references(record).contains(&early.sale_ref)
        });
        let Some((record, &sale_id)) = owner else {
            continue;
        };
        let sale_row = sale::Entity::find_by_id(sale_id)
            .one(tx)
            .await?
            .ok_or_else(|| LedgerError::Database("sale vanished inside its transaction".into()))?;
        let key = early.provider_refund_id.clone();
        let mut row: refund::ActiveModel = early.clone().into();
        row.sale_id = Set(Some(sale_id));
        match stored_refund_amount(&early, record.sale.amount.currency()) {
            Ok(kind) => {
                let result = apply_refund(tx, &sale_row, kind, &key, record.received_at).await?;
                row.applied_minor = Set(result.refunded_minor);
                row.status = Set("applied".to_owned());
                applied.entry(sale_id).or_default().extend(result.deltas);
            }
            Err(error) => {
                row.status = Set("rejected".to_owned());
                row.note = Set(Some(error.to_string()));
            }
        }
        refund::Entity::update(row).exec(tx).await?;
    }
    Ok(applied)
}

fn stored_refund_amount(
    row: &refund::Model,
    currency: Currency,
) -> Result<RefundAmount, LedgerError> {
    let stored = Currency::parse(&row.currency)?;
    let money = Money::from_minor(row.amount_minor, stored)?;
    if stored != currency {
        return Err(LedgerError::Money(
            crate::money::MoneyError::CurrencyMismatch(stored.code(), currency.code()),
        ));
    }
    Ok(if row.kind == "cumulative" {
        RefundAmount::Cumulative(money)
    } else {
        RefundAmount::Incremental(money)
    })
}

/// Reverses the newly refunded part of a sale from each of its allocations in
/// proportion, exact to the minor unit: after a full refund every allocation is
/// reversed whole.
async fn apply_refund(
    tx: &impl ConnectionTrait,
    sale_row: &sale::Model,
    amount: RefundAmount,
    refund_key: &str,
    at: DateTime<Utc>,
) -> Result<LedgerDelta, LedgerError> {
    let total = sale_row.amount_minor;
    let before = sale_row.refunded_minor;
    let after = match amount {
        RefundAmount::Incremental(m) => before.saturating_add(m.minor()),
        RefundAmount::Cumulative(m) => before.max(m.minor()),
    }
    .min(total);
    let mut result = LedgerDelta {
        refunded_minor: after - before,
        deltas: Vec::new(),
    };
    if after == before {
        return Ok(result);
    }
    let currency = Currency::parse(&sale_row.currency)?;
    let allocations = allocation::Entity::find()
        .filter(allocation::Column::SaleId.eq(sale_row.id))
        .order_by_asc(allocation::Column::Id)
        .all(tx)
        .await?;
    let mut legs: BTreeMap<String, i64> = BTreeMap::new();
    let mut changes: BTreeMap<(String, &'static str), BalanceChange> = BTreeMap::new();
    let mut per_lobby: BTreeMap<i64, i64> = BTreeMap::new();
    for row in allocations {
        let target = (i128::from(row.amount_minor) * i128::from(after) / i128::from(total)) as i64;
        let delta = target - row.reversed_minor;
        if delta <= 0 {
            continue;
        }
        *legs.entry(racer_account(&row.discord_id)).or_default() -= delta;
        *legs.entry(HOUSE.to_owned()).or_default() += delta;
        *per_lobby.entry(row.lobby_id).or_default() -= delta;
        let change = changes
            .entry((row.discord_id.clone(), currency.code()))
            .or_default();
        if row.status == "pending" {
            change.pending -= delta;
        } else {
            change.available -= delta;
        }
        let mut update: allocation::ActiveModel = row.clone().into();
        update.reversed_minor = Set(target);
        allocation::Entity::update(update).exec(tx).await?;
    }
    let mut sale_update: sale::ActiveModel = sale_row.clone().into();
    sale_update.refunded_minor = Set(after);
    sale::Entity::update(sale_update).exec(tx).await?;
    if !legs.is_empty() {
        journal(
            tx,
            "refund",
            format!("refund:{refund_key}"),
            currency,
            &legs,
            at,
        )
        .await?;
        bump_balances(tx, &changes).await?;
    }
    for (lobby_id, minor) in per_lobby {
        result.deltas.push(LobbyDelta {
            lobby_id,
            amount: Money::from_minor(minor, currency)?,
            sold_at: sale_row.sold_at,
        });
    }
    Ok(result)
}

/// Records a refund once; applies it now if its sale is known, else keeps it.
pub(super) async fn record_refund(
    tx: &impl ConnectionTrait,
    record: &RefundRecord,
) -> Result<RefundOutcome, LedgerError> {
    let event = &record.refund;
    let provider = event.provider.as_str();
    if event_seen(tx, provider, &event.shop, &event.event_id).await? {
        return Ok(RefundOutcome::Duplicate);
    }
    let existing = refund::Entity::find()
        .filter(refund::Column::Provider.eq(provider))
        .filter(refund::Column::Shop.eq(event.shop.as_str()))
        .filter(refund::Column::ProviderRefundId.eq(event.refund_id.as_str()))
        .one(tx)
        .await?;
    if existing.is_some() {
        mark_event(
            tx,
            provider,
            &event.shop,
            &event.event_id,
            "duplicate",
            record.received_at,
        )
        .await?;
        return Ok(RefundOutcome::Duplicate);
    }
    mark_event(
        tx,
        provider,
        &event.shop,
        &event.event_id,
        "refund",
        record.received_at,
    )
    .await?;
    let money = event.amount.money();
    let kind = match event.amount {
        RefundAmount::Cumulative(_) => "cumulative",
        RefundAmount::Incremental(_) => "incremental",
    };
    let sale_row = find_sale(
        tx,
        provider,
        &event.shop,
        std::slice::from_ref(&event.sale_ref),
    )
    .await?;
    let (status, applied, outcome, note) = match sale_row {
        None => ("waiting", 0, RefundOutcome::Waiting, None),
        Some(sale_row) if sale_row.currency != money.currency().code() => {
            let reason = format!(
                "refund in {} but the sale was in {}",
                money.currency(),
                sale_row.currency
            );
            (
                "rejected",
                0,
                RefundOutcome::Rejected {
                    reason: reason.clone(),
                },
                Some(reason),
            )
        }
        Some(sale_row) => {
            let applied = apply_refund(
                tx,
                &sale_row,
                event.amount,
                &event.refund_id,
                record.received_at,
            )
            .await?;
            let refunded = Money::from_minor(applied.refunded_minor, money.currency())?;
            let outcome = RefundOutcome::Applied {
                sale_id: sale_row.id,
                refunded,
                deltas: applied.deltas,
            };
            ("applied", applied.refunded_minor, outcome, None)
        }
    };
    let sale_id = match &outcome {
        RefundOutcome::Applied { sale_id, .. } => Some(*sale_id),
        _ => None,
    };
    refund::Entity::insert(refund::ActiveModel {
        id: NotSet,
        provider: Set(provider.to_owned()),
        shop: Set(event.shop.clone()),
        provider_refund_id: Set(event.refund_id.clone()),
        sale_ref: Set(event.sale_ref.clone()),
        sale_id: Set(sale_id),
        kind: Set(kind.to_owned()),
        amount_minor: Set(money.minor()),
        currency: Set(money.currency().code().to_owned()),
        applied_minor: Set(applied),
        status: Set(status.to_owned()),
        note: Set(note),
        refunded_at: Set(event.refunded_at),
        received_at: Set(record.received_at),
    })
    .exec(tx)
    .await?;
    Ok(outcome)
}

/// Pays available money out, after the payout rules.
pub(super) async fn record_payout(
    tx: &impl ConnectionTrait,
    request: &PayoutRequest,
) -> Result<PayoutRecord, LedgerError> {
    let amount = request.amount;
    if !amount.is_positive() {
        return Err(PayoutRefusal::NotPositive.into());
    }
    let currency = amount.currency();
    let row = balance::Entity::find_by_id((request.discord_id.clone(), currency.code().to_owned()))
        .one(tx)
        .await?;
    let available = Money::from_minor(row.map_or(0, |r| r.available_minor), currency)?;
    if available.minor() < amount.minor() {
        return Err(PayoutRefusal::OverAvailable {
            requested: amount,
            available,
        }
        .into());
    }
    if amount.amount() < request.threshold && !request.force {
        return Err(PayoutRefusal::BelowThreshold {
            requested: amount,
            threshold: request.threshold,
        }
        .into());
    }
    let inserted = payout::Entity::insert(payout::ActiveModel {
        id: NotSet,
        discord_id: Set(request.discord_id.clone()),
        amount_minor: Set(amount.minor()),
        currency: Set(currency.code().to_owned()),
        method: Set(request.method.as_str().to_owned()),
        note: Set(request.note.clone()),
        forced: Set(request.force),
        created_by: Set(request.requested_by.clone()),
        created_at: Set(request.at),
    })
    .exec(tx)
    .await?;
    let id = inserted.last_insert_id;
    let legs = BTreeMap::from([
        (racer_account(&request.discord_id), -amount.minor()),
        (payouts_account(&request.discord_id), amount.minor()),
    ]);
    journal(
        tx,
        "payout",
        format!("payout:{id}"),
        currency,
        &legs,
        request.at,
    )
    .await?;
    let changes = BTreeMap::from([(
        (request.discord_id.clone(), currency.code()),
        BalanceChange {
            available: -amount.minor(),
            pending: 0,
            paid: amount.minor(),
        },
    )]);
    bump_balances(tx, &changes).await?;
    Ok(PayoutRecord {
        id,
        discord_id: request.discord_id.clone(),
        amount,
        currency: currency.code().to_owned(),
        method: request.method.as_str().to_owned(),
        note: request.note.clone(),
        forced: request.force,
        created_at: request.at,
    })
}

/// Most allocations matured in one transaction; the rest wait for the next tick.
pub const MATURE_BATCH_MAX: u64 = 10_000;

/// Moves allocations whose hold has passed from pending to available.
pub(super) async fn mature(
    tx: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<usize, LedgerError> {
    use sea_orm::QuerySelect;
    let due = allocation::Entity::find()
        .filter(allocation::Column::Status.eq("pending"))
        .filter(allocation::Column::AvailableAt.lte(now))
        .limit(MATURE_BATCH_MAX)
        .all(tx)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut changes: BTreeMap<(String, &'static str), BalanceChange> = BTreeMap::new();
    for row in &due {
        let currency = Currency::parse(&row.currency)?;
        let net = row.amount_minor - row.reversed_minor;
        let change = changes
            .entry((row.discord_id.clone(), currency.code()))
            .or_default();
        change.pending -= net;
        change.available += net;
    }
    for ids in due.chunks(500) {
        allocation::Entity::update_many()
            .col_expr(allocation::Column::Status, Expr::value("available"))
            .filter(allocation::Column::Id.is_in(ids.iter().map(|r| r.id)))
            .exec(tx)
            .await?;
    }
    bump_balances(tx, &changes).await?;
    Ok(due.len())
}
