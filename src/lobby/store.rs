//! The lobby store: the one module that reads and writes `lobbies`,
//! `lobby_windows`, `roster_memberships`, `players` and `discount_codes`. A
//! LobbyActor writes its own lobby's rows through it, the registry creates and
//! rebuilds lobbies, the SalesRouter reads window and roster history and discount
//! codes, and the admin API registers discount codes. The lobby's changes as
//! committed (row lock, seq, conditional checks, publication) are in `changes`.

mod changes;
mod discount_codes;
mod goal;
mod history;
mod listing;
mod overlay;
mod races;

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use entity::sea_orm_active_enums::LobbyState;
use entity::{lobby, lobby_window, roster_membership};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::bus::Channel;
use super::change::LobbyChange;
use super::LobbyError;
use crate::domain::ids::{ChannelId, GuildId, LobbyCode, LobbyId, UserId};

pub use changes::{close_window, join, leave, open_window, ClosedRace, Joining, Numbered};
use changes::{open_window_of, roster_of};
pub use discount_codes::{discount_code_key, discount_code_lobby, register_discount_code};
pub use goal::{goal_of, set_goal};
pub use history::history_since;
pub use listing::{lobby_page, rosters_now, LobbyFilter, PAGE_MAX};
pub use overlay::{hidden_names, hide_name, overlay_only};
pub use races::{
    last_finished_race, mark_announced, owed_announcements, racer_names, FinishedRace,
};

/// Times stored for lobbies, windows and rosters are cut to milliseconds, so that
/// every engine stores and compares them the same way.
pub fn stored_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(3)
}

/// A lobby about to be created; its code must be unused.
pub struct NewLobby<'a> {
    pub code: &'a LobbyCode,
    pub name: &'a str,
    pub guild_id: Option<GuildId>,
    pub channel_id: Option<ChannelId>,
    pub host_id: UserId,
    pub at: DateTime<Utc>,
}

/// How many lobbies one guild may have: not closed at once, and created within
/// any hour.
#[derive(Clone, Copy, Debug)]
pub struct GuildCaps {
    pub not_closed: usize,
    pub per_hour: usize,
}

/// Inserts an idle lobby, within the guild's caps (lobbies not closed, lobbies
/// created within the last hour), and publishes its creation. On PostgreSQL one creation at a time counts the cap
/// (an advisory lock, since other processes create lobbies too). A taken code
/// fails with `DbErr::Query` or `DbErr::Exec` (the unique index), so the caller
/// can draw another.
pub async fn create_lobby(
    db: &DatabaseConnection,
    channel: &Channel,
    new: NewLobby<'_>,
    caps: GuildCaps,
) -> Result<lobby::Model, LobbyError> {
    let tx = db.begin().await?;
    crate::db::wait_for_duty(&tx, crate::db::Duty::LobbyCreation).await?;
    if count_not_closed(&tx, new.guild_id).await? >= caps.not_closed as u64 {
        return Err(LobbyError::GuildFull(caps.not_closed));
    }
    let hour_ago = stored_time(new.at - chrono::Duration::hours(1));
    if count_created_since(&tx, new.guild_id, hour_ago).await? >= caps.per_hour as u64 {
        return Err(LobbyError::TooManyThisHour(caps.per_hour));
    }
    let row = lobby::ActiveModel {
        id: NotSet,
        code: Set(new.code.to_string()),
        name: Set(new.name.to_owned()),
        guild_id: Set(new.guild_id.map(|g| g.to_string())),
        channel_id: Set(new.channel_id.map(|c| c.to_string())),
        host_id: Set(new.host_id.to_string()),
        state: Set(LobbyState::Idle),
        created_at: Set(stored_time(new.at)),
        goal_minor: Set(None),
        goal_currency: Set(None),
        seq: Set(0),
    }
    .insert(&tx)
    .await
    .map_err(|error| match error {
        DbErr::Query(_) | DbErr::Exec(_) => LobbyError::CodeTaken,
        other => other.into(),
    })?;
    channel
        .publish(&tx, row.id, 0, LobbyChange::Created)
        .await?;
    tx.commit().await?;
    Ok(row)
}

/// How many of a guild's lobbies are not closed (idle or racing).
pub async fn count_not_closed(
    db: &impl ConnectionTrait,
    guild: Option<GuildId>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    lobby::Entity::find()
        .filter(in_guild(guild))
        .filter(lobby::Column::State.ne(LobbyState::Closed))
        .count(db)
        .await
}

/// How many of a guild's lobbies were created at `since` or later.
async fn count_created_since(
    db: &impl ConnectionTrait,
    guild: Option<GuildId>,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    lobby::Entity::find()
        .filter(in_guild(guild))
        .filter(lobby::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// Lobbies of `guild`, or of no guild.
fn in_guild(guild: Option<GuildId>) -> sea_orm::sea_query::SimpleExpr {
    match guild {
        Some(guild) => lobby::Column::GuildId.eq(guild.to_string()),
        None => lobby::Column::GuildId.is_null(),
    }
}

/// A guild's lobbies, newest first: what autocomplete suggests and what a lobby
/// option's name is looked up in.
pub async fn lobbies_of_guild(
    db: &DatabaseConnection,
    guild: Option<GuildId>,
) -> Result<Vec<lobby::Model>, DbErr> {
    lobby::Entity::find()
        .filter(in_guild(guild))
        .order_by_desc(lobby::Column::Id)
        .all(db)
        .await
}

/// The window of the race that is running: its row, and when the race started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenWindow {
    pub id: i64,
    pub opened_at: DateTime<Utc>,
}

/// A lobby as persisted: its row, the window left open (if a race was running)
/// and the racers on its roster, in join order.
pub struct StoredLobby {
    pub row: lobby::Model,
    pub window: Option<OpenWindow>,
    pub roster: Vec<roster_membership::Model>,
}

/// One lobby as persisted now, if it exists (a lobby another process created, or
/// one read again after a gap in its seq).
pub async fn load_one(
    db: &impl ConnectionTrait,
    lobby_id: i64,
) -> Result<Option<StoredLobby>, DbErr> {
    let Some(row) = lobby::Entity::find_by_id(lobby_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(StoredLobby {
        window: open_window_of(db, lobby_id).await?,
        roster: roster_of(db, lobby_id).await?,
        row,
    }))
}

/// The ids of every lobby that is not closed.
pub async fn lobby_ids_not_closed(db: &DatabaseConnection) -> Result<Vec<LobbyId>, DbErr> {
    lobby_ids_where(db, lobby::Column::State.ne(LobbyState::Closed)).await
}

/// The ids of the lobbies `condition` holds for, in order.
async fn lobby_ids_where(
    db: &DatabaseConnection,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<LobbyId>, DbErr> {
    use sea_orm::QuerySelect;
    let ids: Vec<i64> = lobby::Entity::find()
        .select_only()
        .column(lobby::Column::Id)
        .filter(condition)
        .order_by_asc(lobby::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    ids.into_iter().map(lobby_id).collect()
}

/// A stored lobby id as the domain holds it.
pub fn lobby_id(id: i64) -> Result<LobbyId, DbErr> {
    LobbyId::try_from(id).map_err(|e| DbErr::Custom(format!("stored {e}")))
}

/// A lobby's id by its code.
pub async fn lobby_id_by_code(
    db: &DatabaseConnection,
    code: &LobbyCode,
) -> Result<Option<LobbyId>, DbErr> {
    use sea_orm::QuerySelect;
    let id: Option<i64> = lobby::Entity::find()
        .select_only()
        .column(lobby::Column::Id)
        .filter(lobby::Column::Code.eq(code.as_str()))
        .into_tuple()
        .one(db)
        .await?;
    id.map(lobby_id).transpose()
}

/// The newest lobby of each channel (what a command without a `lobby` option acts on).
pub async fn newest_per_channel(
    db: &DatabaseConnection,
) -> Result<Vec<(ChannelId, LobbyId)>, DbErr> {
    use sea_orm::sea_query::{Expr, Func};
    use sea_orm::QuerySelect;
    let rows: Vec<(String, i64)> = lobby::Entity::find()
        .select_only()
        .column(lobby::Column::ChannelId)
        .column_as(Expr::from(Func::max(Expr::col(lobby::Column::Id))), "id")
        .filter(lobby::Column::ChannelId.is_not_null())
        .group_by(lobby::Column::ChannelId)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(channel, id)| {
            let channel = channel
                .parse()
                .map_err(|e| DbErr::Custom(format!("stored {e}")))?;
            Ok((channel, lobby_id(id)?))
        })
        .collect()
}

/// Every lobby that is not closed, by id, for the registry's rebuild at start-up
/// (a closed lobby is started again when something names it).
pub async fn load_not_closed(db: &DatabaseConnection) -> Result<Vec<StoredLobby>, DbErr> {
    let rows = lobby::Entity::find()
        .filter(lobby::Column::State.ne(LobbyState::Closed))
        .order_by_asc(lobby::Column::Id)
        .all(db)
        .await?;
    let mut windows: HashMap<i64, OpenWindow> = HashMap::new();
    let open = lobby_window::Entity::find()
        .filter(lobby_window::Column::ClosedAt.is_null())
        .order_by_asc(lobby_window::Column::Id)
        .all(db)
        .await?;
    for window in open {
        // The latest open window of a lobby wins.
        windows.insert(
            window.lobby_id,
            OpenWindow {
                id: window.id,
                opened_at: window.opened_at,
            },
        );
    }
    let mut rosters: HashMap<i64, Vec<roster_membership::Model>> = HashMap::new();
    let not_closed = sea_orm::sea_query::Query::select()
        .column(lobby::Column::Id)
        .from(lobby::Entity)
        .and_where(lobby::Column::State.ne(LobbyState::Closed))
        .to_owned();
    let members = roster_membership::Entity::find()
        .filter(roster_membership::Column::LeftAt.is_null())
        .filter(roster_membership::Column::LobbyId.in_subquery(not_closed))
        .order_by_asc(roster_membership::Column::Id)
        .all(db)
        .await?;
    for member in members {
        rosters.entry(member.lobby_id).or_default().push(member);
    }
    Ok(rows
        .into_iter()
        .map(|row| StoredLobby {
            window: windows.remove(&row.id),
            roster: rosters.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}
