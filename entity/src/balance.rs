//! A racer's balance in one currency: a cache of the journal, updated in the same transaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub discord_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    pub available_minor: i64,
    pub pending_minor: i64,
    pub paid_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
