//! Set-oriented recording of every sale in a ledger batch: one look-up for the
//! batch's event ids, one for its references, then multi-row inserts of sales,
//! references, events, allocations and journal entries, and one balance upsert
//! per racer and currency. Same results as recording the sales one by one.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use entity::{
    allocation, journal_entry, journal_transaction, processed_event, refund, sale, sale_ref,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::write::{apply_waiting_refunds, bump_balances, BalanceChange};
use super::{racer_account, LedgerError, SaleOutcome, SaleRecord, HOUSE};

/// Rows per multi-row INSERT: stays under SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 1_000;
/// Values per `IN (...)` look-up.
const KEYS_PER_LOOKUP: usize = 2_000;

/// (provider, shop, key): event ids and references are unique per shop.
pub(super) type ShopKey = (String, String, String);

#[derive(Clone, Copy)]
enum Target {
    Existing(i64),
    /// The n-th new sale of this batch, id known after its insert.
    New(usize),
}

enum Plan {
    Duplicate(Option<Target>),
    New(usize),
}

fn shop_key(record: &SaleRecord, key: &str) -> ShopKey {
    (
        record.sale.provider.as_str().to_owned(),
        record.sale.shop.clone(),
        key.to_owned(),
    )
}

pub(super) fn references(record: &SaleRecord) -> Vec<String> {
    let mut references = vec![record.sale.sale_id.clone()];
    references.extend(record.sale.refs.iter().filter(|r| !r.is_empty()).cloned());
    references.sort();
    references.dedup();
    references
}

/// Records every sale of a batch; outcomes are in the order of `records`.
pub(super) async fn record_sales(
    tx: &impl ConnectionTrait,
    records: &[&SaleRecord],
) -> Result<Vec<SaleOutcome>, LedgerError> {
    let started = std::time::Instant::now();
    let mut seen = seen_events(tx, records).await?;
    let mut known = known_references(tx, records).await?;
    let looked_up = started.elapsed();
    let mut new_sales: Vec<&SaleRecord> = Vec::new();
    let mut new_refs: Vec<(ShopKey, Target)> = Vec::new();
    let mut new_events: Vec<(ShopKey, &'static str, DateTime<Utc>)> = Vec::new();
    let mut plans = Vec::with_capacity(records.len());
    for record in records {
        let refs = references(record);
        let target = refs
            .iter()
            .find_map(|r| known.get(&shop_key(record, r)).copied());
        let event = shop_key(record, &record.sale.event_id);
        if seen.contains(&event) {
            plans.push(Plan::Duplicate(target));
            continue;
        }
        seen.insert(event.clone());
        let (target, kind) = match target {
            Some(target) => (target, "duplicate"),
            None => {
                new_sales.push(record);
                (Target::New(new_sales.len() - 1), "sale")
            }
        };
        for r in &refs {
            let key = shop_key(record, r);
            if !known.contains_key(&key) {
                known.insert(key.clone(), target);
                new_refs.push((key, target));
            }
        }
        new_events.push((event, kind, record.received_at));
        plans.push(match (kind, target) {
            ("sale", Target::New(n)) => Plan::New(n),
            _ => Plan::Duplicate(Some(target)),
        });
    }

    let planned = started.elapsed();
    let ids = insert_sales(tx, &new_sales).await?;
    let sales_written = started.elapsed();
    let resolve = |target: Target| match target {
        Target::Existing(id) => id,
        Target::New(n) => ids[n],
    };
    insert_references(tx, &new_refs, resolve).await?;
    insert_events(tx, &new_events).await?;
    let refs_written = started.elapsed();
    write_allocations(tx, &new_sales, &ids).await?;
    let allocated = started.elapsed();
    let mut early = apply_waiting_refunds(tx, &new_sales, &ids).await?;
    tracing::debug!(
        sales = records.len(),
        new = new_sales.len(),
        lookup_us = looked_up.as_micros() as u64,
        plan_us = planned.as_micros() as u64,
        sales_us = sales_written.as_micros() as u64,
        refs_us = refs_written.as_micros() as u64,
        allocations_us = allocated.as_micros() as u64,
        total_us = started.elapsed().as_micros() as u64,
        "sale batch written"
    );
    Ok(plans
        .into_iter()
        .map(|plan| match plan {
            Plan::Duplicate(target) => SaleOutcome::Duplicate {
                sale_id: target.map(resolve),
            },
            Plan::New(n) => SaleOutcome::Recorded {
                sale_id: ids[n],
                early_refunds: early.remove(&ids[n]).unwrap_or_default(),
            },
        })
        .collect())
}

/// Keys grouped by (provider, shop), so that look-ups use the unique indexes,
/// whose leading columns are provider and shop.
fn by_shop<'a>(
    records: &[&'a SaleRecord],
    keys: impl Fn(&'a SaleRecord) -> Vec<String>,
) -> BTreeMap<(&'a str, &'a str), Vec<String>> {
    let mut grouped: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for record in records {
        let shop = (record.sale.provider.as_str(), record.sale.shop.as_str());
        grouped.entry(shop).or_default().extend(keys(record));
    }
    for values in grouped.values_mut() {
        values.sort();
        values.dedup();
    }
    grouped
}

async fn seen_events(
    tx: &impl ConnectionTrait,
    records: &[&SaleRecord],
) -> Result<HashSet<ShopKey>, LedgerError> {
    let mut seen = HashSet::new();
    for ((provider, shop), ids) in by_shop(records, |r| vec![r.sale.event_id.clone()]) {
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            let rows = processed_event::Entity::find()
                .filter(processed_event::Column::Provider.eq(provider))
                .filter(processed_event::Column::Shop.eq(shop))
                .filter(processed_event::Column::EventId.is_in(chunk.iter().cloned()))
                .all(tx)
                .await?;
            seen.extend(rows.into_iter().map(|e| (e.provider, e.shop, e.event_id)));
        }
    }
    Ok(seen)
}

async fn known_references(
    tx: &impl ConnectionTrait,
    records: &[&SaleRecord],
) -> Result<HashMap<ShopKey, Target>, LedgerError> {
    let mut known = HashMap::new();
    for ((provider, shop), refs) in by_shop(records, references) {
        for chunk in refs.chunks(KEYS_PER_LOOKUP) {
            let rows = sale_ref::Entity::find()
                .filter(sale_ref::Column::Provider.eq(provider))
                .filter(sale_ref::Column::Shop.eq(shop))
                .filter(sale_ref::Column::Reference.is_in(chunk.iter().cloned()))
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
                provider: Set(event.provider.as_str().to_owned()),
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
    for chunk in refs.chunks(ROWS_PER_INSERT) {
        let rows =
            chunk.iter().map(
                |((provider, shop, reference), target)| sale_ref::ActiveModel {
                    id: NotSet,
                    provider: Set(provider.clone()),
                    shop: Set(shop.clone()),
                    reference: Set(reference.clone()),
                    sale_id: Set(resolve(*target)),
                },
            );
        sale_ref::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                sale_ref::Column::Provider,
                sale_ref::Column::Shop,
                sale_ref::Column::Reference,
            ])
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Remembers deliveries as handled: (provider, shop, event id), kind, receipt time.
pub(super) async fn insert_events(
    tx: &impl ConnectionTrait,
    events: &[(ShopKey, &'static str, DateTime<Utc>)],
) -> Result<(), LedgerError> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|((provider, shop, event_id), kind, at)| {
            processed_event::ActiveModel {
                id: NotSet,
                provider: Set(provider.clone()),
                shop: Set(shop.clone()),
                event_id: Set(event_id.clone()),
                kind: Set((*kind).to_owned()),
                received_at: Set(*at),
            }
        });
        processed_event::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                processed_event::Column::Provider,
                processed_event::Column::Shop,
                processed_event::Column::EventId,
            ])
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Allocations, one journal transaction per sale, and the balance caches.
async fn write_allocations(
    tx: &impl ConnectionTrait,
    sales: &[&SaleRecord],
    ids: &[i64],
) -> Result<(), LedgerError> {
    let mut allocations = Vec::new();
    let mut headers = Vec::new();
    let mut legs_by_reference: HashMap<String, (BTreeMap<String, i64>, &'static str)> =
        HashMap::new();
    let mut changes: BTreeMap<(String, &'static str), BalanceChange> = BTreeMap::new();
    for (record, &sale_id) in sales.iter().zip(ids) {
        if record.shares.is_empty() {
            continue;
        }
        let currency = record.pool.currency().code();
        let held = record.hold_days > 0;
        let available_at = record.received_at + chrono::Duration::days(i64::from(record.hold_days));
        let mut legs: BTreeMap<String, i64> = BTreeMap::new();
        for share in &record.shares {
            let minor = share.amount.minor();
            allocations.push(allocation::ActiveModel {
                id: NotSet,
                sale_id: Set(sale_id),
                lobby_id: Set(share.lobby_id),
                discord_id: Set(share.discord_id.clone()),
                currency: Set(currency.to_owned()),
                amount_minor: Set(minor),
                reversed_minor: Set(0),
                status: Set(if held { "pending" } else { "available" }.to_owned()),
                available_at: Set(available_at),
                created_at: Set(record.received_at),
            });
            *legs.entry(racer_account(&share.discord_id)).or_default() += minor;
            *legs.entry(HOUSE.to_owned()).or_default() -= minor;
            let change = changes
                .entry((share.discord_id.clone(), currency))
                .or_default();
            if held {
                change.pending += minor;
            } else {
                change.available += minor;
            }
        }
        let reference = format!("sale:{sale_id}");
        headers.push(journal_transaction::ActiveModel {
            id: NotSet,
            kind: Set("sale".to_owned()),
            reference: Set(reference.clone()),
            created_at: Set(record.received_at),
        });
        legs_by_reference.insert(reference, (legs, currency));
    }
    for chunk in chunked(allocations) {
        allocation::Entity::insert_many(chunk).exec(tx).await?;
    }
    let mut entries = Vec::new();
    for chunk in chunked(headers) {
        for header in journal_transaction::Entity::insert_many(chunk)
            .exec_with_returning(tx)
            .await?
        {
            let Some((legs, currency)) = legs_by_reference.get(&header.reference) else {
                continue;
            };
            debug_assert_eq!(legs.values().sum::<i64>(), 0, "journal legs must balance");
            entries.extend(
                legs.iter()
                    .filter(|(_, m)| **m != 0)
                    .map(|(account, minor)| journal_entry::ActiveModel {
                        id: NotSet,
                        transaction_id: Set(header.id),
                        account: Set(account.clone()),
                        currency: Set((*currency).to_owned()),
                        amount_minor: Set(*minor),
                    }),
            );
        }
    }
    for chunk in chunked(entries) {
        journal_entry::Entity::insert_many(chunk).exec(tx).await?;
    }
    bump_balances(tx, &changes).await
}

fn chunked<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunks.push(rows.by_ref().take(ROWS_PER_INSERT).collect());
    }
    chunks
}

/// Refunds waiting for any of these new sales, oldest first.
pub(super) async fn waiting_refunds(
    tx: &impl ConnectionTrait,
    sales: &[&SaleRecord],
) -> Result<Vec<refund::Model>, LedgerError> {
    let mut waiting = Vec::new();
    for ((provider, shop), refs) in by_shop(sales, references) {
        for chunk in refs.chunks(KEYS_PER_LOOKUP) {
            waiting.extend(
                refund::Entity::find()
                    .filter(refund::Column::Provider.eq(provider))
                    .filter(refund::Column::Shop.eq(shop))
                    .filter(refund::Column::SaleRef.is_in(chunk.iter().cloned()))
                    .filter(refund::Column::Status.eq("waiting"))
                    .order_by_asc(refund::Column::Id)
                    .all(tx)
                    .await?,
            );
        }
    }
    waiting.sort_by_key(|r| r.id);
    Ok(waiting)
}
