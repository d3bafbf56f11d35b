//! The one path every committed change of a lobby takes into its actor, made by
//! this process or by another one sharing the database: applied to memory once,
//! in seq order, and pushed to the overlays with that seq. A change that arrives
//! ahead of a missing one waits for it; if it does not come within [`GAP_WAIT`],
//! the lobby is read again from the database ([`Reload`]).

use std::time::Duration;

use actix::prelude::*;

use super::{LobbyActor, Racer};
use crate::lobby::seed::LobbySeed;

use crate::ledger::read::{self, LobbySale};
use crate::lobby::change::LobbyChange;
use crate::lobby::messages::{Apply, Reload};
use crate::lobby::seed::load_seed;
use crate::lobby::store;
use crate::lobby::LobbyState;
use crate::protocol::OverlayEvent;

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
        if !self.reloading {
            self.pending.insert(seq, change);
            self.apply_pending(ctx);
            return;
        }
        // A reload is reading the lobby. The change that follows the last one
        // applied is applied now all the same, so that a sale this process just
        // answered shows at once (a reload after a lost connection can take a
        // while), and kept for the reload too: it is dropped there if the read
        // counted it, else applied again on what was read.
        if seq == self.overlays.seq() + 1 {
            self.apply_and_push(change.clone(), ctx);
        }
        self.pending.insert(seq, change);
    }

    /// Applies the changes that follow the last one applied, in order; waits for a
    /// missing one, then reloads.
    fn apply_pending(&mut self, ctx: &mut Context<Self>) {
        // What is applied already goes: changes a reload read, and those applied
        // at once while it read.
        let applied = self.overlays.seq();
        self.pending.retain(|&seq, _| seq > applied);
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
        let refund = matches!(change, LobbyChange::Refund { .. });
        match self.apply(change) {
            Some(event) if refund => {
                self.tell_with_shares_read_again(event, ctx);
                false
            }
            Some(event) => {
                self.tell(event);
                true
            }
            None => {
                self.reload(ctx);
                false
            }
        }
    }

    /// After a refund the racers' shares are read back from the ledger (a refund
    /// takes back the same proportion of each share, exact to the minor unit),
    /// then the event goes out and the changes waiting behind it are applied
    /// (unless a reload is reading); the lobby takes no other message meanwhile,
    /// so frames keep their order.
    fn tell_with_shares_read_again(&mut self, event: OverlayEvent, ctx: &mut Context<Self>) {
        let (db, race) = (self.db.clone(), self.race());
        let reread = async move {
            match race {
                Some(race) => Some(read::race_totals(&db, race).await),
                None => None,
            }
        };
        ctx.wait(reread.into_actor(self).map(move |totals, actor, ctx| {
            match totals {
                Some(Ok(totals)) => actor.shares = totals.shares,
                Some(Err(error)) => {
                    tracing::warn!(lobby = actor.row.id, %error, "racer shares not re-read")
                }
                None => {}
            }
            actor.tell(event);
            // During a reload the refund was applied at once and kept for the
            // reload; what waits behind it is applied when the read ends (here,
            // `apply_pending` would drop the kept copy as applied).
            if !actor.reloading {
                actor.apply_pending(ctx);
            }
        }));
    }

    /// Moves memory by one committed change, typed the same whether this process
    /// made it or another one published it; answers the overlay event it makes.
    /// `None` for a change that only a reload can apply (`Reload`, `Created`).
    fn apply(&mut self, change: LobbyChange) -> Option<OverlayEvent> {
        self.last_active = self.clock.now();
        self.timeline.note(self.identity.id, &change);
        let event = match change {
            LobbyChange::Created | LobbyChange::Reload => return None,
            LobbyChange::Joined {
                membership_id,
                discord_id,
                display_name,
                ..
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
            LobbyChange::Left { membership_id, .. } => {
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
                self.finished = None;
                self.pot.clear();
                self.recent.clear();
                self.shares.clear();
                OverlayEvent::WindowOpened { opened_at }
            }
            LobbyChange::Closed {
                closed_at, totals, ..
            } => {
                self.finished = self.window.map(|window| crate::domain::race::Span {
                    from: window.opened_at,
                    to: Some(closed_at),
                });
                self.set_window(None);
                OverlayEvent::WindowClosed { closed_at, totals }
            }
            LobbyChange::Sale {
                amount,
                pool_delta,
                buyer,
                at,
                shares,
                sale_id,
            } => {
                self.add_to_pot(pool_delta);
                for (discord_id, share) in shares {
                    let added = self.shares.entry(discord_id).or_default().add(share);
                    if let Err(error) = added {
                        tracing::warn!(lobby = self.row.id, %error, "racer share left unchanged");
                    }
                }
                let shown = self.shown_buyer(buyer.as_deref(), amount);
                self.recent.push_front(LobbySale {
                    sale_id,
                    amount,
                    pool_delta,
                    buyer,
                    received_at: at,
                });
                self.recent.truncate(crate::lobby::RECENT_SALES_MAX);
                OverlayEvent::Sale {
                    amount,
                    currency: pool_delta.currency(),
                    pool_delta,
                    pot: self.pot.clone(),
                    buyer: shown,
                    sale_id: Some(sale_id),
                    test: false,
                }
            }
            LobbyChange::NameHidden { sale_id } => {
                for sale in self.recent.iter_mut().filter(|s| s.sale_id == sale_id) {
                    sale.buyer = None;
                }
                OverlayEvent::SaleUpdated {
                    sale_id,
                    buyer: None,
                }
            }
            LobbyChange::GoalSet { goal } => {
                self.goal = goal;
                OverlayEvent::Goal { goal }
            }
            LobbyChange::TestSale { amount, pool_delta } => OverlayEvent::Sale {
                amount,
                currency: amount.currency(),
                pool_delta,
                pot: self.pot.clone(),
                buyer: Some(super::overlay::TEST_BUYER.to_owned()),
                sale_id: None,
                test: true,
            },
            LobbyChange::Refund { pool_delta } => {
                self.add_to_pot(pool_delta);
                OverlayEvent::Refund {
                    currency: pool_delta.currency(),
                    pool_delta,
                    pot: self.pot.clone(),
                }
            }
        };
        Some(event)
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
            self.reload_again = true;
            return;
        }
        self.reloading = true;
        metrics::counter!("cozykart_lobby_reloads_total").increment(1);
        let (db, lobby_id) = (self.db.clone(), self.identity.id);
        let since = self.timeline.horizon(self.clock.now());
        let read_again = async move {
            let seed = load_seed(&db, lobby_id).await?;
            let history = store::history_since(&db, since, Some(lobby_id.get())).await?;
            Ok::<_, crate::lobby::LobbyError>(seed.map(|seed| (seed, history)))
        };
        ctx.spawn(read_again.into_actor(self).map(|loaded, actor, ctx| {
            actor.reloading = false;
            let again = std::mem::take(&mut actor.reload_again);
            match loaded {
                Ok(Some((seed, (windows, stints)))) => {
                    // Changes committed after the read wait in `pending`; the
                    // timeline takes them with what was read, in one step.
                    let read_seq = seed.stored.row.seq.max(0) as u64;
                    let later = actor.pending.range(read_seq + 1..).map(|(_, c)| c);
                    actor
                        .timeline
                        .reload_lobby(actor.identity.id, windows, stints, later);
                    actor.reset(seed)
                }
                Ok(None) => tracing::warn!(lobby = actor.row.id, "lobby gone on reload"),
                Err(error) => {
                    tracing::warn!(lobby = actor.row.id, %error, "lobby reload failed");
                    ctx.notify_later(Reload, GAP_WAIT);
                    return;
                }
            }
            actor.apply_pending(ctx);
            if again && !actor.reloading {
                actor.reload(ctx);
            }
        }));
    }

    /// Replaces memory with the lobby as read from the database (the pending
    /// changes it counted are dropped by the [`Self::apply_pending`] that follows).
    fn reset(&mut self, seed: LobbySeed) {
        let seq = seed.stored.row.seq.max(0) as u64;
        self.set_window(seed.stored.window);
        self.identity = seed.identity;
        self.row = seed.stored.row;
        self.roster = seed.roster;
        self.pot = seed.pot;
        self.shares = seed.shares;
        self.finished = seed.finished;
        self.recent = seed
            .recent
            .into_iter()
            .take(crate::lobby::RECENT_SALES_MAX)
            .collect();
        let snapshot = self.snapshot();
        let (roster, shares) = (&self.roster, &self.shares);
        self.overlays.resync(seq, &snapshot, |discord_id| {
            super::racer_share(roster, shares, discord_id)
        });
    }
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
