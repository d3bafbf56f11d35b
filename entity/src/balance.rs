//! A racer's balance in one guild and currency: a cache of the journal and the
//! allocations, updated in the same transaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "balances")]
pub struct Model {
    /// `''` for money earned through lobbies outside any guild.
    #[sea_orm(primary_key, auto_increment = false)]
    pub guild_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub discord_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    pub available_minor: i64,
    pub pending_minor: i64,
    pub paid_minor: i64,
    /// Set aside for store credit a shop's API is issuing (neither available nor paid).
    pub reserved_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
