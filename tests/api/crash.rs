//! The server as a child process under load: `kill -9` mid-load, restart, every
//! event redelivered (as providers do): each sale counted exactly once, nothing
//! acknowledged lost, the ledger balanced. Then SIGTERM under load: graceful drain.

use std::time::{Duration, Instant};

use entity::{allocation, sale};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::child::{deliver, free_port, recorded, Server};
use crate::helpers::{assert_ledger_balances, Engine, TestDb};
use crate::on_both_engines;
use crate::signing::{option, stripe_checkout, HOST};

const RACERS: [&str; 2] = ["1100000000000000041", "1100000000000000042"];

fn event(i: usize) -> (String, Vec<u8>) {
    let id = format!("pi_crash_{i}");
    let created = chrono::Utc::now().timestamp();
    (
        id.clone(),
        stripe_checkout(
            &format!("evt_crash_{i}"),
            &id,
            1000 + i as i64,
            "usd",
            created,
            None,
        ),
    )
}

async fn kill_and_sigterm_under_load_lose_nothing_and_count_once(engine: Engine) {
    let test_db = TestDb::new(engine).await;
    let db = test_db.connect().await;
    let port = free_port();
    let server = Server::start(&test_db, port).await;
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "Crash Cup")]}]);
    // The binary judges freshness by the system clock: a capture from ten minutes ago
    // is refused before it runs.
    let stale = server
        .command_signed_at("lobby", options.clone(), HOST, 600)
        .await;
    assert_eq!(stale, 401);
    server.command("lobby", options, HOST).await;
    for racer in RACERS {
        server.command("join", json!([]), racer).await;
    }
    server.command("start", json!([]), HOST).await;

    let events: Vec<_> = (0..400).map(event).collect();
    let address = server.address.clone();
    let load = actix_web::rt::spawn(async move { deliver(&address, &events).await });
    // Kill once part of the load has been acknowledged.
    let started = Instant::now();
    while sale::Entity::find().count(&db).await.unwrap() < 100
        && started.elapsed() < Duration::from_secs(60)
    {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let acked = load.await.unwrap();
    assert!(
        !acked.is_empty() && acked.len() < 400,
        "kill landed mid-load: {} acked",
        acked.len()
    );
    assert_eq!(
        recorded(&db, &acked).await,
        acked.len() as u64,
        "an acknowledged sale was lost"
    );

    let server = Server::start(&test_db, port).await;
    let events: Vec<_> = (0..400).map(event).collect();
    let redelivered = deliver(&server.address, &events).await;
    assert_eq!(redelivered.len(), 400);
    assert_eq!(sale::Entity::find().count(&db).await.unwrap(), 400);
    assert_eq!(allocation::Entity::find().count(&db).await.unwrap(), 800);
    assert_ledger_balances(&db).await;

    // SIGTERM under load: what was acknowledged is kept, the rest is redelivered.
    let more: Vec<_> = (400..800).map(event).collect();
    let address = server.address.clone();
    let load = actix_web::rt::spawn(async move { deliver(&address, &more).await });
    let started = Instant::now();
    while sale::Entity::find().count(&db).await.unwrap() < 450
        && started.elapsed() < Duration::from_secs(60)
    {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(server.terminate(), "graceful shutdown exits cleanly");
    let acked = load.await.unwrap();
    assert_eq!(
        recorded(&db, &acked).await,
        acked.len() as u64,
        "an acknowledged sale was lost"
    );
    let server = Server::start(&test_db, port).await;
    let more: Vec<_> = (400..800).map(event).collect();
    assert_eq!(deliver(&server.address, &more).await.len(), 400);
    assert_eq!(sale::Entity::find().count(&db).await.unwrap(), 800);
    assert_eq!(allocation::Entity::find().count(&db).await.unwrap(), 1600);
    assert_ledger_balances(&db).await;
    server.kill();
}
on_both_engines!(kill_and_sigterm_under_load_lose_nothing_and_count_once);
