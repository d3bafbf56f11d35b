//! The overlay websocket protocol (DESIGN section 6): the events a lobby pushes to
//! its overlays as typed values, and the frame each becomes, encoded once with its
//! per-lobby `seq` and shared by every subscriber. Money is written as decimal
//! strings in the currency's minor unit, pots as `{"USD": "5.00"}`.

use std::sync::Arc;

use actix::Message;
use chrono::{DateTime, Utc};
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

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
    },
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
    pub id: i64,
    pub code: String,
    pub name: String,
    pub state: LobbyState,
}

/// A racer as overlays see them: the display name only, never the Discord id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RacerName {
    pub display_name: String,
}

impl OverlayEvent {
    /// The frame of this event sent as number `seq` of its lobby.
    pub fn encode(&self, seq: u64) -> OverlayFrame {
        #[derive(Serialize)]
        struct Sequenced<'a> {
            seq: u64,
            #[serde(flatten)]
            event: &'a OverlayEvent,
        }
        let text = serde_json::to_string(&Sequenced { seq, event: self })
            .expect("overlay events hold only string-keyed maps");
        OverlayFrame::Text(text.into())
    }
}

fn currency_code<S: Serializer>(currency: &Currency, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(currency.code())
}

fn buyer_name<S: Serializer>(buyer: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(buyer.as_deref().unwrap_or(ANONYMOUS_BUYER))
}

/// The snapshot's sales list: `amount`, `currency`, `pool_delta`, `buyer`, `at`.
fn sales_list<S: Serializer>(sales: &[LobbySale], serializer: S) -> Result<S::Ok, S::Error> {
    struct Line<'a>(&'a LobbySale);
    impl Serialize for Line<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let sale = self.0;
            let mut line = serializer.serialize_struct("LobbySale", 5)?;
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
mod tests {
    use chrono::TimeZone;
    use serde_json::{json, Value};

    use super::*;

    fn usd(amount: &str) -> Money {
        Money::parse(amount, Currency::parse("USD").unwrap()).unwrap()
    }

    fn wire(event: &OverlayEvent, seq: u64) -> Value {
        let OverlayFrame::Text(text) = event.encode(seq) else {
            panic!("an event encodes to text");
        };
        serde_json::from_str(&text).unwrap()
    }

    fn pot(amounts: &[Money]) -> Pot {
        let mut pot = Pot::new();
        for amount in amounts {
            pot.add(*amount).unwrap();
        }
        pot
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 9, 9, 21, 0).unwrap()
    }

    #[test]
    fn snapshot_frame() {
        let jpy = Money::parse("600", Currency::parse("JPY").unwrap()).unwrap();
        let event = OverlayEvent::Snapshot {
            lobby: LobbyCard {
                id: 7,
                code: "KART".into(),
                name: "Friday Cup".into(),
                state: LobbyState::Open,
            },
            racers: vec![RacerName {
                display_name: "Mario".into(),
            }],
            pot: pot(&[usd("5.10"), jpy]),
            recent_sales: vec![
                LobbySale {
                    amount: usd("3.00"),
                    pool_delta: usd("0.60"),
                    buyer: None,
                    received_at: at(),
                },
                LobbySale {
                    amount: usd("22.50"),
                    pool_delta: usd("4.50"),
                    buyer: Some("Peach".into()),
                    received_at: at() + chrono::Duration::milliseconds(250),
                },
            ],
            checkout_url: Some("https://shop.example/merch?lobby=KART".into()),
        };
        assert_eq!(
            wire(&event, 3),
            json!({
                "type": "snapshot", "seq": 3,
                "lobby": {"id": 7, "code": "KART", "name": "Friday Cup", "state": "open"},
                "racers": [{"display_name": "Mario"}],
                "pot": {"USD": "5.10", "JPY": "600"},
                "recent_sales": [
                    {"amount": "3.00", "currency": "USD", "pool_delta": "0.60",
                     "buyer": "someone", "at": "2025-10-09T09:21:00Z"},
                    {"amount": "22.50", "currency": "USD", "pool_delta": "4.50",
                     "buyer": "Peach", "at": "2025-10-09T09:21:00.250Z"},
                ],
                "checkout_url": "https://shop.example/merch?lobby=KART",
            })
        );
        let OverlayEvent::Snapshot { lobby, .. } = event else {
            unreachable!()
        };
        let idle = OverlayEvent::Snapshot {
            lobby: LobbyCard {
                state: LobbyState::Idle,
                ..lobby
            },
            racers: Vec::new(),
            pot: Pot::new(),
            recent_sales: Vec::new(),
            checkout_url: None,
        };
        assert_eq!(
            wire(&idle, 0),
            json!({
                "type": "snapshot", "seq": 0,
                "lobby": {"id": 7, "code": "KART", "name": "Friday Cup", "state": "idle"},
                "racers": [], "pot": {}, "recent_sales": [], "checkout_url": null,
            })
        );
    }

    #[test]
    fn window_frames() {
        let opened = OverlayEvent::WindowOpened { opened_at: at() };
        assert_eq!(
            wire(&opened, 4),
            json!({"type": "window_opened", "seq": 4, "opened_at": "2025-10-09T09:21:00Z"})
        );
        let closed = OverlayEvent::WindowClosed {
            closed_at: at() + chrono::Duration::milliseconds(5),
            totals: pot(&[usd("4.50")]),
        };
        assert_eq!(
            wire(&closed, 5),
            json!({"type": "window_closed", "seq": 5,
                   "closed_at": "2025-10-09T09:21:00.005Z", "totals": {"USD": "4.50"}})
        );
    }

    #[test]
    fn roster_frame() {
        let roster = OverlayEvent::Roster {
            racers: vec![
                RacerName {
                    display_name: "Mario".into(),
                },
                RacerName {
                    display_name: "Luigi".into(),
                },
            ],
        };
        assert_eq!(
            wire(&roster, 1),
            json!({"type": "roster", "seq": 1,
                   "racers": [{"display_name": "Mario"}, {"display_name": "Luigi"}]})
        );
    }

    #[test]
    fn sale_and_refund_frames() {
        let sale = OverlayEvent::Sale {
            amount: usd("22.50"),
            currency: usd("0").currency(),
            pool_delta: usd("4.50"),
            pot: pot(&[usd("4.50")]),
            buyer: None,
        };
        assert_eq!(
            wire(&sale, 9),
            json!({"type": "sale", "seq": 9, "amount": "22.50", "currency": "USD",
                   "pool_delta": "4.50", "pot": {"USD": "4.50"}, "buyer": "someone"})
        );
        let refund = OverlayEvent::Refund {
            currency: usd("0").currency(),
            pool_delta: usd("-4.50"),
            pot: pot(&[usd("0.00")]),
        };
        assert_eq!(
            wire(&refund, 10),
            json!({"type": "refund", "seq": 10, "currency": "USD",
                   "pool_delta": "-4.50", "pot": {"USD": "0.00"}})
        );
    }
}
