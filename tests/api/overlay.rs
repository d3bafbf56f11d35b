//! Overlay websockets and page: snapshot first, consecutive `seq`, isolation
//! between lobbies, privacy of buyer names, and the page and QR code served.

use awc::ws::Frame;
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;

const RACER: &str = "1100000000000000031";

pub type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

pub async fn connect(app: &TestApp, code: &str) -> Socket {
    connect_to(&app.address, code).await
}

/// An overlay socket on the server at `address` (a child process).
pub async fn connect_to(address: &str, code: &str) -> Socket {
    let (response, socket) = awc::Client::new()
        .ws(format!("{address}/ws/lobbies/{code}"))
        .connect()
        .await
        .expect("websocket connects");
    assert_eq!(response.status(), 101);
    socket
}

/// Next JSON text frame (pings are skipped), bounded in time.
pub async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let frame = actix_web::rt::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("socket open")
            .expect("valid frame");
        if let Frame::Text(bytes) = frame {
            return serde_json::from_slice(&bytes).expect("JSON frame");
        }
    }
}

async fn frames_arrive_in_order_and_only_to_their_lobby(engine: Engine) {
    let tips = format!(
        "[shops.tips]\nprovider = \"kofi\"\nsecret = \"{KOFI_TOKEN}\"\nkofi_types = [\"Shop Order\", \"Donation\"]"
    );
    let config = full_config(&tips);
    let app = spawn_app(engine, &config).await;
    let code = create_lobby(&app, "Live").await;
    let other = create_lobby(&app, "Other").await;
    let mut live = connect(&app, &code).await;
    let mut quiet = connect(&app, &other).await;
    let snapshot = next_frame(&mut live).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["lobby"]["code"], code);
    assert_eq!(
        snapshot["checkout_url"],
        format!("https://shop.example/merch?lobby={code}")
    );
    let first_seq = snapshot["seq"].as_u64().unwrap();
    assert_eq!(next_frame(&mut quiet).await["type"], "snapshot");

    command(&app, "join", json!([option("lobby", &code)]), RACER, false).await;
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    let now = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_o", "pi_o", 2250, "usd", now, None),
    )
    .await;
    // A private Ko-fi donation: its buyer's name must never reach an overlay.
    let donation = include_str!("../fixtures/webhooks/kofi/donation.json");
    let form = serde_urlencoded::to_string([("data", donation)]).unwrap();
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, 10, 9, 9, 21, 0).unwrap());
    let (status, answer) = post(
        &app,
        "/webhooks/kofi/tips",
        form.into_bytes(),
        &[("Content-Type", "application/x-www-form-urlencoded".into())],
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("recorded")),
        "{answer}"
    );

    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(next_frame(&mut live).await);
    }
    let kinds: Vec<&str> = seen.iter().map(|f| f["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["roster", "window_opened", "sale", "sale"]);
    for (i, frame) in seen.iter().enumerate() {
        assert_eq!(frame["seq"].as_u64().unwrap(), first_seq + 1 + i as u64);
    }
    assert_eq!(seen[2]["pot"]["USD"], "4.50");
    assert_eq!(seen[2]["pool_delta"], "4.50");
    assert_eq!(seen[3]["buyer"], "someone");
    let all = serde_json::to_string(&seen).unwrap();
    assert!(
        !all.contains("Anonymous Tester") && !all.contains("Vroom"),
        "{all}"
    );

    // The other lobby's overlay saw none of it; a fresh connection gets the pot.
    let mut again = connect(&app, &other).await;
    assert_eq!(next_frame(&mut again).await["seq"], 0);
    let mut late = connect(&app, &code).await;
    let snapshot = next_frame(&mut late).await;
    assert_eq!(snapshot["pot"]["USD"], "5.10");
    assert_eq!(snapshot["lobby"]["state"], "open");
    drop(quiet);
    app.assert_ledger_balances().await;
}
on_both_engines!(frames_arrive_in_order_and_only_to_their_lobby);

async fn page_qr_and_unknown_lobbies(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Page").await;
    let client = app.client();
    let mut page = client
        .get(format!("{}/overlay/{code}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains("/overlay-assets/overlay.js"));
    let mut qr = client
        .get(format!("{}/overlay/{code}/qr.svg", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 200);
    assert!(String::from_utf8(qr.body().await.unwrap().to_vec())
        .unwrap()
        .contains("<svg"));
    let script = client
        .get(format!("{}/overlay-assets/overlay.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    // An unknown code is a 404 whose body is the (transparent, waiting) page,
    // never JSON that OBS would put on stream.
    let mut missing = client
        .get(format!("{}/overlay/NOPE", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let html = String::from_utf8(missing.body().await.unwrap().to_vec()).unwrap();
    assert!(
        html.contains("/overlay-assets/overlay.js") && !html.contains("\"error\""),
        "{html}"
    );
    let socket = client
        .get(format!("{}/ws/lobbies/NOPE", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(socket.status(), 404);
}
on_both_engines!(page_qr_and_unknown_lobbies);

/// An overlay client whose session never takes its frames (its mailbox fills).
struct Stuck;

impl actix::Actor for Stuck {
    type Context = actix::Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        use actix::{ActorFutureExt, AsyncContext, WrapFuture};
        ctx.wait(
            futures_util::future::pending::<()>()
                .into_actor(self)
                .map(|_, _, _| ()),
        );
    }
}

impl actix::Handler<cozykart::lobby::OverlayFrame> for Stuck {
    type Result = ();

    fn handle(&mut self, _: cozykart::lobby::OverlayFrame, _: &mut Self::Context) {}
}

async fn a_slow_client_is_dropped_without_delaying_others(engine: Engine) {
    use actix::Actor;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Slow").await;
    // Credits count for a race that is running.
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    let mut healthy = connect(&app, &code).await;
    let first = next_frame(&mut healthy).await["seq"].as_u64().unwrap();
    let lobby = app.state.lobbies.find_running(&code).unwrap().addr;
    let dropped = Arc::new(AtomicBool::new(false));
    let stuck = Stuck.start();
    lobby
        .send(cozykart::lobby::Subscribe {
            session_id: u64::MAX,
            recipient: stuck.recipient(),
            dropped: dropped.clone(),
            racer: None,
        })
        .await
        .unwrap();
    let usd = cozykart::money::Currency::parse("USD").unwrap();
    let cent = cozykart::money::Money::from_minor(1, usd).unwrap();
    for sale_id in 0..200 {
        lobby.do_send(cozykart::lobby::Credit {
            sale_id,
            amount: cent,
            pool_delta: cent,
            buyer: None,
            at: app.clock.now(),
            sold_at: app.clock.now(),
            shares: Vec::new(),
        });
    }
    for i in 1..=200u64 {
        let frame = next_frame(&mut healthy).await;
        assert_eq!(frame["seq"].as_u64().unwrap(), first + i);
    }
    assert!(
        dropped.load(Ordering::Relaxed),
        "the stuck subscriber was flagged and dropped"
    );
    assert_eq!(lobby_pot(&app, &code).await, "2.00");
}
on_both_engines!(a_slow_client_is_dropped_without_delaying_others);

async fn lobby_pot(app: &TestApp, code: &str) -> String {
    let body = lobby_json(app, code).await;
    body["pot"]["USD"].as_str().unwrap_or_default().to_owned()
}

async fn a_late_sale_or_refund_of_an_earlier_race_leaves_the_current_pot_alone(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Two races").await;
    command(&app, "join", json!([option("lobby", &code)]), RACER, false).await;
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    let first = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_r1", "pi_r1", 1000, "usd", first, None),
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(5));
    command(&app, "end", json!([option("lobby", &code)]), HOST, false).await;
    app.clock.advance(chrono::Duration::minutes(5));
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    let second = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_r2", "pi_r2", 1000, "usd", second, None),
    )
    .await;
    assert_eq!(lobby_pot(&app, &code).await, "2.00");
    // A sale paid in the first race, delivered during the second: its racers are
    // paid, this race's on-screen pot does not move (the end of the test, where the
    // pot must come down to 0.00, would catch it).
    let (_, late) = post_stripe(
        &app,
        stripe_checkout("evt_late", "pi_late", 1000, "usd", first, None),
    )
    .await;
    assert_eq!(late["status"], "recorded");
    let (_, old) = post_stripe(&app, stripe_refund("evt_ref1", "pi_r1", 1000, 1000, second)).await;
    assert_eq!(old["status"], "refund_applied");
    assert_eq!(
        lobby_pot(&app, &code).await,
        "2.00",
        "the earlier race's refund"
    );
    let (_, current) =
        post_stripe(&app, stripe_refund("evt_ref2", "pi_r2", 1000, 1000, second)).await;
    assert_eq!(current["status"], "refund_applied");
    let mut pot = String::new();
    for _ in 0..100 {
        pot = lobby_pot(&app, &code).await;
        if pot == "0.00" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(pot, "0.00", "this race's refund");
    app.assert_ledger_balances().await;
}
on_both_engines!(a_late_sale_or_refund_of_an_earlier_race_leaves_the_current_pot_alone);

/// The status of a websocket upgrade that was refused (`None`: it was accepted,
/// and the socket is handed back).
async fn try_connect(app: &TestApp, code: &str) -> Result<Socket, u16> {
    try_socket(app, None, &format!("/ws/lobbies/{code}")).await
}

/// A websocket to `path`, from the local address `from` if given (any address of
/// 127.0.0.0/8 is this machine); the status if the upgrade was refused.
pub async fn try_socket(
    app: &TestApp,
    from: Option<std::net::IpAddr>,
    path: &str,
) -> Result<Socket, u16> {
    let mut connector = awc::Connector::new();
    if let Some(from) = from {
        connector = connector.local_address(from);
    }
    let client = awc::Client::builder().connector(connector).finish();
    match client.ws(format!("{}{path}", app.address)).connect().await {
        Ok((_, socket)) => Ok(socket),
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => Err(status.as_u16()),
        Err(other) => panic!("upgrade failed: {other}"),
    }
}

async fn a_websocket_flood_is_refused_over_the_caps(engine: Engine) {
    let limits = "[overlay]\nmax_clients_per_lobby = 3\nmax_clients_per_address = 5";
    let app = spawn_app(engine, &full_config(limits)).await;
    let first = create_lobby(&app, "Flooded").await;
    let second = create_lobby(&app, "Other").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(
            try_connect(&app, &first)
                .await
                .expect("under the lobby cap"),
        );
    }
    assert_eq!(try_connect(&app, &first).await.err(), Some(503));
    // A client that leaves gives its place back.
    let mut leaving = open.pop().unwrap();
    futures_util::SinkExt::send(&mut leaving, awc::ws::Message::Close(None))
        .await
        .unwrap();
    drop(leaving);
    let mut again = None;
    for _ in 0..50 {
        if let Ok(socket) = try_connect(&app, &first).await {
            again = Some(socket);
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    open.push(again.expect("a place came back within 5 s"));
    // One address may hold 5 sockets over all lobbies.
    open.push(
        try_connect(&app, &second)
            .await
            .expect("4th from this address"),
    );
    open.push(
        try_connect(&app, &second)
            .await
            .expect("5th from this address"),
    );
    assert_eq!(try_connect(&app, &second).await.err(), Some(503));
    // The lobbies still answer the sockets they admitted.
    let snapshot = next_frame(&mut open[0]).await;
    assert_eq!(snapshot["type"], "snapshot");
}
on_both_engines!(a_websocket_flood_is_refused_over_the_caps);
