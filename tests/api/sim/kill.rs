//! `kill -9` of a server process while webhooks are in flight. The server is
//! then a child process: this same test binary, run as the ignored test
//! [`host`] on the schedule's database, its clock stopped where the schedule's
//! is. A few new sales are sent to it at once and it is killed after a random
//! moment; every sale it acknowledged must be recorded, and the shop delivers
//! again those it did not, each recorded once.
//!
//! On PostgreSQL the schedule's own server keeps running beside the child (two
//! processes on one database): its overlays must show what the child recorded,
//! and now and then a sale goes to both processes at once. On SQLite, which
//! serves one process, the schedule's server stops first and starts again after.

use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::model::{Provider, Reported};
use super::sales::{Delivery, StripeSale};
use super::Sim;
use crate::child::{recorded, Server};
use crate::helpers::{spawn_app_on_listener, Engine, TestDb};
use crate::signing::{stripe_checkout, stripe_signature, try_post};

/// The child's settings, from the schedule that starts it.
const HOST_DB: &str = "SIM_HOST_DB";
const HOST_CONFIG: &str = "SIM_HOST_CONFIG";
const HOST_AT: &str = "SIM_HOST_AT";
/// Where the child writes the port it listens on: it binds port 0 itself, so
/// that no other process can take the port between its choice and the bind (a
/// port chosen by the schedule and bound later by the child was now and then
/// taken meanwhile by a server of a simulation running beside it, which then
/// answered for the child).
const HOST_PORT_FILE: &str = "SIM_HOST_PORT_FILE";

/// The longest the child is left to answer before it is killed.
const KILL_AFTER_MAX_MS: u64 = 80;

/// One new sale sent to the child.
struct Sent {
    sale: StripeSale,
    delivery: Delivery,
    /// Answered 200 by a server before the kill.
    acknowledged: bool,
}

impl Sim {
    pub(super) async fn kill_mid_delivery(&mut self) {
        let count = self.rng.gen_range(1..=4);
        let mut sent: Vec<Sent> = (0..count).map(|_| self.new_stripe_sale()).collect();
        let kill_after = self.rng.gen_range(0..=KILL_AFTER_MAX_MS);
        let both: Vec<bool> = sent
            .iter()
            .map(|_| matches!(self.engine, Engine::Postgres) && self.rng.gen_bool(0.3))
            .collect();
        self.log.push(format!(
            "kill -9 after {kill_after} ms with {} in flight ({} also to the other process)",
            sent.iter()
                .map(|s| s.sale.pi.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            both.iter().filter(|b| **b).count()
        ));
        self.injected.kills += 1;

        let clock = self.app().clock.clone();
        let stopped = match self.engine {
            Engine::Sqlite => Some(self.stop_server().await),
            Engine::Postgres => None,
        };
        let url = match &stopped {
            Some((db, _)) => db.url.clone(),
            None => self.app().test_db.url.clone(),
        };
        let host = start_host(&url, &self.config, clock.now()).await;
        let client = awc::Client::builder()
            .timeout(StdDuration::from_secs(30))
            .finish();
        let at = clock.now();
        let child = host.address.clone();
        let deliveries = sent.iter().zip(&both).map(|(sale, both)| {
            let (client, host) = (&client, child.as_str());
            let here = self
                .app
                .as_ref()
                .filter(|_| *both)
                .map(|app| app.address.clone());
            async move {
                let there = send_stripe(client, host, &sale.delivery, at);
                let here = async {
                    match &here {
                        Some(address) => send_stripe(client, address, &sale.delivery, at).await,
                        None => None,
                    }
                };
                let (there, here) = futures_util::future::join(there, here).await;
                there == Some(200) || here == Some(200)
            }
        });
        let killer = async {
            actix_web::rt::time::sleep(StdDuration::from_millis(kill_after)).await;
            host.kill();
        };
        let (acknowledged, ()) =
            futures_util::future::join(futures_util::future::join_all(deliveries), killer).await;
        for (sale, acknowledged) in sent.iter_mut().zip(acknowledged) {
            sale.acknowledged = acknowledged;
            self.injected.unanswered += u64::from(!acknowledged);
        }
        if let Some((db, clock)) = stopped {
            self.start_server(db, clock).await;
        }

        // Nothing acknowledged is lost.
        let acknowledged: Vec<String> = sent
            .iter()
            .filter(|s| s.acknowledged)
            .map(|s| s.sale.pi.clone())
            .collect();
        let found = recorded(&self.app().db, &acknowledged).await;
        if found != acknowledged.len() as u64 {
            self.diverged(format!(
                "{acknowledged:?} acknowledged, {found} of them recorded"
            ));
        }
        // The shop delivers again what was not acknowledged: recorded once.
        for Sent {
            sale,
            delivery,
            acknowledged,
        } in &sent
        {
            if !acknowledged {
                let what = format!("sale {} again after the kill", sale.pi);
                self.deliver(&what, delivery, None).await;
            }
            let reported = Reported {
                provider: Provider::Stripe,
                shop: sale.shop,
                id: &sale.pi,
                amount: sale.amount,
                guild: sale.guild,
                paid: at,
                received: at,
            };
            self.model.sale(&sale.pi, reported, sale.tag.as_deref());
        }
        // What the child recorded reaches this process's lobbies by notice, a
        // moment after the child's commit.
        self.wait_for_pots(StdDuration::from_secs(10)).await;
        self.check_all().await;
    }

    /// Waits (bounded) until every lobby's pot is the model's; the check that
    /// follows says what differs.
    async fn wait_for_pots(&self, within: StdDuration) {
        let began = std::time::Instant::now();
        while began.elapsed() < within {
            let mut all = true;
            for lobby in &self.model.lobbies {
                all &= self.pot_shown(&lobby.code).await == lobby.pot;
            }
            if all {
                return;
            }
            actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        }
    }

    /// A new Stripe checkout sale paid now; not sent yet.
    fn new_stripe_sale(&mut self) -> Sent {
        let sale = self.draw_stripe_sale();
        let now = self.app().clock.now().timestamp();
        let body = stripe_checkout(
            &sale.event,
            &sale.pi,
            sale.amount,
            "usd",
            now,
            sale.tag.as_deref(),
        );
        Sent {
            delivery: Delivery::Stripe {
                shop: sale.shop,
                body,
            },
            sale,
            acknowledged: false,
        }
    }
}

/// Sends a Stripe delivery to the server at `address`, signed at `at`; its
/// status, `None` when no answer came.
async fn send_stripe(
    client: &awc::Client,
    address: &str,
    delivery: &Delivery,
    at: DateTime<Utc>,
) -> Option<u16> {
    let Delivery::Stripe { shop, body } = delivery else {
        return None;
    };
    let signature = stripe_signature(body, at.timestamp());
    let path = format!("/webhooks/stripe/{shop}");
    let headers = [("Stripe-Signature", signature)];
    try_post(client, address, &path, body.clone(), &headers)
        .await
        .ok()
        .map(|(status, _)| status)
}

/// Starts the child serving `url` with `config`, its clock stopped at `at`.
async fn start_host(url: &str, config: &str, at: DateTime<Utc>) -> Server {
    static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let port_file =
        std::env::temp_dir().join(format!("cozykart-sim-host-{}-{n}.port", std::process::id()));
    let _ = std::fs::remove_file(&port_file);
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["sim::kill::host", "--exact", "--ignored", "--nocapture"])
        .env(HOST_DB, url)
        .env(HOST_CONFIG, config)
        .env(HOST_AT, at.to_rfc3339())
        .env(HOST_PORT_FILE, &port_file)
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child starts");
    let began = std::time::Instant::now();
    let port = loop {
        let written = std::fs::read_to_string(&port_file).ok();
        if let Some(port) = written.and_then(|text| text.trim().parse::<u16>().ok()) {
            break port;
        }
        if began.elapsed() > StdDuration::from_secs(30) || matches!(child.try_wait(), Ok(Some(_))) {
            let _ = child.kill();
            panic!("the simulation's child process did not say its port");
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
    };
    let _ = std::fs::remove_file(&port_file);
    Server::serving(child, port).await
}

/// The simulation's child process (see the module's documentation): serves
/// the database it is given until it is killed. Does nothing when run as a
/// test of its own.
#[actix_web::test]
#[ignore = "the simulation's child process, started by its kill -9 fault"]
async fn host() {
    let setting = |name| std::env::var(name).ok();
    let (Some(url), Some(config), Some(at), Some(port_file)) = (
        setting(HOST_DB),
        setting(HOST_CONFIG),
        setting(HOST_AT),
        setting(HOST_PORT_FILE),
    ) else {
        eprintln!("sim::kill::host: run by the simulation only");
        return;
    };
    let at = DateTime::parse_from_rfc3339(&at)
        .expect("a time")
        .with_timezone(&Utc);
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a port");
    let port = listener.local_addr().expect("its address").port();
    let clock = cozykart::clock::Clock::manual(at);
    let _app = spawn_app_on_listener(TestDb::existing(url), &config, clock, listener).await;
    // Said once the server listens; written whole, then moved into place.
    let partial = format!("{port_file}.partial");
    std::fs::write(&partial, port.to_string()).expect("the port file");
    std::fs::rename(&partial, &port_file).expect("the port file");
    std::future::pending::<()>().await;
}
