//! The ledger's base, under every write: the one writer of balanced journal
//! transactions (header and entries, one or many at once), the balance-cache
//! upsert, and the processed-event marks that make deliveries idempotent. The
//! layers above (sales, refunds, payouts, maturing) build on this and nothing else
//! of the ledger.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::{AllocationStatus, JournalKind, ProcessedEventKind, Provider};
use entity::{balance, journal_entry, journal_transaction, processed_event};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{racer_account, LedgerError, HOUSE};
use crate::money::Currency;

/// Rows per multi-row INSERT: stays under SQLite's 32,766 bound parameters.
pub(super) const ROWS_PER_INSERT: usize = 1_000;
/// Values per `IN (...)` look-up.
pub(super) const KEYS_PER_LOOKUP: usize = 2_000;

/// (provider, shop, key): event ids and references are unique per shop.
pub(super) type ShopKey = (Provider, String, String);

/// Keys grouped by (provider, shop), sorted and without repeats, so that look-ups
/// use the unique indexes, whose leading columns are provider and shop.
pub(super) fn by_shop(
    keys: impl IntoIterator<Item = ShopKey>,
) -> BTreeMap<(Provider, String), Vec<String>> {
    let mut grouped: BTreeMap<(Provider, String), Vec<String>> = BTreeMap::new();
    for (provider, shop, key) in keys {
        grouped.entry((provider, shop)).or_default().push(key);
    }
    for values in grouped.values_mut() {
        values.sort();
        values.dedup();
    }
    grouped
}

/// `rows` in groups of [`ROWS_PER_INSERT`], for multi-row inserts.
pub(super) fn chunked<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunks.push(rows.by_ref().take(ROWS_PER_INSERT).collect());
    }
    chunks
}

/// Amounts per journal account, in minor units; a transaction's legs sum to zero.
pub(super) type Legs = BTreeMap<String, i64>;

/// One balanced journal transaction, ready to be written.
pub(super) struct Posting {
    pub kind: JournalKind,
    /// The sale, refund or payout it records; unique among the postings of one call.
    pub reference: String,
    pub currency: Currency,
    pub legs: Legs,
    pub at: DateTime<Utc>,
}

/// Writes journal transactions: headers in multi-row inserts, then their entries
/// (legs of zero are left out).
pub(super) async fn post(
    tx: &impl ConnectionTrait,
    postings: &[Posting],
) -> Result<(), LedgerError> {
    let mut entries = Vec::new();
    for chunk in postings.chunks(ROWS_PER_INSERT) {
        let by_reference: HashMap<&str, &Posting> =
            chunk.iter().map(|p| (p.reference.as_str(), p)).collect();
        debug_assert_eq!(by_reference.len(), chunk.len(), "references must be unique");
        let headers = chunk.iter().map(|p| journal_transaction::ActiveModel {
            id: NotSet,
            kind: Set(p.kind),
            reference: Set(p.reference.clone()),
            created_at: Set(p.at),
        });
        let written = journal_transaction::Entity::insert_many(headers)
            .exec_with_returning(tx)
            .await?;
        for header in written {
            let Some(posting) = by_reference.get(header.reference.as_str()) else {
                continue;
            };
            debug_assert_eq!(posting.legs.values().sum::<i64>(), 0, "legs must balance");
            entries.extend(posting.legs.iter().filter(|(_, minor)| **minor != 0).map(
                |(account, minor)| journal_entry::ActiveModel {
                    id: NotSet,
                    transaction_id: Set(header.id),
                    account: Set(account.clone()),
                    currency: Set(posting.currency.code().to_owned()),
                    amount_minor: Set(*minor),
                },
            ));
        }
    }
    for chunk in chunked(entries) {
        journal_entry::Entity::insert_many(chunk).exec(tx).await?;
    }
    Ok(())
}

/// Change to one racer's cached balance, in minor units.
#[derive(Default, Clone, Copy)]
pub(super) struct BalanceChange {
    pub available: i64,
    pub pending: i64,
    pub paid: i64,
}

/// Whose balance: (guild, racer, currency code).
pub(super) type BalanceKey = (String, String, &'static str);

/// Balance changes by guild, racer and currency, summed before the upsert.
pub(super) type BalanceChanges = BTreeMap<BalanceKey, BalanceChange>;

/// Moves `minor` from the house to a racer (a negative amount moves it back): on
/// the journal legs, and on the racer's pending or available balance by `status`.
pub(super) fn house_to_racer(
    legs: &mut Legs,
    changes: &mut BalanceChanges,
    (guild_id, discord_id): (&str, &str),
    currency: Currency,
    minor: i64,
    status: AllocationStatus,
) {
    *legs.entry(racer_account(discord_id)).or_default() += minor;
    *legs.entry(HOUSE.to_owned()).or_default() -= minor;
    let change = changes
        .entry((guild_id.to_owned(), discord_id.to_owned(), currency.code()))
        .or_default();
    match status {
        AllocationStatus::Pending => change.pending += minor,
        AllocationStatus::Available => change.available += minor,
    }
}

/// Adds `changes` to the cached balances: one relative upsert per guild, racer
/// and currency, so concurrent writers never overwrite each other.
pub(super) async fn bump_balances(
    tx: &impl ConnectionTrait,
    changes: &BalanceChanges,
) -> Result<(), LedgerError> {
    let add = |column: balance::Column| {
        sea_orm::sea_query::ExprTrait::add(
            Expr::col((balance::Entity, column)),
            Expr::col((Alias::new("excluded"), column)),
        )
    };
    let rows: Vec<_> = changes.iter().collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let models =
            chunk.iter().map(
                |((guild_id, discord_id, currency), c)| balance::ActiveModel {
                    guild_id: Set(guild_id.clone()),
                    discord_id: Set(discord_id.clone()),
                    currency: Set((*currency).to_owned()),
                    available_minor: Set(c.available),
                    pending_minor: Set(c.pending),
                    paid_minor: Set(c.paid),
                },
            );
        balance::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([
                    balance::Column::GuildId,
                    balance::Column::DiscordId,
                    balance::Column::Currency,
                ])
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

/// Which of these deliveries were already handled.
pub(super) async fn seen_events(
    tx: &impl ConnectionTrait,
    events: impl IntoIterator<Item = ShopKey>,
) -> Result<HashSet<ShopKey>, LedgerError> {
    let mut seen = HashSet::new();
    for ((provider, shop), ids) in by_shop(events) {
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            let rows = processed_event::Entity::find()
                .filter(processed_event::Column::Provider.eq(provider))
                .filter(processed_event::Column::Shop.eq(shop.as_str()))
                .filter(processed_event::Column::EventId.is_in(chunk.iter().cloned()))
                .all(tx)
                .await?;
            seen.extend(rows.into_iter().map(|e| (e.provider, e.shop, e.event_id)));
        }
    }
    Ok(seen)
}

/// A delivery handled now: which one, what it was, when it arrived.
pub(super) type EventMark = (ShopKey, ProcessedEventKind, DateTime<Utc>);

/// Remembers deliveries as handled, so that a replay changes nothing.
pub(super) async fn mark_events(
    tx: &impl ConnectionTrait,
    events: &[EventMark],
) -> Result<(), LedgerError> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|((provider, shop, event_id), kind, at)| {
            processed_event::ActiveModel {
                id: NotSet,
                provider: Set(*provider),
                shop: Set(shop.clone()),
                event_id: Set(event_id.clone()),
                kind: Set(*kind),
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
