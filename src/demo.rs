//! `cozykart demo`: the real server with a demo lobby whose window is open, fed a
//! signed Stripe sale every few seconds through the real webhook path, so the
//! overlay can be watched. Sales go to this machine's own port only. It runs on a
//! temporary SQLite database of its own, removed when it stops: the configured
//! `database.url` (perhaps a community's real ledger) is never opened.

use std::time::Duration;

use actix_web::http::StatusCode;
use anyhow::Context;
use serde_json::{json, Value};

use crate::checkout::CheckoutUrl;
use crate::clock::Clock;
use crate::config::{Config, ShopConfig};
use crate::lobby::{Join, Start};
use crate::sale::Provider;
use crate::startup::Application;
use crate::webhooks::stripe;

/// Endpoint secret of the demo shop; used only by demo mode.
const DEMO_SECRET: &str = "whsec_cozykart_demo_only";
const DEMO_SHOP: &str = "demo";
/// File name of the demo's database inside its temporary directory.
const DEMO_DATABASE: &str = "demo.db";
const SALE_EVERY: Duration = Duration::from_secs(4);
/// Demo sales sent before the feed stops by itself.
const SALES_MAX: u32 = 500;
/// Longest refusal read back from our own endpoint for the log (a JSON error).
const ANSWER_MAX_BYTES: usize = 1024;
const RACERS: &[(&str, &str)] = &[
    ("900001", "Mochi"),
    ("900002", "Pip"),
    ("900003", "Turbo Tofu"),
    ("900004", "Lady Drift"),
];
const CHECKOUT_FIXTURE: &str =
    include_str!("../tests/fixtures/webhooks/stripe/checkout_session_completed.json");

/// A demo server, bound and with its race live, not yet serving until awaited.
pub struct Demo {
    pub app: Application,
    /// The overlay page of the demo race.
    pub overlay_url: String,
    /// Holds the demo's database; dropping it removes the database.
    database_dir: tempfile::TempDir,
}

impl Demo {
    /// Where the demo's own database lives (gone once the demo is dropped).
    pub fn database_path(&self) -> std::path::PathBuf {
        self.database_dir.path().join(DEMO_DATABASE)
    }

    /// Serves until stopped (Ctrl-C or the handle), then removes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Demo {
            app, database_dir, ..
        } = self;
        app.run_until_stopped().await?;
        database_dir.close()
    }
}

/// Runs the demo until Ctrl-C, then removes its database.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let demo = start(config).await?;
    println!(
        "Demo mode: on a temporary database {} (removed when the demo stops; database.url is not opened).",
        demo.database_path().display()
    );
    println!("Demo race live. Open the overlay: {}", demo.overlay_url);
    println!(
        "Its settings page (options and a preview): {}/setup",
        demo.overlay_url
    );
    let services = demo.app.services();
    actix_web::rt::spawn(feed(demo.app.port(), services.clock.clone()));
    demo.run_until_stopped().await?;
    Ok(())
}

/// Builds the server on a fresh temporary database with the demo shop and a race
/// whose window is open; returns it with the overlay link (which follows the bound
/// port while `http.public_url` is left at its default).
pub async fn start(mut config: Config) -> anyhow::Result<Demo> {
    let database_dir = tempfile::Builder::new()
        .prefix("cozykart-demo-")
        .tempdir()
        .context("creating the demo's temporary directory")?;
    config.database_url = format!(
        "sqlite://{}?mode=rwc",
        database_dir.path().join(DEMO_DATABASE).display()
    );
    config.shops.insert(
        DEMO_SHOP.to_owned(),
        ShopConfig {
            name: DEMO_SHOP.to_owned(),
            provider: Provider::Stripe,
            secrets: vec![DEMO_SECRET.to_owned()],
            guild_id: None,
            checkout_url: Some(CheckoutUrl::parse("https://shop.example/merch?lobby=")),
            kofi_types: Vec::new(),
        },
    );
    let app = Application::build(config, Clock::system()).await?;
    let services = app.services();
    let now = services.clock.now();
    let lobby = services
        .lobbies
        .create(None, Some("demo".into()), "demo-host", "Demo Cup", now)
        .await
        .context("creating the demo lobby")?;
    for (id, name) in RACERS {
        let join = Join {
            discord_id: (*id).into(),
            display_name: (*name).into(),
            at: now,
        };
        let _ = lobby.addr.send(join).await;
    }
    let _ = lobby.addr.send(Start { at: now }).await;
    let overlay_url = format!("{}/overlay/{}", services.config.http.public_url, lobby.code);
    Ok(Demo {
        app,
        overlay_url,
        database_dir,
    })
}

/// Posts signed demo sales to our own webhook endpoint, stamped by the server's
/// clock so that the signature is inside its replay window.
async fn feed(port: u16, clock: Clock) {
    let client = awc::Client::default();
    let url = format!("http://127.0.0.1:{port}/webhooks/stripe/{DEMO_SHOP}");
    for i in 0..SALES_MAX {
        tokio::time::sleep(SALE_EVERY).await;
        let stamp = clock.now().timestamp();
        if let Err(error) = post(&client, &url, sale_body(i, stamp), stamp).await {
            tracing::warn!(%error, "demo sale not delivered");
        }
    }
}

fn sale_body(i: u32, stamp: i64) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(CHECKOUT_FIXTURE).unwrap_or_else(|_| json!({}));
    event["id"] = json!(format!("evt_demo_{stamp}_{i}"));
    event["created"] = json!(stamp);
    let session = &mut event["data"]["object"];
    let amount = [1800, 2250, 3500, 1200, 4999][i as usize % 5];
    session["id"] = json!(format!("cs_demo_{stamp}_{i}"));
    session["payment_intent"] = json!(format!("pi_demo_{stamp}_{i}"));
    session["amount_total"] = json!(amount);
    session["metadata"] = json!({});
    serde_json::to_vec(&event).unwrap_or_default()
}

/// Sends one sale signed at `stamp` as Stripe would; anything but 200 is an error.
async fn post(client: &awc::Client, url: &str, body: Vec<u8>, stamp: i64) -> anyhow::Result<()> {
    let signature = stripe::signature_header(DEMO_SECRET, stamp, &body);
    let mut response = client
        .post(url)
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("Stripe-Signature", signature))
        .send_body(body)
        .await
        // awc's error is not `Send`, so it travels as text.
        .map_err(|e| anyhow::anyhow!("demo sale not sent to {url}: {e}"))?;
    let status = response.status();
    if status != StatusCode::OK {
        let answer = response
            .body()
            .limit(ANSWER_MAX_BYTES)
            .await
            .unwrap_or_default();
        anyhow::bail!(
            "demo sale answered {status} by {url}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    Ok(())
}
