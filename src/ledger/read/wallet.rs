//! A racer's wallet: balances per guild and currency, where they are held, and
//! the earnings still pending.

use std::collections::BTreeMap;

use entity::{allocation, balance};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use super::{custom, money, Wallets, LIST_LIMIT_MAX};
use crate::domain::ids::{guild_column, guild_from_column, GuildId, UserId};
use crate::money::{Currency, Money};
use chrono::{DateTime, Utc};

#[derive(Debug, Serialize, Clone)]
pub struct BalanceView {
    /// Whose wallet (`''` for lobbies outside any guild).
    pub guild_id: String,
    pub currency: String,
    #[serde(with = "crate::money::serde_amount")]
    pub available: Money,
    #[serde(with = "crate::money::serde_amount")]
    pub pending: Money,
    #[serde(with = "crate::money::serde_amount")]
    pub paid: Money,
    /// Set aside while a shop's API issues store credit.
    #[serde(with = "crate::money::serde_amount")]
    pub reserved: Money,
}

/// A racer's balances, in every guild or in one, by guild then currency.
pub async fn balances(
    db: &impl ConnectionTrait,
    racer: UserId,
    wallets: Wallets,
) -> Result<Vec<BalanceView>, DbErr> {
    let mut query =
        balance::Entity::find().filter(balance::Column::DiscordId.eq(racer.to_string()));
    if let Some(guild) = wallets.guild_column() {
        query = query.filter(balance::Column::GuildId.eq(guild));
    }
    query
        .order_by_asc(balance::Column::GuildId)
        .order_by_asc(balance::Column::Currency)
        .all(db)
        .await?
        .into_iter()
        .map(|b| {
            Ok(BalanceView {
                available: money(b.available_minor, &b.currency)?,
                pending: money(b.pending_minor, &b.currency)?,
                paid: money(b.paid_minor, &b.currency)?,
                reserved: money(b.reserved_minor, &b.currency)?,
                guild_id: b.guild_id,
                currency: b.currency,
            })
        })
        .collect()
}

/// A balance a racer holds: in which guild's wallet, in which currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    pub guild: Option<GuildId>,
    pub currency: Currency,
}

/// Where a racer holds balances: each guild and currency.
pub async fn holdings(db: &impl ConnectionTrait, racer: UserId) -> Result<Vec<Holding>, DbErr> {
    balances(db, racer, Wallets::Every)
        .await?
        .into_iter()
        .map(|b| {
            Ok(Holding {
                currency: b.available.currency(),
                guild: guild_from_column(&b.guild_id).map_err(custom)?,
            })
        })
        .collect()
}

/// Earnings still held in one currency, and when they become available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// All that is held (net of refunds).
    pub amount: Money,
    /// When the first of it becomes available, and how much then.
    pub next_at: DateTime<Utc>,
    pub next_amount: Money,
    /// When the last of it becomes available.
    pub last_at: DateTime<Utc>,
}

/// A racer's held (pending) earnings in one guild, per currency code.
pub async fn held(
    db: &impl ConnectionTrait,
    racer: UserId,
    guild: Option<GuildId>,
) -> Result<BTreeMap<String, Held>, DbErr> {
    use entity::sea_orm_active_enums::AllocationStatus;
    let pending = allocation::Entity::find()
        .filter(allocation::Column::DiscordId.eq(racer.to_string()))
        .filter(allocation::Column::GuildId.eq(guild_column(guild)))
        .filter(allocation::Column::Status.eq(AllocationStatus::Pending))
        .order_by_asc(allocation::Column::AvailableAt)
        .limit(LIST_LIMIT_MAX)
        .all(db)
        .await?;
    let mut held: BTreeMap<String, Held> = BTreeMap::new();
    for row in pending {
        let net = money(row.amount_minor - row.reversed_minor, &row.currency)?;
        if net.is_zero() {
            continue;
        }
        let at = row.available_at;
        match held.get_mut(&row.currency) {
            None => {
                let first = Held {
                    amount: net,
                    next_at: at,
                    next_amount: net,
                    last_at: at,
                };
                held.insert(row.currency, first);
            }
            Some(h) => {
                h.amount = h.amount.checked_add(net).map_err(custom)?;
                if at == h.next_at {
                    h.next_amount = h.next_amount.checked_add(net).map_err(custom)?;
                }
                h.last_at = at;
            }
        }
    }
    Ok(held)
}

/// Store credit issued to a racer: what `/wallet` lists, in full, to them alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditCode {
    pub payout_id: i64,
    pub amount: Money,
    pub shop: String,
    pub code: String,
    pub at: DateTime<Utc>,
}

/// Codes listed in a wallet at most.
pub const CODES_LISTED_MAX: u64 = 10;

/// A racer's store-credit codes in one guild, newest first.
pub async fn credit_codes(
    db: &impl ConnectionTrait,
    racer: UserId,
    guild: Option<GuildId>,
) -> Result<Vec<CreditCode>, DbErr> {
    use entity::payout;
    use entity::sea_orm_active_enums::PayoutState;
    payout::Entity::find()
        .filter(payout::Column::DiscordId.eq(racer.to_string()))
        .filter(payout::Column::GuildId.eq(guild_column(guild)))
        .filter(payout::Column::State.eq(PayoutState::Paid))
        .filter(payout::Column::Code.is_not_null())
        .order_by_desc(payout::Column::Id)
        .limit(CODES_LISTED_MAX)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            Ok(CreditCode {
                payout_id: row.id,
                amount: money(row.amount_minor, &row.currency)?,
                shop: row.shop.unwrap_or_default(),
                code: row.code.unwrap_or_default(),
                at: row.settled_at.unwrap_or(row.created_at),
            })
        })
        .collect()
}
