//! What a batch tells the lobbies, committed with it ([`RaceEvent`]). A recorded
//! sale credits each earning lobby's race ([`RaceCredit`]), as does a sale
//! re-attributed to a lobby; a refund or a re-attribution takes money back from
//! races after the fact ([`LobbyDelta`]). Where several processes share the
//! database, the batch's transaction draws each event's lobby number and
//! publishes it before the commit ([`Publish`], implemented by the lobby bus),
//! so a change of money and its publication commit together: an overlay pot can
//! neither miss a committed change nor count one twice across a reload, and a
//! killed process or a lost connection leaves no committed change unpublished.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};

use super::{LobbyDelta, SaleRecord};
use crate::domain::ids::{LobbyId, UserId};
use crate::money::Money;

/// A recorded sale's credit of one lobby's race, as its overlays show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaceCredit {
    pub lobby_id: LobbyId,
    pub sale_id: i64,
    pub amount: Money,
    /// This lobby's part of the pool.
    pub pool_delta: Money,
    /// The buyer's name an overlay may show, if the buyer allowed it.
    pub buyer: Option<String>,
    /// When the sale was received.
    pub at: DateTime<Utc>,
    /// When it was paid: only the race that counts it takes it.
    pub sold_at: DateTime<Utc>,
    /// Each racer's part of `pool_delta`.
    pub shares: Vec<(UserId, Money)>,
    /// The lobby event's number, drawn and published in the batch that recorded
    /// the sale; `None` when nothing was published (no bus, or no race of the
    /// lobby counts the sale).
    pub seq: Option<u64>,
}

/// One lobby event of a batch: what a lobby's race shows of the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RaceEvent {
    /// A new sale's credit of the race.
    Credit(RaceCredit),
    /// Money the race lost after its sale was recorded: a refund, or the sale
    /// re-attributed to another lobby (`amount` negative).
    Clawback(LobbyDelta),
}

impl RaceEvent {
    pub fn lobby_id(&self) -> LobbyId {
        match self {
            RaceEvent::Credit(credit) => credit.lobby_id,
            RaceEvent::Clawback(delta) => delta.lobby_id,
        }
    }

    /// When the sale it concerns was paid: only the race that counts it takes it.
    pub fn sold_at(&self) -> DateTime<Utc> {
        match self {
            RaceEvent::Credit(credit) => credit.sold_at,
            RaceEvent::Clawback(delta) => delta.sold_at,
        }
    }
}

/// Publishes a batch's lobby events inside its transaction, before the commit.
pub trait Publish: Send + Sync + 'static {
    /// Draws and publishes each event's number; answers each one's seq, in order
    /// (`None`: no race of its lobby counts the sale). An error fails the batch,
    /// whose jobs are then written again one by one.
    fn publish<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
        events: &'a [RaceEvent],
    ) -> BoxFuture<'a, Result<Vec<Option<u64>>, DbErr>>;
}

/// A sale re-attributed by `twin` (`deltas`, per lobby, from the move): the
/// lobbies that lost their part, and the credits of those that gained, each
/// with what it gained and the twin's racers' shares in it, at the sale's first
/// time; nothing published yet.
pub(super) fn reattributed(
    twin: &SaleRecord,
    sale_id: i64,
    deltas: Vec<LobbyDelta>,
) -> (Vec<LobbyDelta>, Vec<RaceCredit>) {
    let (gains, losses): (Vec<_>, Vec<_>) = deltas
        .into_iter()
        .partition(|delta| delta.amount.minor() > 0);
    let credits = race_credits(twin, sale_id)
        .into_iter()
        .filter_map(|credit| {
            let gain = gains.iter().find(|gain| gain.lobby_id == credit.lobby_id)?;
            Some(RaceCredit {
                pool_delta: gain.amount,
                sold_at: gain.sold_at,
                ..credit
            })
        })
        .collect();
    (losses, credits)
}

/// A new sale's credits, one per earning lobby (in lobby order); nothing
/// published yet.
pub(super) fn race_credits(record: &SaleRecord, sale_id: i64) -> Vec<RaceCredit> {
    let mut lobbies: BTreeMap<LobbyId, Vec<(UserId, Money)>> = BTreeMap::new();
    for share in &record.shares {
        lobbies
            .entry(share.lobby_id)
            .or_default()
            .push((share.racer, share.amount));
    }
    let currency = record.pool.currency();
    lobbies
        .into_iter()
        .filter_map(|(lobby_id, shares)| {
            let minor = shares.iter().map(|(_, amount)| amount.minor()).sum();
            let pool_delta = Money::from_minor(minor, currency).ok()?;
            Some(RaceCredit {
                lobby_id,
                sale_id,
                amount: record.sale.amount,
                pool_delta,
                buyer: record.sale.buyer.public_name().map(str::to_owned),
                at: record.received_at,
                sold_at: record.sold_at,
                shares,
                seq: None,
            })
        })
        .collect()
}
