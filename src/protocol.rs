//! The overlay websocket protocol (DESIGN section 6): the events a lobby pushes to
//! its overlays as typed values, and the frame each becomes, encoded once with its
//! per-lobby `seq` and shared by every subscriber. Money is written as decimal
//! strings in the currency's minor unit, pots as `{"USD": "5.00"}`.

use std::sync::Arc;

use actix::Message;
use chrono::{DateTime, Utc};
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::domain::ids::{LobbyCode, LobbyId};
use crate::ledger::read::LobbySale;
use crate::money::{Currency, Money, Pot};
use entity::sea_orm_active_enums::LobbyState;

/// Shown for a buyer who did not allow their name on stream.
pub const ANONYMOUS_BUYER: &str = "someone";

/// What a lobby sends an overlay session.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
#[rtype(result = "()")]
pub enum OverlayFrame {
    /// One encoded event, shared by every subscriber of the lobby.
    Text(Arc<str>),
    /// The server is going away: close the socket (the page reconnects).
    Close,
}

/// Every event of the protocol; on the wire, `type` names the variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OverlayEvent {
    /// Sent first on every connection: everything the overlay shows.
    Snapshot {
        lobby: LobbyCard,
        racers: Vec<RacerName>,
        pot: Pot,
        /// Newest first.
        #[serde(serialize_with = "sales_list")]
        recent_sales: Vec<LobbySale>,
        checkout_url: Option<String>,
        /// The pot the host aims for (`/goal`), if set.
        #[serde(serialize_with = "goal_amount")]
        goal: Option<Money>,
        /// When the running race started (the overlay's timer counts from it).
        opened_at: Option<DateTime<Utc>>,
        /// The server's clock as the snapshot was written, so that a timer does
        /// not depend on the viewer's clock being right.
        server_time: DateTime<Utc>,
        /// `#CODE` when a shop of the lobby takes Ko-fi payments, whose buyers
        /// name the lobby in their message.
        kofi_tag: Option<String>,
    },
    /// The host set or cleared the goal (`/goal`).
    Goal {
        #[serde(serialize_with = "goal_amount")]
        goal: Option<Money>,
    },
    /// Sent by a session that follows a host or a channel, without a `seq`: from
    /// now on it shows the lobby with this code (its snapshot comes next), or none
    /// yet (`null`).
    LobbyChanged { code: Option<LobbyCode> },
    /// A race started: the pot and the sales list start empty.
    WindowOpened { opened_at: DateTime<Utc> },
    /// The race is over; `totals` is its racer pool as the ledger has it.
    WindowClosed {
        closed_at: DateTime<Utc>,
        totals: Pot,
    },
    /// Someone joined or left.
    Roster { racers: Vec<RacerName> },
    /// A sale credited the lobby: the sale's amount, the lobby's part of the pool
    /// and the pot after it.
    Sale {
        #[serde(with = "crate::money::serde_amount")]
        amount: Money,
        #[serde(serialize_with = "currency_code")]
        currency: Currency,
        #[serde(with = "crate::money::serde_amount")]
        pool_delta: Money,
        pot: Pot,
        #[serde(serialize_with = "buyer_name")]
        buyer: Option<String>,
        /// The sale's id, which a later `sale_updated` names; `None` for a test.
        #[serde(skip_serializing_if = "Option::is_none")]
        sale_id: Option<i64>,
        /// A test alert (`/overlay test`): shown like a sale, never added to the
        /// pot, the goal or the sales list.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        test: bool,
    },
    /// A sale's buyer name was taken off the overlays (`/overlay hide`).
    SaleUpdated {
        sale_id: i64,
        #[serde(serialize_with = "buyer_name")]
        buyer: Option<String>,
    },
    /// A refund took part of the pool back (`pool_delta` is negative).
    Refund {
        #[serde(serialize_with = "currency_code")]
        currency: Currency,
        #[serde(with = "crate::money::serde_amount")]
        pool_delta: Money,
        pot: Pot,
    },
}

/// The lobby as the snapshot shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LobbyCard {
    pub id: LobbyId,
    pub code: LobbyCode,
    pub name: String,
    pub state: LobbyState,
}

/// What a racer's own overlay (`?racer=`) adds to every frame: their display
/// name (while on the roster) and their share of the running race, never more.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RacerShare {
    pub display_name: Option<String>,
    pub share: Pot,
}

/// A racer as overlays see them: the display name only, never the Discord id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RacerName {
    pub display_name: String,
}

impl OverlayEvent {
    /// The frame of this event sent as number `seq` of its lobby.
    pub fn encode(&self, seq: u64) -> OverlayFrame {
        self.encode_with(Some(seq), None)
    }

    /// The frame of this event for one racer's overlay: with their [`RacerShare`].
    pub fn encode_for(&self, seq: u64, racer: &RacerShare) -> OverlayFrame {
        self.encode_with(Some(seq), Some(racer))
    }

    /// The frame of an event that belongs to no lobby's sequence (`lobby_changed`).
    pub fn encode_unsequenced(&self) -> OverlayFrame {
        self.encode_with(None, None)
    }

    fn encode_with(&self, seq: Option<u64>, racer: Option<&RacerShare>) -> OverlayFrame {
        #[derive(Serialize)]
        struct Sequenced<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            seq: Option<u64>,
            #[serde(flatten)]
            event: &'a OverlayEvent,
            #[serde(skip_serializing_if = "Option::is_none")]
            racer: Option<&'a RacerShare>,
        }
        let frame = Sequenced {
            seq,
            event: self,
            racer,
        };
        let text =
            serde_json::to_string(&frame).expect("overlay events hold only string-keyed maps");
        OverlayFrame::Text(text.into())
    }
}

fn currency_code<S: Serializer>(currency: &Currency, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(currency.code())
}

/// A goal as `{"amount": "50.00", "currency": "USD"}`, or `null`.
fn goal_amount<S: Serializer>(goal: &Option<Money>, serializer: S) -> Result<S::Ok, S::Error> {
    match goal {
        Some(goal) => {
            let mut amount = serializer.serialize_struct("Goal", 2)?;
            amount.serialize_field("amount", &goal.amount().to_string())?;
            amount.serialize_field("currency", goal.currency().code())?;
            amount.end()
        }
        None => serializer.serialize_none(),
    }
}

fn buyer_name<S: Serializer>(buyer: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(buyer.as_deref().unwrap_or(ANONYMOUS_BUYER))
}

/// The snapshot's sales list: `sale_id`, `amount`, `currency`, `pool_delta`,
/// `buyer`, `at`.
fn sales_list<S: Serializer>(sales: &[LobbySale], serializer: S) -> Result<S::Ok, S::Error> {
    struct Line<'a>(&'a LobbySale);
    impl Serialize for Line<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let sale = self.0;
            let mut line = serializer.serialize_struct("LobbySale", 6)?;
            line.serialize_field("sale_id", &sale.sale_id)?;
            line.serialize_field("amount", &sale.amount.amount().to_string())?;
            line.serialize_field("currency", sale.amount.currency().code())?;
            line.serialize_field("pool_delta", &sale.pool_delta.amount().to_string())?;
            line.serialize_field("buyer", sale.buyer.as_deref().unwrap_or(ANONYMOUS_BUYER))?;
            line.serialize_field("at", &sale.received_at)?;
            line.end()
        }
    }
    serializer.collect_seq(sales.iter().map(Line))
}

#[cfg(test)]
mod tests;
