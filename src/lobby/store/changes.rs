//! A lobby's changes as committed: each takes the lobby's row lock and next seq
//! first ([`next_seq`]), then checks what it reads, writes, and publishes the
//! change in the same transaction, so two processes cannot both start, end or
//! overfill one lobby and every process learns each change once, in order.

use crate::domain::end::EndReason;
use crate::domain::ids::UserId;
use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::LobbyState;
use entity::{lobby, lobby_window, player, roster_membership};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use super::{stored_time, OpenWindow};
use crate::ledger::read::{self, RaceTotals, RaceWindow};
use crate::lobby::bus::Channel;
use crate::lobby::change::LobbyChange;
use crate::lobby::LobbyError;

/// Locks the lobby's row for the rest of `tx` and takes its next seq: every
/// change of one lobby, on any process, commits one after the other, each
/// numbered one more than the last, and a change reads the rows it checks only
/// after it holds the lock (so two processes cannot both start or fill a lobby).
pub(super) async fn next_seq(tx: &DatabaseTransaction, lobby_id: i64) -> Result<u64, LobbyError> {
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
        announced_at: Set(None),
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
pub(super) async fn open_window_of(
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

/// Closes the running race's window (why: [`EndReason`])
/// and marks the lobby closed, together, unless no race runs. A time-out is the
/// duty of one process at a time (its advisory lock): another process closing
/// the same window meanwhile makes this one find no race running.
pub async fn close_window(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    at: DateTime<Utc>,
    reason: EndReason,
) -> Result<Numbered<ClosedRace>, LobbyError> {
    let tx = db.begin().await?;
    let duty = crate::db::Duty::WindowTimeout(lobby_id);
    if reason == EndReason::Timeout && !crate::db::try_duty(&tx, duty).await? {
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
        close_reason: Set(Some(reason.as_str().to_owned())),
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
    let change = LobbyChange::closed(window.id, closed_at, &totals.pool);
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
    pub discord_id: UserId,
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
    let racer = joining.discord_id.to_string();
    if roster.iter().any(|m| m.discord_id == racer) {
        return Err(LobbyError::AlreadyJoined);
    }
    if roster.len() >= joining.max_racers {
        return Err(LobbyError::Full(joining.max_racers));
    }
    let membership = roster_membership::ActiveModel {
        id: NotSet,
        lobby_id: Set(lobby_id),
        discord_id: Set(racer.clone()),
        display_name: Set(joining.display_name.to_owned()),
        joined_at: Set(stored_time(joining.at)),
        left_at: Set(None),
    }
    .insert(&tx)
    .await?;
    upsert_player(&tx, &racer, joining.display_name, joining.at).await?;
    let change = LobbyChange::Joined {
        membership_id: membership.id,
        discord_id: joining.discord_id,
        display_name: membership.display_name.clone(),
        joined_at: membership.joined_at,
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
    racer: UserId,
    at: DateTime<Utc>,
) -> Result<Numbered<()>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    let racer = racer.to_string();
    let membership = roster_of(&tx, lobby_id)
        .await?
        .into_iter()
        .find(|m| m.discord_id == racer)
        .ok_or(LobbyError::NotJoined)?;
    let left_at = stored_time(at);
    roster_membership::ActiveModel {
        id: Set(membership.id),
        left_at: Set(Some(left_at)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let change = LobbyChange::Left {
        membership_id: membership.id,
        left_at,
    };
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    Ok((seq, change, ()))
}

/// The racers on a lobby's roster now, in join order.
pub(super) async fn roster_of(
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
