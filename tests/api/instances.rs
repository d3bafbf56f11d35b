//! Several `cozykart serve` processes on one PostgreSQL database (child
//! processes, as in the crash test): lobby changes, sales and overlay frames
//! reach every process with the same `seq`; duplicates, concurrent `/start`s and
//! payouts stay correct with several writers; a process killed under load loses
//! nothing and, restarted, agrees with the others. Skipped with a notice without
//! `COZYKART_TEST_POSTGRES_URL`. On SQLite a second server refuses to start.

use std::time::{Duration, Instant};

use entity::{allocation, lobby_window, sale};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::child::{deliver, free_port, recorded, Server};
use crate::helpers::{assert_ledger_balances, postgres_url, spawn_app_on, t0, Engine, TestDb};
use crate::overlay::{connect_to, next_frame};
use crate::signing::{is_ephemeral, option, stripe_checkout, HOST, KOFI_TOKEN};

const RACERS: [&str; 2] = ["1100000000000000051", "1100000000000000052"];
/// Bound on waiting for another process to catch up; a failure guard only
/// (catching up takes milliseconds), never a measure of speed.
const CATCH_UP_MAX: Duration = Duration::from_secs(10);

/// `count` servers on one fresh PostgreSQL database, or `None` (with a notice)
/// when no PostgreSQL is configured.
async fn servers(count: usize, env: &[(&str, &str)]) -> Option<(TestDb, Vec<Server>)> {
    postgres_url()?;
    let test_db = TestDb::new(Engine::Postgres).await;
    test_db.connect().await; // migrated once, before the servers race to it
    let mut servers = Vec::new();
    for _ in 0..count {
        servers.push(Server::start_with(&test_db, free_port(), env).await);
    }
    Some((test_db, servers))
}

/// Polls `check` until it holds (bounded by [`CATCH_UP_MAX`]).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < CATCH_UP_MAX, "never happened: {what}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Creates a lobby through `server` (in the fixtures' channel); its code.
async fn create_lobby(server: &Server, name: &str) -> String {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    let data = server.reply("lobby", options, HOST).await;
    let text = data["content"].as_str().unwrap_or_default().to_owned();
    text.split('`').nth(1).expect("code in reply").to_owned()
}

/// The lobby's full view (racers' Discord ids too), from the admin API.
async fn lobby(server: &Server, code: &str) -> Value {
    let path = format!("/api/admin/lobbies/{code}");
    server.admin("GET", &path, None).await.1
}

/// A signed Stripe sale paid now.
fn sale_event(name: &str, cents: i64) -> (String, Vec<u8>) {
    let id = format!("pi_{name}");
    let now = chrono::Utc::now().timestamp();
    let body = stripe_checkout(&format!("evt_{name}"), &id, cents, "usd", now, None);
    (id, body)
}

#[actix_web::test]
async fn lobby_changes_and_sales_reach_every_process() {
    let Some((_db, servers)) = servers(2, &[]).await else {
        return;
    };
    let (a, b) = (&servers[0], &servers[1]);
    let code = create_lobby(a, "Shared Cup").await;
    eventually("B lists the lobby created on A", || async {
        b.get(&format!("/api/lobbies/{code}")).await.0 == 200
    })
    .await;
    // The fixtures' channel finds the lobby on B too.
    b.reply("join", json!([]), RACERS[0]).await;
    eventually(
        "A's roster shows the racer who joined through B",
        || async { lobby(a, &code).await["racers"][0]["discord_id"] == RACERS[0] },
    )
    .await;
    let mut on_a = connect_to(&a.address, &code).await;
    let mut on_b = connect_to(&b.address, &code).await;
    let (snap_a, snap_b) = (next_frame(&mut on_a).await, next_frame(&mut on_b).await);
    assert_eq!(snap_a["seq"], snap_b["seq"], "{snap_a} {snap_b}");
    let first = snap_a["seq"].as_u64().unwrap();
    b.reply("start", json!([]), HOST).await;
    eventually("A's lobby is open after /start through B", || async {
        lobby(a, &code).await["state"] == "open"
    })
    .await;
    // Sales delivered to either process: one stream, the same on both.
    for i in 0..6 {
        let server = if i % 2 == 0 { b } else { a };
        let acked = deliver(&server.address, &[sale_event(&format!("shared_{i}"), 1000)]).await;
        assert_eq!(acked.len(), 1);
    }
    a.reply("end", json!([]), HOST).await;
    let mut kinds = Vec::new();
    for offset in 1..=8 {
        let (frame_a, frame_b) = (next_frame(&mut on_a).await, next_frame(&mut on_b).await);
        assert_eq!(frame_a["seq"].as_u64(), Some(first + offset), "{frame_a}");
        assert_eq!(frame_a, frame_b, "both processes send the same frame");
        kinds.push(frame_a["type"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(kinds[0], "window_opened");
    assert!(kinds[1..7].iter().all(|k| k == "sale"), "{kinds:?}");
    assert_eq!(kinds[7], "window_closed");
    assert_eq!(lobby(a, &code).await, lobby(b, &code).await);
    assert_eq!(lobby(a, &code).await["pot"]["USD"], "12.00");
    // A goal set through B is numbered like any change: both show it, and the
    // next change through A follows it without a gap.
    b.reply("goal", json!([option("amount", "50")]), HOST).await;
    a.reply("start", json!([]), HOST).await;
    for (offset, kind) in [(9, "goal"), (10, "window_opened")] {
        let (frame_a, frame_b) = (next_frame(&mut on_a).await, next_frame(&mut on_b).await);
        assert_eq!(frame_a["seq"].as_u64(), Some(first + offset), "{frame_a}");
        assert_eq!(frame_a["type"], kind, "{frame_a}");
        assert_eq!(frame_a, frame_b, "both processes send the same frame");
    }
    // Operators see the listening connection and the notices.
    let (status, ready) = b.get("/readyz").await;
    assert_eq!((status, &ready["listener"]), (200, &json!("up")), "{ready}");
    let metrics = awc::Client::new()
        .get(format!("{}/metrics", b.address))
        .send()
        .await
        .expect("metrics")
        .body()
        .await
        .expect("metrics body");
    let metrics = String::from_utf8_lossy(&metrics);
    for counter in [
        "cozykart_lobby_notifications_sent_total",
        "cozykart_lobby_notifications_received_total",
    ] {
        assert!(metrics.contains(counter), "{counter} in {metrics}");
    }
}

/// Two servers in this process on one database, each with its own clock: a
/// window left open too long is closed once, by the one that takes its lock.
#[actix_web::test]
async fn a_forgotten_window_is_closed_once_by_one_process() {
    if postgres_url().is_none() {
        return;
    }
    let test_db = TestDb::new(Engine::Postgres).await;
    let shared = test_db.shared();
    let config = crate::signing::full_config("[commission]\nmax_window_minutes = 5");
    let clock = cozykart::clock::Clock::manual(t0());
    let a = spawn_app_on(test_db, &config, clock.clone()).await;
    let b = spawn_app_on(shared, &config, clock.clone()).await;
    let code = crate::signing::create_lobby(&a, "Forgotten").await;
    crate::signing::command(&a, "start", json!([]), HOST, false).await;
    let on_a = a.state.lobbies.find_running(&code).expect("A's lobby");
    let mut on_b = b.state.lobbies.find_running(&code);
    eventually("B learns the lobby and its race", || {
        on_b = b.state.lobbies.find_running(&code);
        let known = on_b.clone();
        async move {
            match known {
                Some(entry) => entry
                    .addr
                    .send(cozykart::lobby::Snapshot)
                    .await
                    .is_ok_and(|v| v.state == cozykart::lobby::LobbyState::Open),
                None => false,
            }
        }
    })
    .await;
    let on_b = on_b.expect("B's lobby");
    clock.advance(chrono::Duration::minutes(6));
    // Both processes find it too old at the same moment.
    let (tick_a, tick_b) = futures_util::future::join(
        on_a.addr.send(cozykart::lobby::WindowTick),
        on_b.addr.send(cozykart::lobby::WindowTick),
    )
    .await;
    tick_a.unwrap();
    tick_b.unwrap();
    for app in [&a, &b] {
        let entry = app.state.lobbies.find_running(&code).expect("lobby");
        eventually("the race is closed everywhere", || {
            let entry = entry.clone();
            async move {
                entry
                    .addr
                    .send(cozykart::lobby::Snapshot)
                    .await
                    .is_ok_and(|v| v.state == cozykart::lobby::LobbyState::Closed)
            }
        })
        .await;
    }
    let windows = lobby_window::Entity::find().all(&a.db).await.unwrap();
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].close_reason.as_deref(), Some("timeout"));
}

async fn open_race(servers: &[Server]) -> String {
    let code = create_lobby(&servers[0], "Race").await;
    for server in servers {
        eventually("every process knows the lobby", || async {
            server.get(&format!("/api/lobbies/{code}")).await.0 == 200
        })
        .await;
    }
    for racer in RACERS {
        servers[servers.len() - 1]
            .reply("join", json!([]), racer)
            .await;
    }
    servers[0].reply("start", json!([]), HOST).await;
    for server in servers {
        eventually("every process sees the race open", || async {
            lobby(server, &code).await["state"] == "open"
        })
        .await;
    }
    code
}

#[actix_web::test]
async fn the_same_event_on_two_processes_at_once_is_credited_once() {
    let Some((test_db, servers)) = servers(2, &[]).await else {
        return;
    };
    let db = test_db.connect().await;
    open_race(&servers).await;
    let events: Vec<_> = (0..30)
        .map(|i| sale_event(&format!("twice_{i}"), 2000))
        .collect();
    let (to_a, to_b) = futures_util::future::join(
        deliver(&servers[0].address, &events),
        deliver(&servers[1].address, &events),
    )
    .await;
    // Both processes acknowledge every delivery (the one that loses the race
    // reads the other's sale as a duplicate), and each sale is recorded once,
    // with one allocation per racer.
    assert_eq!((to_a.len(), to_b.len()), (30, 30));
    let redelivered = deliver(&servers[1].address, &events).await;
    assert_eq!(redelivered.len(), 30, "duplicates are answered 200");
    assert_eq!(sale::Entity::find().count(&db).await.unwrap(), 30);
    assert_eq!(allocation::Entity::find().count(&db).await.unwrap(), 60);
    assert_ledger_balances(&db).await;
}

/// A guild's rate set through one process applies to the sales every other
/// process records from then on (announced on the lobby bus with the change;
/// each process had read the rates only when it started).
#[actix_web::test]
async fn a_rate_set_through_one_process_applies_on_every_process() {
    let Some((test_db, servers)) = servers(2, &[]).await else {
        return;
    };
    let (a, b) = (&servers[0], &servers[1]);
    let db = test_db.connect().await;
    let code = open_race(&servers).await;
    let set = a
        .reply_as_admin("commission", json!([option("rate", "0.5")]), HOST)
        .await;
    assert!(!is_ephemeral(&set), "{set}");
    // Sales of 20.00 go to B until one pays half to the racers instead of the
    // configured 20 % (B hears of the change a moment after A answered; before
    // the bus carried it, B never did).
    let mut tries = 0;
    eventually("B pays the rate set through A", || {
        tries += 1;
        let (id, body) = sale_event(&format!("rate_{tries}"), 2000);
        let db = db.clone();
        async move {
            deliver(&b.address, &[(id.clone(), body)]).await;
            let recorded = sale::Entity::find()
                .filter(sale::Column::ProviderSaleId.eq(id))
                .one(&db)
                .await
                .unwrap()
                .expect("the sale is recorded");
            recorded.pool_minor == 1000
        }
    })
    .await;
    let pot = lobby(b, &code).await["pot"]["USD"].clone();
    assert_eq!(
        pot,
        json!(format!("{}.00", 4 * (tries - 1) + 10)),
        "tries: {tries}"
    );
    assert_ledger_balances(&db).await;
}

/// A guild's buyer-name rule set through one process applies on every process:
/// `/overlay names off` through A hides the buyer of the next sale B records
/// (announced on the lobby bus; B read the rules every 30 s before).
#[actix_web::test]
async fn a_name_rule_set_through_one_process_applies_on_every_process() {
    let kofi = [
        ("COZYKART__SHOPS__KOFI__PROVIDER", "kofi"),
        ("COZYKART__SHOPS__KOFI__SECRET", KOFI_TOKEN),
    ];
    let Some((_db, servers)) = servers(2, &kofi).await else {
        return;
    };
    let (a, b) = (&servers[0], &servers[1]);
    let code = open_race(&servers).await;
    let mut on_b = connect_to(&b.address, &code).await;
    assert_eq!(next_frame(&mut on_b).await["type"], "snapshot");
    let off = json!([{"name": "names", "type": 1, "options": [option("mode", "off")]}]);
    let set = a.reply_as_admin("overlay", off, HOST).await;
    assert!(!is_ephemeral(&set), "{set}");
    let (started, mut tries) = (Instant::now(), 0);
    loop {
        tries += 1;
        let answer = awc::Client::new()
            .post(format!("{}/webhooks/kofi/kofi", b.address))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .send_body(kofi_order(&format!("names-{tries}"), "Speedy Sam"))
            .await
            .expect("the Ko-fi delivery");
        assert_eq!(answer.status().as_u16(), 200);
        let frame = next_frame(&mut on_b).await;
        assert_eq!(frame["type"], "sale", "{frame}");
        if frame["buyer"] == "someone" {
            break;
        }
        assert!(
            started.elapsed() < CATCH_UP_MAX,
            "B never hid the buyer after /overlay names off through A"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A public Ko-fi shop order of 10.00 from `name`, paid now, as its form body.
fn kofi_order(id: &str, name: &str) -> String {
    let mut order: Value =
        serde_json::from_str(include_str!("../fixtures/webhooks/kofi/shop_order.json")).unwrap();
    order["message_id"] = json!(id);
    order["kofi_transaction_id"] = json!(format!("tx-{id}"));
    order["from_name"] = json!(name);
    order["amount"] = json!("10.00");
    order["is_public"] = json!(true);
    order["timestamp"] = json!(chrono::Utc::now().to_rfc3339());
    serde_urlencoded::to_string([("data", order.to_string())]).unwrap()
}

#[actix_web::test]
async fn two_starts_of_one_lobby_at_once_open_one_window() {
    let Some((test_db, servers)) = servers(2, &[]).await else {
        return;
    };
    let db = test_db.connect().await;
    let (a, b) = (&servers[0], &servers[1]);
    let code = create_lobby(a, "Rivals").await;
    eventually("B knows the lobby", || async {
        b.get(&format!("/api/lobbies/{code}")).await.0 == 200
    })
    .await;
    for round in 1..=3u64 {
        futures_util::future::join(
            a.reply("start", json!([]), HOST),
            b.reply("start", json!([]), HOST),
        )
        .await;
        let windows = lobby_window::Entity::find().count(&db).await.unwrap();
        assert_eq!(windows, round, "one window per round of two /start");
        futures_util::future::join(
            a.reply("end", json!([]), HOST),
            b.reply("end", json!([]), HOST),
        )
        .await;
        let open = lobby_window::Entity::find()
            .filter(lobby_window::Column::ClosedAt.is_null())
            .count(&db)
            .await
            .unwrap();
        assert_eq!(open, 0, "both /end closed the one window once");
    }
    for server in [a, b] {
        eventually("every process sees the race closed", || async {
            lobby(server, &code).await["state"] == "closed"
        })
        .await;
    }
}

#[actix_web::test]
async fn two_payouts_at_once_never_exceed_the_available_balance() {
    let Some((test_db, servers)) = servers(2, &[("COZYKART__COMMISSION__HOLD_DAYS", "0")]).await
    else {
        return;
    };
    let db = test_db.connect().await;
    open_race(&servers).await;
    // 100.00 at 20 %, two racers: 10.00 available each.
    let acked = deliver(&servers[0].address, &[sale_event("payday", 10_000)]).await;
    assert_eq!(acked.len(), 1);
    let payout = json!({"discord_id": RACERS[0], "amount": "6.00", "currency": "USD",
        "method": "manual", "note": "race prize", "force": true});
    for _ in 0..2 {
        let ((status_a, _), (status_b, _)) = futures_util::future::join(
            servers[0].admin("POST", "/api/admin/payouts", Some(payout.clone())),
            servers[1].admin("POST", "/api/admin/payouts", Some(payout.clone())),
        )
        .await;
        let mut statuses = [status_a, status_b];
        statuses.sort();
        assert!(statuses[1] == 409, "at most one pays: {statuses:?}");
    }
    let (_, racer) = servers[1]
        .admin("GET", &format!("/api/admin/racers/{}", RACERS[0]), None)
        .await;
    let balance = &racer["balances"][0];
    assert_eq!(balance["available"], "4.00", "{racer}");
    assert_eq!(balance["paid"], "6.00", "{racer}");
    assert_ledger_balances(&db).await;
}

#[actix_web::test]
async fn a_process_killed_under_load_loses_nothing_and_agrees_with_the_others() {
    let Some((test_db, mut servers)) = servers(3, &[]).await else {
        return;
    };
    let db = test_db.connect().await;
    let code = open_race(&servers).await;
    let events: Vec<_> = (0..300)
        .map(|i| sale_event(&format!("load_{i}"), 1000 + i))
        .collect();
    // Round-robin over A and B; A is killed once part of the load is in.
    let (to_a, to_b): (Vec<_>, Vec<_>) = events
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let strip =
        |v: Vec<(usize, (String, Vec<u8>))>| v.into_iter().map(|(_, e)| e).collect::<Vec<_>>();
    let (to_a, to_b) = (strip(to_a), strip(to_b));
    let (address_a, address_b) = (servers[0].address.clone(), servers[1].address.clone());
    let load_a = actix_web::rt::spawn(async move { deliver(&address_a, &to_a).await });
    let load_b = actix_web::rt::spawn(async move { deliver(&address_b, &to_b).await });
    let started = Instant::now();
    while sale::Entity::find().count(&db).await.unwrap() < 60 && started.elapsed() < CATCH_UP_MAX {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    let port_a = servers[0]
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .expect("port");
    servers.remove(0).kill();
    let mut acked = load_a.await.unwrap();
    assert!(
        acked.len() < 150,
        "the kill landed mid-load: {} acked by A",
        acked.len()
    );
    acked.extend(load_b.await.unwrap());
    assert_eq!(
        recorded(&db, &acked).await,
        acked.len() as u64,
        "an acknowledged sale was lost"
    );
    // The provider redelivers what was not acknowledged, to whichever is up.
    assert_eq!(deliver(&servers[0].address, &events).await.len(), 300);
    assert_eq!(sale::Entity::find().count(&db).await.unwrap(), 300);
    assert_eq!(allocation::Entity::find().count(&db).await.unwrap(), 600);
    assert_ledger_balances(&db).await;
    let (_, verify) = servers[1]
        .admin("GET", "/api/admin/ledger/verify", None)
        .await;
    assert_eq!(verify["ok"], true, "{verify}");
    // A comes back and agrees with B and C, which learn what A never published.
    let restarted = Server::start(&test_db, port_a).await;
    let expected: i64 = (0..300).map(|i| (1000 + i) / 5).sum::<i64>();
    let pot = format!("{}.{:02}", expected / 100, expected % 100);
    for server in servers.iter().chain([&restarted]) {
        eventually("every process shows the pot of every sale", || async {
            lobby(server, &code).await["pot"]["USD"] == pot.as_str()
        })
        .await;
    }
    let listed = restarted.get("/api/lobbies").await.1;
    for server in &servers {
        assert_eq!(server.get("/api/lobbies").await.1, listed);
    }
}

#[actix_web::test]
async fn a_second_server_on_one_sqlite_file_refuses_to_start() {
    let test_db = TestDb::new(Engine::Sqlite).await;
    let first = Server::start(&test_db, free_port()).await;
    let refused = crate::child::refused(&test_db, free_port()).await;
    assert!(refused.contains("another cozykart server"), "{refused}");
    // The first one goes on serving.
    assert_eq!(first.get("/healthz").await.0, 200);
}
