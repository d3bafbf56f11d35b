//! Provider deliveries already handled, so a replay changes nothing.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::{ProcessedEventKind, Provider};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "processed_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: Provider,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub kind: ProcessedEventKind,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
