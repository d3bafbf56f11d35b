//! `cozykart demo`: the real server with a demo lobby whose window is open, fed a
//! signed Stripe sale every few seconds through the real webhook path, so the
//! overlay can be watched. Sales go to this machine's own port only.

use std::time::Duration;

use anyhow::Context;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::clock::Clock;
use crate::config::{Config, ShopConfig};
use crate::lobby::{Join, Start};
use crate::sale::Provider;
use crate::startup::Application;

/// Endpoint secret of the demo shop; used only by demo mode.
const DEMO_SECRET: &str = "whsec_cozykart_demo_only";
const DEMO_SHOP: &str = "demo";
const SALE_EVERY: Duration = Duration::from_secs(4);
/// Demo sales sent before the feed stops by itself.
const SALES_MAX: u32 = 500;
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
            checkout_url: Some("https://shop.example/merch?lobby=".to_owned()),
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
    actix_web::rt::spawn(feed(port));
    app.run_until_stopped().await?;
    Ok(())
}

/// Posts signed demo sales to our own webhook endpoint.
async fn feed(port: u16) {
    for i in 0..SALES_MAX {
        tokio::time::sleep(SALE_EVERY).await;
        let body = sale_body(i);
        if let Err(error) = post(port, &body).await {
            tracing::warn!(%error, "demo sale not delivered");
        }
    }
}

fn sale_body(i: u32) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(CHECKOUT_FIXTURE).unwrap_or_else(|_| json!({}));
    let stamp = chrono::Utc::now().timestamp();
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

async fn post(port: u16, body: &[u8]) -> anyhow::Result<()> {
    let t = chrono::Utc::now().timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(DEMO_SECRET.as_bytes())?;
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let head = format!(
        "POST /webhooks/stripe/{DEMO_SHOP} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Stripe-Signature: t={t},v1={signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let status_line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    anyhow::ensure!(
        status_line.contains(" 200 "),
        "demo sale answered {status_line}"
    );
    Ok(())
}
