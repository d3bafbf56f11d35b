//! Posts the bot makes by itself respect Discord: a 429 is waited out (and a global
//! one holds every post), a post Discord did not take stays in the outbox and is
//! sent after a restart, once, also with two processes on one PostgreSQL database,
//! and finished posts are pruned. Discord is a local stand-in that checks each
//! request (method, path, bot token, body) and records when it arrived.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use chrono::Duration as Minutes;
use cozykart::discord::outbox::{self, KEPT};
use cozykart::discord::{Reply, Rest, RestError};
use cozykart::domain::ids::ChannelId;
use entity::discord_outbox;
use entity::sea_orm_active_enums::OutboxState;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::json;

use crate::helpers::{postgres_url, spawn_app, spawn_app_on, Engine, TestApp};
use crate::on_both_engines;
use crate::race_summary::{assert_summary, race_left_open, CHANNEL, TOKEN};
use crate::signing::{full_config_with_discord, lobby_json};
use crate::stand_in::{Recorded, StandIn};
use cozykart::commands::announce_owed;

/// Answered 404 by the stand-in, as Discord answers a deleted channel.
const GONE: &str = "1200000000000000404";
/// Answered 500 by the stand-in while it is down.
const DOWN: &str = "1200000000000000500";

fn config(discord: &StandIn) -> String {
    let settings = format!("bot_token = \"{TOKEN}\"\napi_base = \"{}\"", discord.base);
    full_config_with_discord(&settings, "")
}

/// Refuses a request Discord would refuse; `None` for one it would take.
fn refusal(seen: &Recorded) -> Option<HttpResponse> {
    if seen.authorization != format!("Bot {TOKEN}") {
        return Some(HttpResponse::Unauthorized().json(json!({"message": "401: Unauthorized"})));
    }
    let is_post = seen.method == "POST" && seen.path.ends_with("/messages");
    let has_nonce = seen.body["nonce"].is_string() && seen.body["enforce_nonce"] == true;
    if !is_post || seen.content_type != "application/json" || !has_nonce {
        return Some(HttpResponse::BadRequest().json(json!({"message": "unexpected", "code": 0})));
    }
    None
}

fn created(seen: &Recorded) -> HttpResponse {
    HttpResponse::Ok().json(json!({"id": "1300000000000000900", "nonce": seen.body["nonce"]}))
}

fn too_many(retry_after: f64, global: bool) -> HttpResponse {
    let mut answer = HttpResponse::TooManyRequests();
    answer.insert_header(("Retry-After", retry_after.ceil().to_string()));
    if global {
        answer.insert_header(("X-RateLimit-Global", "true"));
    }
    answer.json(json!({
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": global
    }))
}

fn server_error() -> HttpResponse {
    HttpResponse::InternalServerError()
        .json(json!({"message": "500: Internal Server Error", "code": 0}))
}

async fn outbox_rows(db: &DatabaseConnection) -> Vec<discord_outbox::Model> {
    discord_outbox::Entity::find()
        .order_by_asc(discord_outbox::Column::Id)
        .all(db)
        .await
        .expect("outbox read")
}

/// The outbox once `done` holds for its rows; panics if it never does.
async fn outbox_when(
    db: &DatabaseConnection,
    done: impl Fn(&[discord_outbox::Model]) -> bool,
) -> Vec<discord_outbox::Model> {
    for _ in 0..500 {
        let rows = outbox_rows(db).await;
        if done(&rows) {
            return rows;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the outbox never got there: {:?}", outbox_rows(db).await);
}

fn summary_post_path() -> String {
    format!("/api/v10/channels/{CHANNEL}/messages")
}

async fn a_rate_limited_summary_is_waited_out_then_posted(engine: Engine) {
    const RETRY_AFTER: f64 = 0.3;
    let answered = Arc::new(AtomicUsize::new(0));
    let count = answered.clone();
    let discord = StandIn::start(move |seen| {
        if let Some(refused) = refusal(seen) {
            return refused;
        }
        match count.fetch_add(1, Ordering::SeqCst) {
            0 => too_many(RETRY_AFTER, false),
            _ => created(seen),
        }
    });
    let app = spawn_app(engine, &config(&discord)).await;
    race_left_open(&app).await;

    let seen = discord.wait_for(2).await;
    let rows = outbox_when(&app.db, |rows| {
        rows.iter().all(|r| r.state == OutboxState::Sent)
    })
    .await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    for post in &seen {
        assert_eq!(post.method, "POST");
        assert_eq!(post.path, summary_post_path());
        assert_eq!(post.authorization, format!("Bot {TOKEN}"));
        assert_summary(&post.body["embeds"][0]);
    }
    assert_eq!(seen[0].body, seen[1].body, "the same post, nonce and all");
    let waited = seen[1].at.duration_since(seen[0].at);
    assert!(
        waited >= Duration::from_secs_f64(RETRY_AFTER),
        "sent again after {waited:?}"
    );
    // Waited out within one send of the outbox's.
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 1);
    discord.handle.stop(false).await;
}
on_both_engines!(a_rate_limited_summary_is_waited_out_then_posted);

/// A 429 that keeps coming is sent at most `SENDS_MAX` times; when it is global,
/// the next post of the process waits its `retry_after` out before it is sent.
#[actix_web::test]
async fn a_global_limit_holds_every_post_of_the_process() {
    const RETRY_AFTER: f64 = 0.25;
    let discord = StandIn::start(|seen| {
        if seen.authorization != format!("Bot {TOKEN}") || seen.method != "POST" {
            return HttpResponse::BadRequest().finish();
        }
        if seen.path == format!("/api/v10/channels/{DOWN}/messages") {
            return too_many(RETRY_AFTER, true);
        }
        HttpResponse::Ok().json(json!({"id": "1300000000000000901"}))
    });
    let config = cozykart::config::Config::from_toml(&format!(
        "[discord]\nbot_token = \"{TOKEN}\"\napi_base = \"{}\"",
        discord.base
    ))
    .unwrap();
    let rest = Rest::new(&config.discord).unwrap();
    let limited: ChannelId = DOWN.parse().unwrap();
    let message = Reply::public("first").to_channel_message();
    let error = rest.post_message(limited, &message).await.unwrap_err();
    assert!(
        matches!(error, RestError::RateLimited { global: true, .. }),
        "{error}"
    );
    assert_eq!(
        error.retry_after(),
        Some(Duration::from_secs_f64(RETRY_AFTER))
    );

    let other: ChannelId = CHANNEL.parse().unwrap();
    let message = Reply::public("second").to_channel_message();
    rest.post_message(other, &message).await.unwrap();
    let seen = discord.recorded();
    assert_eq!(
        seen.len(),
        cozykart::discord::SENDS_MAX as usize + 1,
        "{seen:?}"
    );
    let (last_limited, second) = (&seen[seen.len() - 2], &seen[seen.len() - 1]);
    assert_eq!(second.path, summary_post_path());
    assert_eq!(second.body["content"], "second");
    let held = second.at.duration_since(last_limited.at);
    assert!(
        held >= Duration::from_secs_f64(RETRY_AFTER),
        "held {held:?}"
    );
    discord.handle.stop(false).await;
}

/// The stand-in: refuses what Discord would refuse, answers 500 while `up` is
/// false, else takes the post.
fn flaky_discord(up: Arc<AtomicBool>) -> StandIn {
    StandIn::start(move |seen| {
        if let Some(refused) = refusal(seen) {
            return refused;
        }
        if !up.load(Ordering::SeqCst) {
            return server_error();
        }
        created(seen)
    })
}

/// Races until one times out with Discord down: its summary waits in the outbox.
async fn summary_left_in_the_outbox(app: &TestApp, discord: &StandIn) -> discord_outbox::Model {
    race_left_open(app).await;
    discord.wait_for(1).await;
    let rows = outbox_when(&app.db, |rows| {
        rows.iter().any(|r| r.attempts == 1 && r.claim.is_none())
    })
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = rows[0].clone();
    assert_eq!(row.state, OutboxState::Pending);
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("500"),
        "{row:?}"
    );
    assert_eq!(row.next_attempt_at, app.clock.now() + Minutes::seconds(30));
    row
}

async fn a_failed_summary_is_posted_once_after_a_restart(engine: Engine) {
    let up = Arc::new(AtomicBool::new(false));
    let discord = flaky_discord(up.clone());
    let app = spawn_app(engine, &config(&discord)).await;
    summary_left_in_the_outbox(&app, &discord).await;
    let (test_db, clock) = app.stop().await;

    up.store(true, Ordering::SeqCst);
    clock.advance(Minutes::minutes(1));
    let app = spawn_app_on(test_db, &config(&discord), clock).await;
    let seen = discord.wait_for(2).await;
    outbox_when(&app.db, |rows| rows[0].state == OutboxState::Sent).await;
    assert_eq!(seen[1].path, summary_post_path());
    assert_eq!(seen[1].authorization, format!("Bot {TOKEN}"));
    assert_eq!(seen[0].body, seen[1].body, "the same post, nonce and all");
    assert_summary(&seen[1].body["embeds"][0]);

    // Nothing is due any more, however often the outbox is drained.
    let rest = app.state.rest.clone().expect("a bot token");
    let again = outbox::drain(&app.db, &rest, app.clock.now())
        .await
        .unwrap();
    assert_eq!(again, outbox::Drained::default());
    assert_eq!(discord.recorded().len(), 2);
    discord.handle.stop(false).await;
}
on_both_engines!(a_failed_summary_is_posted_once_after_a_restart);

/// A race that timed out while its summary could not be queued is announced by
/// the next sweep, once. Here the server had no bot token yet; a process that
/// stops, or loses its database, between closing the race and queuing the post
/// leaves the same owed summary (found by the simulation: a restart or a cut
/// right after a time-out lost the summary for good).
async fn an_owed_summary_is_queued_once_by_the_next_sweep(engine: Engine) {
    let app = spawn_app(engine, &full_config_with_discord("", "")).await;
    let code = race_left_open(&app).await;
    for _ in 0..500 {
        if lobby_json(&app, &code).await["state"] != "open" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(lobby_json(&app, &code).await["state"], "closed");
    let (test_db, clock) = app.stop().await;

    // With a bot token, the sweep at start-up posts it.
    let discord = flaky_discord(Arc::new(AtomicBool::new(true)));
    let app = spawn_app_on(test_db, &config(&discord), clock).await;
    let seen = discord.wait_for(1).await;
    assert_eq!(seen[0].path, summary_post_path());
    assert!(
        seen[0].body["content"]
            .as_str()
            .unwrap()
            .contains("ended by itself"),
        "{}",
        seen[0].body
    );
    assert_summary(&seen[0].body["embeds"][0]);
    outbox_when(&app.db, |rows| {
        rows.len() == 1 && rows[0].state == OutboxState::Sent
    })
    .await;
    // Owed no more, whichever process sweeps and however often.
    let (test_db, clock) = app.stop().await;
    let app = spawn_app_on(test_db, &config(&discord), clock).await;
    assert_eq!(announce_owed(&app.state).await.unwrap(), 0);
    assert_eq!(outbox_rows(&app.db).await.len(), 1);
    assert_eq!(discord.recorded().len(), 1);
    discord.handle.stop(false).await;
}
on_both_engines!(an_owed_summary_is_queued_once_by_the_next_sweep);

/// Two processes on one PostgreSQL database drain the same outbox at once (their
/// own periodic drains and the test's, side by side): each post reaches Discord
/// exactly once.
#[actix_web::test]
async fn two_processes_post_each_queued_post_once() {
    if postgres_url().is_none() {
        return;
    }
    const POSTS: usize = 25;
    let up = Arc::new(AtomicBool::new(false));
    let discord = flaky_discord(up.clone());
    let first = spawn_app(Engine::Postgres, &config(&discord)).await;
    summary_left_in_the_outbox(&first, &discord).await;
    let channel: ChannelId = CHANNEL.parse().unwrap();
    for n in 0..POSTS {
        let message = Reply::public(format!("post {n}")).to_channel_message();
        outbox::enqueue(
            &first.db,
            channel,
            None,
            message,
            first.clock.now() + Minutes::minutes(1),
        )
        .await
        .unwrap();
    }
    let clock = first.clock.clone();
    let second = spawn_app_on(first.test_db.shared(), &config(&discord), clock.clone()).await;
    clock.advance(Minutes::minutes(1));
    up.store(true, Ordering::SeqCst);

    let rests = [
        first.state.rest.clone().unwrap(),
        second.state.rest.clone().unwrap(),
    ];
    for _ in 0..4 {
        let (a, b) = futures_util::future::join(
            outbox::drain(&first.db, &rests[0], clock.now()),
            outbox::drain(&second.db, &rests[1], clock.now()),
        )
        .await;
        a.unwrap();
        b.unwrap();
    }
    outbox_when(&first.db, |rows| {
        rows.iter().all(|r| r.state == OutboxState::Sent)
    })
    .await;
    let taken: Vec<Recorded> = discord.recorded().into_iter().skip(1).collect();
    let mut by_nonce: HashMap<String, usize> = HashMap::new();
    for post in &taken {
        assert_eq!(post.path, summary_post_path());
        *by_nonce
            .entry(post.body["nonce"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(by_nonce.len(), POSTS + 1, "{by_nonce:?}");
    assert!(by_nonce.values().all(|&n| n == 1), "{by_nonce:?}");
    second.handle.stop(false).await;
    discord.handle.stop(false).await;
}

async fn finished_posts_are_pruned_after_a_day(engine: Engine) {
    let discord = StandIn::start(|seen| {
        if let Some(refused) = refusal(seen) {
            return refused;
        }
        if seen.path.contains(GONE) {
            return HttpResponse::NotFound()
                .json(json!({"message": "Unknown Channel", "code": 10003}));
        }
        if seen.path.contains(DOWN) {
            return server_error();
        }
        created(seen)
    });
    let app = spawn_app(engine, &config(&discord)).await;
    let rest = app.state.rest.clone().unwrap();
    for channel in [CHANNEL, GONE, DOWN] {
        let message = Reply::public(format!("to {channel}")).to_channel_message();
        outbox::enqueue(
            &app.db,
            channel.parse().unwrap(),
            None,
            message,
            app.clock.now(),
        )
        .await
        .unwrap();
    }
    outbox::drain(&app.db, &rest, app.clock.now())
        .await
        .unwrap();
    let rows = outbox_when(&app.db, |rows| {
        rows.iter().all(|r| r.attempts == 1 && r.claim.is_none())
    })
    .await;
    let states: Vec<OutboxState> = rows.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            OutboxState::Sent,
            OutboxState::Abandoned,
            OutboxState::Pending
        ]
    );
    assert!(
        rows[1]
            .last_error
            .as_deref()
            .unwrap()
            .contains("Unknown Channel"),
        "{rows:?}"
    );
    let metrics = app
        .client()
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .body()
        .await
        .unwrap();
    let metrics = String::from_utf8_lossy(&metrics);
    // Counted (the recorder is shared by the tests of this binary: at least ours).
    let abandoned = metrics
        .lines()
        .find_map(|line| line.strip_prefix("cozykart_discord_posts_total{outcome=\"abandoned\"} "))
        .and_then(|count| count.trim().parse::<f64>().ok());
    assert!(abandoned.is_some_and(|n| n >= 1.0), "{metrics}");

    let kept = Minutes::from_std(KEPT).unwrap();
    let just_before = app.clock.now() + kept - Minutes::seconds(1);
    assert_eq!(outbox::prune(&app.db, just_before).await.unwrap(), 0);
    let (test_db, clock) = app.stop().await;
    // A day later, a restart's first round prunes what finished; the post still
    // pending is kept (and tried again).
    clock.advance(kept + Minutes::seconds(1));
    let app = spawn_app_on(test_db, &config(&discord), clock).await;
    let rows = outbox_when(&app.db, |rows| rows.len() == 1).await;
    assert_eq!(rows[0].channel_id, DOWN);
    assert_eq!(rows[0].state, OutboxState::Pending);
    discord.handle.stop(false).await;
}
on_both_engines!(finished_posts_are_pruned_after_a_day);
