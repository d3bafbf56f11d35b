//! A merch sale reported by a shop, recorded once per provider sale id; money in minor units.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::Provider;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: Provider,
    pub shop: String,
    /// The provider's business key (PaymentIntent, order id, Ko-fi transaction).
    pub provider_sale_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// Commission pool (amount x rate, rounded down), in minor units.
    pub pool_minor: i64,
    /// Total of the sale refunded so far, in minor units (basis of clawbacks).
    pub refunded_minor: i64,
    /// Provider payment time, clamped to the accepted delay.
    pub sold_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub lobby_tag: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_public: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
