//! Each Discord interaction runs at most once. This module owns the `interactions`
//! table: a delivery claims its interaction id with an insert before anything runs
//! (the primary key lets exactly one of two concurrent deliveries win, in this
//! process or another), and the reply is stored once the command has answered, so a
//! repeat is answered the same way and runs nothing. Claims are kept only as long
//! as Discord may still deliver their interaction: [`prune`] deletes older ones.

use std::future::Future;

use chrono::{DateTime, Utc};
use entity::interaction;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    TryInsertResult,
};
use serde_json::Value;

use super::execute;
use crate::discord::{Caller, Command, InteractionId, Reply};
use crate::locale::Locale;
use crate::services::Services;

/// How long a claim is kept: an interaction token lives 15 minutes, after which
/// Discord delivers it no more (and the endpoint refuses a signature timestamp
/// older than 5 minutes).
pub const CLAIM_KEPT: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// How often [`prune`] runs.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The message (its catalogue id) answering a repeat that arrives while the first
/// delivery still runs (or the process running it stopped before it answered).
pub const ALREADY_HANDLED: &str = "already-handled";

/// How a delivery of an interaction was answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivered {
    /// The first delivery: the command ran and this is its reply.
    First(Reply),
    /// A repeat of an answered interaction: the reply body stored by the first.
    Repeat(Value),
    /// A repeat while the first has not answered yet: nothing ran.
    InFlight,
}

impl Delivered {
    /// The body for the HTTP interactions endpoint; a repeat still in flight is
    /// told so in `locale`.
    pub fn http_body(self, locale: Locale) -> Value {
        match self {
            Delivered::First(reply) => reply.http_body(),
            Delivered::Repeat(body) => body,
            Delivered::InFlight => Reply::refusal(locale.t(ALREADY_HANDLED, &[])).http_body(),
        }
    }
}

/// The message (its catalogue id) when an interaction cannot be claimed (the
/// database does not answer).
pub const NOT_ANSWERING: &str = "server-not-answering";

/// What a delivery's claim found.
pub(super) enum Claim {
    /// The first delivery: this one runs the command.
    First(Claimed),
    /// A repeat, answered so; nothing runs.
    Repeat(Delivered),
}

/// An interaction this delivery claimed: it runs the command, then keeps the reply
/// for the repeats with [`Claimed::answered`].
#[must_use = "a claimed interaction's reply is stored for its repeats"]
pub(super) struct Claimed {
    id: InteractionId,
}

impl Claimed {
    /// Stores `reply` for the repeats. A failure is logged: the reply still goes
    /// out, and a repeat gets [`ALREADY_HANDLED`].
    pub(super) async fn answered(self, services: &Services, reply: &Reply) {
        if let Err(error) = store_reply(&services.db, self.id, &reply.http_body()).await {
            tracing::error!(interaction = %self.id, %error, "storing the reply of an interaction failed");
        }
    }
}

/// Claims `id` for this delivery. An error means the claim could not be made.
pub(super) async fn claim_first(services: &Services, id: InteractionId) -> Result<Claim, DbErr> {
    match claim(&services.db, id, services.clock.now()).await? {
        None => Ok(Claim::First(Claimed { id })),
        Some(repeat) => {
            tracing::info!(interaction = %id, "repeated interaction; not run again");
            Ok(Claim::Repeat(repeat))
        }
    }
}

/// Runs `run` only if this is the first delivery of `id`, then stores its reply.
/// `run` is not polled at all for a repeat. An error means the claim could not be
/// made, and nothing ran.
pub async fn run_once(
    services: &Services,
    id: InteractionId,
    run: impl Future<Output = Reply>,
) -> Result<Delivered, DbErr> {
    let claimed = match claim_first(services, id).await? {
        Claim::First(claimed) => claimed,
        Claim::Repeat(repeat) => return Ok(repeat),
    };
    let reply = run.await;
    claimed.answered(services, &reply).await;
    Ok(Delivered::First(reply))
}

/// The refusal of a command from outside any guild or from a guild
/// `discord.guilds` does not allow, given before any claim (nothing is stored for
/// it), in the caller's language.
pub(super) fn refused_before_claim(
    services: &Services,
    id: InteractionId,
    caller: &Caller,
) -> Option<Reply> {
    let refusal = super::admit(services, caller.guild_id).err()?;
    tracing::info!(interaction = %id, guild = ?caller.guild_id, "interaction refused before its claim");
    Some(Reply::refusal(caller.locale.t(refusal, &[])))
}

/// Keeps the caller's guild's locale, for what the bot posts there by itself.
pub(super) async fn note_guild_locale(services: &Services, caller: &Caller) {
    if let (Some(guild), Some(locale)) = (caller.guild_id, caller.guild_locale) {
        let now = services.clock.now();
        services.guild_locales.seen(guild, locale, now).await;
    }
}

/// A command delivered by either transport: [`refused_before_claim`], else
/// [`execute`]d at most once, answered inline however long it takes (the
/// transports answer through `super::deferral`, which defers a slow command).
pub async fn answer(
    services: &Services,
    id: InteractionId,
    caller: Caller,
    command: Command,
) -> Result<Delivered, DbErr> {
    if let Some(refusal) = refused_before_claim(services, id, &caller) {
        return Ok(Delivered::First(refusal));
    }
    note_guild_locale(services, &caller).await;
    run_once(services, id, execute(services, caller, command)).await
}

/// [`answer`] for a caller that answers inline only, mapped as the gateway maps
/// its answers (`super::deferral::respond_within`): `None` when the interaction
/// was claimed before (the delivery that claimed it answers), a refusal when the
/// claim cannot be made.
pub async fn execute_once(
    services: &Services,
    id: InteractionId,
    caller: Caller,
    command: Command,
) -> Option<Reply> {
    let locale = caller.locale;
    match answer(services, id, caller, command).await {
        Ok(Delivered::First(reply)) => Some(reply),
        Ok(Delivered::Repeat(_) | Delivered::InFlight) => None,
        Err(error) => {
            tracing::error!(interaction = %id, %error, "claiming an interaction failed");
            Some(Reply::refusal(locale.t(NOT_ANSWERING, &[])))
        }
    }
}

/// Claims `id` for this delivery: `None` when it is the first, else what a repeat
/// answers.
async fn claim(
    db: &impl ConnectionTrait,
    id: InteractionId,
    at: DateTime<Utc>,
) -> Result<Option<Delivered>, DbErr> {
    let row = interaction::ActiveModel {
        id: Set(id.to_string()),
        received_at: Set(at),
        reply: Set(None),
    };
    let inserted = interaction::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    if matches!(inserted, TryInsertResult::Inserted(1)) {
        return Ok(None);
    }
    let stored = interaction::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .and_then(|row| row.reply);
    let repeat = match stored.map(|text| serde_json::from_str::<Value>(&text)) {
        Some(Ok(body)) => Delivered::Repeat(body),
        Some(Err(error)) => {
            tracing::warn!(interaction = %id, %error, "stored reply is not JSON");
            Delivered::InFlight
        }
        None => Delivered::InFlight,
    };
    Ok(Some(repeat))
}

/// Keeps the reply sent for `id`, for the repeats.
async fn store_reply(
    db: &impl ConnectionTrait,
    id: InteractionId,
    body: &Value,
) -> Result<(), DbErr> {
    interaction::Entity::update_many()
        .col_expr(interaction::Column::Reply, Expr::value(body.to_string()))
        .filter(interaction::Column::Id.eq(id.to_string()))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the claims (and their stored replies, private `/wallet` answers too)
/// received more than [`CLAIM_KEPT`] before `now`; answers how many. On
/// PostgreSQL one process at a time prunes (an advisory lock); the others skip
/// this turn and answer 0.
pub async fn prune(db: &sea_orm::DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use sea_orm::TransactionTrait;
    let tx = db.begin().await?;
    if !crate::db::try_duty(&tx, crate::db::Duty::InteractionPruning).await? {
        return Ok(0);
    }
    let cutoff = now - chrono::Duration::from_std(CLAIM_KEPT).unwrap_or_default();
    let deleted = interaction::Entity::delete_many()
        .filter(interaction::Column::ReceivedAt.lt(cutoff))
        .exec(&tx)
        .await?
        .rows_affected;
    tx.commit().await?;
    Ok(deleted)
}

/// Runs [`prune`] every [`PRUNE_EVERY`] for as long as the server runs.
pub async fn prune_forever(db: sea_orm::DatabaseConnection, clock: crate::clock::Clock) {
    crate::clock::every(PRUNE_EVERY, || async {
        match prune(&db, clock.now()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "old interaction claims pruned"),
            Err(error) => tracing::warn!(%error, "pruning interaction claims failed"),
        }
        true
    })
    .await
}
