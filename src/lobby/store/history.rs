//! The window and roster history the in-memory timeline
//! ([`Timeline`](crate::lobby::Timeline)) is loaded from: `lobby_windows` and
//! `roster_memberships` rows a sale can still reach.

use chrono::{DateTime, Utc};
use entity::{lobby_window, roster_membership};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr};

/// Windows and roster intervals still running or ended at `since` or later, of
/// every lobby or `only` one: what the in-memory timeline is loaded from at
/// start-up, and what a lobby read again refreshes it with.
pub async fn history_since(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
    only: Option<i64>,
) -> Result<(Vec<lobby_window::Model>, Vec<roster_membership::Model>), DbErr> {
    use sea_orm::{EntityTrait, QueryFilter};
    let windows = lobby_window::Entity::find()
        .filter(
            Condition::any()
                .add(lobby_window::Column::ClosedAt.is_null())
                .add(lobby_window::Column::ClosedAt.gte(since)),
        )
        .filter(Condition::all().add_option(only.map(|id| lobby_window::Column::LobbyId.eq(id))))
        .all(db)
        .await?;
    let stints = roster_membership::Entity::find()
        .filter(
            Condition::any()
                .add(roster_membership::Column::LeftAt.is_null())
                .add(roster_membership::Column::LeftAt.gte(since)),
        )
        .filter(
            Condition::all().add_option(only.map(|id| roster_membership::Column::LobbyId.eq(id))),
        )
        .all(db)
        .await?;
    Ok((windows, stints))
}
