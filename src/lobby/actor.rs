//! LobbyActor: the one owner of a lobby's roster, window and live pot. Every
//! change is persisted before it is acknowledged (`AtomicResponse`, so the next
//! message waits), then pushed to the overlay subscribers with the next `seq`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use entity::{lobby, lobby_window, roster_membership};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, DatabaseConnection,
    EntityTrait,
};
use serde_json::json;

use super::{
    stored_time, LobbyError, LobbyView, RaceSummary, RacerView, WindowState, RECENT_SALES_MAX,
};
use crate::clock::Clock;
use crate::money::{Currency, Money};

/// How often an open window is checked against `max_window_minutes`.
pub const WINDOW_CHECK_EVERY: Duration = Duration::from_secs(15);

/// One encoded overlay frame, shared by every subscriber of the lobby. The empty
/// frame ([`OverlayFrame::close`]) tells a session to close its socket.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct OverlayFrame(pub Arc<str>);

impl OverlayFrame {
    /// The server is going away: close the socket (the page reconnects).
    pub fn close() -> Self {
        OverlayFrame(Arc::from(""))
    }

    pub fn is_close(&self) -> bool {
        self.0.is_empty()
    }
}

/// Close every overlay socket of the lobby (graceful shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseOverlays;

/// A racer joins the roster.
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct Join {
    pub discord_id: String,
    pub display_name: String,
    pub at: DateTime<Utc>,
}

/// A racer leaves the roster.
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct Leave {
    pub discord_id: String,
    pub at: DateTime<Utc>,
}

/// Open the commission window (`/start`).
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct Start {
    pub at: DateTime<Utc>,
}

/// Close the commission window (`/end`, time-out, shutdown).
#[derive(Message)]
#[rtype(result = "Result<RaceSummary, LobbyError>")]
pub struct End {
    pub at: DateTime<Utc>,
    pub reason: &'static str,
}

/// Current public view of the lobby.
#[derive(Message)]
#[rtype(result = "LobbyView")]
pub struct Snapshot;

/// A committed sale credited this lobby (sent by the SalesRouter after commit).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Credit {
    pub amount: Money,
    /// This lobby's part of the pool.
    pub pool_delta: Money,
    /// Buyer name an overlay may show, if the buyer allowed it.
    pub buyer: Option<String>,
    pub at: DateTime<Utc>,
}

/// A committed refund clawed back part of this lobby's pool (negative delta).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Refunded {
    pub pool_delta: Money,
    /// When the refunded sale was paid; a sale of an earlier race leaves the
    /// current race's pot alone.
    pub sold_at: DateTime<Utc>,
}

/// An overlay session subscribes; answered with the snapshot frame.
#[derive(Message)]
#[rtype(result = "OverlayFrame")]
pub struct Subscribe {
    pub session_id: u64,
    pub recipient: Recipient<OverlayFrame>,
    /// Raised when the subscriber is dropped for falling behind.
    pub dropped: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub session_id: u64,
}

/// Close the window if it has been open longer than allowed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WindowTick;

struct Racer {
    discord_id: String,
    display_name: String,
    /// Row of the open roster interval, closed on leave.
    membership_id: i64,
}

pub(super) struct RecentSale {
    amount: Money,
    pool_delta: Money,
    buyer: String,
    at: DateTime<Utc>,
}

pub struct LobbyActor {
    /// Persisted identity; read by snapshots and the API.
    row: lobby::Model,
    /// Open window (row id, opened at); `None` when idle or closed.
    window: Option<(i64, DateTime<Utc>)>,
    /// Current roster in join order; changed only by Join/Leave.
    roster: Vec<Racer>,
    /// Current race's racer pool per currency (minor units), for overlays.
    pot: BTreeMap<Currency, i64>,
    /// Last few sales of this race, newest last, for overlay snapshots.
    recent: VecDeque<RecentSale>,
    /// Overlay sessions to push frames to, with the flag that tells one it was dropped.
    subscribers: HashMap<u64, (Recipient<OverlayFrame>, Arc<std::sync::atomic::AtomicBool>)>,
    /// Sequence number of the last event pushed.
    seq: u64,
    db: DatabaseConnection,
    clock: Clock,
    max_racers: usize,
    max_window: chrono::Duration,
    checkout_url: Option<String>,
}

/// What a lobby is rebuilt from at start-up.
pub struct LobbySeed {
    pub row: lobby::Model,
    pub window: Option<(i64, DateTime<Utc>)>,
    pub roster: Vec<roster_membership::Model>,
    pub pot: BTreeMap<Currency, i64>,
    /// The current race's last sales, oldest first.
    pub(super) recent: VecDeque<RecentSale>,
}

impl LobbyActor {
    pub fn new(
        seed: LobbySeed,
        db: DatabaseConnection,
        clock: Clock,
        max_racers: usize,
        max_window_minutes: u32,
        checkout_url: Option<String>,
    ) -> Self {
        LobbyActor {
            row: seed.row,
            window: seed.window,
            roster: seed
                .roster
                .into_iter()
                .map(|m| Racer {
                    discord_id: m.discord_id,
                    display_name: m.display_name,
                    membership_id: m.id,
                })
                .collect(),
            pot: seed.pot,
            recent: seed.recent,
            subscribers: HashMap::new(),
            seq: 0,
            db,
            clock,
            max_racers,
            max_window: chrono::Duration::minutes(i64::from(max_window_minutes)),
            checkout_url,
        }
    }

    fn state(&self) -> WindowState {
        WindowState::parse(&self.row.state)
    }

    fn pot_strings(&self) -> BTreeMap<String, String> {
        self.pot
            .iter()
            .filter_map(|(c, minor)| Money::from_minor(*minor, *c).ok())
            .map(|m| (m.currency().code().to_owned(), m.amount().to_string()))
            .collect()
    }

    fn view(&self) -> LobbyView {
        LobbyView {
            id: self.row.id,
            code: self.row.code.clone(),
            name: self.row.name.clone(),
            guild_id: self.row.guild_id.clone(),
            state: self.state(),
            racers: self.racers(),
            pot: self.pot_strings(),
            host_id: self.row.host_id.clone(),
            channel_id: self.row.channel_id.clone(),
            opened_at: self.window.map(|(_, at)| at),
        }
    }

    fn racers(&self) -> Vec<RacerView> {
        self.roster
            .iter()
            .map(|r| RacerView {
                discord_id: r.discord_id.clone(),
                display_name: r.display_name.clone(),
            })
            .collect()
    }

    fn snapshot_frame(&self) -> OverlayFrame {
        let recent: Vec<_> = self
            .recent
            .iter()
            .rev()
            .map(|s| {
                json!({"amount": s.amount.amount().to_string(), "currency": s.amount.currency().code(),
                       "pool_delta": s.pool_delta.amount().to_string(), "buyer": s.buyer, "at": s.at})
            })
            .collect();
        let racers: Vec<_> = self
            .roster
            .iter()
            .map(|r| json!({"display_name": r.display_name}))
            .collect();
        let frame = json!({
            "type": "snapshot", "seq": self.seq,
            "lobby": {"id": self.row.id, "code": self.row.code, "name": self.row.name, "state": self.state()},
            "racers": racers, "pot": self.pot_strings(), "recent_sales": recent,
            "checkout_url": self.checkout_url,
        });
        OverlayFrame(frame.to_string().into())
    }

    /// Stamps the next `seq` on an event, encodes it once and pushes it to every
    /// subscriber. A subscriber whose mailbox is full is dropped: a slow overlay
    /// must never hold the lobby back (it reconnects and gets a snapshot).
    fn broadcast(&mut self, mut event: serde_json::Value) {
        self.seq += 1;
        event["seq"] = json!(self.seq);
        let frame = OverlayFrame(event.to_string().into());
        self.subscribers.retain(|_, (recipient, dropped)| {
            let delivered = recipient.try_send(frame.clone()).is_ok();
            if !delivered {
                dropped.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            delivered
        });
    }

    fn roster_event(&mut self) {
        let racers: Vec<_> = self
            .roster
            .iter()
            .map(|r| json!({"display_name": r.display_name}))
            .collect();
        self.broadcast(json!({"type": "roster", "racers": racers}));
    }
}

impl Actor for LobbyActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(WINDOW_CHECK_EVERY, |_, ctx| ctx.notify(WindowTick));
    }
}

type Reply<T> = AtomicResponse<LobbyActor, Result<T, LobbyError>>;

fn atomic<T: 'static, F>(fut: F) -> ResponseActFuture<LobbyActor, T>
where
    F: ActorFuture<LobbyActor, Output = T> + 'static,
{
    Box::pin(fut)
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
        let db = self.db.clone();
        let lobby_id = self.row.id;
        AtomicResponse::new(atomic(
            async move {
                if let Some(refusal) = refusal {
                    return Err(refusal);
                }
                let row = roster_membership::ActiveModel {
                    id: NotSet,
                    lobby_id: Set(lobby_id),
                    discord_id: Set(msg.discord_id.clone()),
                    display_name: Set(msg.display_name.clone()),
                    joined_at: Set(stored_time(msg.at)),
                    left_at: Set(None),
                }
                .insert(&db)
                .await?;
                upsert_player(&db, &msg.discord_id, &msg.display_name, msg.at).await?;
                Ok::<_, LobbyError>(row)
            }
            .into_actor(self)
            .map(|result, actor, _| {
                let row = result?;
                actor.roster.push(Racer {
                    discord_id: row.discord_id,
                    display_name: row.display_name,
                    membership_id: row.id,
                });
                actor.roster_event();
                Ok(actor.view())
            }),
        ))
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
        AtomicResponse::new(atomic(
            async move {
                let id = membership.ok_or(LobbyError::NotJoined)?;
                roster_membership::ActiveModel {
                    id: Set(id),
                    left_at: Set(Some(stored_time(msg.at))),
                    ..Default::default()
                }
                .update(&db)
                .await?;
                Ok::<i64, LobbyError>(id)
            }
            .into_actor(self)
            .map(|result, actor, _| {
                let id = result?;
                actor.roster.retain(|r| r.membership_id != id);
                actor.roster_event();
                Ok(actor.view())
            }),
        ))
    }
}

impl Handler<Start> for LobbyActor {
    type Result = Reply<LobbyView>;

    fn handle(&mut self, msg: Start, _: &mut Context<Self>) -> Self::Result {
        let already = self.window.is_some();
        let db = self.db.clone();
        let lobby_id = self.row.id;
        let at = stored_time(msg.at);
        AtomicResponse::new(atomic(
            async move {
                if already {
                    return Err(LobbyError::AlreadyOpen);
                }
                let window = lobby_window::ActiveModel {
                    id: NotSet,
                    lobby_id: Set(lobby_id),
                    opened_at: Set(at),
                    closed_at: Set(None),
                    close_reason: Set(None),
                }
                .insert(&db)
                .await?;
                set_state(&db, lobby_id, WindowState::Open).await?;
                Ok::<i64, LobbyError>(window.id)
            }
            .into_actor(self)
            .map(move |result, actor, _| {
                let window_id = result?;
                actor.window = Some((window_id, at));
                actor.row.state = WindowState::Open.as_str().to_owned();
                actor.pot.clear();
                actor.recent.clear();
                metrics::gauge!("cozykart_open_lobbies").increment(1.0);
                actor.broadcast(json!({"type": "window_opened", "opened_at": at}));
                Ok(actor.view())
            }),
        ))
    }
}

impl Handler<End> for LobbyActor {
    type Result = Reply<RaceSummary>;

    fn handle(&mut self, msg: End, _: &mut Context<Self>) -> Self::Result {
        let window = self.window;
        let db = self.db.clone();
        let lobby_id = self.row.id;
        let at = stored_time(msg.at);
        AtomicResponse::new(atomic(
            async move {
                let (window_id, opened_at) = window.ok_or(LobbyError::NotOpen)?;
                lobby_window::ActiveModel {
                    id: Set(window_id),
                    closed_at: Set(Some(at)),
                    close_reason: Set(Some(msg.reason.to_owned())),
                    ..Default::default()
                }
                .update(&db)
                .await?;
                set_state(&db, lobby_id, WindowState::Closed).await?;
                race_totals(&db, lobby_id, opened_at, Some(at)).await
            }
            .into_actor(self)
            .map(move |result, actor, _| {
                let totals = result?;
                actor.window = None;
                actor.row.state = WindowState::Closed.as_str().to_owned();
                metrics::gauge!("cozykart_open_lobbies").decrement(1.0);
                let pool = totals.pool_strings();
                actor.broadcast(json!({"type": "window_closed", "closed_at": at, "totals": pool}));
                Ok(RaceSummary {
                    lobby: actor.view(),
                    sales: totals.sales,
                    pool,
                    shares: totals.share_strings(),
                })
            }),
        ))
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

    fn handle(&mut self, msg: Credit, _: &mut Context<Self>) {
        let currency = msg.pool_delta.currency();
        let pot = self.pot.entry(currency).or_insert(0);
        *pot += msg.pool_delta.minor();
        let buyer = msg.buyer.unwrap_or_else(|| "someone".to_owned());
        self.recent.push_back(RecentSale {
            amount: msg.amount,
            pool_delta: msg.pool_delta,
            buyer: buyer.clone(),
            at: msg.at,
        });
        while self.recent.len() > RECENT_SALES_MAX {
            self.recent.pop_front();
        }
        let pot = self.pot_strings();
        self.broadcast(json!({
            "type": "sale", "amount": msg.amount.amount().to_string(), "currency": currency.code(),
            "pool_delta": msg.pool_delta.amount().to_string(), "pot": pot, "buyer": buyer,
        }));
    }
}

impl Handler<Refunded> for LobbyActor {
    type Result = ();

    fn handle(&mut self, msg: Refunded, _: &mut Context<Self>) {
        let in_this_race = self
            .window
            .is_some_and(|(_, opened_at)| msg.sold_at > opened_at - chrono::Duration::seconds(1));
        if !in_this_race {
            return;
        }
        let currency = msg.pool_delta.currency();
        *self.pot.entry(currency).or_insert(0) += msg.pool_delta.minor();
        let pot = self.pot_strings();
        self.broadcast(json!({
            "type": "refund", "currency": currency.code(),
            "pool_delta": msg.pool_delta.amount().to_string(), "pot": pot,
        }));
    }
}

impl Handler<Subscribe> for LobbyActor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        self.subscribers
            .insert(msg.session_id, (msg.recipient, msg.dropped));
        MessageResult(self.snapshot_frame())
    }
}

impl Handler<Unsubscribe> for LobbyActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Context<Self>) {
        self.subscribers.remove(&msg.session_id);
    }
}

impl Handler<CloseOverlays> for LobbyActor {
    type Result = ();

    fn handle(&mut self, _: CloseOverlays, _: &mut Context<Self>) {
        for (_, (recipient, _)) in self.subscribers.drain() {
            let _ = recipient.try_send(OverlayFrame::close());
        }
    }
}

impl Handler<WindowTick> for LobbyActor {
    type Result = ();

    fn handle(&mut self, _: WindowTick, ctx: &mut Context<Self>) {
        if let Some((_, opened_at)) = self.window {
            let now = self.clock.now();
            if now - opened_at >= self.max_window {
                tracing::info!(lobby = self.row.id, "window open too long; closing it");
                let end = End {
                    at: opened_at + self.max_window,
                    reason: "timeout",
                };
                ctx.address().do_send(end);
            }
        }
    }
}

async fn set_state(
    db: &DatabaseConnection,
    lobby_id: i64,
    state: WindowState,
) -> Result<(), LobbyError> {
    lobby::ActiveModel {
        id: Set(lobby_id),
        state: Set(state.as_str().to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub(super) async fn upsert_player(
    db: &DatabaseConnection,
    discord_id: &str,
    display_name: &str,
    at: DateTime<Utc>,
) -> Result<(), LobbyError> {
    use sea_orm::sea_query::OnConflict;
    entity::player::Entity::insert(entity::player::ActiveModel {
        discord_id: Set(discord_id.to_owned()),
        display_name: Set(display_name.to_owned()),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(entity::player::Column::DiscordId)
            .update_columns([
                entity::player::Column::DisplayName,
                entity::player::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Money a race earned, from the ledger's allocations for sales paid in its window.
pub(super) struct RaceTotals {
    pub sales: u32,
    pub pool: BTreeMap<Currency, i64>,
    pub shares: BTreeMap<String, BTreeMap<Currency, i64>>,
}

impl RaceTotals {
    fn pool_strings(&self) -> BTreeMap<String, String> {
        strings(&self.pool)
    }

    fn share_strings(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.shares
            .iter()
            .map(|(racer, amounts)| (racer.clone(), strings(amounts)))
            .collect()
    }
}

fn strings(amounts: &BTreeMap<Currency, i64>) -> BTreeMap<String, String> {
    amounts
        .iter()
        .filter_map(|(c, minor)| Money::from_minor(*minor, *c).ok())
        .map(|m| (m.currency().code().to_owned(), m.amount().to_string()))
        .collect()
}

pub(super) async fn race_totals(
    db: &DatabaseConnection,
    lobby_id: i64,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
) -> Result<RaceTotals, LobbyError> {
    let backend = db.get_database_backend();
    // A sale stamped second S counts when [S, S+1) overlaps the window.
    let from = opened_at - chrono::Duration::seconds(1);
    let to = closed_at.unwrap_or_else(|| Utc::now() + chrono::Duration::days(3650));
    let bounds = || [lobby_id.into(), from.into(), to.into()];
    const WHERE: &str = "FROM allocations a JOIN sales s ON s.id = a.sale_id \
                         WHERE a.lobby_id = ? AND s.sold_at > ? AND s.sold_at <= ?";
    let per_racer = format!(
        "SELECT a.discord_id, a.currency, CAST(SUM(a.amount_minor - a.reversed_minor) AS BIGINT) \
         {WHERE} GROUP BY a.discord_id, a.currency"
    );
    let rows = db
        .query_all_raw(crate::db::statement(backend, &per_racer, bounds()))
        .await?;
    let mut totals = RaceTotals {
        sales: 0,
        pool: BTreeMap::new(),
        shares: BTreeMap::new(),
    };
    let sale_count_sql = format!("SELECT CAST(COUNT(DISTINCT a.sale_id) AS BIGINT) {WHERE}");
    for row in rows {
        let racer: String = row.try_get_by_index(0)?;
        let currency: String = row.try_get_by_index(1)?;
        let minor: i64 = row.try_get_by_index(2)?;
        let Ok(currency) = Currency::parse(&currency) else {
            continue;
        };
        *totals.pool.entry(currency).or_default() += minor;
        *totals
            .shares
            .entry(racer)
            .or_default()
            .entry(currency)
            .or_default() += minor;
    }
    let count = db
        .query_one_raw(crate::db::statement(backend, &sale_count_sql, bounds()))
        .await?;
    if let Some(row) = count {
        totals.sales = u32::try_from(row.try_get_by_index::<i64>(0)?).unwrap_or(u32::MAX);
    }
    Ok(totals)
}

/// The last sales credited to a lobby since its window opened, oldest first, so a
/// restart keeps the overlay's sales list.
pub(super) async fn recent_sales(
    db: &DatabaseConnection,
    lobby_id: i64,
    opened_at: DateTime<Utc>,
) -> Result<VecDeque<RecentSale>, LobbyError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT s.amount_minor, s.currency, s.buyer_name, s.buyer_public, s.received_at, \
         CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a JOIN sales s ON s.id = a.sale_id \
         WHERE a.lobby_id = ? AND s.sold_at > ? GROUP BY s.id, s.amount_minor, s.currency, s.buyer_name, \
         s.buyer_public, s.received_at ORDER BY s.id DESC LIMIT {RECENT_SALES_MAX}"
    );
    let from = opened_at - chrono::Duration::seconds(1);
    let rows = db
        .query_all_raw(crate::db::statement(
            backend,
            &sql,
            [lobby_id.into(), from.into()],
        ))
        .await?;
    let mut recent = VecDeque::new();
    for row in rows {
        let currency: String = row.try_get_by_index(1)?;
        let Ok(currency) = Currency::parse(&currency) else {
            continue;
        };
        let name: Option<String> = row.try_get_by_index(2)?;
        let public: bool = row.try_get_by_index(3)?;
        let (Ok(amount), Ok(pool_delta)) = (
            Money::from_minor(row.try_get_by_index(0)?, currency),
            Money::from_minor(row.try_get_by_index(5)?, currency),
        ) else {
            continue;
        };
        recent.push_front(RecentSale {
            amount,
            pool_delta,
            buyer: name
                .filter(|_| public)
                .unwrap_or_else(|| "someone".to_owned()),
            at: row.try_get_by_index(4)?,
        });
    }
    Ok(recent)
}
