//! A racer's latest allocations (their shares of sales), net of refunds.

use chrono::{DateTime, Utc};
use entity::allocation;
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::{money, Wallets, LIST_LIMIT_MAX};
use crate::domain::ids::UserId;
use crate::money::Money;

#[derive(Debug, Serialize, Clone)]
pub struct AllocationView {
    pub sale_id: i64,
    pub lobby_id: i64,
    pub guild_id: String,
    /// What the racer keeps of it after refunds.
    #[serde(with = "crate::money::serde_amount")]
    pub amount: Money,
    pub currency: String,
    /// `pending`, `available` or `reversed` (refunded in full).
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A racer's latest shares, in every guild or in one.
pub async fn recent_allocations(
    db: &impl ConnectionTrait,
    racer: UserId,
    wallets: Wallets,
    limit: u64,
) -> Result<Vec<AllocationView>, DbErr> {
    let mut query =
        allocation::Entity::find().filter(allocation::Column::DiscordId.eq(racer.to_string()));
    if let Some(guild) = wallets.guild_column() {
        query = query.filter(allocation::Column::GuildId.eq(guild));
    }
    query
        .order_by_desc(allocation::Column::Id)
        .limit(limit.min(LIST_LIMIT_MAX))
        .all(db)
        .await?
        .into_iter()
        .map(|a| {
            let net = a.amount_minor - a.reversed_minor;
            let status = if net == 0 && a.amount_minor > 0 {
                "reversed".to_owned()
            } else {
                a.status.to_value()
            };
            Ok(AllocationView {
                sale_id: a.sale_id,
                lobby_id: a.lobby_id,
                guild_id: a.guild_id,
                amount: money(net, &a.currency)?,
                currency: a.currency,
                status,
                created_at: a.created_at,
            })
        })
        .collect()
}
