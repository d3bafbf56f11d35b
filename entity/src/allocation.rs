//! A racer's share of one sale's commission pool, through one lobby.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::AllocationStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allocations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sale_id: i64,
    pub lobby_id: i64,
    /// The lobby's guild (`''` outside any guild): whose wallet the share is in.
    pub guild_id: String,
    pub discord_id: String,
    pub currency: String,
    pub amount_minor: i64,
    /// Clawed back by refunds so far.
    pub reversed_minor: i64,
    /// `pending` until `available_at`, then `available`.
    pub status: AllocationStatus,
    pub available_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
