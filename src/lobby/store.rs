//! The lobby store: the one module that reads and writes `lobbies`,
//! `lobby_windows`, `roster_memberships`, `players` and `discount_codes`. A
//! LobbyActor writes its own lobby's rows through it, the registry creates and
//! rebuilds lobbies, the SalesRouter reads window and roster history and discount
//! codes, and the admin API registers discount codes.

mod discount_codes;
mod goal;
mod history;
mod races;

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use entity::sea_orm_active_enums::LobbyState;
use entity::{lobby, lobby_window, player, roster_membership};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

pub use discount_codes::{discount_code_key, discount_code_lobby, register_discount_code};
pub use goal::{goal_of, set_goal};
pub use history::{history_since, open_during_second, OpenDuring};
pub use races::{last_finished_race, racer_names, FinishedRace};

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

/// Inserts an idle lobby. A taken code fails with `DbErr::Query` or `DbErr::Exec`
/// (the unique index), so the caller can draw another.
pub async fn create_lobby(
    db: &DatabaseConnection,
    new: NewLobby<'_>,
) -> Result<lobby::Model, DbErr> {
    lobby::ActiveModel {
        id: NotSet,
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        guild_id: Set(new.guild_id.map(str::to_owned)),
        channel_id: Set(new.channel_id.map(str::to_owned)),
        host_id: Set(new.host_id.to_owned()),
        state: Set(LobbyState::Idle),
        created_at: Set(stored_time(new.at)),
        goal_minor: Set(None),
        goal_currency: Set(None),
    }
    .insert(db)
    .await
}

/// How many of a guild's lobbies are not closed (idle or racing).
pub async fn count_not_closed(db: &DatabaseConnection, guild: Option<&str>) -> Result<u64, DbErr> {
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

/// Opens a window and marks the lobby open, together.
pub async fn open_window(
    db: &DatabaseConnection,
    lobby_id: i64,
    at: DateTime<Utc>,
) -> Result<OpenWindow, DbErr> {
    let tx = db.begin().await?;
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
    tx.commit().await?;
    Ok(OpenWindow {
        id: window.id,
        opened_at: window.opened_at,
    })
}

/// Closes a window (`reason`: `end`, `timeout` or `shutdown`) and marks the lobby
/// closed, together; answers the stored closing time.
pub async fn close_window(
    db: &DatabaseConnection,
    lobby_id: i64,
    window_id: i64,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<DateTime<Utc>, DbErr> {
    let closed_at = stored_time(at);
    let tx = db.begin().await?;
    lobby_window::ActiveModel {
        id: Set(window_id),
        closed_at: Set(Some(closed_at)),
        close_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    set_state(&tx, lobby_id, LobbyState::Closed).await?;
    tx.commit().await?;
    Ok(closed_at)
}

async fn set_state(
    db: &impl ConnectionTrait,
    lobby_id: i64,
    state: LobbyState,
) -> Result<(), DbErr> {
    lobby::ActiveModel {
        id: Set(lobby_id),
        state: Set(state),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Starts a racer's roster interval and records their latest display name.
pub async fn join(
    db: &DatabaseConnection,
    lobby_id: i64,
    discord_id: &str,
    display_name: &str,
    at: DateTime<Utc>,
) -> Result<roster_membership::Model, DbErr> {
    let tx = db.begin().await?;
    let membership = roster_membership::ActiveModel {
        id: NotSet,
        lobby_id: Set(lobby_id),
        discord_id: Set(discord_id.to_owned()),
        display_name: Set(display_name.to_owned()),
        joined_at: Set(stored_time(at)),
        left_at: Set(None),
    }
    .insert(&tx)
    .await?;
    upsert_player(&tx, discord_id, display_name, at).await?;
    tx.commit().await?;
    Ok(membership)
}

/// Ends a racer's roster interval; answers the stored leaving time.
pub async fn leave(
    db: &DatabaseConnection,
    membership_id: i64,
    at: DateTime<Utc>,
) -> Result<DateTime<Utc>, DbErr> {
    let left_at = stored_time(at);
    roster_membership::ActiveModel {
        id: Set(membership_id),
        left_at: Set(Some(left_at)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(left_at)
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
