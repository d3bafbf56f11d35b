//! A sale whose buyer name a host took off the overlays (`/overlay hide`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hidden_buyer_names")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sale_id: i64,
    pub lobby_id: i64,
    pub hidden_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
