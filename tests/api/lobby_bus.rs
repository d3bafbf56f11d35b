//! The lobby bus on PostgreSQL: a sale's or refund's notice, numbered and
//! written by the database's own statement, reads back as the change published.

use std::sync::Arc;

use chrono::Duration;
use cozykart::lobby::bus::{Channel, Listener, NoticeSink};
use cozykart::lobby::change::{LobbyChange, Notice, PAYLOAD_MAX_BYTES};
use cozykart::money::{Currency, Money};
use entity::sea_orm_active_enums::LobbyState;
use entity::{lobby, lobby_window};
use futures_util::future::BoxFuture;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use tokio::sync::mpsc;

use crate::helpers::{postgres_url, t0, Engine, TestDb};

/// Hands every notice heard to the test.
struct Heard(mpsc::UnboundedSender<Notice>);

impl NoticeSink for Heard {
    fn receive(&self, notice: Notice) -> BoxFuture<'_, ()> {
        let _ = self.0.send(notice);
        Box::pin(async {})
    }

    fn reload_all(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Publishes a credit's change and waits for the notice the listener hears.
async fn publish(
    db: &sea_orm::DatabaseConnection,
    channel: &Channel,
    heard: &mut mpsc::UnboundedReceiver<Notice>,
    lobby_id: i64,
    sold_at: chrono::DateTime<chrono::Utc>,
    change: LobbyChange,
) -> (Option<u64>, Notice) {
    let seq = channel
        .publish_credit(db, lobby_id, sold_at, change)
        .await
        .expect("published");
    let notice = tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
        .await
        .expect("a notice in time")
        .expect("the listener runs");
    (seq, notice)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_numbered_notice_reads_back_as_the_change_published() {
    if postgres_url().is_none() {
        return;
    }
    let test_db = TestDb::new(Engine::Postgres).await;
    let db = test_db.connect().await;
    let lobby = lobby::ActiveModel {
        code: Set("BUS1".into()),
        name: Set("Bus Cup".into()),
        guild_id: Set(None),
        channel_id: Set(None),
        host_id: Set("1100000000000000001".into()),
        state: Set(LobbyState::Open),
        created_at: Set(t0()),
        goal_minor: Set(None),
        goal_currency: Set(None),
        seq: Set(0),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("lobby");
    lobby_window::ActiveModel {
        lobby_id: Set(lobby.id),
        opened_at: Set(t0()),
        closed_at: Set(None),
        close_reason: Set(None),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("window");

    let channel = Channel::named(&format!("cozykart_bus_{}", rand::random::<u32>()));
    let listener = Listener::connect(&test_db.url, &channel)
        .await
        .expect("listen");
    let (tx, mut heard) = mpsc::unbounded_channel();
    let _guard = listener.spawn(Arc::new(Heard(tx))).expect("listener");

    let usd = Currency::parse("USD").unwrap();
    let dollars = |text: &str| Money::parse(text, usd).unwrap();
    let sold_at = t0() + Duration::milliseconds(1_500);
    let sale = |buyer: String| LobbyChange::Sale {
        amount: dollars("25.00"),
        pool_delta: dollars("5.00"),
        buyer: Some(buyer),
        at: sold_at,
        shares: vec![("1100000000000000011".parse().unwrap(), dollars("2.50"))],
        sale_id: 9,
    };
    let change = sale("Ada \"the\" {Quick}".into());
    let (seq, notice) = publish(&db, &channel, &mut heard, lobby.id, sold_at, change.clone()).await;
    assert_eq!(seq, Some(1));
    let expected = Notice {
        lobby: lobby.id,
        seq: 1,
        change,
    };
    assert_eq!(notice, expected);

    // Too large for a notice as PostgreSQL writes it: the lobby reads itself again.
    let (seq, notice) = publish(
        &db,
        &channel,
        &mut heard,
        lobby.id,
        sold_at,
        sale("x".repeat(PAYLOAD_MAX_BYTES)),
    )
    .await;
    assert_eq!(seq, Some(2));
    assert_eq!((notice.seq, notice.change), (2, LobbyChange::Reload));
}
