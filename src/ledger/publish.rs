//! What a batch tells the lobbies, committed with it. A recorded sale credits
//! each earning lobby's race ([`RaceCredit`]); where several processes share the
//! database, the batch's transaction draws each credit's lobby event number and
//! publishes it before the commit ([`Publish`], implemented by the lobby bus), so
//! a sale and its publication commit together: an overlay pot can neither miss
//! a committed sale nor count one twice across a reload, and a killed process
//! leaves no committed sale unpublished.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseTransaction, DbErr};

use super::SaleRecord;
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

/// Publishes a batch's credits inside its transaction, before the commit.
pub trait Publish: Send + Sync + 'static {
    /// Draws and publishes each credit's event; answers each one's seq, in order
    /// (`None`: no race of its lobby counts the sale). An error fails the batch,
    /// whose jobs are then written again one by one.
    fn publish<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
        credits: &'a [RaceCredit],
    ) -> BoxFuture<'a, Result<Vec<Option<u64>>, DbErr>>;
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
