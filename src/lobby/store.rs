//! The lobby store: the one module that reads and writes `lobbies`,
//! `lobby_windows`, `roster_memberships`, `players` and `discount_codes`. A
//! LobbyActor writes its own lobby's rows through it, the registry creates and
//! rebuilds lobbies, the SalesRouter reads window and roster history and discount
//! codes, and the admin API registers discount codes.

mod discount_codes;
mod history;

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use entity::sea_orm_active_enums::LobbyState;
use entity::{lobby, lobby_window, player, roster_membership};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use super::bus::Channel;
use super::change::LobbyChange;
use super::LobbyError;
use crate::ledger::read::{self, RaceTotals, RaceWindow};

pub use discount_codes::{discount_code_key, discount_code_lobby, register_discount_code};
pub use history::{open_during_second, OpenDuring};

/// Times stored for lobbies, windows and rosters are cut to milliseconds, so that
/// every engine stores and compares them the same way.
pub fn stored_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(3)
}

/// A lobby about to be created; its code must be unused.
pub struct NewLobby<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub guild_id: Option<&'a str>,
    pub channel_id: Option<&'a str>,
    pub host_id: &'a str,
    pub at: DateTime<Utc>,
}

/// Inserts an idle lobby, within the guild's cap of lobbies not closed, and
/// publishes its creation. On PostgreSQL one creation at a time counts the cap
/// (an advisory lock, since other processes create lobbies too). A taken code
/// fails with `DbErr::Query` or `DbErr::Exec` (the unique index), so the caller
/// can draw another.
pub async fn create_lobby(
    db: &DatabaseConnection,
    channel: &Channel,
    new: NewLobby<'_>,
    cap: usize,
) -> Result<lobby::Model, LobbyError> {
    let tx = db.begin().await?;
    crate::db::wait_for_duty(&tx, crate::db::Duty::LobbyCreation).await?;
    if count_not_closed(&tx, new.guild_id).await? >= cap as u64 {
        return Err(LobbyError::GuildFull(cap));
    }
    let row = lobby::ActiveModel {
        id: NotSet,
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        guild_id: Set(new.guild_id.map(str::to_owned)),
        channel_id: Set(new.channel_id.map(str::to_owned)),
        host_id: Set(new.host_id.to_owned()),
        state: Set(LobbyState::Idle),
        created_at: Set(stored_time(new.at)),
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
    guild: Option<&str>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let in_guild = match guild {
        Some(guild) => lobby::Column::GuildId.eq(guild),
        None => lobby::Column::GuildId.is_null(),
    };
    lobby::Entity::find()
        .filter(in_guild)
        .filter(lobby::Column::State.ne(LobbyState::Closed))
        .count(db)
        .await
}

/// A guild's lobbies, newest first: what autocomplete suggests and what a lobby
/// option's name is looked up in.
pub async fn lobbies_of_guild(
    db: &DatabaseConnection,
    guild: Option<&str>,
) -> Result<Vec<lobby::Model>, DbErr> {
    let in_guild = match guild {
        Some(guild) => lobby::Column::GuildId.eq(guild),
        None => lobby::Column::GuildId.is_null(),
    };
    lobby::Entity::find()
        .filter(in_guild)
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

/// Locks the lobby's row for the rest of `tx` and takes its next seq: every
/// change of one lobby, on any process, commits one after the other, each
/// numbered one more than the last, and a change reads the rows it checks only
/// after it holds the lock (so two processes cannot both start or fill a lobby).
async fn next_seq(tx: &DatabaseTransaction, lobby_id: i64) -> Result<u64, LobbyError> {
    let bumped = lobby::Entity::update_many()
        .col_expr(lobby::Column::Seq, Expr::col(lobby::Column::Seq).add(1))
        .filter(lobby::Column::Id.eq(lobby_id))
        .exec_with_returning(tx)
        .await?;
    let row = bumped
        .into_iter()
        .next()
        .ok_or_else(|| LobbyError::Database(format!("lobby {lobby_id} is gone")))?;
    Ok(u64::try_from(row.seq).unwrap_or(0))
}

/// A committed change of a lobby and its number.
pub type Numbered<T> = (u64, LobbyChange, T);

/// Opens a window and marks the lobby open, together, unless a race runs already.
pub async fn open_window(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    at: DateTime<Utc>,
) -> Result<Numbered<OpenWindow>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    if open_window_of(&tx, lobby_id).await?.is_some() {
        return Err(LobbyError::AlreadyOpen);
    }
    let window = lobby_window::ActiveModel {
        id: NotSet,
        lobby_id: Set(lobby_id),
        opened_at: Set(stored_time(at)),
        closed_at: Set(None),
        close_reason: Set(None),
    }
    .insert(&tx)
    .await?;
    set_state(&tx, lobby_id, LobbyState::Open).await?;
    let change = LobbyChange::Opened {
        window_id: window.id,
        opened_at: window.opened_at,
    };
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    let open = OpenWindow {
        id: window.id,
        opened_at: window.opened_at,
    };
    Ok((seq, change, open))
}

/// The window of a lobby's running race, if one runs.
async fn open_window_of(
    db: &impl ConnectionTrait,
    lobby_id: i64,
) -> Result<Option<OpenWindow>, DbErr> {
    let window = lobby_window::Entity::find()
        .filter(lobby_window::Column::LobbyId.eq(lobby_id))
        .filter(lobby_window::Column::ClosedAt.is_null())
        .order_by_desc(lobby_window::Column::Id)
        .one(db)
        .await?;
    Ok(window.map(|w| OpenWindow {
        id: w.id,
        opened_at: w.opened_at,
    }))
}

/// A race that ended: its window and the racers' totals, as the ledger had them.
pub struct ClosedRace {
    pub window: OpenWindow,
    pub closed_at: DateTime<Utc>,
    pub totals: RaceTotals,
}

/// Closes the running race's window (`reason`: `end`, `timeout` or `shutdown`)
/// and marks the lobby closed, together, unless no race runs. A time-out is the
/// duty of one process at a time (its advisory lock): another process closing
/// the same window meanwhile makes this one find no race running.
pub async fn close_window(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<Numbered<ClosedRace>, LobbyError> {
    let tx = db.begin().await?;
    let duty = crate::db::Duty::WindowTimeout(lobby_id);
    if reason == "timeout" && !crate::db::try_duty(&tx, duty).await? {
        return Err(LobbyError::NotOpen);
    }
    let seq = next_seq(&tx, lobby_id).await?;
    let window = open_window_of(&tx, lobby_id)
        .await?
        .ok_or(LobbyError::NotOpen)?;
    let closed_at = stored_time(at);
    lobby_window::ActiveModel {
        id: Set(window.id),
        closed_at: Set(Some(closed_at)),
        close_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    set_state(&tx, lobby_id, LobbyState::Closed).await?;
    let race = RaceWindow {
        lobby_id,
        opened_at: window.opened_at,
        closed_at: Some(closed_at),
    };
    let totals = read::race_totals(&tx, race).await?;
    let change = LobbyChange::closed(closed_at, &totals.pool);
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    let closed = ClosedRace {
        window,
        closed_at,
        totals,
    };
    Ok((seq, change, closed))
}

async fn set_state(
    db: &impl ConnectionTrait,
    lobby_id: i64,
    state: LobbyState,
) -> Result<(), DbErr> {
    lobby::Entity::update_many()
        .col_expr(lobby::Column::State, Expr::value(state))
        .filter(lobby::Column::Id.eq(lobby_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A racer who asks to join.
pub struct Joining<'a> {
    pub discord_id: &'a str,
    pub display_name: &'a str,
    pub at: DateTime<Utc>,
    /// The roster limit (`commission.max_racers`).
    pub max_racers: usize,
}

/// Starts a racer's roster interval and records their latest display name,
/// unless they are on the roster already or it is full.
pub async fn join(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    joining: Joining<'_>,
) -> Result<Numbered<roster_membership::Model>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    let roster = roster_of(&tx, lobby_id).await?;
    if roster.iter().any(|m| m.discord_id == joining.discord_id) {
        return Err(LobbyError::AlreadyJoined);
    }
    if roster.len() >= joining.max_racers {
        return Err(LobbyError::Full(joining.max_racers));
    }
    let membership = roster_membership::ActiveModel {
        id: NotSet,
        lobby_id: Set(lobby_id),
        discord_id: Set(joining.discord_id.to_owned()),
        display_name: Set(joining.display_name.to_owned()),
        joined_at: Set(stored_time(joining.at)),
        left_at: Set(None),
    }
    .insert(&tx)
    .await?;
    upsert_player(&tx, joining.discord_id, joining.display_name, joining.at).await?;
    let change = LobbyChange::Joined {
        membership_id: membership.id,
        discord_id: membership.discord_id.clone(),
        display_name: membership.display_name.clone(),
    };
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    Ok((seq, change, membership))
}

/// Ends a racer's roster interval, unless they are not on the roster.
pub async fn leave(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    discord_id: &str,
    at: DateTime<Utc>,
) -> Result<Numbered<()>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    let membership = roster_of(&tx, lobby_id)
        .await?
        .into_iter()
        .find(|m| m.discord_id == discord_id)
        .ok_or(LobbyError::NotJoined)?;
    roster_membership::ActiveModel {
        id: Set(membership.id),
        left_at: Set(Some(stored_time(at))),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let change = LobbyChange::Left {
        membership_id: membership.id,
    };
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    Ok((seq, change, ()))
}

/// The racers on a lobby's roster now, in join order.
async fn roster_of(
    db: &impl ConnectionTrait,
    lobby_id: i64,
) -> Result<Vec<roster_membership::Model>, DbErr> {
    roster_membership::Entity::find()
        .filter(roster_membership::Column::LobbyId.eq(lobby_id))
        .filter(roster_membership::Column::LeftAt.is_null())
        .order_by_asc(roster_membership::Column::Id)
        .all(db)
        .await
}

async fn upsert_player(
    db: &impl ConnectionTrait,
    discord_id: &str,
    display_name: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    player::Entity::insert(player::ActiveModel {
        discord_id: Set(discord_id.to_owned()),
        display_name: Set(display_name.to_owned()),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(player::Column::DiscordId)
            .update_columns([player::Column::DisplayName, player::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
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

/// Numbers a `Reload` of a lobby and publishes it: every process reads the
/// lobby again from the database.
pub async fn publish_reload(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
) -> Result<(), LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    channel
        .publish(&tx, lobby_id, seq, LobbyChange::Reload)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The ids of the lobbies whose race is running.
pub async fn racing_lobby_ids(db: &DatabaseConnection) -> Result<Vec<i64>, DbErr> {
    use sea_orm::QuerySelect;
    lobby::Entity::find()
        .select_only()
        .column(lobby::Column::Id)
        .filter(lobby::Column::State.eq(LobbyState::Open))
        .order_by_asc(lobby::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// The ids of every lobby.
pub async fn lobby_ids(db: &DatabaseConnection) -> Result<Vec<i64>, DbErr> {
    use sea_orm::QuerySelect;
    lobby::Entity::find()
        .select_only()
        .column(lobby::Column::Id)
        .order_by_asc(lobby::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// Every lobby, by id, for the registry's rebuild at start-up.
pub async fn load_all(db: &DatabaseConnection) -> Result<Vec<StoredLobby>, DbErr> {
    let rows = lobby::Entity::find()
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
    let members = roster_membership::Entity::find()
        .filter(roster_membership::Column::LeftAt.is_null())
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
