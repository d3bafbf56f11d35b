//! The LobbyActor's persisted changes: the roster (Join, Leave) and the window
//! (Start, End, and the time-out that ends a race left open). Each is written
//! through the store and runs to completion before the lobby takes its next
//! message (`AtomicResponse`); only then does it change memory and tell overlays.

use actix::prelude::*;

use super::{LobbyActor, Racer};
use crate::ledger::read::{self, RaceWindow};
use crate::lobby::messages::{End, Join, Leave, Start, WindowTick};
use crate::lobby::registry::LobbyEntry;
use crate::lobby::store;
use crate::lobby::{LobbyError, LobbyState, LobbyView, RaceOver, RaceSummary};
use crate::overlay::protocol::OverlayEvent;

type Reply<T> = AtomicResponse<LobbyActor, Result<T, LobbyError>>;

/// Runs a change to completion before the lobby takes its next message.
fn atomic<T: 'static>(
    change: impl ActorFuture<LobbyActor, Output = Result<T, LobbyError>> + 'static,
) -> Reply<T> {
    AtomicResponse::new(Box::pin(change))
}

impl LobbyActor {
    /// Tells the overlays who races now, and answers the lobby's new view.
    fn roster_changed(&mut self) -> LobbyView {
        self.tell(OverlayEvent::Roster {
            racers: self.racer_names(),
        });
        self.view()
    }
}

impl Handler<Join> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Join, _: &mut Context<Self>) -> Self::Result {
        let refusal = if self.roster.iter().any(|r| r.discord_id == msg.discord_id) {
            Some(LobbyError::AlreadyJoined)
        } else if self.roster.len() >= self.max_racers {
            Some(LobbyError::Full(self.max_racers))
        } else {
            None
        };
        let (db, lobby_id) = (self.db.clone(), self.row.id);
        atomic(
            async move {
                if let Some(refusal) = refusal {
                    return Err(refusal);
                }
                let joined = store::join(&db, lobby_id, &msg.discord_id, &msg.display_name, msg.at);
                Ok(joined.await?)
            }
            .into_actor(self)
            .map(|result, actor, _| {
                let membership = result?;
                actor.timeline.joined(&membership);
                actor.roster.push(Racer::from(membership));
                Ok(actor.roster_changed())
            }),
        )
    }
}

impl Handler<Leave> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Leave, _: &mut Context<Self>) -> Self::Result {
        let membership = self
            .roster
            .iter()
            .find(|r| r.discord_id == msg.discord_id)
            .map(|r| r.membership_id);
        let db = self.db.clone();
        atomic(
            async move {
                let id = membership.ok_or(LobbyError::NotJoined)?;
                let left_at = store::leave(&db, id, msg.at).await?;
                Ok::<_, LobbyError>((id, left_at))
            }
            .into_actor(self)
            .map(|result, actor, _| {
                let (id, left_at) = result?;
                actor.timeline.left(actor.row.id, id, left_at);
                actor.roster.retain(|r| r.membership_id != id);
                Ok(actor.roster_changed())
            }),
        )
    }
}

impl Handler<Start> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Start, ctx: &mut Context<Self>) -> Self::Result {
        let entry = LobbyEntry::new(&self.row, ctx.address());
        let already = self.window.is_some();
        let (db, lobby_id) = (self.db.clone(), self.row.id);
        atomic(
            async move {
                if already {
                    return Err(LobbyError::AlreadyOpen);
                }
                Ok(store::open_window(&db, lobby_id, msg.at).await?)
            }
            .into_actor(self)
            .map(move |result, actor, _| {
                let window = result?;
                actor
                    .timeline
                    .opened(actor.row.id, window.id, window.opened_at);
                actor.window = Some(window);
                actor.row.state = LobbyState::Open;
                actor.pot.clear();
                actor.recent.clear();
                actor.shares.clear();
                metrics::gauge!("cozykart_open_lobbies").increment(1.0);
                actor.tell(OverlayEvent::WindowOpened {
                    opened_at: window.opened_at,
                });
                // Overlays following this host or channel show this race now.
                actor.following.moved(&entry);
                Ok(actor.view())
            }),
        )
    }
}

impl Handler<End> for LobbyActor {
    type Result = Reply<RaceSummary>;

    fn handle(&mut self, msg: End, _: &mut Context<Self>) -> Self::Result {
        let (window, reason) = (self.window, msg.reason);
        let (db, lobby_id) = (self.db.clone(), self.row.id);
        atomic(
            async move {
                let window = window.ok_or(LobbyError::NotOpen)?;
                let closed_at =
                    store::close_window(&db, lobby_id, window.id, msg.at, msg.reason).await?;
                let race = RaceWindow {
                    lobby_id,
                    opened_at: window.opened_at,
                    closed_at: Some(closed_at),
                };
                Ok::<_, LobbyError>((window.id, closed_at, read::race_totals(&db, race).await?))
            }
            .into_actor(self)
            .map(move |result, actor, _| {
                let (window_id, closed_at, totals) = result?;
                actor.timeline.closed(actor.row.id, window_id, closed_at);
                actor.window = None;
                actor.row.state = LobbyState::Closed;
                metrics::gauge!("cozykart_open_lobbies").decrement(1.0);
                actor.tell(OverlayEvent::WindowClosed {
                    closed_at,
                    totals: totals.pool.clone(),
                });
                let summary = RaceSummary {
                    lobby: actor.view(),
                    totals,
                };
                if reason != "shutdown" {
                    actor.race_over.report(RaceOver {
                        summary: summary.clone(),
                        reason,
                    });
                }
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
                    reason: "timeout",
                };
                ctx.address().do_send(end);
            }
        }
    }
}
