//! The one rule "this sale counts for this race" at its edges, on both engines: a
//! sale paid in the second of `/start` before its sub-second, one inside, one paid
//! in the second of `/end` after its sub-second (a provider time ahead of our
//! clock is clamped to the receipt time, which has sub-seconds), and one a second
//! later. For each, attribution (the racer's wallet and the sale's lobby), the
//! race's totals and summary, and the overlay pot agree, across a restart too.

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_on, Engine};
use crate::on_both_engines;
use crate::overlay::{connect, next_frame, Socket};
use crate::signing::*;

const RACER: &str = "1100000000000000061";

/// Frames until a `sale` frame; its pot in USD.
async fn next_sale_pot(socket: &mut Socket) -> Value {
    loop {
        let frame = next_frame(socket).await;
        if frame["type"] == "sale" {
            return frame["pot"]["USD"].clone();
        }
    }
}

async fn sales_in_the_seconds_of_start_and_end_count_everywhere(engine: Engine) {
    let config = full_config("[commission]\nhold_days = 0");
    let app = spawn_app(engine, &config).await;
    let code = create_lobby(&app, "Photo Finish").await;
    let lobby = json!([option("lobby", &code)]);
    command(&app, "join", lobby.clone(), RACER, false).await;
    let start_second = app.clock.now().timestamp();
    app.clock.advance(Duration::milliseconds(700));
    command(&app, "start", lobby.clone(), HOST, false).await;
    let mut socket = connect(&app, &code).await;
    assert_eq!(next_frame(&mut socket).await["type"], "snapshot");
    // Paid in the second of /start, before its sub-second; delivered after it.
    let sale = stripe_checkout("evt_edge_1", "pi_edge_1", 1000, "usd", start_second, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    assert_eq!(next_sale_pot(&mut socket).await, "2.00");
    // Inside.
    app.clock.advance(Duration::seconds(3));
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_edge_2", "pi_edge_2", 1000, "usd", now, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    assert_eq!(next_sale_pot(&mut socket).await, "4.00");
    // /end at .800 of its second; a sale received at .950 of it, stamped ahead.
    app.clock.advance(Duration::milliseconds(100));
    command(&app, "end", lobby.clone(), HOST, false).await;
    app.clock.advance(Duration::milliseconds(150));
    let ahead = app.clock.now().timestamp() + 120;
    let sale = stripe_checkout("evt_edge_3", "pi_edge_3", 1000, "usd", ahead, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    assert_eq!(
        next_sale_pot(&mut socket).await,
        "6.00",
        "the race still counts it"
    );
    // A second later it no longer counts: the house keeps it.
    app.clock.advance(Duration::milliseconds(100));
    let ahead = app.clock.now().timestamp() + 120;
    let sale = stripe_checkout("evt_edge_4", "pi_edge_4", 1000, "usd", ahead, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    // Attribution: the racer's wallet and each sale's lobby.
    assert_eq!(wallet(&app, RACER, "USD").await.0, "6.00");
    let lobby_id = lobby_admin_json(&app, &code).await["id"].clone();
    let (_, sales) = admin_get(&app, "/api/admin/sales").await;
    let mut attributed: Vec<(String, Value)> = sales["sales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sold_at"].as_str().unwrap().to_owned(),
                s["lobby_ids"].clone(),
            )
        })
        .collect();
    attributed.sort_by(|a, b| a.0.cmp(&b.0));
    let lobbies: Vec<Value> = attributed.into_iter().map(|(_, l)| l).collect();
    let ours = json!([lobby_id]);
    assert_eq!(lobbies, [ours.clone(), ours.clone(), ours, json!([])]);
    // The race's totals and summary, and the pot of its lobby.
    let summary = command(&app, "pot", lobby.clone(), HOST, false).await;
    assert!(summary.to_string().contains("6.00"), "{summary}");
    assert!(!summary.to_string().contains("8.00"), "{summary}");
    assert_eq!(lobby_admin_json(&app, &code).await["pot"]["USD"], "6.00");
    // After a restart the closed lobby shows its last race as before.
    let (test_db, clock) = app.stop().await;
    let app = spawn_app_on(test_db, &config, clock).await;
    assert_eq!(lobby_admin_json(&app, &code).await["pot"]["USD"], "6.00");
    let mut socket = connect(&app, &code).await;
    let snapshot = next_frame(&mut socket).await;
    assert_eq!(snapshot["pot"]["USD"], "6.00", "{snapshot}");
    app.assert_ledger_balances().await;
}
on_both_engines!(sales_in_the_seconds_of_start_and_end_count_everywhere);
