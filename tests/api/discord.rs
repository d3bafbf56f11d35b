//! A whole race run from Discord over the HTTP interactions endpoint.

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_on, Engine};
use crate::on_both_engines;
use crate::signing::*;

const RACER_A: &str = "1100000000000000011";
const RACER_B: &str = "1100000000000000012";
const RACER_C: &str = "1100000000000000013";

async fn ping_pongs_and_bad_signatures_are_refused(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let ping = include_bytes!("../fixtures/discord/ping.json").to_vec();
    let (status, body) = discord(&app, ping.clone()).await;
    assert_eq!((status, body), (200, json!({"type": 1, "data": null})));
    let mut tampered = ping.clone();
    tampered[5] ^= 1;
    let now = app.clock.now().timestamp().to_string();
    let signature = sign_discord(&ping, &now);
    let (status, body) = post(
        &app,
        "/discord/interactions",
        tampered,
        &[
            ("X-Signature-Ed25519", signature),
            ("X-Signature-Timestamp", now),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "bad_signature");
    let (status, _) = post(&app, "/discord/interactions", ping, &[]).await;
    assert_eq!(status, 401);
}
on_both_engines!(ping_pongs_and_bad_signatures_are_refused);

async fn host_runs_a_whole_race(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    let code = create_lobby(&app, "Friday Cup").await;
    for racer in [RACER_A, RACER_B] {
        let data = command(&app, "join", json!([]), racer, false).await;
        assert!(!is_ephemeral(&data), "{data}");
    }
    let again = command(&app, "join", json!([]), RACER_A, false).await;
    assert!(is_ephemeral(&again) && again["content"].as_str().unwrap().contains("already"));
    let refused = command(&app, "start", json!([]), RACER_A, false).await;
    assert!(is_ephemeral(&refused) && refused["content"].as_str().unwrap().contains("host"));
    let started = command(&app, "start", json!([]), HOST, false).await;
    assert!(
        started["content"].as_str().unwrap().contains("live"),
        "{started}"
    );
    assert_eq!(lobby_json(&app, &code).await["state"], "open");

    app.clock.advance(Duration::seconds(30));
    let created = app.clock.now().timestamp();
    let (status, body) = post_stripe(
        &app,
        stripe_checkout("evt_1", "pi_1", 2500, "usd", created, None),
    )
    .await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("recorded")),
        "{body}"
    );

    let pot = command(&app, "pot", json!([]), RACER_B, false).await;
    assert!(
        pot["content"].as_str().unwrap().contains("USD 5.00"),
        "{pot}"
    );
    let ended = command(&app, "end", json!([]), HOST, false).await;
    let fields = ended["embeds"][0]["fields"].to_string();
    assert!(
        fields.contains("USD 2.50") && fields.contains("Sales"),
        "{ended}"
    );
    assert_eq!(lobby_json(&app, &code).await["state"], "closed");

    let wallet_reply = command(&app, "wallet", json!([]), RACER_A, false).await;
    assert!(is_ephemeral(&wallet_reply));
    assert!(wallet_reply["embeds"][0]["fields"]
        .to_string()
        .contains("available **2.50**"));
    let board = command(&app, "leaderboard", json!([]), RACER_C, false).await;
    let board = board["embeds"][0]["description"].as_str().unwrap();
    assert!(board.contains("2.50"), "{board}");
    // Each earner under the name they raced with (read in the same query).
    let name_a = format!("Racer{}", &RACER_A[RACER_A.len() - 2..]);
    assert!(board.contains(&name_a), "{board}");
    app.assert_ledger_balances().await;
}
on_both_engines!(host_runs_a_whole_race);

async fn roster_limit_and_leave(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nmax_racers = 2")).await;
    let code = create_lobby(&app, "Small").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    command(
        &app,
        "join",
        json!([option("lobby", &code.to_lowercase())]),
        RACER_B,
        false,
    )
    .await;
    let full = command(&app, "join", json!([]), RACER_C, false).await;
    assert!(
        is_ephemeral(&full) && full["content"].as_str().unwrap().contains("full"),
        "{full}"
    );
    command(&app, "leave", json!([]), RACER_A, false).await;
    let joined = command(&app, "join", json!([]), RACER_C, false).await;
    assert!(!is_ephemeral(&joined), "{joined}");
    let racers = lobby_json(&app, &code).await["racers"].clone();
    assert_eq!(racers.as_array().unwrap().len(), 2);
    let nowhere = command(
        &app,
        "join",
        json!([option("lobby", "ZZZZ")]),
        RACER_A,
        false,
    )
    .await;
    assert!(is_ephemeral(&nowhere));
}
on_both_engines!(roster_limit_and_leave);

async fn payouts_need_an_admin_and_follow_the_rules(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    create_lobby(&app, "Cup").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    command(&app, "start", json!([]), HOST, false).await;
    let now = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_big", "pi_big", 15000, "usd", now, None),
    )
    .await;
    let pay = |amount: &str, force: bool| {
        let mut options = vec![
            json!({"name": "user", "type": 6, "value": RACER_A}),
            option("amount", amount),
        ];
        if force {
            options.push(json!({"name": "force", "type": 5, "value": true}));
        }
        json!(options)
    };
    let denied = command(&app, "payout", pay("20.00", false), RACER_B, false).await;
    assert!(is_ephemeral(&denied) && denied["content"].as_str().unwrap().contains("admin"));
    let over = command(&app, "payout", pay("31.00", false), RACER_B, true).await;
    assert!(
        is_ephemeral(&over) && over["content"].as_str().unwrap().contains("available"),
        "{over}"
    );
    let small = command(&app, "payout", pay("5.00", false), RACER_B, true).await;
    assert!(
        small["content"].as_str().unwrap().contains("threshold"),
        "{small}"
    );
    let bad = command(&app, "payout", pay("5.001", false), RACER_B, true).await;
    assert!(is_ephemeral(&bad), "{bad}");
    let paid = command(&app, "payout", pay("25.00", false), RACER_B, true).await;
    assert!(
        !is_ephemeral(&paid)
            && paid["content"]
                .as_str()
                .unwrap()
                .contains("Congratulations"),
        "{paid}"
    );
    assert_eq!(
        wallet(&app, RACER_A, "USD").await,
        ("5.00".into(), "0.00".into())
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(payouts_need_an_admin_and_follow_the_rules);

async fn restart_mid_race_keeps_roster_window_and_pot(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Marathon").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    command(&app, "start", json!([]), HOST, false).await;
    let now = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_a", "pi_a", 1000, "usd", now, None),
    )
    .await;
    let (db, clock) = app.stop().await;
    let app = spawn_app_on(db, &full_config(""), clock).await;
    let lobby = lobby_admin_json(&app, &code).await;
    assert_eq!(lobby["state"], "open");
    assert_eq!(lobby["racers"][0]["discord_id"], RACER_A);
    assert_eq!(lobby["pot"]["USD"], "2.00");
    // The overlay's sales list survives the restart too.
    let mut socket = crate::overlay::connect(&app, &code).await;
    let snapshot = crate::overlay::next_frame(&mut socket).await;
    assert_eq!(
        snapshot["recent_sales"].as_array().map(Vec::len),
        Some(1),
        "{snapshot}"
    );
    assert_eq!(snapshot["recent_sales"][0]["pool_delta"], "2.00");
    let now = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_b", "pi_b", 1000, "usd", now, None),
    )
    .await;
    assert_eq!(lobby_json(&app, &code).await["pot"]["USD"], "4.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(restart_mid_race_keeps_roster_window_and_pot);

/// On PostgreSQL a lobby applies its changes in seq order, and one missing (a
/// notice from another process lost while this process's listener reconnected)
/// holds back those after it until the lobby is read again. A race this process
/// starts meanwhile takes a sale at once all the same: attribution sees a change
/// of this process as soon as it commits. (Before, the sale went to the house:
/// the simulation's connection cuts found it.)
#[actix_web::test]
async fn a_race_started_behind_a_missing_change_takes_its_sale_at_once() {
    if crate::helpers::postgres_url().is_none() {
        return;
    }
    let app = spawn_app(
        Engine::Postgres,
        &full_config("[commission]\nhold_days = 0"),
    )
    .await;
    let code = create_lobby(&app, "Gap Cup").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    // Another process's change, committed, whose notice this process never heard.
    let missed = sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "UPDATE lobbies SET seq = seq + 1 WHERE code = $1",
        [code.clone().into()],
    );
    sea_orm::ConnectionTrait::execute_raw(&app.db, missed)
        .await
        .expect("seq bumped");
    command(&app, "start", json!([]), HOST, false).await;
    let now = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_gap", "pi_gap", 1000, "usd", now, None),
    )
    .await;
    assert_eq!(wallet(&app, RACER_A, "USD").await.0, "2.00");
    app.assert_ledger_balances().await;
}

async fn a_forgotten_window_closes_by_itself(engine: Engine) {
    let app = spawn_app(
        engine,
        &full_config("[commission]\nmax_window_minutes = 5\nhold_days = 0"),
    )
    .await;
    let code = create_lobby(&app, "Forgotten").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    command(&app, "start", json!([]), HOST, false).await;
    let started = app.clock.now().timestamp();
    let entry = app.state.lobbies.find_running(&code).unwrap();
    app.clock.advance(Duration::minutes(4));
    entry.addr.send(cozykart::lobby::WindowTick).await.unwrap();
    assert_eq!(lobby_json(&app, &code).await["state"], "open");
    app.clock.advance(Duration::minutes(2));
    entry.addr.send(cozykart::lobby::WindowTick).await.unwrap();
    // The tick sends End to the lobby itself; wait (bounded) for it to land.
    let mut state = Value::Null;
    for _ in 0..100 {
        state = lobby_json(&app, &code).await["state"].clone();
        if state == "closed" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(state, "closed");
    // It closed when the tick found it, not backdated to the limit: a sale paid
    // at 5 min 30 s still counts for the race; one paid after it closed does not
    // (both delivered a minute later, so neither is clamped to its receipt time).
    app.clock.advance(Duration::minutes(1));
    for (event, paid) in [("evt_in", started + 330), ("evt_after", started + 361)] {
        let sale = stripe_checkout(event, &format!("pi_{event}"), 1000, "usd", paid, None);
        assert_eq!(post_stripe(&app, sale).await.1["status"], "recorded");
    }
    assert_eq!(wallet(&app, RACER_A, "USD").await.0, "2.00");
}
on_both_engines!(a_forgotten_window_closes_by_itself);

/// A lobby change writes all its rows or none: the window row of a `/start`
/// whose second write (the lobby's state) fails is not left behind.
async fn a_lobby_change_whose_second_write_fails_leaves_nothing(engine: Engine) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Fragile").await;
    let (install, remove): (&[&str], &[&str]) = match engine {
        crate::helpers::Engine::Sqlite => (
            &["CREATE TRIGGER fail_state BEFORE UPDATE ON lobbies \
               BEGIN SELECT RAISE(ABORT, 'injected failure'); END"],
            &["DROP TRIGGER fail_state"],
        ),
        crate::helpers::Engine::Postgres => (
            &[
                "CREATE FUNCTION fail_state() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER fail_state BEFORE UPDATE ON lobbies \
                 FOR EACH ROW EXECUTE FUNCTION fail_state()",
            ],
            &[
                "DROP TRIGGER fail_state ON lobbies",
                "DROP FUNCTION fail_state()",
            ],
        ),
    };
    for sql in install {
        app.db.execute_unprepared(sql).await.unwrap();
    }
    let refused = command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    assert!(is_ephemeral(&refused), "{refused}");
    assert_eq!(lobby_json(&app, &code).await["state"], "idle");
    let windows = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) FROM lobby_windows",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(windows, 0, "the first write was rolled back");
    for sql in remove {
        app.db.execute_unprepared(sql).await.unwrap();
    }
    let started = command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    assert!(!is_ephemeral(&started), "{started}");
    assert_eq!(lobby_json(&app, &code).await["state"], "open");
}
on_both_engines!(a_lobby_change_whose_second_write_fails_leaves_nothing);

async fn payout_threshold_is_in_the_payouts_currency(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    create_lobby(&app, "Tokyo Cup").await;
    command(&app, "join", json!([]), RACER_A, false).await;
    command(&app, "start", json!([]), HOST, false).await;
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_jpy", "pi_jpy", 20000, "jpy", now, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    let pay = |amount: &str, force: bool| {
        json!([
            {"name": "user", "type": 6, "value": RACER_A},
            option("amount", amount),
            {"name": "force", "type": 5, "value": force},
        ])
    };
    // 500 yen is far below the default read in yen (2000 JPY), not above "20.00".
    let small = command(&app, "payout", pay("500", false), RACER_B, true).await;
    let text = small["content"].as_str().unwrap();
    assert!(
        is_ephemeral(&small) && text.contains("threshold of 2000 JPY"),
        "{small}"
    );
    let paid = command(&app, "payout", pay("2000", false), RACER_B, true).await;
    assert!(!is_ephemeral(&paid), "{paid}");
    let forced = command(&app, "payout", pay("500", true), RACER_B, true).await;
    assert!(!is_ephemeral(&forced), "{forced}");
    assert_eq!(wallet(&app, RACER_A, "JPY").await.0, "1500");
}
on_both_engines!(payout_threshold_is_in_the_payouts_currency);
