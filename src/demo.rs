//! `cozykart demo`: the real server with a demo lobby whose window is open, fed a
//! signed Stripe sale every few seconds through the real webhook path, so the
//! overlay can be watched. Sales go to this machine's own port only.

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

pub async fn run(mut config: Config) -> anyhow::Result<()> {
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
    let public_url = config.http.public_url.clone();
    let app = Application::build(config, Clock::system()).await?;
    let port = app.port();
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
    println!(
        "Demo race live. Open the overlay: {public_url}/overlay/{}",
        lobby.code
    );
    actix_web::rt::spawn(feed(port, services.clock.clone()));
    app.run_until_stopped().await?;
    Ok(())
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
