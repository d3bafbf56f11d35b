//! The messages a [`LobbyActor`](super::LobbyActor) answers: roster and window
//! changes from commands, credits and refunds from the SalesRouter, overlay
//! subscriptions from websocket sessions, and its own time-out tick.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::{LobbyError, LobbyView, OverlayFrame, RaceSummary};
use crate::domain::ids::UserId;
use crate::ledger::RaceCredit;
use crate::money::Money;

/// Close every overlay socket of the lobby (graceful shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseOverlays;

/// A racer joins the roster.
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct Join {
    pub discord_id: UserId,
    pub display_name: String,
    pub at: DateTime<Utc>,
}

/// A racer leaves the roster.
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct Leave {
    pub discord_id: UserId,
    pub at: DateTime<Utc>,
}

/// Open the commission window (`/start`).
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct Start {
    pub at: DateTime<Utc>,
}

/// Close the commission window (`/end`, time-out).
#[derive(Message)]
#[rtype(result = "Result<RaceSummary, LobbyError>")]
pub struct End {
    pub at: DateTime<Utc>,
    /// Why it closes, stored with the window.
    pub reason: crate::domain::end::EndReason,
}

/// Set (or with `None` clear) the lobby's goal (`/goal`).
#[derive(Message)]
#[rtype(result = "Result<LobbyView, LobbyError>")]
pub struct SetGoal {
    pub goal: Option<Money>,
}

/// Take the latest sale's buyer name off every overlay (`/overlay hide`);
/// answers the id of the sale whose name went.
#[derive(Message)]
#[rtype(result = "Result<i64, LobbyError>")]
pub struct HideLatestName {
    pub at: DateTime<Utc>,
}

/// Play a sample sale on every overlay (`/overlay test`); no money moves.
#[derive(Message)]
#[rtype(result = "Result<(), LobbyError>")]
pub struct SendTestSale {
    pub amount: Money,
    pub pool_delta: Money,
}

/// Current public view of the lobby.
#[derive(Message)]
#[rtype(result = "LobbyView")]
pub struct Snapshot;

/// A committed sale credited this lobby (sent by the SalesRouter after commit).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Credit {
    /// The sale's id (named later by `/overlay hide`).
    pub sale_id: i64,
    pub amount: Money,
    /// This lobby's part of the pool.
    pub pool_delta: Money,
    /// Buyer name an overlay may show, if the buyer allowed it.
    pub buyer: Option<String>,
    /// When the sale was received (shown in the overlay's recent sales).
    pub at: DateTime<Utc>,
    /// When the sale was paid: a late sale of an earlier race leaves the current
    /// race's pot alone.
    pub sold_at: DateTime<Utc>,
    /// Each racer's share of `pool_delta`, by Discord id (racers' own overlays).
    pub shares: Vec<(UserId, Money)>,
}

impl From<RaceCredit> for Credit {
    fn from(credit: RaceCredit) -> Self {
        Credit {
            sale_id: credit.sale_id,
            amount: credit.amount,
            pool_delta: credit.pool_delta,
            buyer: credit.buyer,
            at: credit.at,
            sold_at: credit.sold_at,
            shares: credit.shares,
        }
    }
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
    pub dropped: Arc<AtomicBool>,
    /// A racer's Discord id: their own overlay, which adds their share.
    pub racer: Option<UserId>,
}

/// An overlay session went away.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub session_id: u64,
}

/// Stop if the lobby is closed, no overlay watches it and nothing changed for
/// `quiet`: answers whether it stopped. The registry then forgets it, and starts
/// it again from the database when something names it.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct RetireIfQuiet {
    pub now: DateTime<Utc>,
    pub quiet: chrono::Duration,
}

/// Close the window if it has been open longer than allowed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WindowTick;

/// A change of this lobby committed elsewhere (another process, or this
/// process's SalesRouter), numbered by the database.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Apply {
    pub seq: u64,
    pub change: super::change::LobbyChange,
}

/// Read the lobby again from the database: a gap in its seq, or the listening
/// connection was lost and notices may be missing.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reload;
