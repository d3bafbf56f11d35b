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

/// Measures the page now; panics with what it saw if it breaks a limit.
async fn measure(browser: &Browser) -> Value {
    browser.execute(MEASURE, Vec::new()).await
}

async fn run(app: &TestApp, name: &str, code: &str) {
    command(app, name, json!([option("lobby", code)]), HOST, false).await;
}

#[actix_web::test]
async fn the_default_overlay_leaves_the_game_visible() {
    if !webdriver::available() {
        return;
    }
    let test_db = TestDb::new(Engine::Sqlite).await;
    let app = spawn_app_on(test_db, &full_config(""), Clock::manual(t0())).await;
    let browser = Browser::start().await;
    browser.set_viewport(1920, 1080).await;
    let code = create_lobby(&app, "Friday Cup").await;
    command(&app, "join", json!([option("lobby", &code)]), RACER, false).await;
    command(
        &app,
        "goal",
        json!([option("amount", "5.00"), option("lobby", &code)]),
        HOST,
        false,
    )
    .await;
    run(&app, "start", &code).await;
    let now = app.clock.now().timestamp();
    let (status, _) = post_stripe(
        &app,
        stripe_checkout("evt_s1", "pi_s1", 2000, "usd", now, None),
    )
    .await;
    assert_eq!(status, 200);
    browser
        .navigate(&format!("{}/overlay/{code}", app.address))
        .await;
    browser
        .wait_for("the race", MEASURE, PAGE_TIMEOUT, |p| {
            p["synced"] == true && p["text"].as_str().is_some_and(|t| t.contains("4.00"))
        })
        .await;
    // Past the sale's entrance animation.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let measured = measure(&browser).await;
    eprintln!("default overlay: {measured}");
    save_screenshot(&browser, "overlay_default.png").await;
    let percent = measured["percent"].as_f64().unwrap();
    assert!(
        percent <= COVER_MAX_PERCENT,
        "covers {percent:.1} %: {measured}"
    );
    let min_font = measured["minFont"].as_f64().unwrap();
    assert!(min_font >= TEXT_MIN_PX, "{min_font} px text: {measured}");
}
