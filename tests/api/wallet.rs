//! `/wallet` and `/leaderboard` with earnings in two currencies: each currency on
//! its own, held money with when it becomes available, and the last sales by lobby.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{spawn_app, Engine};
use crate::on_both_engines;
use crate::signing::*;

const RACER_A: &str = "1100000000000000011";
const RACER_B: &str = "1100000000000000012";

async fn wallet_and_leaderboard_keep_currencies_apart(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    create_lobby(&app, "Friday Cup").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    command(&app, "start", json!([]), HOST, false).await;
    // 25.00 USD: 5.00 to the pool, all Racer11's.
    let usd_at = app.clock.now();
    let usd = stripe_checkout("evt_usd", "pi_usd", 2500, "usd", usd_at.timestamp(), None);
    assert_eq!(post_stripe(&app, usd).await.0, 200);
    command(&app, "leave", json!([]), RACER_A, false).await;
    command(&app, "join", json!([]), RACER_B, false).await;
    // 3000 JPY a day later: 600 JPY to the pool, all Racer12's. In minor units 600
    // outranks 500, so a leaderboard mixing units would put Racer12 above Racer11.
    app.clock.advance(Duration::minutes(10));
    let jpy_at = app.clock.now();
    let jpy = stripe_checkout("evt_jpy", "pi_jpy", 3000, "jpy", jpy_at.timestamp(), None);
    assert_eq!(post_stripe(&app, jpy).await.0, 200);
    command(&app, "end", json!([]), HOST, false).await;

    let held_until = |at: chrono::DateTime<chrono::Utc>| {
        format!("<t:{}:R>", (at + Duration::days(14)).timestamp())
    };
    let wallet = command(&app, "wallet", json!([]), RACER_A, false).await;
    assert!(is_ephemeral(&wallet));
    let fields = wallet["embeds"][0]["fields"].as_array().unwrap().clone();
    assert_eq!(fields[0]["name"], "USD", "{wallet}");
    assert_eq!(
        fields[0]["value"],
        format!(
            "available **0.00**\npending 5.00 (5.00 becomes available {})\nlifetime paid 0.00",
            held_until(usd_at)
        )
    );
    assert_eq!(fields.len(), 2, "{wallet}");
    let last = fields[1]["value"].as_str().unwrap();
    assert_eq!(
        last,
        format!(
            "Friday Cup, <t:{}:d>: USD 5.00 (pending)",
            usd_at.timestamp()
        )
    );

    let wallet_b = command(&app, "wallet", json!([]), RACER_B, false).await;
    let fields_b = wallet_b["embeds"][0]["fields"].as_array().unwrap().clone();
    assert_eq!(fields_b[0]["name"], "JPY", "{wallet_b}");
    assert_eq!(
        fields_b[0]["value"],
        format!(
            "available **0**\npending 600 (600 becomes available {})\nlifetime paid 0",
            held_until(jpy_at)
        )
    );

    let board = command(&app, "leaderboard", json!([]), RACER_B, false).await;
    assert_eq!(
        board["embeds"][0]["description"],
        "**JPY**\n1. Racer12 — 600 JPY\n\n**USD**\n1. Racer11 — 5.00 USD",
        "{board}"
    );

    // A payout of held money is refused, saying when it becomes available.
    let payout = command(
        &app,
        "payout",
        json!([
            {"name": "user", "type": 6, "value": RACER_A},
            option("amount", "5.00"),
            option("currency", "USD")
        ]),
        HOST,
        true,
    )
    .await;
    assert!(is_ephemeral(&payout), "{payout}");
    let refusal = payout["content"].as_str().unwrap();
    assert!(
        refusal.contains(&format!(
            "USD 5.00 more is held: 5.00 becomes available {}",
            held_until(usd_at)
        )),
        "{refusal}"
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(wallet_and_leaderboard_keep_currencies_apart);
