//! Overlay websockets beyond one lobby: following a host or a channel to its next
//! lobby, a racer's own share, and the goal in the snapshot across a restart; and
//! the settings page, options script and sale sound served from the binary.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_on, Engine, TestApp};
use crate::on_both_engines;
use crate::overlay::{connect, next_frame};
use crate::signing::*;

const RACER_A: &str = "1100000000000000051";
const RACER_B: &str = "1100000000000000052";
/// The channel of every test interaction (`fixtures/discord/join.json`).
const CHANNEL: &str = "1200000000000000002";

type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

async fn connect_path(app: &TestApp, path: &str) -> Socket {
    let (response, socket) = awc::Client::new()
        .ws(format!("{}{path}", app.address))
        .connect()
        .await
        .expect("websocket connects");
    assert_eq!(response.status(), 101);
    socket
}

async fn status_of(app: &TestApp, path: &str) -> u16 {
    let response = app
        .client()
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

/// `lobby_changed` naming `code`, then that lobby's snapshot.
async fn expect_move(socket: &mut Socket, code: &str) -> Value {
    let changed = next_frame(socket).await;
    assert_eq!(changed, json!({"type": "lobby_changed", "code": code}));
    let snapshot = next_frame(socket).await;
    assert_eq!(snapshot["type"], "snapshot", "{snapshot}");
    assert_eq!(snapshot["lobby"]["code"], code, "{snapshot}");
    snapshot
}

async fn host_and_channel_overlays_follow_to_the_next_lobby(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    assert_eq!(status_of(&app, &format!("/overlay/host/{HOST}")).await, 200);
    assert_eq!(status_of(&app, "/overlay/host/not-an-id").await, 404);
    assert_eq!(status_of(&app, "/ws/hosts/12ab").await, 404);

    // Added before the host's first lobby: waits for it.
    let mut host = connect_path(&app, &format!("/ws/hosts/{HOST}")).await;
    assert_eq!(
        next_frame(&mut host).await,
        json!({"type": "lobby_changed", "code": null})
    );
    let first = create_lobby(&app, "First").await;
    expect_move(&mut host, &first).await;
    let mut channel = connect_path(&app, &format!("/ws/channels/{CHANNEL}")).await;
    expect_move(&mut channel, &first).await;

    command(&app, "start", json!([option("lobby", &first)]), HOST, false).await;
    assert_eq!(next_frame(&mut host).await["type"], "window_opened");
    assert_eq!(next_frame(&mut channel).await["type"], "window_opened");
    command(&app, "end", json!([option("lobby", &first)]), HOST, false).await;
    assert_eq!(next_frame(&mut host).await["type"], "window_closed");
    assert_eq!(next_frame(&mut channel).await["type"], "window_closed");

    // The next lobby: both overlays move by themselves, and get its frames only.
    let second = create_lobby(&app, "Second").await;
    let snapshot = expect_move(&mut host, &second).await;
    assert_eq!(snapshot["lobby"]["state"], "idle");
    expect_move(&mut channel, &second).await;
    command(
        &app,
        "start",
        json!([option("lobby", &second)]),
        HOST,
        false,
    )
    .await;
    let opened = next_frame(&mut host).await;
    assert_eq!(
        (opened["type"].clone(), opened["seq"].as_u64()),
        (
            json!("window_opened"),
            Some(snapshot["seq"].as_u64().unwrap() + 1)
        )
    );
    assert_eq!(next_frame(&mut channel).await["type"], "window_opened");
}
on_both_engines!(host_and_channel_overlays_follow_to_the_next_lobby);

async fn a_racer_overlay_adds_only_that_racers_share(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Shares").await;
    for racer in [RACER_A, RACER_B] {
        command(&app, "join", json!([option("lobby", &code)]), racer, false).await;
    }
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    assert_eq!(
        status_of(&app, &format!("/ws/lobbies/{code}?racer=nobody")).await,
        400
    );
    let mut public = connect(&app, &code).await;
    let mut own = connect_path(&app, &format!("/ws/lobbies/{code}?racer={RACER_A}")).await;
    let snapshot = next_frame(&mut own).await;
    assert_eq!(
        snapshot["racer"],
        json!({"display_name": "Racer51", "share": {}})
    );
    assert!(next_frame(&mut public).await.get("racer").is_none());

    // Two sales with odd pools (4.51 and 2.01): the shares differ by a cent.
    let now = app.clock.now().timestamp();
    for (n, cents) in [(1, 2255), (2, 1005)] {
        let sale = stripe_checkout(
            &format!("evt_s{n}"),
            &format!("pi_s{n}"),
            cents,
            "usd",
            now,
            None,
        );
        assert_eq!(post_stripe(&app, sale).await.0, 200);
    }
    let mut last = Value::Null;
    for _ in 0..2 {
        last = next_frame(&mut own).await;
        assert_eq!(last["type"], "sale");
        let shown = next_frame(&mut public).await;
        assert!(shown.get("racer").is_none(), "{shown}");
    }
    let (_, pending) = wallet(&app, RACER_A, "USD").await;
    assert_eq!(
        last["racer"],
        json!({"display_name": "Racer51", "share": {"USD": pending}})
    );
    let (_, other) = wallet(&app, RACER_B, "USD").await;
    let cents = |s: &str| s.replace('.', "").parse::<i64>().unwrap();
    assert_eq!(cents(&pending) + cents(&other), 451 + 201);

    // A refund of half the first sale: the share is what the ledger leaves A.
    let refund = stripe_refund("evt_r1", "pi_s1", 2255, 1127, now);
    assert_eq!(post_stripe(&app, refund).await.0, 200);
    let refunded = next_frame(&mut own).await;
    assert_eq!(refunded["type"], "refund");
    let (_, pending) = wallet(&app, RACER_A, "USD").await;
    assert_eq!(refunded["racer"]["share"], json!({"USD": pending}));
    assert!(cents(&pending) < cents(last["racer"]["share"]["USD"].as_str().unwrap()));
    app.assert_ledger_balances().await;
}
on_both_engines!(a_racer_overlay_adds_only_that_racers_share);

async fn the_goal_is_in_the_snapshot_and_survives_a_restart(engine: Engine) {
    let config = full_config("");
    let app = spawn_app(engine, &config).await;
    let code = create_lobby(&app, "Goal").await;
    let mut socket = connect(&app, &code).await;
    assert_eq!(next_frame(&mut socket).await["goal"], Value::Null);

    let racer = command(
        &app,
        "goal",
        json!([option("amount", "10"), option("lobby", &code)]),
        RACER_A,
        false,
    )
    .await;
    assert!(is_ephemeral(&racer), "{racer}");
    for bad in ["-1", "1.234", "lots"] {
        let refused = command(
            &app,
            "goal",
            json!([
                option("amount", bad),
                option("currency", "EUR"),
                option("lobby", &code)
            ]),
            HOST,
            false,
        )
        .await;
        assert!(is_ephemeral(&refused), "{bad}: {refused}");
    }
    let set = command(
        &app,
        "goal",
        json!([
            option("amount", "12.5"),
            option("currency", "eur"),
            option("lobby", &code)
        ]),
        HOST,
        false,
    )
    .await;
    assert!(!is_ephemeral(&set), "{set}");
    assert!(
        set["content"].as_str().unwrap().contains("EUR 12.50"),
        "{set}"
    );
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["type"], "goal");
    assert_eq!(frame["goal"], json!({"amount": "12.50", "currency": "EUR"}));
    drop(socket);

    let (test_db, clock) = app.stop().await;
    let app = spawn_app_on(test_db, &config, clock).await;
    let mut socket = connect(&app, &code).await;
    let snapshot = next_frame(&mut socket).await;
    assert_eq!(
        snapshot["goal"],
        json!({"amount": "12.50", "currency": "EUR"})
    );
    assert_eq!(snapshot["kofi_tag"], format!("#{code}"));

    command(
        &app,
        "goal",
        json!([option("amount", "0"), option("lobby", &code)]),
        HOST,
        true,
    )
    .await;
    assert_eq!(next_frame(&mut socket).await["goal"], Value::Null);
}
on_both_engines!(the_goal_is_in_the_snapshot_and_survives_a_restart);

async fn the_settings_page_and_sale_sound_are_served(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Assets").await;
    let get = |path: String| {
        let client = app.client();
        async move {
            let mut response = client.get(path).send().await.unwrap();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = response.body().limit(1 << 20).await.unwrap();
            (response.status().as_u16(), kind, body)
        }
    };
    let (status, kind, body) = get(format!("{}/overlay/{code}/setup", app.address)).await;
    assert_eq!(
        (status, kind.as_deref()),
        (200, Some("text/html; charset=utf-8"))
    );
    assert!(String::from_utf8_lossy(&body).contains("/overlay-assets/setup.js"));
    assert_eq!(status_of(&app, "/overlay/NOPE/setup").await, 404);
    for script in ["options.js", "money.js", "setup.js"] {
        let (status, kind, _) = get(format!("{}/overlay-assets/{script}", app.address)).await;
        assert_eq!(
            (status, kind.as_deref()),
            (200, Some("text/javascript; charset=utf-8"))
        );
    }
    let (status, kind, wav) = get(format!("{}/overlay-assets/sale.wav", app.address)).await;
    assert_eq!((status, kind.as_deref()), (200, Some("audio/wav")));
    assert!(
        wav.starts_with(b"RIFF") && wav.len() > 10_000,
        "{} bytes",
        wav.len()
    );
}
on_both_engines!(the_settings_page_and_sale_sound_are_served);
