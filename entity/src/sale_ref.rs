//! Other provider ids that point at a sale (charge id, checkout session), for refunds.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::Provider;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sale_refs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: Provider,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub reference: String,
    pub sale_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
