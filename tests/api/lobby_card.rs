//! The lobby card: `/lobby create` answers with one message whose buttons (Join,
//! Leave, Start, End) update it in place; refusals are ephemeral and leave it alone.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;

const RACER_A: &str = "1100000000000000011";
const RACER_B: &str = "1100000000000000012";

/// A signed press of the card's `action` button, as Discord sends it; the whole answer.
pub(crate) async fn press(
    app: &TestApp,
    code: &str,
    action: &str,
    user: &str,
    admin: bool,
) -> Value {
    let body = press_body(&next_interaction_id(), code, action, user, admin);
    let (status, answer) = discord(app, body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

pub(crate) fn press_body(id: &str, code: &str, action: &str, user: &str, admin: bool) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(include_bytes!("../fixtures/discord/button_join.json")).unwrap();
    body["id"] = json!(id);
    body["data"]["custom_id"] = json!(format!("lobby:{code}:{action}"));
    body["member"]["user"]["id"] = json!(user);
    body["member"]["user"]["global_name"] = json!(format!("Racer{}", &user[user.len() - 2..]));
    body["member"]["permissions"] = json!(if admin { "2147486752" } else { "2147486720" });
    serde_json::to_vec(&body).unwrap()
}

/// Creates a lobby and answers its card (the reply's `data`) and code.
pub(crate) async fn create_card(app: &TestApp, name: &str) -> (Value, String) {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    let card = command(app, "lobby", options, HOST, false).await;
    let code = card["embeds"][0]["description"]
        .as_str()
        .and_then(|d| d.split('`').nth(1))
        .expect("code on the card")
        .to_owned();
    (card, code)
}

fn field<'a>(card: &'a Value, prefix: &str) -> &'a str {
    card["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().starts_with(prefix))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {prefix} in {card}"))
}

fn buttons(card: &Value) -> Vec<(String, bool)> {
    card["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["custom_id"].as_str().unwrap().to_owned(),
                b["disabled"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn every_button_updates_the_card_in_place(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    let (card, code) = create_card(&app, "Friday Cup").await;
    assert!(!is_ephemeral(&card), "{card}");
    assert_eq!(card["embeds"][0]["title"], "Friday Cup");
    assert!(card["embeds"][0]["color"].as_u64().is_some(), "{card}");
    assert!(field(&card, "Overlay").ends_with(&format!("/overlay/{code}")));
    assert_eq!(field(&card, "Racers (0/8)"), "nobody yet");
    let ids: Vec<String> = ["join", "leave", "start", "end"]
        .iter()
        .map(|a| format!("lobby:{code}:{a}"))
        .collect();
    let idle: Vec<(String, bool)> = ids
        .iter()
        .cloned()
        .zip([false, false, false, true])
        .collect();
    assert_eq!(buttons(&card), idle);

    let joined = press(&app, &code, "join", RACER_A, false).await;
    assert_eq!(joined["type"], 7, "{joined}");
    assert_eq!(field(&joined["data"], "Racers (1/8)"), "Racer11");
    press(&app, &code, "join", RACER_B, false).await;
    let left = press(&app, &code, "leave", RACER_B, false).await;
    assert_eq!(left["type"], 7);
    assert_eq!(field(&left["data"], "Racers (1/8)"), "Racer11");
    press(&app, &code, "join", RACER_B, false).await;

    let started = press(&app, &code, "start", HOST, false).await;
    assert_eq!(started["type"], 7, "{started}");
    let racing: Vec<(String, bool)> = ids
        .iter()
        .cloned()
        .zip([false, false, true, false])
        .collect();
    assert_eq!(buttons(&started["data"]), racing);
    assert!(started["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .contains("racing"));
    assert_eq!(lobby_json(&app, &code).await["state"], "open");

    let created = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_card", "pi_card", 2500, "usd", created, None);
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    // Racer12 leaves before the end and is still named in the summary.
    press(&app, &code, "leave", RACER_B, false).await;

    let ended = press(&app, &code, "end", HOST, false).await;
    assert_eq!(ended["type"], 7, "{ended}");
    let data = &ended["data"];
    assert_eq!(buttons(data), idle);
    assert_eq!(field(data, "Sales"), "1");
    assert_eq!(field(data, "Racer pool"), "USD 5.00");
    assert_eq!(
        field(data, "Share per racer"),
        "Racer11: USD 2.50\nRacer12: USD 2.50"
    );
    assert_eq!(lobby_json(&app, &code).await["state"], "closed");
    app.assert_ledger_balances().await;
}
on_both_engines!(every_button_updates_the_card_in_place);

async fn refused_presses_are_ephemeral_and_change_nothing(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nmax_racers = 1")).await;
    let (_, code) = create_card(&app, "Small").await;
    // A racer who is not the host presses Start.
    let start = press(&app, &code, "start", RACER_A, false).await;
    assert_eq!(start["type"], 4, "{start}");
    assert!(is_ephemeral(&start["data"]));
    assert!(start["data"]["content"].as_str().unwrap().contains("host"));
    assert!(start["data"].get("components").is_none());
    assert_eq!(lobby_json(&app, &code).await["state"], "idle");
    let end = press(&app, &code, "end", RACER_A, false).await;
    assert!(is_ephemeral(&end["data"]), "{end}");

    // A full lobby's Join.
    assert_eq!(press(&app, &code, "join", RACER_A, false).await["type"], 7);
    let full = press(&app, &code, "join", RACER_B, false).await;
    assert_eq!(full["type"], 4, "{full}");
    assert!(is_ephemeral(&full["data"]));
    assert!(
        full["data"]["content"]
            .as_str()
            .unwrap()
            .contains("full (1 racers)"),
        "{full}"
    );
    let racers = lobby_json(&app, &code).await["racers"].clone();
    assert_eq!(racers.as_array().unwrap().len(), 1, "{racers}");

    // An admin may start someone else's lobby from the card.
    let started = press(&app, &code, "start", RACER_B, true).await;
    assert_eq!(started["type"], 7, "{started}");
}
on_both_engines!(refused_presses_are_ephemeral_and_change_nothing);

async fn a_press_runs_once_and_only_in_its_guild(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let (_, code) = create_card(&app, "Once").await;
    let id = next_interaction_id();
    let first = discord(&app, press_body(&id, &code, "join", RACER_A, false)).await;
    let again = discord(&app, press_body(&id, &code, "join", RACER_A, false)).await;
    assert_eq!(first.1["type"], 7, "{first:?}");
    assert_eq!(first, again);
    let racers = lobby_json(&app, &code).await["racers"].clone();
    assert_eq!(racers.as_array().unwrap().len(), 1);

    // The same card's button pressed from another guild finds no lobby.
    let mut elsewhere: Value = serde_json::from_slice(&press_body(
        &next_interaction_id(),
        &code,
        "join",
        RACER_B,
        false,
    ))
    .unwrap();
    elsewhere["guild_id"] = json!("1200000000000000999");
    let (status, answer) = discord(&app, serde_json::to_vec(&elsewhere).unwrap()).await;
    assert_eq!(status, 200);
    assert!(is_ephemeral(&answer["data"]), "{answer}");
    assert!(answer["data"]["content"]
        .as_str()
        .unwrap()
        .contains("no lobby"));
    let racers = lobby_json(&app, &code).await["racers"].clone();
    assert_eq!(racers.as_array().unwrap().len(), 1);
}
on_both_engines!(a_press_runs_once_and_only_in_its_guild);

/// The README shows the card `/lobby create` answers with; it is what the server sends
/// (for the lobby's own code and colour).
async fn the_readme_shows_the_card_as_sent(engine: Engine) {
    let extra = "[http]\npublic_url = \"https://kart.example.org\"";
    let app = spawn_app(engine, &full_config(extra)).await;
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "Friday Cup")]}]);
    let body = interaction("lobby", options, HOST, "Kartmaster", false);
    let (status, answer) = discord(&app, body).await;
    assert_eq!(status, 200, "{answer}");
    let code = answer["data"]["embeds"][0]["description"]
        .as_str()
        .and_then(|d| d.split('`').nth(1))
        .unwrap()
        .to_owned();
    let readme = include_str!("../../README.md");
    let start = readme
        .find("The card as the HTTP endpoint answers")
        .expect("card example in README");
    let example = &readme[start..];
    let json_start = example.find("```json\n").unwrap() + "```json\n".len();
    let json_end = json_start + example[json_start..].find("```").unwrap();
    let colour = answer["data"]["embeds"][0]["color"].to_string();
    let example = example[json_start..json_end]
        .replace("K7QX", &code)
        .replace("15418782", &colour);
    let expected: Value = serde_json::from_str(&example).expect("README JSON parses");
    assert_eq!(answer, expected);
}
on_both_engines!(the_readme_shows_the_card_as_sent);
