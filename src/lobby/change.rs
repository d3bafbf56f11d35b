//! A lobby's committed change, as every process applies it: the lobby actor that
//! made it, and (through `LISTEN/NOTIFY`, [`super::bus`]) the same lobby's actor on
//! every other process sharing the PostgreSQL database. Small on purpose: a
//! notification carries at most 8000 bytes, and a change that would not fit is
//! sent as [`LobbyChange::Reload`] (read the lobby again from the database).
//! A change made here and one heard from another process are the same typed
//! value: money is [`Money`] and [`Pot`] in it, and becomes currency codes and
//! minor units only in a notice's payload ([`wire`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::UserId;
use crate::ledger::{LobbyDelta, RaceCredit, RaceEvent};
use crate::money::{Money, Pot};

mod wire;

/// What changed; `kind` names it on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LobbyChange {
    /// The lobby was created (processes that do not know it load it).
    Created,
    /// A racer joined: their new roster interval.
    Joined {
        membership_id: i64,
        discord_id: UserId,
        display_name: String,
        joined_at: DateTime<Utc>,
    },
    /// A racer left: the roster interval that ended.
    Left {
        membership_id: i64,
        left_at: DateTime<Utc>,
    },
    /// A race started: its window.
    Opened {
        window_id: i64,
        opened_at: DateTime<Utc>,
    },
    /// The race ended; `totals` is its racer pool as the ledger had it.
    Closed {
        window_id: i64,
        closed_at: DateTime<Utc>,
        #[serde(with = "wire::pot")]
        totals: Pot,
    },
    /// A committed sale credited the running race.
    Sale {
        #[serde(with = "wire::money")]
        amount: Money,
        #[serde(with = "wire::money")]
        pool_delta: Money,
        buyer: Option<String>,
        at: DateTime<Utc>,
        /// Each racer's part of `pool_delta` (Discord id, amount), for racer overlays.
        #[serde(default, with = "wire::shares")]
        shares: Vec<(UserId, Money)>,
        /// The sale's id, so that `/overlay hide` can name it (0: unknown).
        #[serde(default)]
        sale_id: i64,
    },
    /// `/overlay hide`: this sale's buyer name is taken off every overlay.
    NameHidden { sale_id: i64 },
    /// `/goal`: the pot the host aims for, set or (`None`) cleared.
    GoalSet {
        #[serde(with = "wire::optional_money")]
        goal: Option<Money>,
    },
    /// `/overlay test`: a sample sale for the overlays only; no money moves.
    TestSale {
        #[serde(with = "wire::money")]
        amount: Money,
        #[serde(with = "wire::money")]
        pool_delta: Money,
    },
    /// A committed refund (or a re-attribution away) took part of the running
    /// race's pool back.
    Refund {
        #[serde(with = "wire::money")]
        pool_delta: Money,
    },
    /// Too large to carry, or unknown: read the lobby again from the database.
    Reload,
}

impl LobbyChange {
    /// A race's closing, with its totals.
    pub fn closed(window_id: i64, closed_at: DateTime<Utc>, totals: &Pot) -> Self {
        LobbyChange::Closed {
            window_id,
            closed_at,
            totals: totals.clone(),
        }
    }

    /// A recorded sale's credit of the lobby's race.
    pub fn sale(credit: &RaceCredit) -> Self {
        LobbyChange::Sale {
            amount: credit.amount,
            pool_delta: credit.pool_delta,
            buyer: credit.buyer.clone(),
            at: credit.at,
            shares: credit.shares.clone(),
            sale_id: credit.sale_id,
        }
    }

    /// Money a race lost after the fact (a refund, a re-attribution away).
    pub fn clawback(delta: &LobbyDelta) -> Self {
        LobbyChange::Refund {
            pool_delta: delta.amount,
        }
    }

    /// A ledger batch's event of the lobby's race.
    pub fn of(event: &RaceEvent) -> Self {
        match event {
            RaceEvent::Credit(credit) => Self::sale(credit),
            RaceEvent::Clawback(delta) => Self::clawback(delta),
        }
    }
}

/// A change as published: which lobby, its number among the lobby's events
/// (the overlay `seq`), and the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub lobby: i64,
    pub seq: u64,
    pub change: LobbyChange,
}

/// Longest payload PostgreSQL's `NOTIFY` takes is 8000 bytes; ours stay well below.
pub const PAYLOAD_MAX_BYTES: usize = 7_900;

impl Notice {
    /// The payload text; a notice that would not fit becomes a `Reload`.
    pub fn payload(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        if !text.is_empty() && text.len() <= PAYLOAD_MAX_BYTES {
            return text;
        }
        let reload = Notice {
            lobby: self.lobby,
            seq: self.seq,
            change: LobbyChange::Reload,
        };
        serde_json::to_string(&reload).unwrap_or_default()
    }

    /// A payload read back. A notice of a lobby whose change cannot be read here
    /// (an unknown kind or currency, say from a newer process) is a `Reload` of
    /// it; `None` for text that is not a notice at all (logged by the caller).
    pub fn parse(payload: &str) -> Option<Notice> {
        /// What every notice holds, whatever its change.
        #[derive(Deserialize)]
        struct Numbered {
            lobby: i64,
            seq: u64,
        }
        serde_json::from_str(payload).ok().or_else(|| {
            let Numbered { lobby, seq } = serde_json::from_str(payload).ok()?;
            Some(Notice {
                lobby,
                seq,
                change: LobbyChange::Reload,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn notices_round_trip_and_oversized_ones_become_reloads() {
        let usd = Currency::parse("USD").unwrap();
        let notice = Notice {
            lobby: 7,
            seq: 12,
            change: LobbyChange::Sale {
                amount: Money::parse("25.00", usd).unwrap(),
                pool_delta: Money::parse("5.00", usd).unwrap(),
                buyer: Some("Ada".into()),
                at: chrono::DateTime::UNIX_EPOCH,
                shares: vec![("1".parse().unwrap(), Money::parse("2.50", usd).unwrap())],
                sale_id: 3,
            },
        };
        assert_eq!(Notice::parse(&notice.payload()), Some(notice));
        let long = Notice {
            lobby: 7,
            seq: 13,
            change: LobbyChange::Joined {
                membership_id: 1,
                discord_id: "1".parse().unwrap(),
                display_name: "x".repeat(PAYLOAD_MAX_BYTES),
                joined_at: chrono::DateTime::UNIX_EPOCH,
            },
        };
        let back = Notice::parse(&long.payload()).unwrap();
        assert_eq!((back.seq, back.change), (13, LobbyChange::Reload));
    }

    #[test]
    fn a_change_that_cannot_be_read_here_reloads_its_lobby() {
        let sale = |amount: &str, share: &str| {
            format!(
                r#"{{"lobby":7,"seq":1,"change":{{"kind":"sale","amount":{amount},"pool_delta":{{"currency":"USD","minor":500}},"buyer":null,"at":"1970-01-01T00:00:00Z","shares":[["11",{share}]],"sale_id":3}}}}"#
            )
        };
        let usd = r#"{"currency":"USD","minor":250}"#;
        let xyz = r#"{"currency":"XYZ","minor":250}"#;
        let reload = Some(Notice {
            lobby: 7,
            seq: 1,
            change: LobbyChange::Reload,
        });
        let read = Notice::parse(&sale(usd, usd)).map(|notice| notice.change);
        assert!(matches!(read, Some(LobbyChange::Sale { .. })));
        assert_eq!(Notice::parse(&sale(xyz, usd)), reload);
        assert_eq!(Notice::parse(&sale(usd, xyz)), reload);
        let goal = r#"{"lobby":7,"seq":1,"change":{"kind":"goal_set","goal":{"currency":"ZZ","minor":1}}}"#;
        assert_eq!(Notice::parse(goal), reload);
        let totals = format!(
            r#"{{"lobby":7,"seq":1,"change":{{"kind":"closed","window_id":4,"closed_at":"1970-01-01T00:00:00Z","totals":[{{"currency":"USD","minor":{max}}},{{"currency":"USD","minor":{max}}}]}}}}"#,
            max = i64::MAX
        );
        assert_eq!(Notice::parse(&totals), reload);
        let unknown = r#"{"lobby":7,"seq":1,"change":{"kind":"lap_time","ms":1}}"#;
        assert_eq!(Notice::parse(unknown), reload);
        assert_eq!(Notice::parse(r#"{"lobby":7}"#), None);
        assert_eq!(Notice::parse("not json"), None);
    }

    #[test]
    fn money_travels_as_currency_and_minor_units() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let dollars = |text: &str| Money::parse(text, usd).unwrap();
        let at = chrono::DateTime::UNIX_EPOCH;
        let payload = |change: LobbyChange| {
            Notice {
                lobby: 7,
                seq: 12,
                change,
            }
            .payload()
        };
        let sale = LobbyChange::Sale {
            amount: dollars("25.00"),
            pool_delta: dollars("5.00"),
            buyer: Some("Ada".into()),
            at,
            shares: vec![("11".parse().unwrap(), dollars("2.50"))],
            sale_id: 3,
        };
        assert_eq!(
            payload(sale),
            r#"{"lobby":7,"seq":12,"change":{"kind":"sale","amount":{"currency":"USD","minor":2500},"pool_delta":{"currency":"USD","minor":500},"buyer":"Ada","at":"1970-01-01T00:00:00Z","shares":[["11",{"currency":"USD","minor":250}]],"sale_id":3}}"#
        );
        let mut pot = Pot::new();
        pot.add(dollars("1.50")).unwrap();
        pot.add(Money::parse("300", jpy).unwrap()).unwrap();
        assert_eq!(
            payload(LobbyChange::closed(4, at, &pot)),
            r#"{"lobby":7,"seq":12,"change":{"kind":"closed","window_id":4,"closed_at":"1970-01-01T00:00:00Z","totals":[{"currency":"JPY","minor":300},{"currency":"USD","minor":150}]}}"#
        );
        let goal = LobbyChange::GoalSet {
            goal: Some(dollars("50.00")),
        };
        assert_eq!(
            payload(goal),
            r#"{"lobby":7,"seq":12,"change":{"kind":"goal_set","goal":{"currency":"USD","minor":5000}}}"#
        );
        assert_eq!(
            payload(LobbyChange::GoalSet { goal: None }),
            r#"{"lobby":7,"seq":12,"change":{"kind":"goal_set","goal":null}}"#
        );
        let test = LobbyChange::TestSale {
            amount: dollars("10.00"),
            pool_delta: dollars("2.00"),
        };
        assert_eq!(
            payload(test),
            r#"{"lobby":7,"seq":12,"change":{"kind":"test_sale","amount":{"currency":"USD","minor":1000},"pool_delta":{"currency":"USD","minor":200}}}"#
        );
        let refund = LobbyChange::Refund {
            pool_delta: dollars("-1.25"),
        };
        assert_eq!(
            payload(refund),
            r#"{"lobby":7,"seq":12,"change":{"kind":"refund","pool_delta":{"currency":"USD","minor":-125}}}"#
        );
    }
}
