//! LobbyActor: the one owner of a lobby's roster, window, goal and live pot.
//! Changes that are persisted live in [`changes`] (roster, window) and [`goal`];
//! here are the state, its views, and what only moves memory: credits and refunds
//! from the SalesRouter (with each racer's share, for racers' own overlays), and
//! overlay subscriptions. Every event goes to the overlays as a typed
//! [`OverlayEvent`] with the next `seq`.

mod apply;
mod changes;
mod goal;
mod overlay;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use entity::lobby;
use sea_orm::DatabaseConnection;

use super::bus::Channel;
use super::change::LobbyChange;
use super::fanout::Overlays;
use super::following::Following;
use super::messages::{
    CloseOverlays, Credit, Refunded, RetireIfQuiet, Snapshot, Subscribe, Unsubscribe, WindowTick,
};
use super::roster::Racer;
use super::seed::LobbySeed;
use super::store::{self, OpenWindow};
use super::timeline::Timeline;
use super::{LobbyIdentity, LobbyView, RaceOverSink, RacerView, RECENT_SALES_MAX};
use crate::buyer_names::BuyerNames;
use crate::clock::Clock;
use crate::domain::ids::UserId;
use crate::domain::race::Span;
use crate::ledger::read::{LobbySale, RaceWindow};
use crate::money::{Money, Pot};
use crate::protocol::{LobbyCard, OverlayEvent, RacerName, RacerShare};

/// How often an open window is checked against `max_window_minutes`.
pub const WINDOW_CHECK_EVERY: Duration = Duration::from_secs(15);

/// Limits and links a lobby is started with, from the configuration, and the
/// bus its changes are published on.
pub struct LobbySettings {
    pub max_racers: usize,
    pub max_window_minutes: u32,
    pub checkout_url: Option<String>,
    /// Where committed window and roster changes are recorded for attribution.
    pub timeline: Arc<Timeline>,
    /// Where ended races are reported for their channel.
    pub race_over: RaceOverSink,
    /// Whether a shop of the lobby's guild takes Ko-fi payments.
    pub kofi: bool,
    pub following: Arc<Following>,
    pub channel: Channel,
    /// The buyer-name rules, asked for every frame that shows a buyer.
    pub names: Arc<BuyerNames>,
}

pub struct LobbyActor {
    /// Who the lobby is (its ids, parsed); read by views, snapshots and entries.
    identity: LobbyIdentity,
    /// Persisted name and window state; read by views, snapshots and the store writes.
    row: lobby::Model,
    /// The running race's window, `None` when idle or closed; read by Start/End,
    /// Refunded (which race a refund belongs to) and the time-out check.
    window: Option<OpenWindow>,
    /// Current roster in join order; changed only by Join/Leave, read by views and frames.
    roster: Vec<Racer>,
    /// Current race's racer pool; read by views and overlay frames.
    pot: Pot,
    /// Last few sales of this race, newest first; read by overlay snapshots.
    recent: VecDeque<LobbySale>,
    /// Each racer's share of this race, by Discord id; read by racers' own overlays.
    shares: BTreeMap<UserId, Pot>,
    /// The pot the host aims for; changed by SetGoal, read by views and snapshots.
    goal: Option<Money>,
    /// Overlay subscribers and the lobby's `seq`; every event goes out through it.
    overlays: Overlays,
    /// Shared pool; read by the store writes and the race totals at `/end`.
    db: DatabaseConnection,
    /// Read by the time-out check.
    clock: Clock,
    /// Read by Join.
    max_racers: usize,
    /// Read by the time-out check.
    max_window: chrono::Duration,
    /// Read by overlay snapshots.
    checkout_url: Option<String>,
    /// The router's window and roster history; told of each committed change.
    timeline: Arc<Timeline>,
    /// Told of every race that ends by `/end` or time-out; read by End.
    race_over: RaceOverSink,
    /// Read by overlay snapshots (the `#CODE` hint for Ko-fi buyers).
    kofi: bool,
    /// Told when a race starts here, so overlays following the host or channel move.
    following: Arc<Following>,
    /// Where committed changes are published; when it is shared (PostgreSQL), the
    /// database numbers every event and changes are applied in that order.
    channel: Channel,
    /// Numbered changes that arrived ahead of one still missing, by seq; read
    /// whenever a change arrives, emptied by a reload.
    pending: BTreeMap<u64, LobbyChange>,
    /// The wait for a missing change, after which the lobby is reloaded.
    gap_timer: Option<SpawnHandle>,
    /// Whether a reload is under way (one at a time).
    reloading: bool,
    /// A reload asked for while one was under way: its read may predate what
    /// the asker knows changed, so another follows it.
    reload_again: bool,
    /// The race that ended last, while no other runs and the pot is its own; read
    /// by Credit and Refunded, set by Closed, cleared by Opened.
    finished: Option<Span>,
    /// Last change or overlay (un)subscription; read by the retirement check.
    last_active: chrono::DateTime<chrono::Utc>,
    /// Read by every frame that shows a buyer (sales, snapshots).
    names: Arc<BuyerNames>,
}

impl LobbyActor {
    pub fn new(
        seed: LobbySeed,
        db: DatabaseConnection,
        clock: Clock,
        settings: LobbySettings,
    ) -> Self {
        let seq = seed.stored.row.seq.max(0) as u64;
        LobbyActor {
            goal: store::goal_of(&seed.stored.row),
            identity: seed.identity,
            row: seed.stored.row,
            window: seed.stored.window,
            roster: seed.roster,
            pot: seed.pot,
            recent: seed.recent.into_iter().take(RECENT_SALES_MAX).collect(),
            shares: seed.shares,
            overlays: Overlays::starting_at(seq),
            db,
            max_racers: settings.max_racers,
            max_window: chrono::Duration::minutes(i64::from(settings.max_window_minutes)),
            checkout_url: settings.checkout_url,
            timeline: settings.timeline,
            race_over: settings.race_over,
            kofi: settings.kofi,
            following: settings.following,
            channel: settings.channel,
            pending: BTreeMap::new(),
            gap_timer: None,
            reloading: false,
            reload_again: false,
            finished: seed.finished,
            last_active: clock.now(),
            clock,
            names: settings.names,
        }
    }

    fn view(&self) -> LobbyView {
        LobbyView {
            id: self.identity.id,
            code: self.identity.code.clone(),
            name: self.row.name.clone(),
            guild_id: self.identity.guild_id,
            state: self.row.state,
            racers: self
                .roster
                .iter()
                .map(|r| RacerView {
                    discord_id: r.discord_id,
                    display_name: r.display_name.clone(),
                })
                .collect(),
            pot: self.pot.clone(),
            host_id: self.identity.host_id,
            channel_id: self.identity.channel_id,
            opened_at: self.window.map(|w| w.opened_at),
            goal: self.goal,
        }
    }

    /// The race running now, for deciding which sales belong to it.
    fn race(&self) -> Option<RaceWindow> {
        self.window.map(|window| RaceWindow {
            lobby_id: self.row.id,
            opened_at: window.opened_at,
            closed_at: None,
        })
    }

    /// Whether a sale stamped `sold_at` belongs in the pot shown now: the running
    /// race counts it, or, with none running, the race that ended last does.
    fn pot_counts(&self, sold_at: chrono::DateTime<chrono::Utc>) -> bool {
        match (self.race(), self.finished) {
            (Some(race), _) => race.covers(sold_at),
            (None, Some(finished)) => finished.counts(sold_at),
            (None, None) => false,
        }
    }

    fn racer_names(&self) -> Vec<RacerName> {
        self.roster
            .iter()
            .map(|r| RacerName {
                display_name: r.display_name.clone(),
            })
            .collect()
    }

    fn snapshot(&self) -> OverlayEvent {
        OverlayEvent::Snapshot {
            lobby: LobbyCard {
                id: self.identity.id,
                code: self.identity.code.clone(),
                name: self.row.name.clone(),
                state: self.row.state,
            },
            racers: self.racer_names(),
            pot: self.pot.clone(),
            recent_sales: self
                .recent
                .iter()
                .map(|sale| LobbySale {
                    buyer: self.shown_buyer(sale.buyer.as_deref(), sale.amount),
                    ..sale.clone()
                })
                .collect(),
            checkout_url: self.checkout_url.clone(),
            goal: self.goal,
            opened_at: self.window.map(|w| w.opened_at),
            server_time: self.clock.now(),
            kofi_tag: self.kofi.then(|| format!("#{}", self.identity.code)),
        }
    }

    /// A buyer's name as this lobby's overlays show it (`None`: "someone").
    fn shown_buyer(&self, buyer: Option<&str>, amount: Money) -> Option<String> {
        self.names.shown(self.identity.guild_id, buyer, amount)
    }

    /// Pushes an event to every overlay; racers' own overlays get their share too.
    fn tell(&mut self, event: OverlayEvent) {
        let (roster, shares) = (&self.roster, &self.shares);
        self.overlays
            .push(event, |discord_id| racer_share(roster, shares, discord_id));
    }

    /// Adds a sale's or refund's part of the pool to the pot; a pot past the
    /// largest amount stays as it was (and says so in the log).
    fn add_to_pot(&mut self, pool_delta: Money) {
        if let Err(error) = self.pot.add(pool_delta) {
            tracing::warn!(lobby = self.row.id, %error, "pot left unchanged");
        }
    }
}

impl Actor for LobbyActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(WINDOW_CHECK_EVERY, |_, ctx| ctx.notify(WindowTick));
    }
}

impl Handler<Snapshot> for LobbyActor {
    type Result = MessageResult<Snapshot>;

    fn handle(&mut self, _: Snapshot, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.view())
    }
}

impl Handler<Credit> for LobbyActor {
    type Result = ();

    /// A sale on a single process: this lobby decides whether its race counts it.
    fn handle(&mut self, msg: Credit, ctx: &mut Context<Self>) {
        if !self.pot_counts(msg.sold_at) {
            return;
        }
        let change = LobbyChange::Sale {
            amount: msg.amount,
            pool_delta: msg.pool_delta,
            shares: msg.shares,
            buyer: msg.buyer,
            at: msg.at,
            sale_id: msg.sale_id,
        };
        self.receive(None, change, ctx);
    }
}

impl Handler<Refunded> for LobbyActor {
    type Result = ();

    /// A refund on a single process: this lobby decides whether its race covers it.
    fn handle(&mut self, msg: Refunded, ctx: &mut Context<Self>) {
        if !self.pot_counts(msg.sold_at) {
            return;
        }
        let change = LobbyChange::Refund {
            pool_delta: msg.pool_delta,
        };
        self.receive(None, change, ctx);
    }
}

impl Handler<Subscribe> for LobbyActor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        let racer = msg
            .racer
            .map(|id| racer_share(&self.roster, &self.shares, id));
        self.last_active = self.clock.now();
        self.overlays.subscribe(msg);
        MessageResult(self.overlays.snapshot_frame(&self.snapshot(), racer))
    }
}

impl Handler<Unsubscribe> for LobbyActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        self.last_active = self.clock.now();
        self.overlays.unsubscribe(msg.session_id);
    }
}

impl Handler<RetireIfQuiet> for LobbyActor {
    type Result = bool;

    /// Only a closed lobby at rest stops: everything it holds is in the database,
    /// so starting it again from there loses nothing.
    fn handle(&mut self, msg: RetireIfQuiet, ctx: &mut Context<Self>) -> bool {
        let quiet = self.row.state == entity::sea_orm_active_enums::LobbyState::Closed
            && self.window.is_none()
            && self.overlays.is_empty()
            && self.pending.is_empty()
            && !self.reloading
            && msg.now - self.last_active >= msg.quiet;
        if quiet {
            tracing::debug!(lobby = self.row.id, "closed lobby at rest; its actor stops");
            ctx.stop();
        }
        quiet
    }
}

impl Handler<CloseOverlays> for LobbyActor {
    type Result = ();

    fn handle(&mut self, _: CloseOverlays, _: &mut Context<Self>) {
        self.overlays.close_all();
    }
}

/// A racer's name (while on the roster) and share of the running race.
fn racer_share(roster: &[Racer], shares: &BTreeMap<UserId, Pot>, racer: UserId) -> RacerShare {
    RacerShare {
        display_name: roster
            .iter()
            .find(|r| r.discord_id == racer)
            .map(|r| r.display_name.clone()),
        share: shares.get(&racer).cloned().unwrap_or_default(),
    }
}
