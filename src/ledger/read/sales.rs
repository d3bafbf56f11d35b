//! Sales as the admin API lists them, with the lobbies each was credited to.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{allocation, sale};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::{money, LIST_LIMIT_MAX};
use crate::domain::ids::LobbyId;
use crate::money::Money;

#[derive(Debug, Serialize, Clone)]
pub struct SaleView {
    pub id: i64,
    pub provider: String,
    pub shop: String,
    pub lobby_ids: Vec<i64>,
    #[serde(with = "crate::money::serde_amount")]
    pub amount: Money,
    pub currency: String,
    #[serde(with = "crate::money::serde_amount")]
    pub commission_pool: Money,
    pub sold_at: DateTime<Utc>,
    /// Amount of the sale refunded so far.
    #[serde(with = "crate::money::serde_amount")]
    pub refunded: Money,
}

/// Newest sales first, optionally only those credited to one lobby.
pub async fn sales(
    db: &impl ConnectionTrait,
    lobby_id: Option<LobbyId>,
    limit: u64,
) -> Result<Vec<SaleView>, DbErr> {
    let mut query = sale::Entity::find().order_by_desc(sale::Column::Id);
    if let Some(lobby_id) = lobby_id {
        let ids: Vec<i64> = allocation::Entity::find()
            .select_only()
            .column(allocation::Column::SaleId)
            .filter(allocation::Column::LobbyId.eq(lobby_id.get()))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        query = query.filter(sale::Column::Id.is_in(ids));
    }
    let rows = query.limit(limit.min(LIST_LIMIT_MAX)).all(db).await?;
    let sale_ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let pairs: Vec<(i64, i64)> = allocation::Entity::find()
        .select_only()
        .column(allocation::Column::SaleId)
        .column(allocation::Column::LobbyId)
        .filter(allocation::Column::SaleId.is_in(sale_ids))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut lobbies: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (sale_id, lobby_id) in pairs {
        lobbies.entry(sale_id).or_default().push(lobby_id);
    }
    rows.into_iter()
        .map(|s| {
            let mut lobby_ids = lobbies.remove(&s.id).unwrap_or_default();
            lobby_ids.sort_unstable();
            Ok(SaleView {
                id: s.id,
                provider: s.provider.to_value(),
                shop: s.shop,
                lobby_ids,
                amount: money(s.amount_minor, &s.currency)?,
                commission_pool: money(s.pool_minor, &s.currency)?,
                refunded: money(s.refunded_minor, &s.currency)?,
                currency: s.currency,
                sold_at: s.sold_at,
            })
        })
        .collect()
}
