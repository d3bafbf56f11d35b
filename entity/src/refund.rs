//! A refund or dispute reported by a shop; waits for its sale if it came first.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::{Provider, RefundKind, RefundStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: Provider,
    pub shop: String,
    pub provider_refund_id: String,
    /// The sale id or one of its references, as the provider named it.
    pub sale_ref: String,
    /// Set once the sale is known.
    pub sale_id: Option<i64>,
    pub kind: RefundKind,
    pub amount_minor: i64,
    pub currency: String,
    /// Part of the sale newly marked refunded by this refund, in minor units.
    pub applied_minor: i64,
    pub status: RefundStatus,
    pub note: Option<String>,
    pub refunded_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
