//! The ledger's base, under every write: the one writer of balanced journal
//! transactions (header and entries, one or many at once), the balance-cache
//! upsert, and the processed-event marks that make deliveries idempotent. The
//! layers above (sales, refunds, payouts, maturing) build on this and nothing else
//! of the ledger.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::{AllocationStatus, JournalKind, ProcessedEventKind, Provider};
use entity::{balance, journal_entry, journal_transaction, processed_event};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::bulk::{one_of, Bulk};
use super::{racer_account, LedgerError, HOUSE};
use crate::money::Currency;

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

/// Writes journal transactions: headers in one bulk insert that returns their
/// ids, then their entries (legs of zero are left out).
pub(super) async fn post(
    tx: &impl ConnectionTrait,
    postings: &[Posting],
) -> Result<(), LedgerError> {
    use journal_entry::Column as E;
    use journal_transaction::Column as T;
    let by_reference: HashMap<&str, &Posting> =
        postings.iter().map(|p| (p.reference.as_str(), p)).collect();
    debug_assert_eq!(
        by_reference.len(),
        postings.len(),
        "references must be unique"
    );
    let mut headers = Bulk::new(
        journal_transaction::Entity,
        &[T::Kind, T::Reference, T::CreatedAt],
    )
    .tail(r#"RETURNING "id", "reference""#);
    for p in postings {
        headers.push([
            p.kind.to_value().into(),
            p.reference.clone().into(),
            p.at.into(),
        ]);
    }
    let mut entries = Bulk::new(
        journal_entry::Entity,
        &[E::TransactionId, E::Account, E::Currency, E::AmountMinor],
    );
    for header in headers.exec(tx).await? {
        let (id, reference): (i64, String) =
            (header.try_get_by_index(0)?, header.try_get_by_index(1)?);
        let Some(posting) = by_reference.get(reference.as_str()) else {
            continue;
        };
        debug_assert_eq!(posting.legs.values().sum::<i64>(), 0, "legs must balance");
        for (account, minor) in posting.legs.iter().filter(|(_, minor)| **minor != 0) {
            entries.push([
                id.into(),
                account.clone().into(),
                posting.currency.code().into(),
                (*minor).into(),
            ]);
        }
    }
    entries.exec(tx).await?;
    Ok(())
}

/// Change to one racer's cached balance, in minor units.
#[derive(Default, Clone, Copy)]
pub(super) struct BalanceChange {
    pub available: i64,
    pub pending: i64,
    pub paid: i64,
    /// Set aside while a shop's API issues store credit.
    pub reserved: i64,
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
    use balance::Column as B;
    let mut rows = Bulk::new(
        balance::Entity,
        &[
            B::GuildId,
            B::DiscordId,
            B::Currency,
            B::AvailableMinor,
            B::PendingMinor,
            B::PaidMinor,
            B::ReservedMinor,
        ],
    )
    .tail(concat!(
        r#"ON CONFLICT ("guild_id", "discord_id", "currency") DO UPDATE SET "#,
        r#""available_minor" = "balances"."available_minor" + "excluded"."available_minor", "#,
        r#""pending_minor" = "balances"."pending_minor" + "excluded"."pending_minor", "#,
        r#""paid_minor" = "balances"."paid_minor" + "excluded"."paid_minor", "#,
        r#""reserved_minor" = "balances"."reserved_minor" + "excluded"."reserved_minor""#,
    ));
    for ((guild_id, discord_id, currency), c) in changes {
        rows.push([
            guild_id.clone().into(),
            discord_id.clone().into(),
            (*currency).into(),
            c.available.into(),
            c.pending.into(),
            c.paid.into(),
            c.reserved.into(),
        ]);
    }
    rows.exec(tx).await?;
    Ok(())
}

/// Which of these deliveries were already handled.
pub(super) async fn seen_events(
    tx: &impl ConnectionTrait,
    events: impl IntoIterator<Item = ShopKey>,
) -> Result<HashSet<ShopKey>, LedgerError> {
    let mut seen = HashSet::new();
    let backend = tx.get_database_backend();
    for ((provider, shop), ids) in by_shop(events) {
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            let rows = processed_event::Entity::find()
                .filter(processed_event::Column::Provider.eq(provider))
                .filter(processed_event::Column::Shop.eq(shop.as_str()))
                .filter(one_of(processed_event::Column::EventId, chunk, backend))
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
    use processed_event::Column as P;
    let mut rows = Bulk::new(
        processed_event::Entity,
        &[P::Provider, P::Shop, P::EventId, P::Kind, P::ReceivedAt],
    )
    .tail(r#"ON CONFLICT ("provider", "shop", "event_id") DO NOTHING"#);
    for ((provider, shop, event_id), kind, at) in events {
        rows.push([
            provider.to_value().into(),
            shop.clone().into(),
            event_id.clone().into(),
            kind.to_value().into(),
            (*at).into(),
        ]);
    }
    rows.exec(tx).await?;
    Ok(())
}
