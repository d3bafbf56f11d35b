//! Answers within a budget, for both transports. A command claimed through
//! [`once`](super::once) runs on a task of its own; when it has answered within the
//! budget ([`DEFER_AFTER`], counted from when the delivery is taken) the transport
//! sends its reply as it always did. Otherwise the transport sends a deferral at
//! once and the command runs on, never cancelled; when it finishes, its reply is
//! shown through the interaction's webhook ([`crate::discord::show`], which says
//! how an ephemeral reply replaces a public deferral).
//!
//! The claim holds across the deferral: the delivery is in flight until its reply
//! has been shown (or showing it failed, which is logged), so a repeat meanwhile is
//! answered [`once::ALREADY_HANDLED`] and runs nothing; then the reply is stored,
//! and a later repeat gets it, as for an inline answer.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DbErr;
use tokio::task::{JoinError, JoinHandle};
use tokio::time::Instant;

use super::once::{self, Claim, Claimed, Delivered};
use crate::discord::{
    show, Acknowledgement, Answer, Caller, Command, Deferral, Deferred, InteractionHook,
    InteractionId, Reply,
};
use crate::services::Services;

/// How long a command may run before its interaction is deferred: Discord closes
/// an interaction that has no answer after 3 seconds, and the answer still has to
/// travel.
pub const DEFER_AFTER: Duration = Duration::from_secs(2);

/// The answer to a command whose task ended without a reply (it panicked).
pub const COMMAND_FAILED: &str = "That command failed; please try again.";

/// The budget of the HTTP interactions endpoint, as its app data (tests shorten it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeferAfter(pub Duration);

impl Default for DeferAfter {
    fn default() -> Self {
        DeferAfter(DEFER_AFTER)
    }
}

/// How a delivery is answered at once.
#[derive(Debug)]
pub enum Answered {
    /// Within the budget (or without a usable webhook): as [`once::answer`] answers.
    Now(Delivered),
    /// The command runs on: send this deferral, then tell it [`Deferred::sent`].
    Deferred(Deferred),
}

/// A command delivered by either transport, answered within `budget`: refused
/// before any claim as [`once::answer`] refuses, a repeat answered as a repeat,
/// else run at most once and deferred when it outlasts `budget`. Without a `hook`
/// (an unusable token) nothing could show a deferred reply, and the command is
/// answered inline however long it takes. An error means the claim could not be
/// made, and nothing ran.
pub async fn answer_within(
    services: &Arc<Services>,
    id: InteractionId,
    hook: Option<InteractionHook>,
    caller: Caller,
    command: Command,
    budget: Duration,
) -> Result<Answered, DbErr> {
    let deadline = Instant::now() + budget;
    let Some(hook) = hook else {
        return once::answer(services, id, caller, command)
            .await
            .map(Answered::Now);
    };
    if let Some(refusal) = once::refused_before_claim(services, id, &caller) {
        return Ok(Answered::Now(Delivered::First(refusal)));
    }
    once::note_guild_locale(services, &caller).await;
    let claimed = match once::claim_first(services, id).await? {
        Claim::First(claimed) => claimed,
        Claim::Repeat(repeat) => return Ok(Answered::Now(repeat)),
    };
    let deferral = Deferral::of(&command);
    let mut running = tokio::spawn(run(services.clone(), caller, command));
    // The budget first: a command that has not answered by the deadline defers,
    // even when its task would be ready at the very same poll.
    tokio::select! {
        biased;
        () = tokio::time::sleep_until(deadline) => {}
        ran = &mut running => {
            let reply = reply_of(id, ran);
            claimed.answered(services, &reply).await;
            return Ok(Answered::Now(Delivered::First(reply)));
        }
    }
    tracing::info!(interaction = %id, ?deferral, budget_ms = budget.as_millis() as u64, "command still running; answer deferred");
    let (deferred, acknowledgement) = Deferred::new(deferral);
    let pending = Pending {
        id,
        hook,
        deferral,
        acknowledgement,
    };
    tokio::spawn(finish(services.clone(), claimed, running, pending));
    Ok(Answered::Deferred(deferred))
}

/// [`answer_within`] as the gateway takes it: `None` when the interaction was
/// claimed before (the delivery that claimed it answers), a refusal when the claim
/// cannot be made.
pub async fn respond_within(
    services: &Arc<Services>,
    id: InteractionId,
    hook: Option<InteractionHook>,
    caller: Caller,
    command: Command,
    budget: Duration,
) -> Option<Answer> {
    let locale = caller.locale;
    match answer_within(services, id, hook, caller, command, budget).await {
        Ok(Answered::Now(Delivered::First(reply))) => Some(Answer::Reply(reply)),
        Ok(Answered::Now(Delivered::Repeat(_) | Delivered::InFlight)) => None,
        Ok(Answered::Deferred(deferred)) => Some(Answer::Deferred(deferred)),
        Err(error) => {
            tracing::error!(interaction = %id, %error, "claiming an interaction failed");
            Some(Answer::Reply(Reply::refusal(
                locale.t(once::NOT_ANSWERING, &[]),
            )))
        }
    }
}

/// The command, on a task of its own (it outlives the delivery when deferred).
async fn run(services: Arc<Services>, caller: Caller, command: Command) -> Reply {
    super::execute(&services, caller, command).await
}

/// The reply of a command's task; a task that ended without one (a panic) is
/// logged and answered [`COMMAND_FAILED`].
fn reply_of(id: InteractionId, ran: Result<Reply, JoinError>) -> Reply {
    ran.unwrap_or_else(|error| {
        tracing::error!(interaction = %id, %error, "a command ended without a reply");
        Reply::refusal(COMMAND_FAILED)
    })
}

/// A deferred interaction waiting for its command's reply.
struct Pending {
    id: InteractionId,
    /// Where the reply is shown.
    hook: InteractionHook,
    /// What the interaction was answered with first.
    deferral: Deferral,
    /// Whether that deferral went out.
    acknowledgement: Acknowledgement,
}

/// Waits for the command and for its deferral to have gone out, shows the reply,
/// then stores it for the repeats (also when showing it failed).
async fn finish(
    services: Arc<Services>,
    claimed: Claimed,
    running: JoinHandle<Reply>,
    pending: Pending,
) {
    let id = pending.id;
    let reply = reply_of(id, running.await);
    if pending.acknowledgement.arrived().await {
        let webhooks = &services.interaction_webhooks;
        match show(webhooks, &pending.hook, pending.deferral, &reply).await {
            Ok(shown) => tracing::info!(interaction = %id, ?shown, "deferred answer shown"),
            Err(error) => {
                tracing::warn!(interaction = %id, %error, "showing a deferred answer failed; the reply is stored")
            }
        }
    } else {
        tracing::warn!(interaction = %id, "the deferral did not reach Discord; the reply is stored, not shown");
    }
    claimed.answered(&services, &reply).await;
}
