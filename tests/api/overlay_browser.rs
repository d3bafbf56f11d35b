//! The overlay's options in a real (headless) Chromium, one browser for every
//! scenario: the host URL moving to the next lobby without a reload, a racer's own
//! share and the goal bar after real sales, `de-DE` money in the compact bar,
//! hide-when-idle, and the settings page's URL matching its preview. Screenshots
//! go to `target/test-output/overlay/`. SQLite only: the browser is the expensive part.

use std::time::Instant;

use serde_json::{json, Value};

use cozykart::clock::Clock;

use crate::browser::{save_screenshot, PAGE_TIMEOUT};
use crate::helpers::{spawn_app_on, t0, Engine, TestApp, TestDb};
use crate::signing::*;
use crate::webdriver::{self, Browser};

const RACER_A: &str = "1100000000000000061";
const RACER_B: &str = "1100000000000000062";

/// What the page shows, read in one go.
const OBSERVE: &str = r#"
const byId = (id) => document.getElementById(id);
const text = (id) => byId(id).textContent.replace(/\s+/g, ' ').trim();
const potRow = document.querySelector('.pot-row');
return {
  marker: window.__marker || null,
  state: byId('state').dataset.state,
  code: text('lobby-code'),
  title: text('lobby-name'),
  pot: potRow ? potRow.textContent.replace(/\u00a0|\u202f/g, ' ') : null,
  potValue: potRow ? potRow.dataset.value : null,
  youHidden: byId('you').hidden,
  you: text('you-share').replace(/\u00a0|\u202f/g, ' '),
  youValue: byId('you-share').dataset.value || null,
  youName: text('you-name'),
  goalHidden: byId('goal').hidden,
  goalPermille: byId('goal').dataset.permille || null,
  goalText: text('goal-progress').replace(/\u00a0|\u202f/g, ' '),
  timer: byId('timer').hidden ? null : text('timer'),
  kofi: byId('kofi-hint').hidden ? null : text('kofi-tag'),
  layout: document.body.dataset.layout,
  stageOpacity: getComputedStyle(byId('stage')).opacity,
  client: window.__overlayState(),
};
"#;

async fn sale(app: &TestApp, n: u32, cents: i64, currency: &str) {
    tagged_sale(app, n, cents, currency, None).await;
}

async fn tagged_sale(app: &TestApp, n: u32, cents: i64, currency: &str, lobby: Option<&str>) {
    let now = app.clock.now().timestamp();
    let body = stripe_checkout(
        &format!("evt_opt_{n}"),
        &format!("pi_opt_{n}"),
        cents,
        currency,
        now,
        lobby,
    );
    let (status, answer) = post_stripe(app, body).await;
    assert_eq!(status, 200, "{answer}");
}

async fn run(app: &TestApp, name: &str, code: &str) {
    command(app, name, json!([option("lobby", code)]), HOST, false).await;
}

#[actix_web::test]
async fn overlay_options_in_a_real_browser() {
    if !webdriver::available() {
        return;
    }
    let started = Instant::now();
    let test_db = TestDb::new(Engine::Sqlite).await;
    let app = spawn_app_on(test_db, &full_config(""), Clock::manual(t0())).await;
    let browser = Browser::start().await;
    let mut shots = Vec::new();

    // A race with two racers and a goal of 5.00 USD, watched through the host's URL
    // by racer A.
    let first = create_lobby(&app, "Friday Cup").await;
    for racer in [RACER_A, RACER_B] {
        command(&app, "join", json!([option("lobby", &first)]), racer, false).await;
    }
    let goal = json!([option("amount", "5.00"), option("lobby", &first)]);
    command(&app, "goal", goal, HOST, false).await;
    run(&app, "start", &first).await;
    let host_url = format!("{}/overlay/host/{HOST}?racer={RACER_A}", app.address);
    browser.navigate(&host_url).await;
    browser
        .wait_for("the host's race", OBSERVE, PAGE_TIMEOUT, |p| {
            p["code"] == first.as_str() && p["state"] == "open" && p["client"]["synced"] == true
        })
        .await;
    browser
        .execute("window.__marker = 'same page';", Vec::new())
        .await;

    sale(&app, 1, 2255, "usd").await; // pool 4.51
    let page = browser
        .wait_for("the first sale", OBSERVE, PAGE_TIMEOUT, |p| {
            p["pot"] == "$4.51" && p["goalPermille"] == "902"
        })
        .await;
    assert_eq!(page["goalText"], "$4.51 / $5.00", "{page}");
    assert_eq!(page["client"]["goalCelebrations"], 0, "{page}");
    assert_eq!(page["kofi"], format!("#{first}"), "{page}");
    assert!(
        page["timer"].as_str().is_some_and(|t| t.contains(':')),
        "{page}"
    );
    shots.push(save_screenshot(&browser, "overlay_panel.png").await);

    sale(&app, 2, 1005, "usd").await; // pool 2.01: 6.52, past the goal
    let (_, pending) = wallet(&app, RACER_A, "USD").await;
    let share = format!("${pending}");
    let page = browser
        .wait_for(
            "the second sale and A's share",
            OBSERVE,
            PAGE_TIMEOUT,
            |p| p["pot"] == "$6.52" && p["you"] == share.as_str(),
        )
        .await;
    assert_eq!(page["youValue"], pending, "{page}");
    assert_eq!(page["youName"], "· Racer61", "{page}");
    assert_eq!(page["goalPermille"], "1000", "{page}");
    assert_eq!(page["client"]["goalCelebrations"], 1, "{page}");
    shots.push(save_screenshot(&browser, "overlay_racer_view.png").await);
    shots.push(save_screenshot(&browser, "overlay_goal_reached.png").await);
    sale(&app, 3, 500, "usd").await; // pool 1.00: the goal celebrates once only
    let page = browser
        .wait_for("the third sale", OBSERVE, PAGE_TIMEOUT, |p| {
            p["potValue"] == "7.52"
        })
        .await;
    assert_eq!(page["client"]["goalCelebrations"], 1, "{page}");

    // The host's next lobby: the same page moves to it, without a reload.
    run(&app, "end", &first).await;
    // A minute on: the next race's sales are paid after this one ended.
    app.clock.advance(chrono::Duration::seconds(60));
    let second = create_lobby(&app, "Saturday Cup").await;
    let page = browser
        .wait_for("the host's next lobby", OBSERVE, PAGE_TIMEOUT, |p| {
            p["code"] == second.as_str() && p["client"]["synced"] == true
        })
        .await;
    assert_eq!(page["marker"], "same page", "{page}");
    assert_eq!(page["state"], "idle", "{page}");
    assert_eq!(page["goalHidden"], true, "{page}");
    assert!(
        page["client"]["lobbyChanges"].as_u64().unwrap() >= 2,
        "{page}"
    );

    // de-DE money in the compact bar.
    command(
        &app,
        "join",
        json!([option("lobby", &second)]),
        RACER_B,
        false,
    )
    .await;
    run(&app, "start", &second).await;
    let bar_url = format!("{}/overlay/{second}?locale=de-DE&layout=bar", app.address);
    browser.navigate(&bar_url).await;
    sale(&app, 4, 2250, "eur").await; // pool 4.50 EUR
    let page = browser
        .wait_for("4,50 € in the bar", OBSERVE, PAGE_TIMEOUT, |p| {
            p["pot"] == "4,50 €" && p["client"]["synced"] == true
        })
        .await;
    assert_eq!(page["layout"], "bar", "{page}");
    shots.push(save_screenshot(&browser, "overlay_compact_bar.png").await);

    // Hide-when-idle: faded out until the race starts.
    let third = create_lobby(&app, "Sunday Cup").await;
    browser
        .navigate(&format!("{}/overlay/{third}?hide_idle=1", app.address))
        .await;
    browser
        .wait_for("the idle overlay hidden", OBSERVE, PAGE_TIMEOUT, |p| {
            p["client"]["synced"] == true && p["stageOpacity"] == "0"
        })
        .await;
    run(&app, "start", &third).await;
    browser
        .wait_for(
            "the overlay shown for the race",
            OBSERVE,
            PAGE_TIMEOUT,
            |p| p["state"] == "open" && p["stageOpacity"] == "1",
        )
        .await;

    // Reduced motion: the pot shows each new amount at once, and no confetti.
    browser.prefer_reduced_motion().await;
    browser
        .navigate(&format!("{}/overlay/{third}", app.address))
        .await;
    browser
        .wait_for("the race again", OBSERVE, PAGE_TIMEOUT, |p| {
            p["client"]["synced"] == true
        })
        .await;
    command(
        &app,
        "join",
        json!([option("lobby", &third)]),
        RACER_A,
        false,
    )
    .await;
    tagged_sale(&app, 5, 1000, "usd", Some(&third)).await; // pool 2.00
    let page = browser
        .wait_for("the sale", OBSERVE, PAGE_TIMEOUT, |p| {
            p["potValue"] == "2.00"
        })
        .await;
    assert_eq!(page["pot"], "$2.00", "never counted: {page}");
    let confetti = "return [...document.querySelectorAll('.confetti')]\
        .filter((c) => getComputedStyle(c).display !== 'none').length;";
    assert_eq!(browser.execute(confetti, Vec::new()).await, 0);

    shots.push(setup_page_matches_its_overlay(&app, &browser, &second).await);
    drop(browser);
    let names: Vec<String> = shots.iter().map(|p| p.display().to_string()).collect();
    eprintln!(
        "overlay options browser test: {:.1?}; screenshots {}",
        started.elapsed(),
        names.join(", ")
    );
}

/// The settings page: a few options chosen in its form give a URL whose overlay
/// has the preview's options and shows the same title and money format.
async fn setup_page_matches_its_overlay(
    app: &TestApp,
    browser: &Browser,
    code: &str,
) -> std::path::PathBuf {
    const CHOOSE: &str = r#"
const set = (name, value) => {
  const input = document.getElementById('opt-' + name);
  if (input.type === 'checkbox') input.checked = value; else input.value = value;
  input.dispatchEvent(new Event('change', { bubbles: true }));
};
set('title', 'Kart Night');
set('locale', 'de-DE');
set('currency', 'EUR');
set('accent', '3ddc97');
set('goal', '20');
"#;
    const PREVIEW: &str = r#"
const frame = document.getElementById('preview');
const win = frame.contentWindow;
const setup = window.__setupState();
if (!win || !win.__overlayState) return { setup, ready: false };
const doc = frame.contentDocument;
const row = doc.querySelector('.pot-row');
return {
  setup,
  ready: true,
  src: frame.getAttribute('src'),
  options: win.__overlayState().options,
  title: doc.getElementById('lobby-name').textContent,
  pot: row ? row.textContent.replace(/\u00a0|\u202f/g, ' ') : null,
};
"#;
    browser
        .navigate(&format!("{}/overlay/{code}/setup", app.address))
        .await;
    browser.execute(CHOOSE, Vec::new()).await;
    let preview = browser
        .wait_for(
            "the preview with the chosen options",
            PREVIEW,
            PAGE_TIMEOUT,
            |p| {
                p["ready"] == true
                    && p["src"] == p["setup"]["previewSrc"]
                    && p["title"] == "Kart Night"
                    && p["pot"].as_str().is_some_and(|t| t.contains(','))
            },
        )
        .await;
    let url = preview["setup"]["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/overlay/{code}?", app.address)),
        "{url}"
    );
    assert!(
        url.contains("locale=de-DE") && !url.contains("preview"),
        "{url}"
    );
    assert!(preview["pot"].as_str().unwrap().ends_with('€'), "{preview}");
    let png = save_screenshot(browser, "overlay_setup.png").await;

    browser.navigate(&url).await;
    let page = browser
        .wait_for("the overlay of the setup URL", OBSERVE, PAGE_TIMEOUT, |p| {
            p["client"]["synced"] == true && p["pot"] == "4,50 €"
        })
        .await;
    assert_eq!(page["client"]["options"], preview["options"], "{page}");
    assert_eq!(page["title"], "Kart Night", "{page}");
    assert_eq!(page["pot"], "4,50 €", "{page}");
    assert_eq!(page["goalText"], "4,50 € / 20,00 €", "{page}");
    assert_eq!(page["client"]["preview"], Value::Bool(false), "{page}");
    png
}
