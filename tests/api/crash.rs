//! The server as a child process under load: `kill -9` mid-load, restart, every
//! event redelivered (as providers do): each sale counted exactly once, nothing
//! acknowledged lost, the ledger balanced. Then SIGTERM under load: graceful drain.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entity::{allocation, sale};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{assert_ledger_balances, Engine, TestDb};
use crate::on_both_engines;
use crate::signing::{interaction, option, sign_discord, stripe_checkout, stripe_signature, HOST};

const RACERS: [&str; 2] = ["1100000000000000041", "1100000000000000042"];
/// Concurrent webhook deliveries in flight.
const IN_FLIGHT: usize = 16;

struct Server {
    child: Child,
    address: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    async fn start(db: &TestDb, port: u16) -> Server {
        let public_key =
            serde_json::from_slice::<Value>(include_bytes!("../fixtures/discord/signatures.json"))
                .unwrap()["public_key_hex"]
                .as_str()
                .unwrap()
                .to_owned();
        let child = Command::new(env!("CARGO_BIN_EXE_cozykart"))
            .arg("serve")
            .env("COZYKART__DATABASE__URL", &db.url)
            .env("COZYKART__HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("COZYKART__DISCORD__PUBLIC_KEY", public_key)
            .env("COZYKART__SHOPS__MAIN__PROVIDER", "stripe")
            .env(
                "COZYKART__SHOPS__MAIN__SECRET",
                crate::signing::STRIPE_SECRET,
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        loop {
            let probe = awc::Client::new()
                .get(format!("{}/healthz", server.address))
                .send()
                .await;
            if matches!(probe, Ok(ref r) if r.status() == 200) {
                break server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not come up"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (bounded) for a clean exit.
    fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }

    async fn command(&self, name: &str, options: Value, user: &str) {
        // The child runs on the system clock: sign now, as Discord would.
        let status = self.command_signed_at(name, options, user, 0).await;
        assert_eq!(status, 200);
    }

    /// Sends a command signed `age_seconds` before the system clock; the status.
    async fn command_signed_at(
        &self,
        name: &str,
        options: Value,
        user: &str,
        age_seconds: i64,
    ) -> u16 {
        let body = interaction(name, options, user, "Racer", false);
        let timestamp = (chrono::Utc::now().timestamp() - age_seconds).to_string();
        let signature = sign_discord(&body, &timestamp);
        let response = awc::Client::new()
            .post(format!("{}/discord/interactions", self.address))
            .insert_header(("X-Signature-Ed25519", signature))
            .insert_header(("X-Signature-Timestamp", timestamp))
            .send_body(body)
            .await
            .expect("interaction answered");
        response.status().as_u16()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// Delivers events with bounded concurrency; returns the ids answered 200.
async fn deliver(address: &str, events: &[(String, Vec<u8>)]) -> Vec<String> {
    use futures_util::StreamExt;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    futures_util::stream::iter(events.iter().cloned())
        .map(|(id, body)| {
            let client = client.clone();
            let url = format!("{address}/webhooks/stripe/main");
            async move {
                let signature = stripe_signature(&body, chrono::Utc::now().timestamp());
                let answer = client
                    .post(url)
                    .insert_header(("Stripe-Signature", signature))
                    .send_body(body)
                    .await;
                matches!(answer, Ok(ref r) if r.status() == 200).then_some(id)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|acked| async move { acked })
        .collect()
        .await
}

async fn recorded(db: &DatabaseConnection, ids: &[String]) -> u64 {
    let mut found = 0;
    for chunk in ids.chunks(500) {
        found += sale::Entity::find()
            .filter(sale::Column::ProviderSaleId.is_in(chunk.iter().cloned()))
            .count(db)
            .await
            .unwrap();
    }
    found
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
