//! A race that times out is summed up in its lobby's channel: posted through
//! Discord's REST API (here a local stand-in) with the bot token, or, without a
//! token, logged and shown by `/pot`.

use actix_web::HttpResponse;
use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;
use crate::stand_in::StandIn;

pub const TOKEN: &str = "stand-in-bot-token.0123456789";
pub const CHANNEL: &str = "1200000000000000002";
const RACER_A: &str = "1100000000000000011";
const RACER_B: &str = "1100000000000000012";

/// Two racers race, one sale of 25.00 USD is paid, Racer12 leaves, and the race
/// is left open past `max_window_minutes` (45) until the lobby's check ends it.
pub async fn race_left_open(app: &TestApp) -> String {
    let code = create_lobby(app, "Night Cup").await;
    for racer in [RACER_A, RACER_B] {
        command(app, "join", json!([]), racer, false).await;
    }
    command(app, "start", json!([]), HOST, false).await;
    let created = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_night", "pi_night", 2500, "usd", created, None);
    assert_eq!(post_stripe(app, sale).await.0, 200);
    command(app, "leave", json!([]), RACER_B, false).await;
    app.clock.advance(Duration::minutes(46));
    let entry = app.state.lobbies.find_running(&code).expect("lobby");
    entry.addr.send(cozykart::lobby::WindowTick).await.unwrap();
    code
}

fn field<'a>(embed: &'a Value, name: &str) -> &'a str {
    embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {embed}"))
}

pub fn assert_summary(embed: &Value) {
    assert_eq!(embed["title"], "Race over: Night Cup", "{embed}");
    assert_eq!(field(embed, "Sales"), "1");
    assert_eq!(field(embed, "Racer pool"), "USD 5.00");
    assert_eq!(
        field(embed, "Share per racer"),
        "Racer11: USD 2.50\nRacer12: USD 2.50"
    );
}

async fn a_timed_out_race_is_posted_in_its_channel(engine: Engine) {
    let discord = StandIn::start(|seen| {
        if seen.authorization != format!("Bot {TOKEN}") {
            return HttpResponse::Unauthorized()
                .json(json!({"message": "401: Unauthorized", "code": 0}));
        }
        HttpResponse::Ok().json(json!({"id": "1300000000000000900", "channel_id": CHANNEL}))
    });
    let settings = format!("bot_token = \"{TOKEN}\"\napi_base = \"{}\"", discord.base);
    let app = spawn_app(engine, &full_config_with_discord(&settings, "")).await;
    let code = race_left_open(&app).await;

    let posted = discord.wait_for(1).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    let post = &posted[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, format!("/api/v10/channels/{CHANNEL}/messages"));
    assert_eq!(post.authorization, format!("Bot {TOKEN}"));
    assert_eq!(post.content_type, "application/json");
    assert!(post.user_agent.starts_with("DiscordBot ("));
    let content = post.body["content"].as_str().unwrap();
    assert!(
        content.contains(&format!("(`{code}`) ended by itself after 45 minutes")),
        "{content}"
    );
    assert_summary(&post.body["embeds"][0]);
    assert_eq!(post.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(lobby_json(&app, &code).await["state"], "closed");
    app.assert_ledger_balances().await;
    discord.handle.stop(false).await;
}
on_both_engines!(a_timed_out_race_is_posted_in_its_channel);

async fn without_a_bot_token_pot_shows_the_last_race(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = race_left_open(&app).await;
    assert_eq!(lobby_json(&app, &code).await["state"], "closed");
    let pot = command(&app, "pot", json!([]), RACER_A, false).await;
    assert!(!is_ephemeral(&pot));
    assert_summary(&pot["embeds"][0]);
    // A lobby that never raced shows its card instead.
    let other = create_lobby(&app, "Fresh").await;
    let fresh = command(
        &app,
        "pot",
        json!([option("lobby", &other)]),
        RACER_A,
        false,
    )
    .await;
    assert_eq!(fresh["embeds"][0]["title"], "Fresh", "{fresh}");
}
on_both_engines!(without_a_bot_token_pot_shows_the_last_race);
