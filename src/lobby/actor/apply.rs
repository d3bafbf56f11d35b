//! The one path every committed change of a lobby takes into its actor, made by
//! this process or by another one sharing the database: applied to memory once,
//! in seq order, and pushed to the overlays with that seq. A change that arrives
//! ahead of a missing one waits for it; if it does not come within [`GAP_WAIT`],
//! the lobby is read again from the database ([`Reload`]).

use std::time::Duration;

use actix::prelude::*;

use super::{LobbyActor, LobbySeed, Racer};
use crate::ledger::read::LobbySale;
use crate::lobby::change::{LobbyChange, WireMoney};
use crate::lobby::messages::{Apply, Reload};
use crate::lobby::registry::load_seed;
use crate::lobby::LobbyState;
use crate::money::{MoneyError, Pot};
use crate::overlay::protocol::OverlayEvent;

/// How long a change waits for one missing before it before the lobby is reloaded.
pub const GAP_WAIT: Duration = Duration::from_millis(500);

impl LobbyActor {
    /// Takes a committed change: `seq` is the database's number for it when
    /// events are shared (PostgreSQL), `None` on a single process, which numbers
    /// them itself.
    pub(super) fn receive(
        &mut self,
        seq: Option<u64>,
        change: LobbyChange,
        ctx: &mut Context<Self>,
    ) {
        let Some(seq) = seq.filter(|_| self.channel.is_shared()) else {
            self.apply_and_push(change, ctx);
            return;
        };
        if seq <= self.overlays.seq() {
            return; // applied already (this process made it, or a reload read it)
        }
        self.pending.insert(seq, change);
        if !self.reloading {
            self.apply_pending(ctx);
        }
    }

    /// Applies the changes that follow the last one applied, in order; waits for a
    /// missing one, then reloads.
    fn apply_pending(&mut self, ctx: &mut Context<Self>) {
        while let Some(change) = self.pending.remove(&(self.overlays.seq() + 1)) {
            if !self.apply_and_push(change, ctx) {
                return;
            }
        }
        if self.pending.is_empty() {
            if let Some(timer) = self.gap_timer.take() {
                ctx.cancel_future(timer);
            }
        } else if self.gap_timer.is_none() {
            self.gap_timer = Some(ctx.run_later(GAP_WAIT, |actor, ctx| {
                actor.gap_timer = None;
                if !actor.pending.is_empty() {
                    tracing::info!(lobby = actor.row.id, "gap in lobby events; reloading");
                    actor.reload(ctx);
                }
            }));
        }
    }

    /// Applies one change and pushes its overlay event; `false` when the change
    /// could not be applied and the lobby is being reloaded instead.
    fn apply_and_push(&mut self, change: LobbyChange, ctx: &mut Context<Self>) -> bool {
        match self.apply(change) {
            Ok(Some(event)) => {
                self.overlays.push(event);
                true
            }
            Ok(None) | Err(_) => {
                self.reload(ctx);
                false
            }
        }
    }

    /// Moves memory by one committed change; answers the overlay event it makes.
    /// `None` for a change that only a reload can apply (`Reload`, `Created`).
    fn apply(&mut self, change: LobbyChange) -> Result<Option<OverlayEvent>, MoneyError> {
        let event = match change {
            LobbyChange::Created | LobbyChange::Reload => return Ok(None),
            LobbyChange::Joined {
                membership_id,
                discord_id,
                display_name,
            } => {
                if !self.roster.iter().any(|r| r.membership_id == membership_id) {
                    self.roster.push(Racer {
                        discord_id,
                        display_name,
                        membership_id,
                    });
                }
                OverlayEvent::Roster {
                    racers: self.racer_names(),
                }
            }
            LobbyChange::Left { membership_id } => {
                self.roster.retain(|r| r.membership_id != membership_id);
                OverlayEvent::Roster {
                    racers: self.racer_names(),
                }
            }
            LobbyChange::Opened {
                window_id,
                opened_at,
            } => {
                self.set_window(Some(super::OpenWindow {
                    id: window_id,
                    opened_at,
                }));
                self.pot.clear();
                self.recent.clear();
                OverlayEvent::WindowOpened { opened_at }
            }
            LobbyChange::Closed { closed_at, totals } => {
                self.set_window(None);
                OverlayEvent::WindowClosed {
                    closed_at,
                    totals: pot_of(&totals)?,
                }
            }
            LobbyChange::Sale {
                amount,
                pool_delta,
                buyer,
                at,
            } => {
                let (amount, pool_delta) = (amount.money()?, pool_delta.money()?);
                self.add_to_pot(pool_delta);
                self.recent.push_front(LobbySale {
                    amount,
                    pool_delta,
                    buyer: buyer.clone(),
                    received_at: at,
                });
                self.recent.truncate(crate::lobby::RECENT_SALES_MAX);
                OverlayEvent::Sale {
                    amount,
                    currency: pool_delta.currency(),
                    pool_delta,
                    pot: self.pot.clone(),
                    buyer,
                }
            }
            LobbyChange::Refund { pool_delta } => {
                let pool_delta = pool_delta.money()?;
                self.add_to_pot(pool_delta);
                OverlayEvent::Refund {
                    currency: pool_delta.currency(),
                    pool_delta,
                    pot: self.pot.clone(),
                }
            }
        };
        Ok(Some(event))
    }

    /// The running race's window (`None`: no race), the lobby's state and the
    /// open-lobbies gauge with it.
    fn set_window(&mut self, window: Option<super::OpenWindow>) {
        match (self.window.is_some(), window.is_some()) {
            (false, true) => metrics::gauge!("cozykart_open_lobbies").increment(1.0),
            (true, false) => metrics::gauge!("cozykart_open_lobbies").decrement(1.0),
            _ => {}
        }
        self.row.state = match window {
            Some(_) => LobbyState::Open,
            None if self.row.state == LobbyState::Open => LobbyState::Closed,
            None => self.row.state,
        };
        self.window = window;
    }

    /// Reads the lobby again from the database, then gives every overlay a fresh
    /// snapshot numbered with the database's seq.
    fn reload(&mut self, ctx: &mut Context<Self>) {
        if self.reloading {
            return;
        }
        self.reloading = true;
        metrics::counter!("cozykart_lobby_reloads_total").increment(1);
        let (db, lobby_id) = (self.db.clone(), self.row.id);
        ctx.spawn(
            async move { load_seed(&db, lobby_id).await }
                .into_actor(self)
                .map(|loaded, actor, ctx| {
                    actor.reloading = false;
                    match loaded {
                        Ok(Some(seed)) => actor.reset(seed),
                        Ok(None) => tracing::warn!(lobby = actor.row.id, "lobby gone on reload"),
                        Err(error) => {
                            tracing::warn!(lobby = actor.row.id, %error, "lobby reload failed");
                            ctx.notify_later(Reload, GAP_WAIT);
                            return;
                        }
                    }
                    actor.apply_pending(ctx);
                }),
        );
    }

    /// Replaces memory with the lobby as read from the database.
    fn reset(&mut self, seed: LobbySeed) {
        let seq = seed.stored.row.seq.max(0) as u64;
        self.set_window(seed.stored.window);
        self.row = seed.stored.row;
        self.roster = seed
            .stored
            .roster
            .into_iter()
            .map(Racer::from)
            .collect::<Vec<_>>();
        self.pot = seed.pot;
        self.recent = seed
            .recent
            .into_iter()
            .take(crate::lobby::RECENT_SALES_MAX)
            .collect();
        self.pending.retain(|&pending, _| pending > seq);
        let snapshot = self.snapshot();
        self.overlays.resync(seq, &snapshot);
    }
}

/// A race's totals from the wire.
fn pot_of(totals: &[WireMoney]) -> Result<Pot, MoneyError> {
    let mut pot = Pot::new();
    for money in totals {
        pot.add(money.money()?)?;
    }
    Ok(pot)
}

impl Handler<Apply> for LobbyActor {
    type Result = ();

    fn handle(&mut self, msg: Apply, ctx: &mut Context<Self>) {
        self.receive(Some(msg.seq), msg.change, ctx);
    }
}

impl Handler<Reload> for LobbyActor {
    type Result = ();

    fn handle(&mut self, _: Reload, ctx: &mut Context<Self>) {
        self.reload(ctx);
    }
}
