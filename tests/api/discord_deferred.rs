//! A command that outlasts its budget is deferred and its reply shown later through
//! the interaction's webhook, without a bot token. The budget is shortened to zero
//! so that every command defers (no command is slowed down); Discord is a local
//! stand-in that records the webhook requests: the edit of the original response
//! (with the message the inline answer would have carried), the ephemeral follow-up
//! that replaces a public deferral for a refusal, and a failing Discord.

use std::sync::{mpsc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use entity::interaction;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_deferring_after, Engine, TestApp};
use crate::lobby_card::press_body;
use crate::on_both_engines;
use crate::signing::*;
use crate::stand_in::{Recorded, StandIn};

/// The application and the tokens of the fixtures the interactions are built from
/// (`join.json` for slash commands, `button_join.json` for presses).
const APPLICATION: &str = "1300000000000000001";
const COMMAND_TOKEN: &str = "tok-1300000000000000108";
const PRESS_TOKEN: &str = "component-token-fixture";
const RACER: &str = "1100000000000000031";
/// The parts of a message that an edit carries as the inline answer did.
const MESSAGE: [&str; 3] = ["content", "embeds", "components"];

/// Takes every interaction-webhook request as Discord does.
fn discord_takes(seen: &Recorded) -> HttpResponse {
    match seen.method.as_str() {
        "DELETE" => HttpResponse::NoContent().finish(),
        _ => HttpResponse::Ok()
            .json(json!({"id": "1300000000000000950", "content": seen.body["content"]})),
    }
}

/// A server that defers every command, speaking to `discord`, without a bot token.
async fn deferring_app(engine: Engine, discord: &StandIn) -> TestApp {
    let settings = format!("api_base = \"{}\"", discord.base);
    let app = spawn_app_deferring_after(
        engine,
        &full_config_with_discord(&settings, ""),
        Duration::ZERO,
    )
    .await;
    assert!(app.state.rest.is_none(), "no bot token");
    app
}

fn original(token: &str) -> String {
    format!("/api/v10/webhooks/{APPLICATION}/{token}/messages/@original")
}

fn create(name: &str) -> Vec<u8> {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    interaction("lobby", options, HOST, "Kartmaster", false)
}

/// The reply body stored for the interaction of `body`, once there is one.
async fn stored_reply(app: &TestApp, body: &[u8]) -> Value {
    let id = serde_json::from_slice::<Value>(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..500 {
        let row = interaction::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap();
        if let Some(reply) = row.and_then(|row| row.reply) {
            return serde_json::from_str(&reply).unwrap();
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no reply was stored for {id}");
}

/// Asserts that `edit` carries the message of the inline answer `stored`.
fn assert_same_message(edit: &Value, stored: &Value) {
    for key in MESSAGE {
        assert_eq!(edit[key], stored["data"][key], "{key}: {edit} vs {stored}");
    }
}

async fn a_slow_command_is_deferred_then_edited(engine: Engine) {
    let hooks = StandIn::start(discord_takes);
    let app = deferring_app(engine, &hooks).await;
    let body = create("Friday Cup");
    let (status, first) = discord(&app, body.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["type"], 5, "{first}");
    assert!(!is_ephemeral(&first["data"]), "deferred public: {first}");

    let seen = hooks.wait_for(1).await;
    let edit = &seen[0];
    assert_eq!(edit.method, "PATCH");
    assert_eq!(edit.path, original(COMMAND_TOKEN));
    assert_eq!(
        edit.authorization, "",
        "the token in the path authorises it"
    );
    assert_eq!(edit.content_type, "application/json");
    let content = edit.body["content"].as_str().unwrap();
    assert!(content.contains("Friday Cup"), "{content}");
    assert_eq!(edit.body["embeds"][0]["title"], "Friday Cup");
    assert!(edit.body.get("flags").is_none(), "{}", edit.body);

    // What the inline answer would have been is what the repeats get.
    let stored = stored_reply(&app, &body).await;
    assert_eq!(stored["type"], 4, "{stored}");
    assert_same_message(&edit.body, &stored);
    let (_, repeat) = discord(&app, body).await;
    assert_eq!(repeat, stored);
    assert_eq!(lobby_count(&app).await, 1);
    assert_eq!(hooks.recorded().len(), 1, "shown once");
    hooks.handle.stop(false).await;
}
on_both_engines!(a_slow_command_is_deferred_then_edited);

async fn a_deferred_button_press_edits_its_card(engine: Engine) {
    let hooks = StandIn::start(discord_takes);
    let app = deferring_app(engine, &hooks).await;
    let (_, first) = discord(&app, create("Press Cup")).await;
    assert_eq!(first["type"], 5, "{first}");
    let card = hooks.wait_for(1).await[0].body.clone();
    let code = card["embeds"][0]["description"]
        .as_str()
        .and_then(|d| d.split('`').nth(1))
        .expect("code on the card")
        .to_owned();

    let press = press_body(&next_interaction_id(), &code, "join", RACER, false);
    let (status, first) = discord(&app, press.clone()).await;
    assert_eq!((status, &first), (200, &json!({"type": 6, "data": null})));
    let seen = hooks.wait_for(2).await;
    let edit = &seen[1];
    assert_eq!(edit.method, "PATCH");
    assert_eq!(edit.path, original(PRESS_TOKEN));
    assert_eq!(edit.authorization, "");
    let stored = stored_reply(&app, &press).await;
    assert_eq!(stored["type"], 7, "the card updated in place: {stored}");
    assert_same_message(&edit.body, &stored);
    let racers = lobby_json(&app, &code).await["racers"].clone();
    assert_eq!(racers, json!([{"display_name": "Racer31"}]));
    hooks.handle.stop(false).await;
}
on_both_engines!(a_deferred_button_press_edits_its_card);

async fn a_refusal_after_a_deferral_is_an_ephemeral_follow_up(engine: Engine) {
    let hooks = StandIn::start(discord_takes);
    let app = deferring_app(engine, &hooks).await;
    let refused = interaction(
        "commission",
        json!([option("rate", "0.5")]),
        RACER,
        "Racer",
        false,
    );
    let (_, first) = discord(&app, refused.clone()).await;
    assert_eq!(first["type"], 5, "{first}");
    assert!(!is_ephemeral(&first["data"]), "{first}");

    let seen = hooks.wait_for(2).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (deleted, followup) = (&seen[0], &seen[1]);
    assert_eq!(deleted.method, "DELETE");
    assert_eq!(deleted.path, original(COMMAND_TOKEN));
    assert_eq!(followup.method, "POST");
    assert_eq!(
        followup.path,
        format!("/api/v10/webhooks/{APPLICATION}/{COMMAND_TOKEN}")
    );
    assert_eq!(followup.body["flags"], 64, "{}", followup.body);
    assert_eq!(
        followup.body["content"],
        "Only admins can change the commission rate."
    );
    assert!(seen.iter().all(|s| s.authorization.is_empty()));
    let stored = stored_reply(&app, &refused).await;
    assert!(is_ephemeral(&stored["data"]), "{stored}");
    assert_eq!(stored["data"]["content"], followup.body["content"]);
    hooks.handle.stop(false).await;
}
on_both_engines!(a_refusal_after_a_deferral_is_an_ephemeral_follow_up);

async fn a_repeat_during_a_deferral_is_already_handled_and_runs_nothing(engine: Engine) {
    // Discord holds the edit until the test lets it go: the deferral is in flight.
    let (release, held) = mpsc::channel::<()>();
    let held = Mutex::new(held);
    let hooks = StandIn::start(move |seen| {
        if seen.method == "PATCH" {
            let _ = held.lock().unwrap().recv_timeout(Duration::from_secs(20));
        }
        discord_takes(seen)
    });
    let app = deferring_app(engine, &hooks).await;
    let body = create("Repeat Cup");
    let (_, first) = discord(&app, body.clone()).await;
    assert_eq!(first["type"], 5, "{first}");
    hooks.wait_for(1).await;

    let (status, repeat) = discord(&app, body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(repeat["type"], 4, "{repeat}");
    assert_eq!(
        repeat["data"]["content"],
        "That command is already being handled."
    );
    assert!(is_ephemeral(&repeat["data"]), "{repeat}");

    release.send(()).unwrap();
    let stored = stored_reply(&app, &body).await;
    let (_, repeat) = discord(&app, body).await;
    assert_eq!(repeat, stored);
    assert!(repeat["data"]["content"]
        .as_str()
        .unwrap()
        .contains("Repeat Cup"));
    assert_eq!(lobby_count(&app).await, 1, "the command ran once");
    assert_eq!(
        hooks.recorded().len(),
        1,
        "one edit: {:?}",
        hooks.recorded()
    );
    hooks.handle.stop(false).await;
}
on_both_engines!(a_repeat_during_a_deferral_is_already_handled_and_runs_nothing);

async fn an_edit_discord_refuses_still_leaves_the_reply_stored(engine: Engine) {
    let hooks = StandIn::start(|_| {
        HttpResponse::InternalServerError()
            .json(json!({"message": "500: Internal Server Error", "code": 0}))
    });
    let app = deferring_app(engine, &hooks).await;
    let body = create("Down Cup");
    let (_, first) = discord(&app, body.clone()).await;
    assert_eq!(first["type"], 5, "{first}");
    let seen = hooks.wait_for(1).await;
    assert_eq!(seen[0].method, "PATCH");

    let stored = stored_reply(&app, &body).await;
    assert_eq!(stored["type"], 4, "{stored}");
    assert_same_message(&seen[0].body, &stored);
    let (_, repeat) = discord(&app, body).await;
    assert_eq!(repeat, stored);
    assert_eq!(lobby_count(&app).await, 1);
    // A 5xx is not sent again in place (only a 429 is).
    assert_eq!(hooks.recorded().len(), 1);
    hooks.handle.stop(false).await;
}
on_both_engines!(an_edit_discord_refuses_still_leaves_the_reply_stored);
