//! Lobbies as the lobby APIs list them: a page of rows by state and guild, newest
//! first, read from the database (closed lobbies are not held in memory), and the
//! racers on their rosters now.

use std::collections::HashMap;

use entity::sea_orm_active_enums::LobbyState;
use entity::{lobby, roster_membership};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Largest page of a lobby list.
pub const PAGE_MAX: u64 = 100;

/// Which lobbies a list shows, and where its page starts.
#[derive(Clone, Debug, Default)]
pub struct LobbyFilter {
    /// Only these states; empty means every state.
    pub states: Vec<LobbyState>,
    /// Only this guild's lobbies.
    pub guild: Option<String>,
    /// Only lobbies with a smaller id (the previous page's `next_cursor`).
    pub before: Option<i64>,
}

/// Up to `limit` lobbies of `filter`, newest first.
pub async fn lobby_page(
    db: &impl ConnectionTrait,
    filter: &LobbyFilter,
    limit: u64,
) -> Result<Vec<lobby::Model>, DbErr> {
    let mut query = lobby::Entity::find().order_by_desc(lobby::Column::Id);
    if !filter.states.is_empty() {
        query = query.filter(lobby::Column::State.is_in(filter.states.iter().copied()));
    }
    if let Some(guild) = &filter.guild {
        query = query.filter(lobby::Column::GuildId.eq(guild.as_str()));
    }
    if let Some(before) = filter.before {
        query = query.filter(lobby::Column::Id.lt(before));
    }
    query.limit(limit.min(PAGE_MAX)).all(db).await
}

/// The racers on each lobby's roster now, in join order.
pub async fn rosters_now(
    db: &impl ConnectionTrait,
    lobby_ids: &[i64],
) -> Result<HashMap<i64, Vec<roster_membership::Model>>, DbErr> {
    let members = roster_membership::Entity::find()
        .filter(roster_membership::Column::LobbyId.is_in(lobby_ids.iter().copied()))
        .filter(roster_membership::Column::LeftAt.is_null())
        .order_by_asc(roster_membership::Column::Id)
        .all(db)
        .await?;
    let mut rosters: HashMap<i64, Vec<roster_membership::Model>> = HashMap::new();
    for member in members {
        rosters.entry(member.lobby_id).or_default().push(member);
    }
    Ok(rosters)
}
