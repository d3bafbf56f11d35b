//! Replies in the member's language (`locale`), posts the bot makes by itself in
//! the guild's (`guild_locale`), English for any other: `/wallet`, `/pot`,
//! refusals and the lobby card in German and Japanese, money written as each
//! language writes it.

use actix_web::HttpResponse;
use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::lobby_card::press_body;
use crate::on_both_engines;
use crate::race_summary::{CHANNEL, TOKEN};
use crate::signing::*;
use crate::stand_in::StandIn;

const RACER_A: &str = "1100000000000000011";
const RACER_B: &str = "1100000000000000012";
const GERMAN: (&str, &str) = ("de", "de");
const JAPANESE: (&str, &str) = ("ja", "ja");

fn field<'a>(data: &'a Value, name: &str) -> &'a str {
    data["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {data}"))
}

fn labels(data: &Value) -> Vec<String> {
    data["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap().to_owned())
        .collect()
}

fn content(data: &Value) -> &str {
    data["content"].as_str().unwrap_or_default()
}

/// A German host opens a lobby: the card, its fields and buttons in German.
async fn german_card(app: &TestApp) -> String {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "Friday Cup")]}]);
    let card = command_in(app, GERMAN, "lobby", options, HOST, false).await;
    let code = card["embeds"][0]["description"]
        .as_str()
        .and_then(|d| d.split('`').nth(1))
        .expect("code on the card")
        .to_owned();
    assert_eq!(
        content(&card),
        format!(
            "Lobby **Friday Cup** (`{code}`): Drück **Beitreten**, um mitzufahren \
             (oder `/beitreten`); der Host drückt **Start**, wenn das Rennen beginnt."
        )
    );
    assert_eq!(
        card["embeds"][0]["description"],
        format!("Lobby `{code}`: wartet auf den Start")
    );
    assert_eq!(field(&card, "Fahrer (0/8)"), "noch niemand");
    assert_eq!(field(&card, "Fahrertopf"), "noch nichts");
    assert_eq!(
        labels(&card),
        ["Beitreten", "Verlassen", "Start", "Beenden"]
    );
    code
}

async fn wallet_pot_refusals_and_card_in_german_and_japanese(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = german_card(&app).await;

    // A Japanese racer presses Join: the card is redrawn in Japanese for them.
    let body = localised(
        press_body(&next_interaction_id(), &code, "join", RACER_A, false),
        "ja",
        "de",
    );
    let (_, pressed) = discord(&app, body).await;
    assert_eq!(pressed["type"], 7, "{pressed}");
    let card = &pressed["data"];
    assert_eq!(labels(card), ["参加", "退出", "開始", "終了"]);
    assert_eq!(
        card["embeds"][0]["description"],
        format!("ロビー `{code}`：スタート待ち")
    );
    assert_eq!(field(card, "レーサー（1/8）"), "Racer11");

    // Refusals: a racer who is not the host starts the race; one joins twice; an
    // option left out before any command runs.
    let start = command_in(&app, GERMAN, "start", json!([]), RACER_B, false).await;
    assert!(is_ephemeral(&start));
    assert_eq!(
        content(&start),
        "Nur der Host der Lobby oder ein Admin kann das Rennen starten."
    );
    let start = command_in(&app, JAPANESE, "start", json!([]), RACER_B, false).await;
    assert_eq!(
        content(&start),
        "レースを開始できるのはロビーのホストか管理者だけです。"
    );
    let again = command_in(&app, GERMAN, "join", json!([]), RACER_A, false).await;
    assert_eq!(
        content(&again),
        "Abgelehnt: du bist schon im Kader dieser Lobby."
    );
    let again = command_in(&app, JAPANESE, "join", json!([]), RACER_A, false).await;
    assert_eq!(
        content(&again),
        "できません：すでにこのロビーのメンバーです。"
    );
    let unread = command_in(&app, GERMAN, "commission", json!([]), HOST, true).await;
    assert!(is_ephemeral(&unread));
    assert_eq!(
        content(&unread),
        "Bitte ausfüllen: Satz (ein Anteil jedes Kaufs, wie 0.20)."
    );

    // 6250.00 USD: 1250.00 to the pool, all Racer11's, held for 14 days.
    command_in(&app, GERMAN, "start", json!([]), HOST, false).await;
    let sold_at = app.clock.now();
    let sale = stripe_checkout(
        "evt_big",
        "pi_big",
        625_000,
        "usd",
        sold_at.timestamp(),
        None,
    );
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    let until = format!("<t:{}:R>", (sold_at + Duration::days(14)).timestamp());
    let day = format!("<t:{}:d>", sold_at.timestamp());

    let wallet = command_in(&app, GERMAN, "wallet", json!([]), RACER_A, false).await;
    assert!(is_ephemeral(&wallet));
    assert_eq!(wallet["embeds"][0]["title"], "Deine Cozy-Kart-Geldbörse");
    assert_eq!(
        field(&wallet, "USD"),
        format!(
            "verfügbar **0,00**\nausstehend 1.250,00 (1.250,00 wird {until} verfügbar)\n\
             insgesamt ausgezahlt 0,00"
        )
    );
    assert_eq!(
        field(&wallet, "Letzte Käufe, die dir etwas gezahlt haben"),
        format!("Friday Cup, {day}: 1.250,00 USD (ausstehend)")
    );
    let wallet = command_in(&app, JAPANESE, "wallet", json!([]), RACER_A, false).await;
    assert_eq!(
        wallet["embeds"][0]["title"],
        "あなたの Cozy-Kart ウォレット"
    );
    assert_eq!(
        field(&wallet, "USD"),
        format!(
            "利用可能 **0.00**\n保留中 1,250.00（1,250.00 は {until} に利用可能になります）\n\
             累計支払額 0.00"
        )
    );
    assert_eq!(
        field(&wallet, "あなたに支払われた最近の売上"),
        format!("Friday Cup、{day}：USD 1,250.00（保留中）")
    );

    let pot = command_in(&app, GERMAN, "pot", json!([]), RACER_B, false).await;
    assert!(!is_ephemeral(&pot));
    assert_eq!(
        content(&pot),
        format!("Fahrertopf in **Friday Cup** (`{code}`) (läuft): 1.250,00 USD.")
    );
    assert_eq!(field(&pot, "Fahrertopf"), "1.250,00 USD");
    assert_eq!(field(&pot, "Fahrer (1/8)"), "Racer11");
    let pot = command_in(&app, JAPANESE, "pot", json!([]), RACER_B, false).await;
    assert_eq!(
        content(&pot),
        format!("**Friday Cup** (`{code}`)（レース中）のレーサー賞金：USD 1,250.00。")
    );
    assert_eq!(field(&pot, "レーサー賞金"), "USD 1,250.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(wallet_pot_refusals_and_card_in_german_and_japanese);

async fn a_locale_without_a_catalogue_reads_english(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let elsewhere = ("ko", "xx-YY");
    let wallet = command_in(&app, elsewhere, "wallet", json!([]), RACER_A, false).await;
    assert_eq!(wallet["embeds"][0]["title"], "Your Cozy-Kart wallet");
    assert_eq!(
        wallet["embeds"][0]["description"],
        "No earnings yet: join a lobby and race while the shop is open!"
    );
    let pot = command_in(&app, elsewhere, "pot", json!([]), RACER_A, false).await;
    assert_eq!(
        content(&pot),
        "There is no lobby in this channel. Create one with `/lobby create`, \
         or name one with the `lobby` option."
    );
    let unread = command_in(&app, elsewhere, "commission", json!([]), HOST, true).await;
    assert_eq!(
        content(&unread),
        "Please fill in the rate (a share of each sale, such as 0.20)."
    );
}
on_both_engines!(a_locale_without_a_catalogue_reads_english);

/// Members with English clients race in a German guild; the race is left open
/// until it times out: its summary is posted in German, while each reply to a
/// member was in English.
async fn a_timed_out_race_is_posted_in_the_guilds_language(engine: Engine) {
    let discord = StandIn::start(|_| {
        HttpResponse::Ok().json(json!({"id": "1300000000000000901", "channel_id": CHANNEL}))
    });
    let settings = format!("bot_token = \"{TOKEN}\"\napi_base = \"{}\"", discord.base);
    let app = spawn_app(engine, &full_config_with_discord(&settings, "")).await;
    let in_german_guild = ("en-US", "de");
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "Night Cup")]}]);
    let card = command_in(&app, in_german_guild, "lobby", options, HOST, false).await;
    let code = card["content"]
        .as_str()
        .unwrap()
        .split('`')
        .nth(1)
        .unwrap()
        .to_owned();
    for racer in [RACER_A, RACER_B] {
        command_in(&app, in_german_guild, "join", json!([]), racer, false).await;
    }
    let started = command_in(&app, in_german_guild, "start", json!([]), HOST, false).await;
    assert!(content(&started).contains("is live"), "{started}");
    let sale = stripe_checkout(
        "evt_nacht",
        "pi_nacht",
        2500,
        "usd",
        app.clock.now().timestamp(),
        None,
    );
    assert_eq!(post_stripe(&app, sale).await.0, 200);
    command_in(&app, in_german_guild, "leave", json!([]), RACER_B, false).await;
    app.clock.advance(Duration::minutes(46));
    let entry = app.state.lobbies.find_running(&code).expect("lobby");
    entry.addr.send(cozykart::lobby::WindowTick).await.unwrap();

    let posted = discord.wait_for(1).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    let body = &posted[0].body;
    assert_eq!(
        body["content"],
        format!(
            "⏱️ Das Rennen in **Night Cup** (`{code}`) hat nach 45 Minuten von selbst geendet."
        )
    );
    let post = json!({"embeds": body["embeds"].clone()});
    assert_eq!(post["embeds"][0]["title"], "Rennen vorbei: Night Cup");
    assert_eq!(field(&post, "Käufe"), "1");
    assert_eq!(field(&post, "Fahrerpool"), "5,00 USD");
    assert_eq!(
        field(&post, "Anteil je Fahrer"),
        "Racer11: 2,50 USD\nRacer12: 2,50 USD"
    );
    discord.handle.stop(false).await;
}
on_both_engines!(a_timed_out_race_is_posted_in_the_guilds_language);
