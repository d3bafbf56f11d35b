//! Money paid out to a racer by an admin.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::PayoutMethod;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The guild whose balance paid it.
    pub guild_id: String,
    pub discord_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub method: PayoutMethod,
    pub note: Option<String>,
    pub forced: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// Unique: a retried payout (same interaction, same `Idempotency-Key`) pays once.
    pub idempotency_key: Option<String>,
    /// Digest of the request paid under `idempotency_key`: the same key with another
    /// request is refused (`idempotency_key_reused`). NULL before it was kept.
    pub request_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
