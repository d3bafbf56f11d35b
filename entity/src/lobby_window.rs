//! One commission window (one race) of a lobby: when it opened and closed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lobby_windows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lobby_id: i64,
    pub opened_at: DateTimeUtc,
    /// `None` while the race runs.
    pub closed_at: Option<DateTimeUtc>,
    /// `end`, `timeout` or `shutdown`.
    pub close_reason: Option<String>,
    /// When a timed-out race's summary was queued for its channel; `None` while
    /// it is owed (and for races that did not time out).
    pub announced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
