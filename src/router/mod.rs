//! SalesRouter: takes provider-neutral sales and refunds, decides attribution from
//! the window and roster history at the sale's own time (held in memory by the
//! lobbies' [`Timeline`](crate::lobby::Timeline), no read per sale), asks the
//! LedgerActor to record, and after the commit tells each affected LobbyActor
//! (with several processes, the ledger's batch has published the sale's credits
//! to every process already; the lobby here applies them at once).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;

use crate::commission::CommissionRates;
use crate::config::Config;
use crate::domain::ids::{GuildId, LobbyCode, LobbyId};
use crate::domain::shares::{earning_lobbies, share_out, OpenLobby, Tag};
use crate::ledger::{
    LedgerError, LedgerHandle, LobbyDelta, RaceCredit, RefundOutcome, RefundRecord, SaleOutcome,
    SaleRecord,
};
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{store, LobbyRegistry};
use crate::sale::{RefundEvent, SaleEvent};

/// What routing a sale did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routed {
    pub sale_id: Option<i64>,
    pub duplicate: bool,
    /// A tagged twin moved an untagged sale already recorded to its lobby.
    pub reattributed: bool,
    /// Lobbies that earned a share.
    pub lobby_ids: Vec<LobbyId>,
}

/// Route a sale: attribute, record, notify lobbies.
#[derive(Message)]
#[rtype(result = "Result<Routed, LedgerError>")]
pub struct RouteSale {
    pub sale: SaleEvent,
    pub received_at: DateTime<Utc>,
}

/// Route a refund: record (clawback or keep for later), notify lobbies.
#[derive(Message)]
#[rtype(result = "Result<RefundOutcome, LedgerError>")]
pub struct RouteRefund {
    pub refund: RefundEvent,
    pub received_at: DateTime<Utc>,
}

/// Everything routing reads; cloned into each request's future.
#[derive(Clone)]
struct Routing {
    db: DatabaseConnection,
    ledger: LedgerHandle,
    lobbies: Arc<LobbyRegistry>,
    config: Arc<Config>,
    rates: Arc<CommissionRates>,
}

pub struct SalesRouter {
    /// Shared with every in-flight routing future; the router keeps no other state,
    /// so sales are attributed concurrently and only the ledger serializes writes.
    shared: Routing,
}

impl SalesRouter {
    pub fn new(
        db: DatabaseConnection,
        ledger: LedgerHandle,
        lobbies: Arc<LobbyRegistry>,
        config: Arc<Config>,
        rates: Arc<CommissionRates>,
    ) -> Self {
        SalesRouter {
            shared: Routing {
                db,
                ledger,
                lobbies,
                config,
                rates,
            },
        }
    }
}

impl Actor for SalesRouter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(crate::ledger::IN_FLIGHT_MAX);
    }
}

impl Handler<RouteSale> for SalesRouter {
    type Result = ResponseFuture<Result<Routed, LedgerError>>;

    fn handle(&mut self, msg: RouteSale, _: &mut Context<Self>) -> Self::Result {
        let shared = self.shared.clone();
        Box::pin(async move { shared.route_sale(msg.sale, msg.received_at).await })
    }
}

impl Handler<RouteRefund> for SalesRouter {
    type Result = ResponseFuture<Result<RefundOutcome, LedgerError>>;

    fn handle(&mut self, msg: RouteRefund, _: &mut Context<Self>) -> Self::Result {
        let shared = self.shared.clone();
        Box::pin(async move {
            let outcome = shared
                .ledger
                .record_refund(RefundRecord {
                    refund: msg.refund,
                    received_at: msg.received_at,
                })
                .await?;
            if let RefundOutcome::Applied { deltas, .. } = &outcome {
                shared.notify(Vec::new(), deltas);
            }
            Ok(outcome)
        })
    }
}

/// The sale's time for attribution: the provider's, clamped to
/// `[received - max_delay, received]`.
pub fn clamp_sale_time(
    sold_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    max_delay_minutes: u32,
) -> DateTime<Utc> {
    let earliest = received_at - Duration::minutes(i64::from(max_delay_minutes));
    sold_at.clamp(earliest, received_at)
}

impl Routing {
    async fn route_sale(
        &self,
        sale: SaleEvent,
        received_at: DateTime<Utc>,
    ) -> Result<Routed, LedgerError> {
        let commission = &self.config.commission;
        let sold_at = clamp_sale_time(sale.sold_at, received_at, commission.max_delay_minutes);
        let guild = self
            .config
            .shops
            .get(&sale.shop)
            .and_then(|shop| shop.guild_id);
        let tag = self.resolve_tag(&sale, guild).await?;
        let only = match tag {
            Tag::Lobby(id) => Some(id),
            Tag::None => None,
        };
        let open = self.open_lobbies(sold_at, guild, only).await?;
        let earning = earning_lobbies(tag, &open, commission.untagged);
        let tagged_lobby = match tag {
            Tag::Lobby(id) if !earning.is_empty() => Some(id),
            _ => None,
        };
        let rate = self.rates.current(rate_guild(guild, &earning));
        let pool = sale.commission_base(commission.base).commission(rate);
        let shares = share_out(pool, &sale.sale_id, &earning);
        let record = SaleRecord {
            sale,
            sold_at,
            received_at,
            pool,
            shares: shares.clone(),
            hold_days: commission.hold_days,
            tagged_lobby,
        };
        let outcome = self.ledger.record_sale(record).await?;
        match outcome {
            SaleOutcome::Duplicate { sale_id } => Ok(Routed {
                sale_id,
                duplicate: true,
                reattributed: false,
                lobby_ids: Vec::new(),
            }),
            SaleOutcome::Reattributed {
                sale_id,
                losses,
                credits,
            } => {
                self.notify(credits, &losses);
                Ok(Routed {
                    sale_id: Some(sale_id),
                    duplicate: false,
                    reattributed: true,
                    lobby_ids: shares
                        .iter()
                        .map(|s| s.lobby_id)
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                })
            }
            SaleOutcome::Recorded {
                sale_id,
                early_refunds,
                credits,
            } => {
                let lobby_ids = credits.iter().map(|credit| credit.lobby_id).collect();
                self.notify(credits, &early_refunds);
                Ok(Routed {
                    sale_id: Some(sale_id),
                    duplicate: false,
                    reattributed: false,
                    lobby_ids,
                })
            }
        }
    }

    /// Tells the lobbies running here what a committed batch credited and took
    /// back (the ledger's batch published both to every process when several
    /// share the database): credits first, then clawbacks, so that a refund
    /// that waited for its sale follows the sale.
    fn notify(&self, credits: Vec<RaceCredit>, clawbacks: &[LobbyDelta]) {
        for credit in credits {
            self.lobbies.credit_recorded(credit);
        }
        for delta in clawbacks {
            self.lobbies.clawed_back(delta);
        }
    }

    /// A tag naming a known lobby (code, id, or a registered discount code) of the
    /// shop's guild; any other tag counts as no tag.
    async fn resolve_tag(
        &self,
        sale: &SaleEvent,
        guild: Option<GuildId>,
    ) -> Result<Tag, LedgerError> {
        let in_guild = |entry: &LobbyEntry| self.serves(entry, guild);
        let code = sale
            .lobby_tag
            .as_deref()
            .and_then(|tag| tag.parse::<LobbyCode>().ok());
        let named = match code {
            Some(code) => self.lobbies.find_code(&code).await.map_err(lobby_error)?,
            None => None,
        };
        let entry = match named.filter(in_guild) {
            Some(entry) => Some(entry),
            None => match store::discount_code_lobby(&self.db, &sale.discount_codes).await? {
                Some(id) => self.lobbies.wake(id).await.map_err(lobby_error)?,
                None => None,
            }
            .filter(in_guild),
        };
        Ok(entry.map_or(Tag::None, |entry| Tag::Lobby(entry.id)))
    }

    /// Lobbies whose window overlapped the sale's second `[S, S+1)`, each with the
    /// racers on its roster during that second; `only` narrows it to a tagged lobby.
    /// A late sale may name a lobby closed since and at rest: it is started again.
    async fn open_lobbies(
        &self,
        sold_at: DateTime<Utc>,
        guild: Option<GuildId>,
        only: Option<LobbyId>,
    ) -> Result<Vec<OpenLobby>, LedgerError> {
        let mut open: BTreeMap<LobbyId, OpenLobby> = BTreeMap::new();
        let rows = self
            .lobbies
            .open_during_second(sold_at, only)
            .await
            .map_err(lobby_error)?;
        for row in rows {
            let Some(entry) = self.lobbies.wake(row.lobby_id).await.map_err(lobby_error)? else {
                continue;
            };
            if !self.serves(&entry, guild) {
                continue;
            }
            let lobby = open.entry(row.lobby_id).or_insert(OpenLobby {
                lobby_id: row.lobby_id,
                guild: entry.guild_id,
                opened_at: row.opened_at,
                racers: Vec::new(),
            });
            lobby.racers.extend(row.racer);
        }
        Ok(open.into_values().collect())
    }
}

/// A lobby that could not be read: the sale is answered 5xx and delivered again.
fn lobby_error(error: crate::lobby::LobbyError) -> LedgerError {
    LedgerError::Database(error.to_string())
}

impl Routing {
    /// Whether a shop of `guild` may credit this lobby: a shop bound to a guild
    /// serves that guild's lobbies only; a shop of no guild serves every guild the
    /// deployment allows (`discord.guilds`).
    fn serves(&self, entry: &LobbyEntry, guild: Option<GuildId>) -> bool {
        match guild {
            Some(guild) => entry.guild_id == Some(guild),
            None => self.config.discord.allows(entry.guild_id),
        }
    }
}

/// The guild whose commission rate applies: the one guild of the earning lobbies,
/// else the shop's (nobody earns); lobbies of several guilds (a shop of no guild,
/// an untagged sale split across communities) use the configured default rate.
fn rate_guild(shop_guild: Option<GuildId>, earning: &[&OpenLobby]) -> Option<GuildId> {
    let Some((first, rest)) = earning.split_first() else {
        return shop_guild;
    };
    rest.iter()
        .all(|l| l.guild == first.guild)
        .then_some(first.guild)
        .flatten()
}
