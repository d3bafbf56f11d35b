//! A race lobby: where it lives in Discord, its host, its public code and window state.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::LobbyState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lobbies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Short public code shown on the overlay and in checkout links.
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub host_id: String,
    /// Window state, stored as `idle`, `open` or `closed`.
    pub state: LobbyState,
    pub created_at: DateTimeUtc,
    /// The pot the host aims for (`/goal`), in minor units of `goal_currency`.
    pub goal_minor: Option<i64>,
    pub goal_currency: Option<String>,
    /// Number of the lobby's last event; every process numbers overlay frames from it.
    pub seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
