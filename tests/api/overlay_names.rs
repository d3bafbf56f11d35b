//! Buyer names on stream (issue 21): every name cleaned, then moderated by the
//! deployment's `[overlay]` keys and each guild's `/overlay names|block|unblock`;
//! `/overlay hide` on every socket at once; `/overlay test` moves no money.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_on, Engine, TestApp};
use crate::on_both_engines;
use crate::overlay::{connect, next_frame, Socket};
use crate::signing::*;

const RACER: &str = "1100000000000000041";
const STRANGER: &str = "1100000000000000042";

/// A Ko-fi shop order of `amount` EUR from `name`, paid now; answers the status.
async fn kofi_sale(app: &TestApp, id: &str, name: &str, amount: &str, public: bool) {
    let mut order: Value =
        serde_json::from_str(include_str!("../fixtures/webhooks/kofi/shop_order.json")).unwrap();
    order["message_id"] = json!(id);
    order["kofi_transaction_id"] = json!(format!("tx-{id}"));
    order["from_name"] = json!(name);
    order["amount"] = json!(amount);
    order["is_public"] = json!(public);
    order["timestamp"] = json!(app.clock.now().to_rfc3339());
    let form = serde_urlencoded::to_string([("data", order.to_string())]).unwrap();
    let content_type = [(
        "Content-Type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let (status, answer) = post(app, "/webhooks/kofi/kofi", form.into_bytes(), &content_type).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("recorded")),
        "{answer}"
    );
}

/// A lobby with a racer and its race running, and an overlay past its first
/// frames (snapshot, roster, window_opened).
async fn racing_lobby(app: &TestApp) -> (String, Socket) {
    let code = create_lobby(app, "Names").await;
    let mut socket = connect(app, &code).await;
    assert_eq!(next_frame(&mut socket).await["type"], "snapshot");
    command(app, "join", json!([option("lobby", &code)]), RACER, false).await;
    command(app, "start", json!([option("lobby", &code)]), HOST, false).await;
    assert_eq!(next_frame(&mut socket).await["type"], "roster");
    assert_eq!(next_frame(&mut socket).await["type"], "window_opened");
    app.clock.advance(chrono::Duration::seconds(5));
    (code, socket)
}

/// `/overlay <sub>` with its options; answers the reply's data.
async fn overlay(app: &TestApp, sub: &str, options: Value, user: &str, admin: bool) -> Value {
    let options = json!([{"name": sub, "type": 1, "options": options}]);
    command(app, "overlay", options, user, admin).await
}

/// The buyer shown by the next sale frame.
async fn next_buyer(socket: &mut Socket) -> String {
    let frame = next_frame(socket).await;
    assert_eq!(frame["type"], "sale", "{frame}");
    frame["buyer"].as_str().unwrap().to_owned()
}

async fn names_reach_frames_cleaned_and_moderated(engine: Engine) {
    let config = full_config(
        "[overlay]\nblocked_words = [\"poop\", \"bad*\"]\nmin_amount_for_name = \"5.00\"",
    );
    let app = spawn_app(engine, &config).await;
    let (code, mut socket) = racing_lobby(&app).await;
    let zalgo = format!(
        "X{}alg{}o",
        "\u{0301}\u{0336}".repeat(50),
        "\u{0308}".repeat(50)
    );
    let cases = [
        ("Poop Master", "10.00", "someone"), // a blocked word
        ("Badger Fan", "10.00", "someone"),  // a wildcard
        ("p.0.0.P", "10.00", "someone"),     // hidden by letter swaps and dots
        (
            "\u{202E}Ada\u{202C} \u{2066}Lovelace",
            "10.00",
            "Ada Lovelace",
        ), // bidi
        ("Cheap Charlie", "4.99", "someone"), // under the minimum amount
        ("Luigi", "5.00", "Luigi"),
    ];
    for (i, (name, amount, shown)) in cases.iter().enumerate() {
        kofi_sale(&app, &format!("names-{i}"), name, amount, true).await;
        assert_eq!(next_buyer(&mut socket).await, *shown, "{name:?}");
    }
    // A flood of combining marks is cut; a long name is cut to 24 characters.
    kofi_sale(&app, "names-zalgo", &zalgo, "10.00", true).await;
    let shown = next_buyer(&mut socket).await;
    assert!(
        shown.chars().count() <= 24 && shown.starts_with('X'),
        "{shown:?}"
    );
    assert!(!shown.contains("\u{0301}\u{0336}\u{0301}"), "{shown:?}");
    kofi_sale(&app, "names-long", &"Long".repeat(20), "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "Long".repeat(6));
    // Ko-fi's is_public=false still hides the name.
    kofi_sale(&app, "names-private", "Secret Sam", "10.00", false).await;
    assert_eq!(next_buyer(&mut socket).await, "someone");
    // The snapshot shows the same names as the frames did.
    let mut late = connect(&app, &code).await;
    let snapshot = next_frame(&mut late).await;
    let buyers: Vec<&str> = snapshot["recent_sales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["buyer"].as_str().unwrap())
        .collect();
    assert_eq!(buyers[0], "someone");
    assert_eq!(buyers[1], "Long".repeat(6));
    assert_eq!(buyers[3], "Luigi");
    assert!(!snapshot.to_string().contains("Poop"), "{snapshot}");
    app.assert_ledger_balances().await;
}
on_both_engines!(names_reach_frames_cleaned_and_moderated);

async fn guild_admins_choose_the_mode_and_words(engine: Engine) {
    let config = full_config("");
    let app = spawn_app(engine, &config).await;
    let (code, mut socket) = racing_lobby(&app).await;
    // The shipped list applies with no configuration.
    kofi_sale(&app, "guild-0", "Sh1tlord", "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "someone");

    let refused = overlay(&app, "names", json!([option("mode", "off")]), HOST, false).await;
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(
        refused["content"].as_str().unwrap().contains("Only admins"),
        "{refused}"
    );
    overlay(
        &app,
        "names",
        json!([option("mode", "initials")]),
        HOST,
        true,
    )
    .await;
    kofi_sale(&app, "guild-1", "Jane Doe", "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "J. D.");

    overlay(&app, "names", json!([option("mode", "public")]), HOST, true).await;
    let blocked = overlay(
        &app,
        "block",
        json!([option("word", "Waluigi")]),
        HOST,
        true,
    )
    .await;
    assert!(
        blocked["content"].as_str().unwrap().contains("`waluigi`"),
        "{blocked}"
    );
    kofi_sale(&app, "guild-2", "WALU1GI", "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "someone");
    // Unblocking a word of the shipped list allows it in this guild only.
    overlay(
        &app,
        "unblock",
        json!([option("word", "*shit*")]),
        HOST,
        true,
    )
    .await;
    overlay(
        &app,
        "unblock",
        json!([option("word", "waluigi")]),
        HOST,
        true,
    )
    .await;
    kofi_sale(&app, "guild-3", "Waluigi", "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "Waluigi");
    kofi_sale(&app, "guild-4", "Shitake Fan", "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "Shitake Fan");
    overlay(&app, "names", json!([option("mode", "off")]), HOST, true).await;
    kofi_sale(&app, "guild-5", "Mario", "10.00", true).await;
    assert_eq!(next_buyer(&mut socket).await, "someone");
    let bad = overlay(&app, "block", json!([option("word", "<@1>")]), HOST, true).await;
    assert!(is_ephemeral(&bad), "{bad}");

    // The guild's choices are kept in the database: a restart keeps them.
    drop(socket);
    let (test_db, clock) = app.stop().await;
    let app = spawn_app_on(test_db, &config, clock).await;
    let mut socket = connect(&app, &code).await;
    let snapshot = next_frame(&mut socket).await;
    let buyers: Vec<&str> = snapshot["recent_sales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["buyer"].as_str().unwrap())
        .collect();
    assert_eq!(buyers, ["someone"; 5], "{snapshot}");
    overlay(
        &app,
        "names",
        json!([option("mode", "default")]),
        HOST,
        true,
    )
    .await;
    let mut again = connect(&app, &code).await;
    let snapshot = next_frame(&mut again).await;
    let buyers: Vec<&str> = snapshot["recent_sales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["buyer"].as_str().unwrap())
        .collect();
    assert_eq!(
        buyers,
        ["Mario", "Shitake Fan", "Waluigi", "WALU1GI", "Jane Doe"],
        "{snapshot}"
    );
}
on_both_engines!(guild_admins_choose_the_mode_and_words);

async fn hide_takes_the_latest_name_off_every_overlay(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let (code, mut first) = racing_lobby(&app).await;
    let mut second = connect(&app, &code).await;
    assert_eq!(next_frame(&mut second).await["type"], "snapshot");
    kofi_sale(&app, "hide-1", "Yoshi", "10.00", true).await;
    kofi_sale(&app, "hide-2", "Regrettable Name", "12.00", true).await;
    let mut sale_ids = Vec::new();
    for socket in [&mut first, &mut second] {
        assert_eq!(next_buyer(socket).await, "Yoshi");
        let sale = next_frame(socket).await;
        assert_eq!(sale["buyer"], "Regrettable Name");
        sale_ids.push((sale["sale_id"].clone(), sale["seq"].as_u64().unwrap()));
    }

    let refused = overlay(
        &app,
        "hide",
        json!([option("lobby", &code)]),
        STRANGER,
        false,
    )
    .await;
    assert!(is_ephemeral(&refused), "{refused}");
    let done = overlay(&app, "hide", json!([option("lobby", &code)]), HOST, false).await;
    assert!(
        done["content"]
            .as_str()
            .unwrap()
            .contains("off every overlay"),
        "{done}"
    );
    for (socket, (sale_id, seq)) in [&mut first, &mut second].into_iter().zip(&sale_ids) {
        let updated = next_frame(socket).await;
        assert_eq!(updated["type"], "sale_updated", "{updated}");
        assert_eq!(&updated["sale_id"], sale_id);
        assert_eq!(updated["buyer"], "someone");
        assert_eq!(updated["seq"].as_u64().unwrap(), seq + 1);
    }
    let mut late = connect(&app, &code).await;
    let snapshot = next_frame(&mut late).await;
    let sales = snapshot["recent_sales"].as_array().unwrap();
    assert_eq!(
        (sales[0]["buyer"].as_str(), &sales[0]["sale_id"]),
        (Some("someone"), &sale_ids[0].0)
    );
    assert_eq!(sales[1]["buyer"], "Yoshi");
    // The next hide takes the name before it.
    overlay(&app, "hide", json!([option("lobby", &code)]), HOST, true).await;
    assert_eq!(next_frame(&mut first).await["type"], "sale_updated");
    let mut last = connect(&app, &code).await;
    let snapshot = next_frame(&mut last).await;
    assert!(!snapshot.to_string().contains("Yoshi"), "{snapshot}");
    assert!(!snapshot.to_string().contains("Regrettable"), "{snapshot}");
}
on_both_engines!(hide_takes_the_latest_name_off_every_overlay);

async fn a_test_alert_plays_on_the_overlays_and_moves_no_money(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let (code, mut socket) = racing_lobby(&app).await;
    kofi_sale(&app, "test-1", "Peach", "18.50", true).await;
    let sale = next_frame(&mut socket).await;
    let pot = sale["pot"].clone();
    let mut before = connect(&app, &code).await;
    let snapshot_before = next_frame(&mut before).await;
    let (_, sales_before) = admin_get(&app, "/api/admin/sales").await;

    let refused = overlay(
        &app,
        "test",
        json!([option("lobby", &code)]),
        STRANGER,
        false,
    )
    .await;
    assert!(is_ephemeral(&refused), "{refused}");
    let done = overlay(&app, "test", json!([option("lobby", &code)]), HOST, false).await;
    assert!(
        done["content"].as_str().unwrap().contains("EUR 10.00"),
        "{done}"
    );
    for socket in [&mut socket, &mut before] {
        let test = next_frame(socket).await;
        assert_eq!(test["type"], "sale", "{test}");
        assert_eq!(test["test"], true);
        assert_eq!(test["buyer"], "Test");
        assert_eq!(
            (test["amount"].as_str(), test["currency"].as_str()),
            (Some("10.00"), Some("EUR"))
        );
        assert_eq!(test["pot"], pot);
        assert!(test.get("sale_id").is_none(), "{test}");
    }
    let mut after = connect(&app, &code).await;
    let snapshot_after = next_frame(&mut after).await;
    for key in ["pot", "recent_sales", "goal", "racers"] {
        assert_eq!(snapshot_after[key], snapshot_before[key], "{key}");
    }
    let (_, sales_after) = admin_get(&app, "/api/admin/sales").await;
    assert_eq!(sales_after, sales_before);
    assert_eq!(lobby_json(&app, &code).await["pot"], pot);
    app.assert_ledger_balances().await;
}
on_both_engines!(a_test_alert_plays_on_the_overlays_and_moves_no_money);
