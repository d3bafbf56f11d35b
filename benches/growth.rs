//! Growth: what 10,000 Discord interactions and 1,000 finished lobbies leave in
//! the database and in memory, before and after the interaction claims are
//! pruned and the closed lobbies' actors stop, and after a restart. The server
//! runs in this process on a manual clock (so that 15 minutes pass at once) on a
//! temporary SQLite database; prints one JSON line.
//!
//! `cargo bench --bench growth` (`-- --lobbies N --interactions N` to change the sizes)

#[path = "support/interactions.rs"]
mod interactions;

use std::net::TcpListener;

use clap::Parser;
use cozykart::clock::Clock;
use cozykart::config::Config;
use cozykart::startup::Application;
use ed25519_dalek::SigningKey;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

#[derive(Parser, Debug)]
struct Args {
    /// Lobbies created, raced and closed, one per channel.
    #[arg(long, default_value_t = 1_000)]
    lobbies: usize,
    /// Interactions in all: four per lobby (create, join, start, end), the rest `/wallet`.
    #[arg(long, default_value_t = 10_000)]
    interactions: usize,
}

/// What is held at one moment: interaction rows, lobby actors, resident memory.
#[derive(serde::Serialize)]
struct Held {
    interaction_rows: u64,
    lobby_actors: usize,
    rss_kib: u64,
}

/// A server running in this process: what it shares, its handle, its address.
struct Running {
    services: actix_web::web::Data<cozykart::services::Services>,
    handle: actix_web::dev::ServerHandle,
    base: String,
}

async fn held(server: &Running, db: &sea_orm::DatabaseConnection) -> Held {
    Held {
        interaction_rows: entity::interaction::Entity::find()
            .count(db)
            .await
            .expect("count"),
        lobby_actors: server.services.lobbies.running_count(),
        rss_kib: interactions::rss_kib(std::process::id(), "VmRSS:"),
    }
}

async fn start(config: &Config, clock: &Clock) -> Running {
    let db = cozykart::db::open(&config.database_url)
        .await
        .expect("database");
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let app = Application::with_listener(config.clone(), clock.clone(), db, listener)
        .await
        .expect("server");
    let running = Running {
        services: app.services(),
        handle: app.handle(),
        base: format!("http://127.0.0.1:{}", app.port()),
    };
    actix_web::rt::spawn(app.run_until_stopped());
    running
}

#[actix_web::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/growth.db?mode=rwc", dir.path().display());
    let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let public_key = hex::encode(key.verifying_key().to_bytes());
    let cap = args.lobbies.max(1);
    let config = Config::from_toml(&format!(
        "[database]\nurl = \"{url}\"\n[discord]\npublic_key = \"{public_key}\"\n\
         max_lobbies_per_guild = {cap}\nmax_lobbies_per_hour = {cap}\n"
    ))
    .expect("configuration");
    let clock = Clock::manual(chrono::Utc::now());
    let server = start(&config, &clock).await;
    let db = cozykart::db::open(&url).await.expect("database");
    let started = held(&server, &db).await;
    let host = 1_100_000_000_000_000_000u64;
    let send = |name: &'static str, options: serde_json::Value, user: u64, channel: usize| {
        let (base, key, now) = (server.base.clone(), key.clone(), clock.now().timestamp());
        async move { interactions::command(&base, &key, now, name, options, user, channel).await }
    };
    for l in 0..args.lobbies {
        let name = json!([{"name": "create", "type": 1, "options": [{"name": "name", "type": 3, "value": format!("Lobby {l}")}]}]);
        let card = send("lobby", name, host, l).await;
        let lobby = json!([{"name": "lobby", "type": 3, "value": interactions::lobby_code(&card)}]);
        send("join", lobby.clone(), host + 1, l).await;
        send("start", lobby.clone(), host, l).await;
        send("end", lobby, host, l).await;
    }
    let wallets = args.interactions.saturating_sub(4 * args.lobbies);
    for n in 0..wallets {
        send("wallet", json!([]), host + 1 + (n % 30) as u64, 0).await;
    }
    let after_traffic = held(&server, &db).await;
    // Fifteen minutes on: the claims' tokens expired, the closed lobbies rested.
    clock.advance(chrono::Duration::minutes(16));
    let pruned = cozykart::commands::once::prune(&db, clock.now())
        .await
        .expect("prune");
    let retired = server.services.lobbies.retire_quiet().await;
    let after_pruning = held(&server, &db).await;
    cozykart::startup::stop_gracefully(&server.services, &server.handle).await;
    server.services.ledger.drain().await;
    let restarted = start(&config, &clock).await;
    let after_restart = held(&restarted, &db).await;
    let report = json!({
        "bench": "growth",
        "engine": "sqlite",
        "lobbies": args.lobbies,
        "interactions": args.interactions,
        "started": started,
        "after_traffic": after_traffic,
        "pruned_rows": pruned,
        "retired_actors": retired,
        "after_pruning": after_pruning,
        "after_restart": after_restart,
    });
    println!("{report}");
}
