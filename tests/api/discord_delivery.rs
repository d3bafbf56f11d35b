//! How the interactions endpoint takes a delivery: only when its signed timestamp is
//! fresh, and each interaction id at most once (repeats, concurrent twins, restarts).

use chrono::{DateTime, Duration, Utc};
use entity::interaction;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_on, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;

const RACER: &str = "1100000000000000021";
/// When every recorded fixture was signed.
const FIXTURES_SIGNED_AT: i64 = 1_760_000_200;

/// A recorded fixture's bytes and its `(timestamp, signature)` from signatures.json.
fn recorded(file: &str) -> (Vec<u8>, String, String) {
    let body = match file {
        "ping.json" => include_bytes!("../fixtures/discord/ping.json").to_vec(),
        "lobby_create.json" => include_bytes!("../fixtures/discord/lobby_create.json").to_vec(),
        other => panic!("no fixture {other}"),
    };
    let sigs: Value =
        serde_json::from_slice(include_bytes!("../fixtures/discord/signatures.json")).unwrap();
    let vector = sigs["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["file"] == file)
        .unwrap();
    let text = |k: &str| vector[k].as_str().unwrap().to_owned();
    (body, text("timestamp"), text("signature"))
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

async fn claimed(app: &TestApp) -> u64 {
    interaction::Entity::find().count(&app.db).await.unwrap()
}

fn lobby_create(name: &str) -> Vec<u8> {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    interaction("lobby", options, HOST, "Kartmaster", false)
}

async fn recorded_fixtures_are_accepted_at_their_signing_time_only(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    app.clock.set(at(FIXTURES_SIGNED_AT));
    let (ping, ts, sig) = recorded("ping.json");
    let (status, body) = discord_with(&app, ping.clone(), &ts, sig.clone()).await;
    assert_eq!((status, body), (200, json!({"type": 1, "data": null})));
    let (create, create_ts, create_sig) = recorded("lobby_create.json");
    let (status, body) = discord_with(&app, create.clone(), &create_ts, create_sig.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["content"]
        .as_str()
        .unwrap()
        .contains("Friday Cup"));
    // PING is never recorded; the command is.
    assert_eq!(claimed(&app).await, 1);

    // Five minutes later the same captured requests are replays.
    app.clock.set(at(FIXTURES_SIGNED_AT + 300));
    let (status, _) = discord_with(&app, ping.clone(), &ts, sig.clone()).await;
    assert_eq!(status, 200);
    app.clock.set(at(FIXTURES_SIGNED_AT + 301));
    let (status, body) = discord_with(&app, ping, &ts, sig).await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("stale_timestamp")),
        "{body}"
    );
    let (status, body) = discord_with(&app, create, &create_ts, create_sig).await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("stale_timestamp")),
        "{body}"
    );
    assert_eq!(lobby_count(&app).await, 1);
}
on_both_engines!(recorded_fixtures_are_accepted_at_their_signing_time_only);

async fn stale_and_future_interactions_run_nothing(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    // Days into the test, as other tests move the clock.
    app.clock.advance(Duration::days(3));
    let now = app.clock.now().timestamp();
    for skew in [-301, 301, -86_400, 86_400 * 365] {
        let timestamp = (now + skew).to_string();
        let (status, body) = discord_signed_at(&app, lobby_create("Late Cup"), &timestamp).await;
        assert_eq!(status, 401, "{skew}: {body}");
        assert_eq!(body["error"], "stale_timestamp", "{skew}");
        assert!(body["message"].as_str().unwrap().contains("300"), "{body}");
    }
    let ping = include_bytes!("../fixtures/discord/ping.json").to_vec();
    let (status, _) = discord_signed_at(&app, ping.clone(), &(now - 3600).to_string()).await;
    assert_eq!(status, 401);
    // A timestamp that is not unix seconds cannot be shown fresh, even when signed.
    let (status, body) = discord_signed_at(&app, ping.clone(), "yesterday").await;
    assert_eq!((status, &body["error"]), (401, &json!("stale_timestamp")));
    // A bad signature is reported as such, whatever the timestamp.
    let (status, body) = discord_with(&app, ping.clone(), "1", "0".repeat(128)).await;
    assert_eq!((status, &body["error"]), (401, &json!("bad_signature")));
    assert_eq!(lobby_count(&app).await, 0);
    assert_eq!(claimed(&app).await, 0);

    for skew in [-300, 0, 300] {
        let timestamp = (now + skew).to_string();
        let (status, body) = discord_signed_at(&app, ping.clone(), &timestamp).await;
        assert_eq!(
            (status, body),
            (200, json!({"type": 1, "data": null})),
            "{skew}"
        );
    }
    let (status, body) = discord(&app, lobby_create("On Time Cup")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(lobby_count(&app).await, 1);
}
on_both_engines!(stale_and_future_interactions_run_nothing);

async fn a_repeated_interaction_runs_once_and_gets_the_same_answer(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    let create = lobby_create("Once Cup");
    let (status, first) = discord(&app, create.clone()).await;
    assert_eq!(status, 200, "{first}");
    app.clock.advance(Duration::seconds(2));
    let (status, again) = discord(&app, create.clone()).await;
    assert_eq!((status, &again), (200, &first));
    assert_eq!(lobby_count(&app).await, 1);

    // Money: a repeated /payout pays once.
    command(&app, "join", json!([]), RACER, false).await;
    command(&app, "start", json!([]), HOST, false).await;
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_once", "pi_once", 15000, "usd", now, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    let payout = interaction(
        "payout",
        json!([{"name": "user", "type": 6, "value": RACER}, option("amount", "25.00")]),
        "1100000000000000029",
        "Admin",
        true,
    );
    let (_, paid) = discord(&app, payout.clone()).await;
    assert!(
        paid["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Congratulations"),
        "{paid}"
    );
    let (_, repeat) = discord(&app, payout.clone()).await;
    assert_eq!(repeat, paid);
    assert_eq!(wallet(&app, RACER, "USD").await.0, "5.00");

    // After a restart the stored answer still stands.
    let (db, clock) = app.stop().await;
    let app = spawn_app_on(db, &full_config("[commission]\nhold_days = 0"), clock).await;
    let (status, after) = discord(&app, payout).await;
    assert_eq!((status, &after), (200, &paid));
    let (_, after) = discord(&app, create).await;
    assert_eq!(after, first);
    assert_eq!(wallet(&app, RACER, "USD").await.0, "5.00");
    assert_eq!(lobby_count(&app).await, 1);
    app.assert_ledger_balances().await;
}
on_both_engines!(a_repeated_interaction_runs_once_and_gets_the_same_answer);

async fn concurrent_twins_run_once(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let create = lobby_create("Twin Cup");
    let answers =
        futures_util::future::join_all((0..8).map(|_| discord(&app, create.clone()))).await;
    let mut replies = Vec::new();
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let content = body["data"]["content"].as_str().unwrap();
        if content == "That command is already being handled." {
            assert!(is_ephemeral(&body["data"]), "{body}");
        } else {
            assert!(content.contains("Twin Cup"), "{body}");
            replies.push(body.clone());
        }
    }
    // The one run's reply, and the same reply to twins that came after it was stored.
    replies.dedup();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(lobby_count(&app).await, 1);
    assert_eq!(claimed(&app).await, 1);
}
on_both_engines!(concurrent_twins_run_once);

async fn a_claimed_interaction_without_a_reply_is_not_run_again(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    // As a process that died mid-command leaves it.
    let create = lobby_create("Orphan Cup");
    let id: Value = serde_json::from_slice::<Value>(&create).unwrap()["id"].clone();
    interaction::Entity::insert(interaction::ActiveModel {
        id: Set(id.as_str().unwrap().to_owned()),
        received_at: Set(app.clock.now()),
        reply: Set(None),
    })
    .exec(&app.db)
    .await
    .unwrap();
    let (status, body) = discord(&app, create).await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], 4);
    assert_eq!(
        body["data"]["content"],
        "That command is already being handled."
    );
    assert!(is_ephemeral(&body["data"]), "{body}");
    assert_eq!(lobby_count(&app).await, 0);
}
on_both_engines!(a_claimed_interaction_without_a_reply_is_not_run_again);
