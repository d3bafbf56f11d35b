//! The demo's feed: signed sales posted to our own webhook endpoints (Stripe,
//! Ko-fi with public and private buyers) and racers joining and leaving.

use std::time::Duration;

use actix::Addr;
use actix_web::http::StatusCode;
use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::{DEMO_CURRENCY, DEMO_KOFI_SHOP, DEMO_KOFI_TOKEN, DEMO_SECRET, DEMO_SHOP};
use crate::clock::Clock;
use crate::domain::ids::UserId;
use crate::lobby::{Join, Leave, LobbyActor};
use crate::webhooks::stripe;

pub const SALE_EVERY: Duration = Duration::from_secs(4);
/// Demo sales sent before the feed stops by itself.
const SALES_MAX: u32 = 500;
/// Longest refusal read back from our own endpoint for the log (a JSON error).
const ANSWER_MAX_BYTES: usize = 1024;
/// Every this many sales, the guest racer joins or leaves.
const ROSTER_EVERY: u32 = 5;
/// The racer who comes and goes during the demo race.
const GUEST: (&str, &str) = ("402938475610290005", "Nova");
/// Ko-fi buyers: (name, whether they let it be shown).
const KOFI_BUYERS: &[(&str, bool)] = &[
    ("Aiko", true),
    ("Bruno B.", true),
    ("Quiet Fan", false),
    ("Chidi", true),
];
const AMOUNTS_MINOR: [i64; 5] = [1800, 2250, 3500, 1200, 4999];
const CHECKOUT_FIXTURE: &str =
    include_str!("../../tests/fixtures/webhooks/stripe/checkout_session_completed.json");

/// Posts a sale every [`SALE_EVERY`], stamped by the server's clock so that it is
/// inside the replay window, every other one through Ko-fi; moves the guest racer
/// on and off the roster now and then.
pub async fn feed(port: u16, clock: Clock, lobby: Addr<LobbyActor>) {
    let (guest, guest_name) = GUEST;
    let Ok(guest) = guest.parse::<UserId>() else {
        tracing::warn!(guest, "the demo's guest id is no Discord id; no sales fed");
        return;
    };
    let client = awc::Client::default();
    let base = format!("http://127.0.0.1:{port}/webhooks");
    for i in 0..SALES_MAX {
        tokio::time::sleep(SALE_EVERY).await;
        let now = clock.now();
        let delivered = if i % 2 == 0 {
            let stamp = now.timestamp();
            let body = stripe_sale(i, stamp);
            let signature = stripe::signature_header(DEMO_SECRET, stamp, &body);
            let url = format!("{base}/stripe/{DEMO_SHOP}");
            post(&client, &url, "application/json", Some(signature), body).await
        } else {
            let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
            let url = format!("{base}/kofi/{DEMO_KOFI_SHOP}");
            let body = kofi_sale(i, &stamp);
            post(
                &client,
                &url,
                "application/x-www-form-urlencoded",
                None,
                body,
            )
            .await
        };
        if let Err(error) = delivered {
            tracing::warn!(%error, "demo sale not delivered");
        }
        if i % ROSTER_EVERY == ROSTER_EVERY - 1 {
            if (i / ROSTER_EVERY).is_multiple_of(2) {
                let join = Join {
                    discord_id: guest,
                    display_name: guest_name.into(),
                    at: now,
                };
                let _ = lobby.send(join).await;
            } else {
                let leave = Leave {
                    discord_id: guest,
                    at: now,
                };
                let _ = lobby.send(leave).await;
            }
        }
    }
}

fn amount_minor(i: u32) -> i64 {
    AMOUNTS_MINOR[i as usize % AMOUNTS_MINOR.len()]
}

/// A paid Checkout Session (Stripe sends no consent to show a name: "someone").
fn stripe_sale(i: u32, stamp: i64) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(CHECKOUT_FIXTURE).unwrap_or_else(|_| json!({}));
    event["id"] = json!(format!("evt_demo_{stamp}_{i}"));
    event["created"] = json!(stamp);
    let session = &mut event["data"]["object"];
    session["id"] = json!(format!("cs_demo_{stamp}_{i}"));
    session["payment_intent"] = json!(format!("pi_demo_{stamp}_{i}"));
    session["amount_total"] = json!(amount_minor(i));
    session["metadata"] = json!({});
    serde_json::to_vec(&event).unwrap_or_default()
}

/// A Ko-fi shop order, its buyer named publicly or not.
fn kofi_sale(i: u32, timestamp: &str) -> Vec<u8> {
    let (name, public) = KOFI_BUYERS[i as usize % KOFI_BUYERS.len()];
    let minor = amount_minor(i);
    let data = json!({
        "verification_token": DEMO_KOFI_TOKEN,
        "message_id": format!("demo-message-{timestamp}-{i}"),
        "kofi_transaction_id": format!("demo-kofi-{timestamp}-{i}"),
        "timestamp": timestamp,
        "type": "Shop Order",
        "is_public": public,
        "from_name": name,
        "message": null,
        "amount": format!("{}.{:02}", minor / 100, minor % 100),
        "currency": DEMO_CURRENCY,
    });
    serde_urlencoded::to_string([("data", data.to_string())])
        .unwrap_or_default()
        .into_bytes()
}

/// Sends one delivery as the provider would; anything but 200 is an error.
async fn post(
    client: &awc::Client,
    url: &str,
    content_type: &str,
    stripe_signature: Option<String>,
    body: Vec<u8>,
) -> anyhow::Result<()> {
    let mut request = client
        .post(url)
        .insert_header(("Content-Type", content_type));
    if let Some(signature) = stripe_signature {
        request = request.insert_header(("Stripe-Signature", signature));
    }
    let mut response = request
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kofi_sales_are_a_form_with_json_data() {
        let body = kofi_sale(1, "2026-12-02T03:00:00Z");
        let shops = [DEMO_KOFI_TOKEN.to_owned()];
        let types = ["Shop Order".to_owned()];
        let event = crate::webhooks::kofi::parse(&body, &shops, &types, DEMO_KOFI_SHOP);
        match event {
            Ok(crate::sale::ShopEvent::Sale(sale)) => {
                assert_eq!(sale.buyer.public_name(), Some("Bruno B."));
                assert_eq!(sale.amount.to_string(), "22.50 USD");
            }
            _ => panic!("not a sale"),
        }
    }
}
