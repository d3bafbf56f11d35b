//! The wire form of every frame.

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
            id: 7.try_into().unwrap(),
            code: "KART".parse().unwrap(),
            name: "Friday Cup".into(),
            state: LobbyState::Open,
        },
        racers: vec![RacerName {
            display_name: "Mario".into(),
        }],
        pot: pot(&[usd("5.10"), jpy]),
        recent_sales: vec![
            LobbySale {
                sale_id: 12,
                amount: usd("3.00"),
                pool_delta: usd("0.60"),
                buyer: None,
                received_at: at(),
            },
            LobbySale {
                sale_id: 11,
                amount: usd("22.50"),
                pool_delta: usd("4.50"),
                buyer: Some("Peach".into()),
                received_at: at() + chrono::Duration::milliseconds(250),
            },
        ],
        checkout_url: Some("https://shop.example/merch?lobby=KART".into()),
        goal: Some(usd("50.00")),
        opened_at: Some(at()),
        server_time: at() + chrono::Duration::seconds(90),
        kofi_tag: Some("#KART".into()),
    };
    assert_eq!(
        wire(&event, 3),
        json!({
            "type": "snapshot", "seq": 3,
            "lobby": {"id": 7, "code": "KART", "name": "Friday Cup", "state": "open"},
            "racers": [{"display_name": "Mario"}],
            "pot": {"USD": "5.10", "JPY": "600"},
            "recent_sales": [
                {"sale_id": 12, "amount": "3.00", "currency": "USD", "pool_delta": "0.60",
                 "buyer": "someone", "at": "2025-10-09T09:21:00Z"},
                {"sale_id": 11, "amount": "22.50", "currency": "USD", "pool_delta": "4.50",
                 "buyer": "Peach", "at": "2025-10-09T09:21:00.250Z"},
            ],
            "checkout_url": "https://shop.example/merch?lobby=KART",
            "goal": {"amount": "50.00", "currency": "USD"},
            "opened_at": "2025-10-09T09:21:00Z",
            "server_time": "2025-10-09T09:22:30Z",
            "kofi_tag": "#KART",
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
        goal: None,
        opened_at: None,
        server_time: at(),
        kofi_tag: None,
    };
    assert_eq!(
        wire(&idle, 0),
        json!({
            "type": "snapshot", "seq": 0,
            "lobby": {"id": 7, "code": "KART", "name": "Friday Cup", "state": "idle"},
            "racers": [], "pot": {}, "recent_sales": [], "checkout_url": null,
            "goal": null, "opened_at": null, "server_time": "2025-10-09T09:21:00Z",
            "kofi_tag": null,
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
        sale_id: Some(31),
        test: false,
    };
    assert_eq!(
        wire(&sale, 9),
        json!({"type": "sale", "seq": 9, "amount": "22.50", "currency": "USD",
               "pool_delta": "4.50", "pot": {"USD": "4.50"}, "buyer": "someone",
               "sale_id": 31})
    );
    let test = OverlayEvent::Sale {
        amount: usd("10.00"),
        currency: usd("0").currency(),
        pool_delta: usd("2.00"),
        pot: pot(&[usd("4.50")]),
        buyer: Some("Test".into()),
        sale_id: None,
        test: true,
    };
    assert_eq!(
        wire(&test, 10),
        json!({"type": "sale", "seq": 10, "amount": "10.00", "currency": "USD",
               "pool_delta": "2.00", "pot": {"USD": "4.50"}, "buyer": "Test",
               "test": true})
    );
    let hidden = OverlayEvent::SaleUpdated {
        sale_id: 31,
        buyer: None,
    };
    assert_eq!(
        wire(&hidden, 11),
        json!({"type": "sale_updated", "seq": 11, "sale_id": 31, "buyer": "someone"})
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

#[test]
fn goal_and_lobby_changed_frames() {
    let goal = OverlayEvent::Goal {
        goal: Some(usd("25.00")),
    };
    assert_eq!(
        wire(&goal, 2),
        json!({"type": "goal", "seq": 2, "goal": {"amount": "25.00", "currency": "USD"}})
    );
    assert_eq!(
        wire(&OverlayEvent::Goal { goal: None }, 3),
        json!({"type": "goal", "seq": 3, "goal": null})
    );
    let changed = OverlayEvent::LobbyChanged {
        code: Some("NEXT".parse().unwrap()),
    };
    let OverlayFrame::Text(text) = changed.encode_unsequenced() else {
        panic!("an event encodes to text");
    };
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"type": "lobby_changed", "code": "NEXT"})
    );
}

#[test]
fn a_racer_frame_adds_only_their_name_and_share() {
    let sale = OverlayEvent::Sale {
        amount: usd("10.00"),
        currency: usd("0").currency(),
        pool_delta: usd("2.00"),
        pot: pot(&[usd("2.00")]),
        buyer: Some("Peach".into()),
        sale_id: Some(5),
        test: false,
    };
    let racer = RacerShare {
        display_name: Some("Mario".into()),
        share: pot(&[usd("1.00")]),
    };
    let OverlayFrame::Text(text) = sale.encode_for(4, &racer) else {
        panic!("an event encodes to text");
    };
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"type": "sale", "seq": 4, "amount": "10.00", "currency": "USD",
               "pool_delta": "2.00", "pot": {"USD": "2.00"}, "buyer": "Peach",
               "sale_id": 5, "racer": {"display_name": "Mario", "share": {"USD": "1.00"}}})
    );
}
