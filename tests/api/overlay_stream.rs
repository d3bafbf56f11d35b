//! The overlay as a streamer puts it on stream (issue 21), in headless Chromium
//! at 1920x1080: how much of the frame the default covers and how small its
//! words get (measured from the page's bounding boxes and computed styles), the
//! words in `de-DE` and `ja-JP`, a test alert, a sale crossing the goal with no
//! overlap, a reloaded racer view, an unknown code, and the setup page.
//! Screenshots go to `target/test-output/overlay/`. SQLite only.

use serde_json::{json, Value};

use cozykart::clock::Clock;

use crate::browser::{save_screenshot, PAGE_TIMEOUT};
use crate::helpers::{spawn_app_on, t0, Engine, TestApp, TestDb};
use crate::signing::*;
use crate::webdriver::{self, Browser};

const RACER: &str = "1100000000000000071";

/// Share of a 1920x1080 frame the default overlay may cover.
const COVER_MAX_PERCENT: f64 = 8.0;
/// Smallest text allowed at scale 1, in CSS pixels.
const TEXT_MIN_PX: f64 = 18.0;

/// The area covered by what the overlay draws (the union of the bounding boxes
/// of every visible element on the stage, clipped to the frame), the smallest
/// font size of any visible text, and the state of the page.
const MEASURE: &str = r#"
const stage = document.getElementById('stage');
const visible = (el) => {
  for (let e = el; e && e !== document.body; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return false;
  }
  return true;
};
let box = null;
let minFont = Infinity;
let smallest = null;
for (const el of stage.querySelectorAll('*')) {
  if (!visible(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.height > 0) {
    const l = Math.max(0, r.left), t = Math.max(0, r.top);
    const rr = Math.min(innerWidth, r.right), b = Math.min(innerHeight, r.bottom);
    if (rr > l && b > t) {
      box = box ? { l: Math.min(box.l, l), t: Math.min(box.t, t), r: Math.max(box.r, rr), b: Math.max(box.b, b) }
                : { l, t, r: rr, b };
    }
  }
  const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (ownText && r.width > 0) {
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minFont) { minFont = size; smallest = el.className || el.id || el.tagName; }
  }
}
const area = box ? (box.r - box.l) * (box.b - box.t) : 0;
return {
  percent: 100 * area / (innerWidth * innerHeight),
  box, minFont: Number.isFinite(minFont) ? minFont : null, smallest,
  frame: [innerWidth, innerHeight],
  synced: window.__overlayState ? window.__overlayState().synced : null,
  text: stage.innerText.replace(/\s+/g, ' ').trim(),
};
"#;

/// What the page says and does, read in one go.
const OBSERVE: &str = r#"
const byId = (id) => document.getElementById(id);
const text = (id) => byId(id) ? byId(id).textContent.replace(/\s+/g, ' ').replace(/\u00a0|\u202f/g, ' ').trim() : null;
const pops = [...document.querySelectorAll('.pop')];
return {
  client: window.__overlayState ? window.__overlayState() : null,
  state: text('state-text'),
  potLabel: text('pot-label'),
  pot: text('pot'),
  you: text('you-share'),
  sales: byId('sales') ? byId('sales').children.length : null,
  goal: byId('goal') ? byId('goal').dataset.permille || null : null,
  pops: pops.map((p) => p.textContent),
  testPop: pops.some((p) => p.classList.contains('test-pop')),
  stageOpacity: byId('stage') ? getComputedStyle(byId('stage')).opacity : null,
  body: document.body ? document.body.innerText : '',
};
"#;

/// Samples the pills every 40 ms: how many were on screen at once and whether
/// two ever overlapped (by their bounding boxes).
const WATCH_PILLS: &str = r#"
window.__pills = { most: 0, overlaps: 0 };
setInterval(() => {
  const boxes = [...document.querySelectorAll('.pop')]
    .filter((p) => Number(getComputedStyle(p).opacity) > 0)
    .map((p) => p.getBoundingClientRect());
  window.__pills.most = Math.max(window.__pills.most, boxes.length);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) window.__pills.overlaps += 1;
  }
}, 40);
"#;

async fn observe(browser: &Browser, what: &str, done: impl FnMut(&Value) -> bool) -> Value {
    browser.wait_for(what, OBSERVE, PAGE_TIMEOUT, done).await
}

async fn run(app: &TestApp, name: &str, code: &str) {
    command(app, name, json!([option("lobby", code)]), HOST, false).await;
}

async fn sale(app: &TestApp, n: u32, cents: i64) {
    let now = app.clock.now().timestamp();
    let body = stripe_checkout(
        &format!("evt_s{n}"),
        &format!("pi_s{n}"),
        cents,
        "usd",
        now,
        None,
    );
    let (status, answer) = post_stripe(app, body).await;
    assert_eq!(status, 200, "{answer}");
}

#[actix_web::test]
async fn the_overlay_as_a_streamer_puts_it_on_stream() {
    if !webdriver::available() {
        return;
    }
    let test_db = TestDb::new(Engine::Sqlite).await;
    let app = spawn_app_on(test_db, &full_config(""), Clock::manual(t0())).await;
    let browser = Browser::start().await;
    browser.set_viewport(1920, 1080).await;
    let code = create_lobby(&app, "Friday Cup").await;
    command(&app, "join", json!([option("lobby", &code)]), RACER, false).await;
    let goal = json!([option("amount", "5.00"), option("lobby", &code)]);
    command(&app, "goal", goal, HOST, false).await;
    run(&app, "start", &code).await;
    sale(&app, 1, 2000).await; // pool 4.00
    let page = format!("{}/overlay/{code}", app.address);
    browser.navigate(&page).await;
    observe(&browser, "the race", |p| p["pot"] == "$4.00").await;
    // Past the sale's entrance animation.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
    let measured = browser.execute(MEASURE, Vec::new()).await;
    eprintln!("default overlay: {measured}");
    save_screenshot(&browser, "overlay_default.png").await;
    let percent = measured["percent"].as_f64().unwrap();
    assert!(
        percent <= COVER_MAX_PERCENT,
        "covers {percent:.1} %: {measured}"
    );
    let min_font = measured["minFont"].as_f64().unwrap();
    assert!(min_font >= TEXT_MIN_PX, "{min_font} px text: {measured}");

    crossing_the_goal_queues_the_pills(&app, &browser).await;
    a_test_alert_counts_for_nothing(&app, &browser, &code).await;
    words_in_the_viewers_language(&app, &browser, &code).await;
    a_reloaded_racer_view_shows_the_share_at_once(&app, &browser, &code).await;
    an_unknown_code_draws_nothing(&app, &browser).await;
    the_setup_page_puts_the_url_first(&app, &browser, &code).await;
}

/// A sale crossing the goal: its pill and "Goal reached!" one after the other.
async fn crossing_the_goal_queues_the_pills(app: &TestApp, browser: &Browser) {
    browser.execute(WATCH_PILLS, Vec::new()).await;
    sale(app, 2, 1000).await; // pool 2.00: 6.00, past the goal of 5.00
    observe(browser, "the sale's pill", |p| {
        p["pot"] == "$6.00" && !p["pops"].as_array().unwrap().is_empty()
    })
    .await;
    save_screenshot(browser, "overlay_goal_crossing.png").await;
    let page = observe(browser, "the goal's pill", |p| {
        p["pops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.contains("Goal")))
    })
    .await;
    assert_eq!(page["client"]["goalCelebrations"], 1, "{page}");
    save_screenshot(browser, "overlay_goal_reached.png").await;
    let pills = browser.execute("return window.__pills;", Vec::new()).await;
    assert_eq!(pills, json!({"most": 1, "overlaps": 0}), "pills at once");
}

/// `/overlay test`: a pill tagged TEST; the pot, the goal and the list stay.
async fn a_test_alert_counts_for_nothing(app: &TestApp, browser: &Browser, code: &str) {
    let before = observe(browser, "no pill", |p| {
        p["pops"].as_array().unwrap().is_empty()
    })
    .await;
    let options = json!([{"name": "test", "type": 1, "options": [option("lobby", code)]}]);
    command(app, "overlay", options, HOST, false).await;
    let during = observe(browser, "the test pill", |p| p["testPop"] == true).await;
    save_screenshot(browser, "overlay_test_alert.png").await;
    for key in ["pot", "goal", "sales"] {
        assert_eq!(during[key], before[key], "{key}: {during}");
    }
    assert!(
        during["pops"][0].as_str().unwrap().starts_with("TEST"),
        "{during}"
    );
}

/// `de-DE` and `ja-JP`: the overlay's words, not only its money.
async fn words_in_the_viewers_language(app: &TestApp, browser: &Browser, code: &str) {
    for (locale, live, label, shot) in [
        (
            "de-DE",
            "RENNEN LÄUFT",
            "Preistopf der Fahrer",
            "overlay_de_DE.png",
        ),
        (
            "ja-JP",
            "レース中",
            "レーサー賞金プール",
            "overlay_ja_JP.png",
        ),
    ] {
        browser
            .navigate(&format!("{}/overlay/{code}?locale={locale}", app.address))
            .await;
        let page = observe(browser, locale, |p| {
            p["client"]["synced"] == true && p["stageOpacity"] == "1"
        })
        .await;
        assert_eq!(
            (page["state"].as_str(), page["potLabel"].as_str()),
            (Some(live), Some(label)),
            "{page}"
        );
        let measured = browser.execute(MEASURE, Vec::new()).await;
        assert!(
            measured["minFont"].as_f64().unwrap() >= TEXT_MIN_PX,
            "{measured}"
        );
        assert!(
            measured["percent"].as_f64().unwrap() <= COVER_MAX_PERCENT,
            "{measured}"
        );
        save_screenshot(browser, shot).await;
    }
}

/// A racer's own view shows their share at once after a reload, not from 0.
async fn a_reloaded_racer_view_shows_the_share_at_once(
    app: &TestApp,
    browser: &Browser,
    code: &str,
) {
    let (_, pending) = wallet(app, RACER, "USD").await;
    let share = format!("${pending}");
    let url = format!("{}/overlay/{code}?racer={RACER}&layout=panel", app.address);
    for _ in 0..2 {
        browser.navigate(&url).await;
        let first = observe(browser, "the racer view", |p| p["client"]["synced"] == true).await;
        assert_eq!(first["you"], share.as_str(), "counted from 0: {first}");
        assert_eq!(first["pot"], "$6.00", "counted from 0: {first}");
    }
    observe(browser, "the panel faded in", |p| p["stageOpacity"] == "1").await;
    save_screenshot(browser, "overlay_racer_reloaded.png").await;
}

/// A mistyped code: a transparent page, never an error on stream.
async fn an_unknown_code_draws_nothing(app: &TestApp, browser: &Browser) {
    browser
        .navigate(&format!("{}/overlay/NOPE", app.address))
        .await;
    let page = observe(browser, "the waiting page", |p| p["client"].is_object()).await;
    assert_eq!(page["stageOpacity"], "0", "{page}");
    assert_eq!(page["client"]["waiting"], true, "{page}");
    let body = page["body"].as_str().unwrap();
    assert!(!body.contains('{') && !body.contains("error"), "{body}");
    // An empty frame: far smaller than any screenshot with something drawn.
    let png = browser.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() < 20_000,
        "{} bytes",
        png.len()
    );
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-output/overlay");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    std::fs::write(dir.join("overlay_unknown_code.png"), &png).expect("screenshot written");
}

/// The setup page: URL and Copy on the first screen, the preview at 1920x1080
/// with the lobby's own checkout link and Ko-fi tag, and a test-sale button.
async fn the_setup_page_puts_the_url_first(app: &TestApp, browser: &Browser, code: &str) {
    const SETUP: &str = r#"
const url = document.getElementById('obs-url').getBoundingClientRect();
const frame = document.getElementById('preview');
const shown = frame.getBoundingClientRect();
const doc = frame.contentDocument;
return {
  setup: window.__setupState(),
  urlBottom: url.bottom,
  preview: [shown.width, shown.height],
  link: doc && doc.getElementById('checkout-link') ? doc.getElementById('checkout-link').textContent : null,
  testPop: !!(doc && doc.querySelector('.test-pop')),
};
"#;
    browser
        .navigate(&format!("{}/overlay/{code}/setup", app.address))
        .await;
    let page = browser
        .wait_for("the setup page", SETUP, PAGE_TIMEOUT, |p| {
            p["setup"]["lobbyRead"] == true && p["link"].as_str().is_some_and(|l| l.contains(code))
        })
        .await;
    assert!(page["urlBottom"].as_f64().unwrap() < 400.0, "{page}");
    assert_eq!(page["preview"], json!([1920, 1080]), "{page}");
    assert_eq!(
        page["setup"]["has"]["kofi_tag"],
        format!("#{code}"),
        "{page}"
    );
    browser
        .execute("document.getElementById('test-sale').click();", Vec::new())
        .await;
    browser
        .wait_for("the preview's test alert", SETUP, PAGE_TIMEOUT, |p| {
            p["testPop"] == true
        })
        .await;
    save_screenshot(browser, "overlay_setup.png").await;
}
