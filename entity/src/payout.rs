//! Money paid out to a racer: recorded at once, or reserved while a shop's API
//! issues it as store credit and then confirmed or released.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::{PayoutMethod, PayoutState};

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
    /// `paid`, or `reserved` while a shop's API is asked, or `released` when it refused.
    pub state: PayoutState,
    /// The shop whose API issues it (store credit); NULL when only recorded.
    pub shop: Option<String>,
    /// The code the racer redeems, chosen when the amount was reserved.
    pub code: Option<String>,
    /// The provider's object id, once confirmed.
    pub provider_ref: Option<String>,
    /// When the reservation was confirmed or released.
    pub settled_at: Option<DateTimeUtc>,
    /// What the provider said when it refused.
    pub failure: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
