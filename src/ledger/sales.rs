//! Recording sales, set-wise: one look-up for a batch's event ids, one for its
//! references, then multi-row inserts of sales, references, events, allocations
//! and journal transactions, and one balance upsert per racer and currency. Same
//! results as recording the sales one by one. Refunds that were waiting for the
//! new sales are applied through the refunds layer, the one layer this one calls.
//! A tagged twin of a sale recorded untagged re-attributes it (`reattribute`).

mod plan;
mod reattribute;

use std::collections::HashMap;
use std::time::Instant;

use entity::sea_orm_active_enums::{AllocationStatus, JournalKind};
use entity::{allocation, sale, sale_ref};
use sea_orm::{
    ActiveEnum,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use self::plan::{plan, references, shop_key, Plan, Target};
use super::bulk::{one_of, Bulk, ROWS_PER_INSERT};
use super::journal::{self, BalanceChanges, Legs, Posting, ShopKey};
use super::refunds::{self, Arrival};
use super::{publish, LedgerError, LobbyDelta, SaleOutcome, SaleRecord, Share};
use crate::domain::ids::guild_column;

/// Records one sale (the set-wise path with a set of one).
pub(super) async fn record_sale(
    tx: &impl ConnectionTrait,
    record: &SaleRecord,
) -> Result<SaleOutcome, LedgerError> {
    let mut outcomes = record_sales(tx, &[record]).await?;
    outcomes
        .pop()
        .ok_or_else(|| LedgerError::Database("no outcome for a recorded sale".into()))
}

/// Records every sale of a batch; outcomes are in the order of `records`.
pub(super) async fn record_sales(
    tx: &impl ConnectionTrait,
    records: &[&SaleRecord],
) -> Result<Vec<SaleOutcome>, LedgerError> {
    let started = Instant::now();
    let events = records.iter().map(|r| shop_key(r, &r.sale.event_id));
    let seen = journal::seen_events(tx, events).await?;
    let known = known_references(tx, records).await?;
    let looked_up = started.elapsed();
    let batch = plan(records, seen, known);
    let planned = started.elapsed();
    let ids = insert_sales(tx, &batch.new_sales).await?;
    let sales_written = started.elapsed();
    let resolve = |target: Target| match target {
        Target::Existing(id) => id,
        Target::New(n) => ids[n],
    };
    insert_references(tx, &batch.new_refs, resolve).await?;
    journal::mark_events(tx, &batch.events).await?;
    let refs_written = started.elapsed();
    write_allocations(tx, &batch.new_sales, &ids).await?;
    let allocated = started.elapsed();
    let arrivals: Vec<Arrival> = batch
        .new_sales
        .iter()
        .zip(&ids)
        .map(|(record, &sale_id)| arrival(record, sale_id))
        .collect();
    let mut early = refunds::apply_waiting(tx, &arrivals).await?;
    // After the new sales and their allocations, so that a twin of a sale of this
    // same batch finds it; one by one, so that a third delivery sees the second's tag.
    let mut moved: Vec<Option<Vec<LobbyDelta>>> = Vec::with_capacity(records.len());
    for (record, plan) in records.iter().zip(&batch.plans) {
        moved.push(match plan {
            Plan::Twin(target) => reattribute::reattribute(tx, record, resolve(*target)).await?,
            _ => None,
        });
    }
    tracing::debug!(
        sales = records.len(),
        new = batch.new_sales.len(),
        lookup_us = looked_up.as_micros() as u64,
        plan_us = planned.as_micros() as u64,
        sales_us = sales_written.as_micros() as u64,
        refs_us = refs_written.as_micros() as u64,
        allocations_us = allocated.as_micros() as u64,
        total_us = started.elapsed().as_micros() as u64,
        "sale batch written"
    );
    Ok(batch
        .plans
        .into_iter()
        .zip(records.iter())
        .zip(moved)
        .map(|((plan, record), moved)| match plan {
            Plan::Duplicate(target) => SaleOutcome::Duplicate {
                sale_id: target.map(resolve),
            },
            Plan::Twin(target) => match moved {
                Some(deltas) => {
                    let sale_id = resolve(target);
                    let (losses, credits) = publish::reattributed(record, sale_id, deltas);
                    SaleOutcome::Reattributed {
                        sale_id,
                        losses,
                        credits,
                    }
                }
                None => SaleOutcome::Duplicate {
                    sale_id: Some(resolve(target)),
                },
            },
            Plan::New(n) => SaleOutcome::Recorded {
                sale_id: ids[n],
                early_refunds: early.remove(&ids[n]).unwrap_or_default(),
                credits: publish::race_credits(batch.new_sales[n], ids[n]),
            },
        })
        .collect())
}

/// A new sale as the refunds layer needs it, to find refunds that waited for it.
fn arrival(record: &SaleRecord, sale_id: i64) -> Arrival<'_> {
    Arrival {
        sale_id,
        provider: record.sale.provider,
        shop: &record.sale.shop,
        references: references(record),
        currency: record.sale.amount.currency(),
        received_at: record.received_at,
    }
}

async fn known_references(
    tx: &impl ConnectionTrait,
    records: &[&SaleRecord],
) -> Result<HashMap<ShopKey, Target>, LedgerError> {
    let keys = records
        .iter()
        .flat_map(|r| references(r).into_iter().map(|key| shop_key(r, &key)));
    let mut known = HashMap::new();
    let backend = tx.get_database_backend();
    for ((provider, shop), refs) in journal::by_shop(keys) {
        for chunk in refs.chunks(journal::KEYS_PER_LOOKUP) {
            let rows = sale_ref::Entity::find()
                .filter(sale_ref::Column::Provider.eq(provider))
                .filter(sale_ref::Column::Shop.eq(shop.as_str()))
                .filter(one_of(sale_ref::Column::Reference, chunk, backend))
                .all(tx)
                .await?;
            known.extend(rows.into_iter().map(|r| {
                (
                    (r.provider, r.shop, r.reference),
                    Target::Existing(r.sale_id),
                )
            }));
        }
    }
    Ok(known)
}

/// Inserts the new sales; returns their ids in the same order.
async fn insert_sales(
    tx: &impl ConnectionTrait,
    sales: &[&SaleRecord],
) -> Result<Vec<i64>, LedgerError> {
    let mut by_key: HashMap<ShopKey, i64> = HashMap::with_capacity(sales.len());
    for chunk in sales.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|record| {
            let event = &record.sale;
            sale::ActiveModel {
                id: NotSet,
                provider: Set(event.provider),
                shop: Set(event.shop.clone()),
                provider_sale_id: Set(event.sale_id.clone()),
                amount_minor: Set(event.amount.minor()),
                currency: Set(event.amount.currency().code().to_owned()),
                pool_minor: Set(record.pool.minor()),
                refunded_minor: Set(0),
                sold_at: Set(record.sold_at),
                received_at: Set(record.received_at),
                lobby_tag: Set(event.lobby_tag.clone()),
                buyer_name: Set(event.buyer.name.clone()),
                buyer_public: Set(event.buyer.public),
            }
        });
        let inserted = sale::Entity::insert_many(rows)
            .exec_with_returning(tx)
            .await?;
        by_key.extend(
            inserted
                .into_iter()
                .map(|s| ((s.provider, s.shop, s.provider_sale_id), s.id)),
        );
    }
    sales
        .iter()
        .map(|record| {
            by_key
                .get(&shop_key(record, &record.sale.sale_id))
                .copied()
                .ok_or_else(|| LedgerError::Database("inserted sale not returned".into()))
        })
        .collect()
}

async fn insert_references(
    tx: &impl ConnectionTrait,
    refs: &[(ShopKey, Target)],
    resolve: impl Fn(Target) -> i64,
) -> Result<(), LedgerError> {
    use sale_ref::Column as R;
    let mut rows = Bulk::new(
        sale_ref::Entity,
        &[R::Provider, R::Shop, R::Reference, R::SaleId],
    )
    .tail(r#"ON CONFLICT ("provider", "shop", "reference") DO NOTHING"#);
    for ((provider, shop, reference), target) in refs {
        rows.push([
            provider.to_value().into(),
            shop.clone().into(),
            reference.clone().into(),
            resolve(*target).into(),
        ]);
    }
    rows.exec(tx).await?;
    Ok(())
}

/// Allocations, one journal transaction per sale, and the balance caches.
async fn write_allocations(
    tx: &impl ConnectionTrait,
    sales: &[&SaleRecord],
    ids: &[i64],
) -> Result<(), LedgerError> {
    let mut allocations = allocation_rows();
    let mut postings = Vec::new();
    let mut changes = BalanceChanges::new();
    for (record, &sale_id) in sales.iter().zip(ids) {
        if record.shares.is_empty() {
            continue;
        }
        let currency = record.pool.currency();
        let status = if record.hold_days > 0 {
            AllocationStatus::Pending
        } else {
            AllocationStatus::Available
        };
        let available_at = record.received_at + chrono::Duration::days(i64::from(record.hold_days));
        let mut legs = Legs::new();
        let hold = Hold {
            status,
            available_at,
            created_at: record.received_at,
        };
        for share in &record.shares {
            allocate(
                share,
                sale_id,
                hold,
                &mut legs,
                &mut changes,
                &mut allocations,
            );
        }
        postings.push(Posting {
            kind: JournalKind::Sale,
            reference: format!("sale:{sale_id}"),
            currency,
            legs,
            at: record.received_at,
        });
    }
    allocations.exec(tx).await?;
    journal::post(tx, &postings).await?;
    journal::bump_balances(tx, &changes).await
}

/// How a new allocation is held: its status, when it becomes available, and when
/// it was made.
#[derive(Clone, Copy)]
pub(super) struct Hold {
    pub status: AllocationStatus,
    pub available_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// New allocation rows, filled by [`allocate`].
pub(super) fn allocation_rows() -> Bulk {
    use allocation::Column as A;
    Bulk::new(
        allocation::Entity,
        &[
            A::SaleId,
            A::LobbyId,
            A::GuildId,
            A::DiscordId,
            A::Currency,
            A::AmountMinor,
            A::ReversedMinor,
            A::Status,
            A::AvailableAt,
            A::CreatedAt,
        ],
    )
}

/// A share's lobby, guild and racer as the allocation columns store them.
pub(super) fn stored(share: &Share) -> (i64, String, String) {
    (
        share.lobby_id.get(),
        guild_column(share.guild),
        share.racer.to_string(),
    )
}

/// One share's allocation row, and its move from the house to the racer on the
/// journal legs and the balance changes.
pub(super) fn allocate(
    share: &Share,
    sale_id: i64,
    hold: Hold,
    legs: &mut Legs,
    changes: &mut BalanceChanges,
    rows: &mut Bulk,
) {
    let (currency, minor) = (share.amount.currency(), share.amount.minor());
    let (lobby_id, guild, racer) = stored(share);
    journal::house_to_racer(
        legs,
        changes,
        (&guild, &racer),
        currency,
        minor,
        hold.status,
    );
    rows.push([
        sale_id.into(),
        lobby_id.into(),
        guild.into(),
        racer.into(),
        currency.code().into(),
        minor.into(),
        0_i64.into(),
        hold.status.to_value().into(),
        hold.available_at.into(),
        hold.created_at.into(),
    ]);
}
