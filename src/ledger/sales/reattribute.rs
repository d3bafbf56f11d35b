//! Re-attribution: a tagged twin delivery of a sale recorded untagged (Stripe's
//! `checkout.session.completed` after `payment_intent.succeeded` of the same
//! purchase) moves the sale's commission to the racers of the lobby it names, in
//! one balanced journal transaction.

use std::collections::BTreeMap;

use entity::sea_orm_active_enums::{AllocationStatus, JournalKind};
use entity::{allocation, sale};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::ids::LobbyId;
use crate::ledger::journal::{self, BalanceChanges, Legs, Posting};
use crate::ledger::{LedgerError, LobbyDelta, SaleRecord};
use crate::money::Money;

/// Moves sale `sale_id` to `twin`'s shares: reverses what each allocation still
/// holds and writes the twin's allocations with the sale's own hold. `None` when
/// the sale stays as it is: it was tagged (or re-attributed) already, the twin is
/// in another currency, or a refund was applied to it (re-splitting a refunded
/// sale in proportion is not done; the refund stands on the first attribution).
pub(super) async fn reattribute(
    tx: &impl ConnectionTrait,
    twin: &SaleRecord,
    sale_id: i64,
) -> Result<Option<Vec<LobbyDelta>>, LedgerError> {
    let Some(tagged_lobby) = twin.tagged_lobby else {
        return Ok(None);
    };
    let Some(sale_row) = sale::Entity::find_by_id(sale_id).one(tx).await? else {
        return Ok(None);
    };
    if sale_row.lobby_tag.is_some() {
        return Ok(None);
    }
    let currency = twin.pool.currency();
    if sale_row.currency != currency.code() {
        tracing::warn!(
            sale_id,
            currency = %currency,
            "tagged twin in another currency than its sale; left as a duplicate"
        );
        return Ok(None);
    }
    if sale_row.refunded_minor > 0 {
        tracing::warn!(
            sale_id,
            lobby = %tagged_lobby,
            "tagged twin of a sale already refunded in part; attribution left as it was"
        );
        return Ok(None);
    }
    let old = allocation::Entity::find()
        .filter(allocation::Column::SaleId.eq(sale_id))
        .order_by_asc(allocation::Column::Id)
        .all(tx)
        .await?;
    if same_wallets(&old, twin) {
        // The twin names the lobby that had it all: nothing moves, but the sale is
        // now known to be tagged.
        mark_tagged(tx, &sale_row, twin, tagged_lobby, sale_row.pool_minor).await?;
        return Ok(None);
    }
    let mut legs = Legs::new();
    let mut changes = BalanceChanges::new();
    let mut per_lobby: BTreeMap<i64, i64> = BTreeMap::new();
    for row in old {
        let net = row.amount_minor - row.reversed_minor;
        if net == 0 {
            continue;
        }
        let whose = (row.guild_id.as_str(), row.discord_id.as_str());
        journal::house_to_racer(&mut legs, &mut changes, whose, currency, -net, row.status);
        *per_lobby.entry(row.lobby_id).or_default() -= net;
        let amount = row.amount_minor;
        let mut update: allocation::ActiveModel = row.into();
        update.reversed_minor = Set(amount);
        allocation::Entity::update(update).exec(tx).await?;
    }
    let available_at = sale_row.received_at + chrono::Duration::days(i64::from(twin.hold_days));
    let status = if available_at > twin.received_at {
        AllocationStatus::Pending
    } else {
        AllocationStatus::Available
    };
    let hold = super::Hold {
        status,
        available_at,
        created_at: twin.received_at,
    };
    let mut allocations = super::allocation_rows();
    for share in &twin.shares {
        super::allocate(
            share,
            sale_id,
            hold,
            &mut legs,
            &mut changes,
            &mut allocations,
        );
        *per_lobby.entry(share.lobby_id.get()).or_default() += share.amount.minor();
    }
    allocations.exec(tx).await?;
    let posting = Posting {
        kind: JournalKind::Reattribution,
        reference: format!("reattribution:{sale_id}"),
        currency,
        legs,
        at: twin.received_at,
    };
    journal::post(tx, &[posting]).await?;
    journal::bump_balances(tx, &changes).await?;
    mark_tagged(tx, &sale_row, twin, tagged_lobby, twin.pool.minor()).await?;
    tracing::info!(
        sale_id,
        lobby = %tagged_lobby,
        "sale re-attributed to its tagged lobby"
    );
    per_lobby
        .into_iter()
        .filter(|(_, minor)| *minor != 0)
        .map(|(lobby_id, minor)| {
            Ok(LobbyDelta {
                lobby_id: LobbyId::try_from(lobby_id)?,
                amount: Money::from_minor(minor, currency)?,
                sold_at: sale_row.sold_at,
                seq: None,
            })
        })
        .collect::<Result<Vec<_>, LedgerError>>()
        .map(Some)
}

/// Whether the sale's allocations, net of what they gave back, already are the
/// twin's shares: same lobby, wallet and amount.
fn same_wallets(old: &[allocation::Model], twin: &SaleRecord) -> bool {
    type Wallets<'a> = BTreeMap<(i64, &'a str, &'a str), i64>;
    let mut held: Wallets = BTreeMap::new();
    for row in old {
        let key = (row.lobby_id, row.guild_id.as_str(), row.discord_id.as_str());
        *held.entry(key).or_default() += row.amount_minor - row.reversed_minor;
    }
    held.retain(|_, minor| *minor != 0);
    let mut shares: Wallets = BTreeMap::new();
    let stored: Vec<_> = twin
        .shares
        .iter()
        .map(|s| (super::stored(s), s.amount))
        .collect();
    for ((lobby_id, guild, racer), amount) in &stored {
        *shares
            .entry((*lobby_id, guild.as_str(), racer.as_str()))
            .or_default() += amount.minor();
    }
    shares.retain(|_, minor| *minor != 0);
    held == shares
}

/// Stores the twin's tag on the sale, so that a later twin is a duplicate; a tag
/// resolved from elsewhere than the event's own (a discount code) is stored as the
/// lobby id.
async fn mark_tagged(
    tx: &impl ConnectionTrait,
    sale_row: &sale::Model,
    twin: &SaleRecord,
    tagged_lobby: LobbyId,
    pool_minor: i64,
) -> Result<(), LedgerError> {
    let tag = twin
        .sale
        .lobby_tag
        .clone()
        .unwrap_or_else(|| tagged_lobby.to_string());
    let mut update: sale::ActiveModel = sale_row.clone().into();
    update.lobby_tag = Set(Some(tag));
    update.pool_minor = Set(pool_minor);
    sale::Entity::update(update).exec(tx).await?;
    Ok(())
}
