//! What a race's summary needs from the lobby tables after the fact: the lobby's
//! last finished race, the names its racers raced under (those who left too),
//! and the timed-out races whose summary is still owed to their channel.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{lobby, lobby_window, roster_membership};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// Most owed summaries one sweep reads.
const OWED_MAX: u64 = 50;

/// Races that timed out at `since` or later and whose summary was not queued
/// yet, oldest first, each with its lobby.
pub async fn owed_announcements(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<(lobby::Model, lobby_window::Model)>, DbErr> {
    use sea_orm::QuerySelect;
    let windows = lobby_window::Entity::find()
        .filter(lobby_window::Column::AnnouncedAt.is_null())
        .filter(lobby_window::Column::CloseReason.eq("timeout"))
        .filter(lobby_window::Column::ClosedAt.gte(since))
        .order_by_asc(lobby_window::Column::Id)
        .limit(OWED_MAX)
        .all(db)
        .await?;
    let ids: Vec<i64> = windows.iter().map(|w| w.lobby_id).collect();
    let lobbies = lobby::Entity::find()
        .filter(lobby::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(windows
        .into_iter()
        .filter_map(|w| {
            let row = lobbies.iter().find(|l| l.id == w.lobby_id)?;
            Some((row.clone(), w))
        })
        .collect())
}

/// Marks a timed-out race's summary as queued at `now`, unless it was already
/// (by another process): answers whether this call marked it.
pub async fn mark_announced(
    db: &impl ConnectionTrait,
    window_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let marked = lobby_window::Entity::update_many()
        .col_expr(lobby_window::Column::AnnouncedAt, Expr::value(now))
        .filter(lobby_window::Column::Id.eq(window_id))
        .filter(lobby_window::Column::AnnouncedAt.is_null())
        .exec(db)
        .await?;
    Ok(marked.rows_affected == 1)
}

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
