//! The outbox of the messages the bot posts by itself (a timed-out race's summary);
//! this module owns the `discord_outbox` table. A post is written here first, then
//! sent by [`drain`]: at once by the code that queued it, and every
//! [`DRAIN_EVERY`] by [`drain_forever`], after a restart too. One that fails is
//! tried again with back-off ([`backoff`]), up to [`ATTEMPTS_MAX`] sends, and
//! given up on sooner when Discord refuses it for what it is (no access, unknown
//! channel).
//!
//! Posted once across processes: a drain claims due rows with a lease (a token and
//! an end, [`LEASE`]) in one statement, `FOR UPDATE SKIP LOCKED` on PostgreSQL (on
//! SQLite the single writer serialises it), posts outside any transaction, and
//! only the lease's holder marks the row sent or due again. A process killed
//! mid-post leaves the row leased: once the lease ends, another drain posts it
//! again. Discord may have taken the first post; the body carries a nonce with
//! `enforce_nonce`, so Discord answers a repeat within its few minutes with the
//! first message instead of posting twice. A post is bounded by
//! [`POST_DEADLINE`], shorter than the lease, so a live holder never outlasts it.
//!
//! A direct message ([`enqueue_dm`]: store credit's code for its racer) is kept
//! the same way with the user instead of a channel; each send opens the DM
//! channel first. A user whose DMs are closed makes Discord refuse for good: the
//! post is given up on at once (what it said is kept in `/wallet` anyway).
//!
//! Rows sent or given up on are deleted [`KEPT`] after they finished ([`prune`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::discord_outbox::{self, Column, Entity};
use entity::sea_orm_active_enums::OutboxState;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serenity::builder::CreateMessage;
use serenity::model::channel::Nonce;

use super::rest::{Rest, RestError};
use crate::clock::Clock;
use crate::domain::ids::{ChannelId, UserId};

/// How often [`drain_forever`] looks for due posts (and prunes).
pub const DRAIN_EVERY: Duration = Duration::from_secs(5);
/// Most posts one drain claims.
pub const BATCH_MAX: u64 = 10;
/// How long a claim holds a post against other drains.
pub const LEASE: Duration = Duration::from_secs(90);
/// Longest one post may take, rate-limit waits included (shorter than [`LEASE`]).
pub const POST_DEADLINE: Duration = Duration::from_secs(60);
/// Most sends of one post before it is given up on (about two hours of back-off).
pub const ATTEMPTS_MAX: i32 = 10;
/// The wait after the first failed send; it doubles after each one.
pub const BACKOFF_FIRST: Duration = Duration::from_secs(30);
/// The longest wait between two sends.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30 * 60);
/// How long a row is kept once sent or given up on.
pub const KEPT: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest error text kept on a row.
const ERROR_MAX_CHARS: usize = 300;

/// Why a post could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("the outbox could not be written: {0}")]
    Database(#[from] DbErr),
    #[error("the message could not be written as JSON: {0}")]
    Body(#[from] serde_json::Error),
}

/// What one [`drain`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    pub sent: u32,
    pub retried: u32,
    pub abandoned: u32,
}

/// Queues `message` for `channel` (about `lobby`, for the logs); answers its id.
/// The message gets a nonce of its own that Discord enforces.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    channel: ChannelId,
    lobby: Option<i64>,
    message: CreateMessage,
    now: DateTime<Utc>,
) -> Result<i64, OutboxError> {
    enqueue_row(db, channel.to_string(), lobby, None, message, now).await
}

/// Writes one post to send: to a channel, or (`recipient`) to a user's DMs.
async fn enqueue_row(
    db: &impl ConnectionTrait,
    channel: String,
    lobby: Option<i64>,
    recipient: Option<String>,
    message: CreateMessage,
    now: DateTime<Utc>,
) -> Result<i64, OutboxError> {
    // Discord takes a nonce of at most 25 characters.
    let nonce = format!("ck{:016x}", rand::random::<u64>());
    let message = message.nonce(Nonce::String(nonce)).enforce_nonce(true);
    let row = discord_outbox::ActiveModel {
        channel_id: Set(channel),
        recipient_id: Set(recipient),
        lobby_id: Set(lobby),
        body: Set(serde_json::to_string(&message)?),
        state: Set(OutboxState::Pending),
        attempts: Set(0),
        created_at: Set(now),
        next_attempt_at: Set(now),
        claim: Set(None),
        claimed_until: Set(None),
        finished_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    };
    Ok(Entity::insert(row).exec(db).await?.last_insert_id)
}

/// Queues a direct message to `user`; answers its id. Its channel is opened when
/// it is sent.
pub async fn enqueue_dm(
    db: &impl ConnectionTrait,
    user: UserId,
    message: CreateMessage,
    now: DateTime<Utc>,
) -> Result<i64, OutboxError> {
    let id = enqueue_row(
        db,
        String::new(),
        None,
        Some(user.to_string()),
        message,
        now,
    )
    .await?;
    Ok(id)
}

/// Posts the due posts this drain could claim, and records each outcome.
pub async fn drain(
    db: &DatabaseConnection,
    rest: &Rest,
    now: DateTime<Utc>,
) -> Result<Drained, DbErr> {
    let token = rand::random::<i64>();
    let mut drained = Drained::default();
    for row in claim(db, token, now).await? {
        let outcome = post(rest, &row).await;
        let next = next_step(&row, outcome, now);
        let outcome = match &next {
            Step::Sent => {
                drained.sent += 1;
                "sent"
            }
            Step::Again { .. } => {
                drained.retried += 1;
                "retried"
            }
            Step::Abandon { .. } => {
                drained.abandoned += 1;
                "abandoned"
            }
        };
        metrics::counter!("cozykart_discord_posts_total", "outcome" => outcome).increment(1);
        log(&row, &next);
        record(db, row.id, token, next, now).await?;
    }
    Ok(drained)
}

/// Claims at most [`BATCH_MAX`] due posts for the lease `token` (their sends
/// counted), oldest first; rows another drain holds are skipped.
async fn claim(
    db: &DatabaseConnection,
    token: i64,
    now: DateTime<Utc>,
) -> Result<Vec<discord_outbox::Model>, DbErr> {
    let free = Condition::any()
        .add(Column::ClaimedUntil.is_null())
        .add(Column::ClaimedUntil.lte(now));
    let mut due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::State.eq(OutboxState::Pending))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(free)
        .order_by_asc(Column::Id)
        .limit(BATCH_MAX);
    if db.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let lease_end = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    Entity::update_many()
        .col_expr(Column::Claim, Expr::value(token))
        .col_expr(Column::ClaimedUntil, Expr::value(lease_end))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.in_subquery(due.into_query()))
        .exec_with_returning(db)
        .await
}

/// Where a post goes.
enum To {
    Channel(ChannelId),
    Dm(UserId),
}

/// An id read back from a row; one that is no Discord id is refused for good.
fn stored_id<T: std::str::FromStr>(what: &str, text: &str, whose: &str) -> Result<T, RestError> {
    text.parse().map_err(|_| RestError::Refused {
        what: what.to_owned(),
        status: 400,
        message: format!("the stored {whose} id is not a Discord id"),
    })
}

/// Sends one claimed post within [`POST_DEADLINE`].
async fn post(rest: &Rest, row: &discord_outbox::Model) -> Result<(), RestError> {
    let what = format!("POST /channels/{}/messages", row.channel_id);
    // A direct message names its user; its channel is opened on each send.
    let to = match row.recipient_id.as_deref() {
        Some(user) => To::Dm(stored_id(&what, user, "user")?),
        None => To::Channel(stored_id(&what, &row.channel_id, "channel")?),
    };
    let sent = async {
        let channel = match to {
            To::Dm(user) => rest.open_dm(user).await?,
            To::Channel(channel) => channel,
        };
        rest.post_json(channel, row.body.clone().into_bytes()).await
    };
    tokio::time::timeout(POST_DEADLINE, sent)
        .await
        .unwrap_or_else(|_| {
            Err(RestError::Failed {
                what,
                message: format!("no answer within {POST_DEADLINE:?}"),
            })
        })
}

/// What becomes of a post after a send.
#[derive(Debug, PartialEq)]
enum Step {
    Sent,
    Again { at: DateTime<Utc>, error: String },
    Abandon { error: String },
}

fn next_step(
    row: &discord_outbox::Model,
    outcome: Result<(), RestError>,
    now: DateTime<Utc>,
) -> Step {
    let error = match outcome {
        Ok(()) => return Step::Sent,
        Err(error) => error,
    };
    let text: String = error.to_string().chars().take(ERROR_MAX_CHARS).collect();
    if error.is_permanent() || row.attempts >= ATTEMPTS_MAX {
        return Step::Abandon { error: text };
    }
    let wait = backoff(row.attempts).max(error.retry_after().unwrap_or_default());
    let at = now + chrono::Duration::from_std(wait).unwrap_or_default();
    Step::Again { at, error: text }
}

/// The wait after the `attempts`-th failed send: [`BACKOFF_FIRST`], doubled for
/// each send before it, at most [`BACKOFF_MAX`].
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
    BACKOFF_FIRST
        .saturating_mul(1 << doublings)
        .min(BACKOFF_MAX)
}

fn log(row: &discord_outbox::Model, step: &Step) {
    let (post, lobby, channel, attempts) = (row.id, row.lobby_id, &row.channel_id, row.attempts);
    match step {
        Step::Sent => tracing::info!(post, ?lobby, %channel, attempts, "Discord post sent"),
        Step::Again { at, error } => tracing::warn!(
            post, ?lobby, %channel, attempts, next_attempt_at = %at, %error,
            "Discord post failed; it will be tried again"
        ),
        Step::Abandon { error } => tracing::error!(
            post, ?lobby, %channel, attempts, %error,
            "Discord post given up on"
        ),
    }
}

/// Writes `step` on the post, if the lease `token` still holds it.
async fn record(
    db: &DatabaseConnection,
    id: i64,
    token: i64,
    step: Step,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let update = Entity::update_many()
        .col_expr(Column::Claim, Expr::value(Option::<i64>::None))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    let update = match step {
        Step::Sent => update
            .col_expr(Column::State, Expr::value(OutboxState::Sent))
            .col_expr(Column::FinishedAt, Expr::value(now))
            .col_expr(Column::LastError, Expr::value(Option::<String>::None)),
        Step::Again { at, error } => update
            .col_expr(Column::NextAttemptAt, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(error)),
        Step::Abandon { error } => update
            .col_expr(Column::State, Expr::value(OutboxState::Abandoned))
            .col_expr(Column::FinishedAt, Expr::value(now))
            .col_expr(Column::LastError, Expr::value(error)),
    };
    update
        .filter(Column::Id.eq(id))
        .filter(Column::Claim.eq(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the posts sent or given up on more than [`KEPT`] before `now`; answers
/// how many. On PostgreSQL one process at a time prunes (an advisory lock).
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::TransactionTrait;
    let tx = db.begin().await?;
    if !crate::db::try_duty(&tx, crate::db::Duty::OutboxPruning).await? {
        return Ok(0);
    }
    let cutoff = now - chrono::Duration::from_std(KEPT).unwrap_or_default();
    let deleted = Entity::delete_many()
        .filter(Column::State.ne(OutboxState::Pending))
        .filter(Column::FinishedAt.lt(cutoff))
        .exec(&tx)
        .await?
        .rows_affected;
    tx.commit().await?;
    Ok(deleted)
}

/// Runs [`drain`] and [`prune`] every [`DRAIN_EVERY`] for as long as the server
/// runs (the first at once, so a restart sends what was left).
pub async fn drain_forever(db: DatabaseConnection, rest: Arc<Rest>, clock: Clock) {
    crate::clock::every(DRAIN_EVERY, || async {
        if let Err(error) = drain(&db, &rest, clock.now()).await {
            tracing::warn!(%error, "draining the Discord outbox failed");
        }
        match prune(&db, clock.now()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "old Discord posts pruned"),
            Err(error) => tracing::warn!(%error, "pruning the Discord outbox failed"),
        }
        true
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        assert_eq!(backoff(1), BACKOFF_FIRST);
        assert_eq!(backoff(2), BACKOFF_FIRST * 2);
        assert_eq!(backoff(3), BACKOFF_FIRST * 4);
        assert_eq!(backoff(ATTEMPTS_MAX), BACKOFF_MAX);
        assert_eq!(backoff(i32::MAX), BACKOFF_MAX);
        assert_eq!(backoff(0), BACKOFF_FIRST);
    }

    #[test]
    fn the_lease_outlasts_a_post() {
        assert!(POST_DEADLINE < LEASE);
    }
}
