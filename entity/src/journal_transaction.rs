//! One balanced money movement (sale, refund, payout).

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::JournalKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journal_transactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: JournalKind,
    /// The sale, refund or payout it records.
    pub reference: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
