//! The overlay page in a real (headless) Chromium: it shows the live pot as a
//! viewer sees it, reconnects by itself after a server restart on the same port
//! without resetting the pot, and keeps counting. SQLite only: the browser is
//! the expensive part.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use cozykart::clock::Clock;

use crate::helpers::{spawn_app_on_listener, t0, Engine, TestDb};
use crate::signing::*;
use crate::webdriver::{self, Browser};

const RACER: &str = "1100000000000000041";

/// What the page shows, read in one go.
const OBSERVE: &str = r#"
const byId = (id) => document.getElementById(id);
const pot = byId('pot-USD');
const box = pot ? pot.getBoundingClientRect() : null;
return {
  state: byId('state').dataset.state,
  badge: byId('state').textContent.replace(/\s+/g, ' ').trim(),
  connected: byId('conn').dataset.connected,
  potText: pot ? pot.textContent : null,
  potValue: pot ? pot.dataset.value : null,
  potOnScreen: !!box && box.width > 0 && box.height > 0
    && box.left >= 0 && box.top >= 0 && box.right <= innerWidth && box.bottom <= innerHeight,
  client: window.__overlayState(),
};
"#;

/// Bound on every wait for the page.
pub(crate) const PAGE_TIMEOUT: Duration = Duration::from_secs(20);
/// The page retries with back-off up to 10 s (±25 %) between attempts.
const RECONNECT_TIMEOUT: Duration = Duration::from_secs(30);

fn shows_pot(page: &Value, amount: &str) -> bool {
    page["potText"].as_str().is_some_and(|t| t.contains(amount)) && page["potValue"] == amount
}

/// Saves a screenshot under `target/test-output/overlay/` and checks it is a real PNG.
pub(crate) async fn save_screenshot(browser: &Browser, name: &str) -> PathBuf {
    let png = browser.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{name}: not a PNG ({} bytes)",
        png.len()
    );
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    // A blank 1920×1080 page compresses to a few KB; the smallest real overlay
    // (the compact bar) has measured from 19.7 KB.
    assert!(
        (width, height) == (1920, 1080) && png.len() > 12_000,
        "{name}: {width}×{height}, {} bytes",
        png.len()
    );
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-output/overlay");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let path = dir.join(name);
    std::fs::write(&path, &png).expect("screenshot written");
    path
}

/// Binds `port` again. Rust sets `SO_REUSEADDR`, so old connections in TIME_WAIT
/// do not matter; retried briefly in case an outgoing socket holds the port.
async fn rebind(port: u16) -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last_error = None;
    for _ in 0..50 {
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => return listener,
            Err(e) => last_error = Some(e),
        }
        if Instant::now() >= deadline {
            break;
        }
        actix_web::rt::time::sleep(webdriver::POLL_INTERVAL).await;
    }
    panic!("binding port {port} again: {last_error:?}");
}

#[actix_web::test]
async fn overlay_shows_live_pot_through_a_restart() {
    if !webdriver::available() {
        return;
    }
    let started = Instant::now();
    let config = full_config("");
    // A fixed port for the whole test: the page reconnects to the same address.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().unwrap().port();
    let test_db = TestDb::new(Engine::Sqlite).await;
    let app = spawn_app_on_listener(test_db, &config, Clock::manual(t0()), listener).await;
    let code = create_lobby(&app, "Browser").await;
    command(&app, "join", json!([option("lobby", &code)]), RACER, false).await;
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;

    let browser = Browser::start().await;
    let browser_ready = started.elapsed();
    browser
        .navigate(&format!("http://127.0.0.1:{port}/overlay/{code}"))
        .await;
    browser
        .wait_for("the live race on the page", OBSERVE, PAGE_TIMEOUT, |page| {
            page["state"] == "open" && page["connected"] == "true"
        })
        .await;

    // A sale: 22.50 USD at 20 % puts 4.50 in the pot, counted up on screen.
    let now = app.clock.now().timestamp();
    let (status, answer) = post_stripe(
        &app,
        stripe_checkout("evt_browser_1", "pi_browser_1", 2250, "usd", now, None),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let page = browser
        .wait_for("4.50 on screen", OBSERVE, PAGE_TIMEOUT, |page| {
            shows_pot(page, "4.50")
        })
        .await;
    assert_eq!(page["potText"], "$4.50", "{page}");
    assert_eq!(page["potOnScreen"], true, "{page}");
    assert!(page["badge"].as_str().unwrap().contains("LIVE"), "{page}");
    let live_png = save_screenshot(&browser, "overlay_live.png").await;

    // Stop the server; the page notices and keeps what it showed.
    // The graceful stop waits for open connections, and the page's websocket
    // stays open until the shutdown grace period runs out.
    let stopping = Instant::now();
    let (test_db, clock) = app.stop().await;
    let stop_took = stopping.elapsed();
    let stopped_at = Instant::now();
    let mut shown = Vec::new();
    browser
        .wait_for(
            "the page to lose its socket",
            OBSERVE,
            PAGE_TIMEOUT,
            |page| {
                shown.push(page["potText"].clone());
                page["connected"] == "false"
            },
        )
        .await;

    // Same database, same port: the page reconnects by itself.
    let listener = rebind(port).await;
    let app = spawn_app_on_listener(test_db, &config, clock, listener).await;
    let page = browser
        .wait_for(
            "the page to reconnect",
            OBSERVE,
            RECONNECT_TIMEOUT,
            |page| {
                shown.push(page["potText"].clone());
                page["connected"] == "true" && page["client"]["synced"] == true
            },
        )
        .await;
    let reconnected_after = stopped_at.elapsed();
    assert!(shows_pot(&page, "4.50"), "{page}");
    assert_eq!(page["state"], "open", "{page}");
    assert!(
        shown.iter().all(|text| text == "$4.50"),
        "the pot changed while reconnecting: {shown:?}"
    );
    let restart_png = save_screenshot(&browser, "overlay_after_restart.png").await;

    // One more sale after the restart: 10.00 USD adds 2.00.
    let now = app.clock.now().timestamp();
    let (status, answer) = post_stripe(
        &app,
        stripe_checkout("evt_browser_2", "pi_browser_2", 1000, "usd", now, None),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let page = browser
        .wait_for("6.50 on screen", OBSERVE, PAGE_TIMEOUT, |page| {
            shows_pot(page, "6.50")
        })
        .await;
    assert_eq!(page["potText"], "$6.50", "{page}");
    app.assert_ledger_balances().await;
    drop(browser);
    eprintln!(
        "browser test: {:.1?} in all (browser up after {browser_ready:.1?}, server stop \
         {stop_took:.1?}, page reconnected {reconnected_after:.1?} after it); screenshots {} and {}",
        started.elapsed(),
        live_png.display(),
        restart_png.display()
    );
}
