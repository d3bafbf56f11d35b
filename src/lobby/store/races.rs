//! What a race's summary needs from the lobby tables after the fact: the lobby's
//! last finished race, and the names its racers raced under (those who left too).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{lobby_window, roster_membership};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// A finished race: when its window opened and closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinishedRace {
    pub opened_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
}

/// The lobby's most recently closed window, if it ever raced.
pub async fn last_finished_race(
    db: &impl ConnectionTrait,
    lobby_id: i64,
) -> Result<Option<FinishedRace>, DbErr> {
    let window = lobby_window::Entity::find()
        .filter(lobby_window::Column::LobbyId.eq(lobby_id))
        .filter(lobby_window::Column::ClosedAt.is_not_null())
        .order_by_desc(lobby_window::Column::Id)
        .one(db)
        .await?;
    Ok(window.and_then(|w| {
        w.closed_at.map(|closed_at| FinishedRace {
            opened_at: w.opened_at,
            closed_at,
        })
    }))
}

/// Display name per Discord id of everyone who was ever on the lobby's roster
/// (the latest name each joined under), so that a racer who left is still named.
pub async fn racer_names(
    db: &impl ConnectionTrait,
    lobby_id: i64,
) -> Result<HashMap<String, String>, DbErr> {
    let memberships = roster_membership::Entity::find()
        .filter(roster_membership::Column::LobbyId.eq(lobby_id))
        .order_by_asc(roster_membership::Column::Id)
        .all(db)
        .await?;
    Ok(memberships
        .into_iter()
        .map(|m| (m.discord_id, m.display_name))
        .collect())
}
