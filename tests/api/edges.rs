//! The edges a stranger touches first: payout idempotency keys of any bytes and
//! bound to their request, interactions from outside any guild, claims pruned
//! after their token expires, closed lobbies that leave memory and come back, and
//! the hourly lobby cap.

use actix_web::http::header::HeaderValue;
use cozykart::discord::{Caller, Command, InteractionId};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_on, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;

const RACER: &str = "1100000000000000042";

/// A racer with 20.00 USD available: one race, one 100.00 sale, no hold.
async fn racer_with_earnings(engine: Engine) -> TestApp {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    let code = create_lobby(&app, "Cup").await;
    let lobby = json!([option("lobby", &code)]);
    command(&app, "join", lobby.clone(), RACER, false).await;
    command(&app, "start", lobby, HOST, false).await;
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_edge", "pi_edge", 10000, "usd", now, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    assert_eq!(wallet(&app, RACER, "USD").await.0, "20.00");
    app
}

/// `POST /api/admin/payouts` with this body and these raw `Idempotency-Key` bytes.
async fn pay(app: &TestApp, amount: &str, note: Option<&str>, key: Option<&[u8]>) -> (u16, Value) {
    let body = json!({"discord_id": RACER, "amount": amount, "currency": "USD",
                      "method": "manual", "note": note, "force": true});
    let mut request = app
        .client()
        .post(format!("{}/api/admin/payouts", app.address))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")));
    if let Some(key) = key {
        let value = HeaderValue::from_bytes(key).expect("a header value");
        request = request.insert_header(("Idempotency-Key", value));
    }
    let mut response = request.send_json(&body).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn payout_keys_of_any_bytes_pay_once_and_never_for_another_request(engine: Engine) {
    let app = racer_with_earnings(engine).await;
    // A UTF-8 key and a latin-1 one: each is a key, and they differ.
    for key in ["clé-43".as_bytes(), b"cl\xe9-43"] {
        let first = pay(&app, "1.00", None, Some(key)).await;
        let again = pay(&app, "1.00", None, Some(key)).await;
        assert_eq!(first.0, 200, "{}", first.1);
        assert_eq!(first.1, again.1, "a retry answers the first payout");
    }
    assert_eq!(wallet(&app, RACER, "USD").await.0, "18.00");
    // The same key with another amount, note or racer pays nothing.
    for (amount, note) in [("2.00", None), ("1.00", Some("other"))] {
        let reused = pay(&app, amount, note, Some("clé-43".as_bytes())).await;
        assert_eq!(reused.0, 422, "{}", reused.1);
        assert_eq!(reused.1["error"], "idempotency_key_reused");
    }
    // Two different requests under one new key at once: one pays, one is refused.
    let (a, b) = futures_util::future::join(
        pay(&app, "1.00", None, Some(b"both-at-once")),
        pay(&app, "3.00", None, Some(b"both-at-once")),
    )
    .await;
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 422], "{} {}", a.1, b.1);
    let paid = if a.0 == 200 { &a.1 } else { &b.1 };
    let left = if paid["amount"] == "1.00" {
        "17.00"
    } else {
        "15.00"
    };
    assert_eq!(wallet(&app, RACER, "USD").await.0, left);
    // Keys that are no key, and notes that are too long, change nothing.
    for key in [&b""[..], b"   ", &[b'k'; 256]] {
        let refused = pay(&app, "1.00", None, Some(key)).await;
        assert_eq!(refused.0, 400, "{}", refused.1);
        assert_eq!(refused.1["error"], "invalid_idempotency_key");
    }
    let long = "n".repeat(201);
    let refused = pay(&app, "1.00", Some(&long), Some(b"long-note")).await;
    assert_eq!(refused.1["error"], "note_too_long", "{}", refused.1);
    assert_eq!(wallet(&app, RACER, "USD").await.0, left);
    app.assert_ledger_balances().await;
}
on_both_engines!(payout_keys_of_any_bytes_pay_once_and_never_for_another_request);

/// `interaction`, as Discord sends it from a DM: a user, no guild, no member.
fn in_a_dm(body: Vec<u8>) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&body).unwrap();
    let object = body.as_object_mut().unwrap();
    let member = object.remove("member").unwrap();
    object.insert("user".into(), member["user"].clone());
    for key in ["guild_id", "guild", "guild_locale"] {
        object.remove(key);
    }
    object["channel"] = json!({"id": "1300000000000000555", "type": 1, "flags": 0});
    object["channel_id"] = json!("1300000000000000555");
    object["context"] = json!(1);
    serde_json::to_vec(&body).unwrap()
}

async fn claims(app: &TestApp) -> u64 {
    entity::interaction::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

async fn interactions_outside_a_guild_change_nothing(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Guild Cup").await;
    let before = claims(&app).await;
    let lobby = || json!([option("lobby", &code)]);
    let create = json!([{"name": "create", "type": 1, "options": [option("name", "DM Cup")]}]);
    let payout = json!([{"name": "user", "type": 6, "value": RACER}, option("amount", "1.00")]);
    let commands = [
        ("lobby", create),
        ("join", lobby()),
        ("leave", lobby()),
        ("start", lobby()),
        ("end", lobby()),
        ("pot", lobby()),
        ("wallet", json!([])),
        ("leaderboard", json!([])),
        ("payout", payout),
        ("commission", json!([option("rate", "0.5")])),
        (
            "goal",
            json!([option("amount", "50"), option("lobby", &code)]),
        ),
    ];
    for (name, options) in commands {
        let body = in_a_dm(interaction(name, options, HOST, "Host", true));
        let (status, reply) = discord(&app, body).await;
        assert_eq!(status, 200, "{name}: {reply}");
        assert!(is_ephemeral(&reply["data"]), "{name}: {reply}");
        let text = reply["data"]["content"].as_str().unwrap_or_default();
        assert!(text.contains("works inside a server"), "{name}: {text}");
    }
    // The gateway's path refuses the same way, before any claim.
    let caller = Caller {
        user_id: HOST.parse().unwrap(),
        display_name: "Host".into(),
        guild_id: None,
        channel_id: Some("1300000000000000555".parse().unwrap()),
        is_admin: true,
        interaction_id: None,
        locale: cozykart::locale::Locale::En,
        guild_locale: None,
    };
    let command = Command::LobbyCreate { name: None };
    let reply = cozykart::commands::once::execute_once(
        &app.state,
        InteractionId::try_from(77).unwrap(),
        caller,
        command,
    )
    .await
    .expect("a refusal");
    assert!(reply
        .http_body()
        .to_string()
        .contains("works inside a server"));
    // Autocomplete from a DM offers nothing.
    let mut typing: Value =
        serde_json::from_slice(include_bytes!("../fixtures/discord/autocomplete_join.json"))
            .unwrap();
    typing["id"] = json!(next_interaction_id());
    let (_, answer) = discord(&app, in_a_dm(serde_json::to_vec(&typing).unwrap())).await;
    assert_eq!(answer["data"]["choices"], json!([]), "{answer}");
    // Nothing was claimed, created, started or paid.
    assert_eq!(claims(&app).await, before);
    assert_eq!(lobby_count(&app).await, 1);
    assert_eq!(lobby_json(&app, &code).await["state"], "idle");
    app.assert_ledger_balances().await;
}
on_both_engines!(interactions_outside_a_guild_change_nothing);

async fn refused_guilds_leave_no_claim_and_old_claims_are_pruned(engine: Engine) {
    let allow = "[discord]\nguilds = [\"1200000000000000001\"]";
    let config = full_config("").replacen("[discord]\n", &format!("{allow}\n"), 1);
    let app = spawn_app(engine, &config).await;
    let mut elsewhere: Value =
        serde_json::from_slice(&interaction("wallet", json!([]), RACER, "Racer", false)).unwrap();
    elsewhere["guild_id"] = json!("1999999999999999999");
    elsewhere["guild"]["id"] = json!("1999999999999999999");
    let (_, reply) = discord(&app, serde_json::to_vec(&elsewhere).unwrap()).await;
    assert!(reply["data"]["content"]
        .as_str()
        .unwrap()
        .contains("not set up"));
    assert_eq!(claims(&app).await, 0, "a refused guild leaves no row");
    command(&app, "wallet", json!([]), RACER, false).await;
    command(&app, "leaderboard", json!([]), RACER, false).await;
    assert_eq!(claims(&app).await, 2);
    // Fifteen minutes later they are gone; a fresh one stays.
    app.clock.advance(chrono::Duration::minutes(16));
    command(&app, "wallet", json!([]), RACER, false).await;
    let pruned = cozykart::commands::once::prune(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(pruned, 2);
    assert_eq!(claims(&app).await, 1);
    // On PostgreSQL one process prunes at a time: while another holds the duty,
    // this one skips its turn.
    if matches!(engine, Engine::Postgres) {
        use sea_orm::TransactionTrait;
        app.clock.advance(chrono::Duration::minutes(16));
        let holder = app.db.begin().await.unwrap();
        let duty = cozykart::db::Duty::InteractionPruning;
        assert!(cozykart::db::try_duty(&holder, duty).await.unwrap());
        let skipped = cozykart::commands::once::prune(&app.db, app.clock.now()).await;
        assert_eq!(skipped.unwrap(), 0);
        holder.rollback().await.unwrap();
        let pruned = cozykart::commands::once::prune(&app.db, app.clock.now()).await;
        assert_eq!(pruned.unwrap(), 1);
    }
}
on_both_engines!(refused_guilds_leave_no_claim_and_old_claims_are_pruned);

async fn closed_lobbies_leave_memory_and_come_back_when_named(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    let code = create_lobby(&app, "Evening Cup").await;
    let idle = create_lobby(&app, "Waiting").await;
    let lobby = json!([option("lobby", &code)]);
    command(&app, "join", lobby.clone(), RACER, false).await;
    command(&app, "start", lobby.clone(), HOST, false).await;
    let paid_at = app.clock.now().timestamp();
    app.clock.advance(chrono::Duration::minutes(5));
    command(&app, "end", lobby.clone(), HOST, false).await;
    // Not yet quiet long enough, then at rest: only the closed lobby stops.
    assert_eq!(app.state.lobbies.retire_quiet().await, 0);
    app.clock.advance(chrono::Duration::minutes(11));
    assert_eq!(app.state.lobbies.retire_quiet().await, 1);
    assert!(app.state.lobbies.find_running(&code).is_none());
    assert!(app.state.lobbies.find_running(&idle).is_some());
    // A late delivery of a sale paid during its race still reaches it.
    let late = stripe_checkout("evt_late", "pi_late", 10000, "usd", paid_at, Some(&code));
    assert_eq!(post_stripe(&app, late).await.0, 200);
    assert_eq!(wallet(&app, RACER, "USD").await.0, "20.00");
    // Named by a command, it runs again and races again.
    assert_eq!(lobby_json(&app, &code).await["state"], "closed");
    app.clock.advance(chrono::Duration::minutes(11));
    app.state.lobbies.retire_quiet().await;
    let reply = command(&app, "start", lobby, HOST, false).await;
    assert!(!is_ephemeral(&reply), "{reply}");
    assert_eq!(lobby_json(&app, &code).await["state"], "open");
    command(&app, "end", json!([option("lobby", &code)]), HOST, false).await;
    // After a restart only lobbies that are not closed are loaded.
    let (test_db, clock) = app.stop().await;
    let app = spawn_app_on(test_db, &full_config("[commission]\nhold_days = 0"), clock).await;
    assert!(app.state.lobbies.find_running(&code).is_none());
    assert!(app.state.lobbies.find_running(&idle).is_some());
    assert_eq!(app.state.lobbies.running_count(), 1);
    let reply = command(&app, "pot", json!([]), HOST, false).await;
    assert!(!is_ephemeral(&reply), "the channel's newest lobby: {reply}");
    app.assert_ledger_balances().await;
}
on_both_engines!(closed_lobbies_leave_memory_and_come_back_when_named);

async fn a_guild_creates_at_most_its_hourly_lobbies(engine: Engine) {
    let cap = "[discord]\nmax_lobbies_per_hour = 3";
    let config = full_config("").replacen("[discord]\n", &format!("{cap}\n"), 1);
    let app = spawn_app(engine, &config).await;
    for name in ["One", "Two", "Three"] {
        create_lobby(&app, name).await;
    }
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "Four")]}]);
    let refused = command(&app, "lobby", options.clone(), HOST, false).await;
    assert!(is_ephemeral(&refused), "{refused}");
    let text = refused["content"].as_str().unwrap();
    assert!(text.contains("3 lobbies within the last hour"), "{text}");
    assert_eq!(lobby_count(&app).await, 3);
    app.clock.advance(chrono::Duration::minutes(61));
    create_lobby(&app, "Four").await;
}
on_both_engines!(a_guild_creates_at_most_its_hourly_lobbies);
