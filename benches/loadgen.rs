//! Load generator: starts the real `cozykart` binary on a temporary database,
//! creates lobbies through signed Discord interactions, opens their windows,
//! connects overlay websocket clients, sends signed Stripe webhooks (with a share
//! of replays) and prints one JSON line with throughput, latencies, memory, the
//! ledger check, and both baselines measured in the same run.
//!
//! `cargo bench --bench loadgen -- --lobbies 100 --racers 8 --clients 1000 --sales 20000`
//! (`--postgres URL` for PostgreSQL; `--instances N` for N server processes on that
//! one database, clients and webhooks round-robin across them; `--smoke` for a
//! few-second run).

#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/interactions.rs"]
mod interactions;

use std::cell::RefCell;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use clap::Parser;
use cozykart::webhooks::stripe;
use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

const SECRET: &str = "whsec_loadgen_only";
const ADMIN: &str = "loadgen-admin-token-0123456789";
const CHECKOUT: &[u8] =
    include_bytes!("../tests/fixtures/webhooks/stripe/checkout_session_completed.json");
/// Age after which a pre-signed webhook is signed again before it is sent.
const RESIGN_AFTER: Duration = Duration::from_secs(240);

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 100)]
    lobbies: usize,
    #[arg(long, default_value_t = 8)]
    racers: usize,
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    #[arg(long, default_value_t = 20_000)]
    sales: usize,
    /// Target webhooks per second; 0 sends as fast as the server answers.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Share of deliveries that replay an earlier event.
    #[arg(long, default_value_t = 0.1)]
    duplicates: f64,
    /// Webhook requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// PostgreSQL server URL (admin database); SQLite when absent.
    #[arg(long)]
    postgres: Option<String>,
    /// Server processes on the one database (PostgreSQL only): overlay clients and
    /// webhooks go to them in turn.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Few lobbies, clients and sales: checks the tool works (CI).
    #[arg(long)]
    smoke: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[index]
}

fn server_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join("cozykart")
}

async fn start_server(
    url: &str,
    key: &SigningKey,
    max_racers: usize,
    max_lobbies: usize,
) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    // `LOADGEN_SERVER_WRAPPER="heaptrack -o /tmp/cozykart"` runs the server under a
    // profiler (its memory figures are then the wrapper's and the profiler's).
    let wrapper = std::env::var("LOADGEN_SERVER_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut command = match words.next() {
        Some(program) => {
            let mut command = Command::new(program);
            command.args(words).arg(server_binary());
            command
        }
        None => Command::new(server_binary()),
    };
    let child = command
        .arg("serve")
        .env("COZYKART__DATABASE__URL", url)
        .env("COZYKART__HTTP__BIND", format!("127.0.0.1:{port}"))
        .env(
            "COZYKART__DISCORD__PUBLIC_KEY",
            hex::encode(key.verifying_key().to_bytes()),
        )
        .env("COZYKART__ADMIN__TOKEN", ADMIN)
        .env("COZYKART__SHOPS__LOAD__PROVIDER", "stripe")
        .env("COZYKART__SHOPS__LOAD__SECRET", SECRET)
        .env("COZYKART__COMMISSION__MAX_RACERS", max_racers.to_string())
        .env(
            "COZYKART__DISCORD__MAX_LOBBIES_PER_GUILD",
            max_lobbies.to_string(),
        )
        .env(
            "COZYKART__DISCORD__MAX_LOBBIES_PER_HOUR",
            max_lobbies.to_string(),
        )
        // Every overlay client of the run connects from this one address.
        .env("COZYKART__OVERLAY__MAX_CLIENTS_PER_ADDRESS", "100000")
        .env("COZYKART__OVERLAY__MAX_CLIENTS_PER_LOBBY", "100000")
        .env(
            "RUST_LOG",
            std::env::var("LOADGEN_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cozykart binary (built by cargo bench) starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = awc::Client::new()
            .get(format!("{}/healthz", server.base))
            .send()
            .await
        {
            if r.status() == 200 {
                return server;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not come up");
}

/// A signed interaction to `server`, signed now by the wall clock (which the
/// server, a child process, reads too).
async fn command(
    server: &Server,
    key: &SigningKey,
    name: &str,
    options: Value,
    user: u64,
    channel: usize,
) -> Value {
    let now = chrono::Utc::now().timestamp();
    interactions::command(&server.base, key, now, name, options, user, channel).await
}

/// Creates the lobbies (each in its own channel), fills and starts them.
async fn make_lobbies(server: &Server, key: &SigningKey, args: &Args) -> Vec<String> {
    let host = 1_100_000_000_000_000_000u64;
    let mut codes = Vec::with_capacity(args.lobbies);
    for l in 0..args.lobbies {
        let options = json!([{"name": "create", "type": 1, "options": [{"name": "name", "type": 3, "value": format!("Lobby {l}")}]}]);
        let reply = command(server, key, "lobby", options, host, l).await;
        codes.push(interactions::lobby_code(&reply));
        for r in 0..args.racers {
            command(
                server,
                key,
                "join",
                json!([]),
                host + 1 + (l * args.racers + r) as u64,
                l,
            )
            .await;
        }
        command(server, key, "start", json!([]), host, l).await;
    }
    codes
}

fn checkout(event: &str, lobby: &str, amount_minor: i64) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(CHECKOUT).expect("fixture");
    body["id"] = json!(event);
    body["created"] = json!(chrono::Utc::now().timestamp());
    let session = &mut body["data"]["object"];
    session["id"] = json!(format!("cs_{event}"));
    session["payment_intent"] = json!(format!("pi_{event}"));
    session["amount_total"] = json!(amount_minor);
    session["metadata"] = json!({"lobby": lobby});
    serde_json::to_vec(&body).expect("json")
}

/// Signed now by the wall clock, which the server (a child process) reads too.
fn sign(body: &[u8]) -> String {
    stripe::signature_header(SECRET, chrono::Utc::now().timestamp(), body)
}

/// (lobby, amount in minor units) -> when its webhook was sent.
type Sent = Rc<RefCell<HashMap<(usize, i64), Instant>>>;

async fn connect_clients(
    servers: &[Server],
    codes: &[String],
    clients: usize,
    sent: Sent,
    seen: Rc<RefCell<Vec<f64>>>,
) {
    for c in 0..clients {
        let lobby = c % codes.len();
        let server = &servers[c % servers.len()];
        let url = format!(
            "{}/ws/lobbies/{}",
            server.base.replace("http", "ws"),
            codes[lobby]
        );
        let (_, mut socket) = awc::Client::new()
            .ws(url)
            .connect()
            .await
            .expect("websocket");
        let (sent, seen) = (sent.clone(), seen.clone());
        actix_web::rt::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let bytes = match frame {
                    awc::ws::Frame::Text(bytes) => bytes,
                    // Answered as a browser does: the server drops a client silent
                    // for its timeout (15 s), and a longer run then lost frames.
                    awc::ws::Frame::Ping(payload) => {
                        let _ = socket.send(awc::ws::Message::Pong(payload)).await;
                        continue;
                    }
                    _ => continue,
                };
                let Ok(event) = serde_json::from_slice::<Value>(&bytes) else {
                    continue;
                };
                if event["type"] != "sale" {
                    continue;
                }
                let minor = event["amount"]
                    .as_str()
                    .and_then(|a| a.replace('.', "").parse::<i64>().ok());
                if let Some(at) = minor.and_then(|m| sent.borrow().get(&(lobby, m)).copied()) {
                    seen.borrow_mut().push(at.elapsed().as_secs_f64() * 1000.0);
                }
            }
        });
    }
}

struct Delivery {
    lobby: usize,
    amount: i64,
    event: String,
}

async fn send_webhooks(
    servers: &[Server],
    codes: &[String],
    args: &Args,
    sent: Sent,
) -> (usize, f64, Vec<f64>) {
    let replay_every = if args.duplicates > 0.0 {
        (1.0 / args.duplicates).round().max(1.0) as usize
    } else {
        0
    };
    let mut plan = Vec::with_capacity(args.sales);
    for i in 0..args.sales {
        let lobby = i % codes.len();
        plan.push(Delivery {
            lobby,
            amount: 1000 + (i / codes.len()) as i64,
            event: format!("evt_lg_{i}"),
        });
        if replay_every > 0 && i % replay_every == replay_every - 1 {
            let j = i / 2;
            plan.push(Delivery {
                lobby: j % codes.len(),
                amount: 1000 + (j / codes.len()) as i64,
                event: format!("evt_lg_{j}"),
            });
        }
    }
    // Every request is built and signed before the clock starts, so that the
    // client's own work is not what is measured; a signature older than
    // RESIGN_AFTER (the server accepts five minutes) is made again when sent.
    let signed_at = Instant::now();
    let requests: Vec<(Delivery, Bytes, String)> = plan
        .into_iter()
        .map(|d| {
            let body = Bytes::from(checkout(&d.event, &codes[d.lobby], d.amount));
            let signature = sign(&body);
            (d, body, signature)
        })
        .collect();
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    // Round-robin across the server processes.
    let urls: Vec<String> = servers
        .iter()
        .map(|server| format!("{}/webhooks/stripe/load", server.base))
        .collect();
    let interval = (args.rate > 0).then(|| Duration::from_secs_f64(1.0 / args.rate as f64));
    let started = Instant::now();
    let results: Vec<Option<f64>> = futures_util::stream::iter(requests.into_iter().enumerate())
        .map(|(n, (d, body, signature))| {
            let (client, sent) = (client.clone(), sent.clone());
            let url = urls[n % urls.len()].clone();
            async move {
                if let Some(interval) = interval {
                    let due = started + interval * n as u32;
                    actix_web::rt::time::sleep_until(due.into()).await;
                }
                let signature = if signed_at.elapsed() > RESIGN_AFTER {
                    sign(&body)
                } else {
                    signature
                };
                let at = Instant::now();
                sent.borrow_mut().entry((d.lobby, d.amount)).or_insert(at);
                let answer = client
                    .post(url)
                    .insert_header(("Stripe-Signature", signature))
                    .send_body(body)
                    .await;
                matches!(answer, Ok(ref r) if r.status() == 200)
                    .then(|| at.elapsed().as_secs_f64() * 1000.0)
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let latencies: Vec<f64> = results.iter().flatten().copied().collect();
    (latencies.len(), elapsed, latencies)
}

/// (batches, mean jobs per batch, seconds spent writing) from the server's metrics.
async fn ledger_metrics(server: &Server) -> (f64, f64, f64) {
    let Ok(mut response) = awc::Client::new()
        .get(format!("{}/metrics", server.base))
        .send()
        .await
    else {
        return (0.0, 0.0, 0.0);
    };
    let text = String::from_utf8_lossy(&response.body().await.unwrap_or_default()).into_owned();
    let value = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let batches = value("cozykart_ledger_batch_size_count");
    let jobs = value("cozykart_ledger_batch_size_sum");
    (
        batches,
        if batches > 0.0 { jobs / batches } else { 0.0 },
        value("cozykart_ledger_commit_seconds_sum"),
    )
}

/// Baselines on fresh databases migrated like the server's: written straight
/// through a driver (PostgreSQL: tokio-postgres; SQLite: sqlx), and on SQLite also
/// through the C library itself.
struct Baselines {
    naive: f64,
    limit: f64,
    /// SQLite only: the same loops through rusqlite (naive, limit).
    c_library: Option<(f64, f64)>,
}

async fn baselines(
    url_for: &dyn Fn(&str) -> String,
    postgres: bool,
    sales: usize,
    racers: usize,
) -> Baselines {
    let names: &[&str] = if postgres {
        &["naive", "limit"]
    } else {
        &["naive", "limit", "naive_c", "limit_c"]
    };
    for name in names {
        let db = cozykart::db::connect(&url_for(name))
            .await
            .expect("baseline db");
        cozykart::db::migrate(&db).await.expect("migrate");
        db.close().await.expect("close");
    }
    if postgres {
        Baselines {
            naive: baseline::postgres::naive(&url_for("naive"), sales, racers).await,
            limit: baseline::postgres::limit(&url_for("limit"), sales, racers).await,
            c_library: None,
        }
    } else {
        use baseline::sqlite::c_library;
        Baselines {
            naive: baseline::sqlite::naive(&url_for("naive"), sales, racers).await,
            limit: baseline::sqlite::limit(&url_for("limit"), sales, racers).await,
            c_library: Some((
                c_library::naive(&url_for("naive_c"), sales, racers),
                c_library::limit(&url_for("limit_c"), sales, racers),
            )),
        }
    }
}

/// Drops the run's databases (the server has stopped; baselines are done).
async fn drop_postgres_databases(admin: &str, run_id: u32) {
    use sea_orm::ConnectionTrait;
    let Ok(db) = sea_orm::Database::connect(admin).await else {
        return;
    };
    for suffix in ["", "_naive", "_limit"] {
        let sql =
            format!("DROP DATABASE IF EXISTS \"cozykart_loadgen_{run_id}{suffix}\" WITH (FORCE)");
        let _ = db.execute_unprepared(&sql).await;
    }
}

async fn run(mut args: Args) -> Value {
    if args.smoke {
        (args.lobbies, args.racers, args.clients, args.sales) = (4, 3, 20, 200);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let run_id = std::process::id();
    let path = dir.path().to_owned();
    let mut url_for: Box<dyn Fn(&str) -> String> = Box::new(move |name| {
        format!(
            "sqlite://{}?mode=rwc",
            path.join(format!("{name}.db")).display()
        )
    });
    let mut server_url = url_for("server");
    if let Some(admin) = args.postgres.clone() {
        server_url =
            baseline::postgres::database(&admin, &format!("cozykart_loadgen_{run_id}")).await;
        let (naive, limit) = (
            baseline::postgres::database(&admin, &format!("cozykart_loadgen_{run_id}_naive")).await,
            baseline::postgres::database(&admin, &format!("cozykart_loadgen_{run_id}_limit")).await,
        );
        url_for = Box::new(move |name| {
            if name == "naive" {
                naive.clone()
            } else {
                limit.clone()
            }
        });
    }
    let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let mut servers = Vec::with_capacity(args.instances);
    for _ in 0..args.instances.max(1) {
        servers.push(start_server(&server_url, &key, args.racers, args.lobbies).await);
    }
    let server = &servers[0];
    let pid = server.child.id();
    let rss_start = interactions::rss_kib(pid, "VmRSS:");
    let codes = make_lobbies(server, &key, &args).await;
    every_server_knows(&servers, &codes).await;
    let rss_lobbies = interactions::rss_kib(pid, "VmRSS:");
    let sent: Sent = Rc::new(RefCell::new(HashMap::new()));
    let seen = Rc::new(RefCell::new(Vec::new()));
    connect_clients(&servers, &codes, args.clients, sent.clone(), seen.clone()).await;
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let rss_clients = interactions::rss_kib(pid, "VmRSS:");
    let (accepted, elapsed, mut webhook_ms) = send_webhooks(&servers, &codes, &args, sent).await;
    // Let the last frames arrive (bounded).
    let expected = args.sales * args.clients / codes.len().max(1);
    let waited = Instant::now();
    while seen.borrow().len() < expected && waited.elapsed() < Duration::from_secs(10) {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let mut overlay_ms = seen.borrow().clone();
    let mut verify = awc::Client::new()
        .get(format!("{}/api/admin/ledger/verify", server.base))
        .insert_header(("Authorization", format!("Bearer {ADMIN}")))
        .send()
        .await
        .expect("verify answered");
    let verify: Value = verify.json().await.unwrap_or(Value::Null);
    let peak_rss = interactions::rss_kib(pid, "VmHWM:");
    let mut ledger = (0.0, 0.0, 0.0);
    for server in &servers {
        let (batches, mean, busy) = ledger_metrics(server).await;
        ledger = (
            ledger.0 + batches,
            ledger.1 + batches * mean,
            ledger.2 + busy,
        );
    }
    let ledger = (ledger.0, ledger.1 / ledger.0.max(1.0), ledger.2);
    drop(servers);
    let base = baselines(
        url_for.as_ref(),
        args.postgres.is_some(),
        args.sales.min(5_000),
        args.racers,
    )
    .await;
    if let Some(admin) = &args.postgres {
        drop_postgres_databases(admin, run_id).await;
    }
    let ours = accepted as f64 / elapsed;
    json!({
        "engine": if args.postgres.is_some() { "postgres" } else { "sqlite" },
        "instances": args.instances.max(1),
        "lobbies": args.lobbies, "racers": args.racers, "clients": args.clients,
        "deliveries": accepted, "duplicate_share": args.duplicates,
        "accepted_per_s": ours.round(),
        "webhook_ms_p50": percentile(&mut webhook_ms, 0.50), "webhook_ms_p99": percentile(&mut webhook_ms, 0.99),
        "overlay_frames": overlay_ms.len(), "overlay_frames_expected": expected,
        "sale_to_overlay_ms_p50": percentile(&mut overlay_ms, 0.50), "sale_to_overlay_ms_p99": percentile(&mut overlay_ms, 0.99),
        "server_peak_rss_kib": peak_rss,
        "bytes_per_idle_lobby": (rss_lobbies.saturating_sub(rss_start) * 1024) / args.lobbies.max(1) as u64,
        "bytes_per_idle_client": (rss_clients.saturating_sub(rss_lobbies) * 1024) / args.clients.max(1) as u64,
        "ledger_verify_ok": verify["ok"],
        "ledger_batches": ledger.0, "ledger_mean_batch": ledger.1, "ledger_busy_s": ledger.2,
        "naive_sales_per_s": base.naive.round(), "limit_sales_per_s": base.limit.round(),
        "ours_over_naive": ours / base.naive, "ours_over_limit": ours / base.limit,
        "naive_c_sales_per_s": base.c_library.map(|(naive, _)| naive.round()),
        "limit_c_sales_per_s": base.c_library.map(|(_, limit)| limit.round()),
        "ours_over_naive_c": base.c_library.map(|(naive, _)| ours / naive),
        "ours_over_limit_c": base.c_library.map(|(_, limit)| ours / limit),
    })
}

/// Waits until every server lists every lobby (the others learn them from the
/// first one's notifications), bounded.
async fn every_server_knows(servers: &[Server], codes: &[String]) {
    let started = Instant::now();
    for server in &servers[1..] {
        for code in codes {
            let url = format!("{}/api/lobbies/{code}", server.base);
            while !matches!(awc::Client::new().get(&url).send().await, Ok(ref r) if r.status() == 200)
            {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "lobby {code} never reached {}",
                    server.base
                );
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

fn main() {
    let args = Args::parse();
    if args.instances > 1 && args.postgres.is_none() {
        eprintln!("--instances above 1 needs --postgres: SQLite serves one process");
        std::process::exit(2);
    }
    let report = actix_web::rt::System::new().block_on(run(args));
    println!("{report}");
    if report["ledger_verify_ok"] != json!(true) {
        std::process::exit(1);
    }
}
