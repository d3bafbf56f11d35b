//! The LobbyActor's persisted changes: the roster (Join, Leave) and the window
//! (Start, End, and the time-out that ends a race left open). Each is committed
//! through the store with a conditional update (the store checks the rows under
//! the lobby's lock, so two processes cannot both start or fill a lobby) and
//! runs to completion before the lobby takes its next message
//! (`AtomicResponse`); only then does it take the same path into memory and the
//! overlays as a change made by another process ([`super::apply`]).

use actix::prelude::*;

use super::LobbyActor;
use crate::domain::end::EndReason;
use crate::lobby::entry::LobbyEntry;
use crate::lobby::messages::{End, Join, Leave, Start, WindowTick};
use crate::lobby::store::{self, Numbered};
use crate::lobby::{LobbyError, LobbyView, RaceOver, RaceSummary};

type Reply<T> = AtomicResponse<LobbyActor, Result<T, LobbyError>>;

/// Runs a change to completion before the lobby takes its next message.
fn atomic<T: 'static>(
    change: impl ActorFuture<LobbyActor, Output = Result<T, LobbyError>> + 'static,
) -> Reply<T> {
    AtomicResponse::new(Box::pin(change))
}

impl LobbyActor {
    /// A committed change of this lobby, through the same path as changes made by
    /// other processes; answers the lobby's view after it.
    pub(super) fn committed<T>(
        &mut self,
        numbered: Result<Numbered<T>, LobbyError>,
        ctx: &mut Context<Self>,
    ) -> Result<(LobbyView, T), LobbyError> {
        let (seq, change, detail) = numbered?;
        // Attribution sees the change now, even while it waits behind a missing
        // one or a reload (applying it in seq order notes it again, harmlessly).
        self.timeline.note(self.identity.id, &change);
        self.receive(Some(seq), change, ctx);
        Ok((self.view(), detail))
    }
}

impl Handler<Join> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Join, _: &mut Context<Self>) -> Self::Result {
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        let max_racers = self.max_racers;
        atomic(
            async move {
                let joining = store::Joining {
                    discord_id: msg.discord_id,
                    display_name: &msg.display_name,
                    at: msg.at,
                    max_racers,
                };
                store::join(&db, &channel, lobby_id, joining).await
            }
            .into_actor(self)
            .map(|result, actor, ctx| Ok(actor.committed(result, ctx)?.0)),
        )
    }
}

impl Handler<Leave> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Leave, _: &mut Context<Self>) -> Self::Result {
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        atomic(
            async move { store::leave(&db, &channel, lobby_id, msg.discord_id, msg.at).await }
                .into_actor(self)
                .map(|result, actor, ctx| Ok(actor.committed(result, ctx)?.0)),
        )
    }
}

impl Handler<Start> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Start, ctx: &mut Context<Self>) -> Self::Result {
        let entry = LobbyEntry::new(&self.identity, ctx.address());
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        atomic(
            async move { store::open_window(&db, &channel, lobby_id, msg.at).await }
                .into_actor(self)
                .map(move |result, actor, ctx| {
                    let view = actor.committed(result, ctx)?.0;
                    // Overlays following this host or channel show this race now.
                    actor.following.moved(&entry);
                    Ok(view)
                }),
        )
    }
}

impl Handler<End> for LobbyActor {
    type Result = Reply<RaceSummary>;

    fn handle(&mut self, msg: End, _: &mut Context<Self>) -> Self::Result {
        let (db, channel, lobby_id) = (self.db.clone(), self.channel.clone(), self.row.id);
        let reason = msg.reason;
        atomic(
            async move { store::close_window(&db, &channel, lobby_id, msg.at, msg.reason).await }
                .into_actor(self)
                .map(move |result, actor, ctx| {
                    let (lobby, closed) = actor.committed(result, ctx)?;
                    let summary = RaceSummary {
                        lobby,
                        totals: closed.totals,
                    };
                    actor.race_over.report(RaceOver {
                        summary: summary.clone(),
                        reason,
                    });
                    Ok(summary)
                }),
        )
    }
}

impl Handler<WindowTick> for LobbyActor {
    type Result = ();

    fn handle(&mut self, _: WindowTick, ctx: &mut Context<Self>) {
        if let Some(window) = self.window {
            let now = self.clock.now();
            if now - window.opened_at >= self.max_window {
                tracing::info!(lobby = self.row.id, "window open too long; closing it");
                // Closed when it is found too old, at that time: a sale paid
                // until then still counts for the race, as its racers saw it live.
                let end = End {
                    at: now,
                    reason: EndReason::Timeout,
                };
                ctx.address().do_send(end);
            }
        }
    }
}
