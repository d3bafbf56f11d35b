//! One deployment, two Discord servers: every command, every rate and every cent
//! stays in the guild it belongs to; payouts run once.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;

/// The fixtures' guild (and its channel): server A.
const GUILD_A: &str = "1200000000000000001";
/// Server B, its channel, its admin, and a racer who races in both servers.
const GUILD_B: &str = "1400000000000000001";
const CHANNEL_B: &str = "1400000000000000002";
const ADMIN_B: &str = "1100000000000000077";
const RACER: &str = "1100000000000000042";

/// Runs a command as `user` in `guild`, in that guild's test channel, with a fresh
/// interaction id; returns the reply's data.
async fn command_in(
    app: &TestApp,
    guild: &str,
    user: &str,
    admin: bool,
    name: &str,
    options: Value,
) -> Value {
    let body = interaction_in(guild, user, admin, name, options);
    let (status, reply) = discord(app, body).await;
    assert_eq!(status, 200, "{reply}");
    reply["data"].clone()
}

fn interaction_in(guild: &str, user: &str, admin: bool, name: &str, options: Value) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&interaction(name, options, user, "Racer", admin)).unwrap();
    body["id"] = json!(format!(
        "{}",
        1_500_000_000_000_000_000u64 + rand::random::<u32>() as u64
    ));
    if guild != GUILD_A {
        body["guild_id"] = json!(guild);
        body["guild"]["id"] = json!(guild);
        body["channel_id"] = json!(CHANNEL_B);
        body["channel"]["id"] = json!(CHANNEL_B);
        body["channel"]["guild_id"] = json!(guild);
    }
    serde_json::to_vec(&body).unwrap()
}

async fn create_in(app: &TestApp, guild: &str, host: &str, name: &str) -> String {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    let data = command_in(app, guild, host, false, "lobby", options).await;
    let text = data["content"].as_str().unwrap_or_default().to_owned();
    text.split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no code in {data}"))
        .to_owned()
}

/// A racer's balance in one guild and currency: (available, pending, paid).
async fn guild_wallet(app: &TestApp, racer: &str, guild: &str) -> (String, String, String) {
    let (_, body) = admin_get(app, &format!("/api/admin/racers/{racer}")).await;
    body["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["guild_id"] == guild)
        .map(|b| {
            let text = |key: &str| b[key].as_str().unwrap().to_owned();
            (text("available"), text("pending"), text("paid"))
        })
        .unwrap_or_else(|| ("0.00".into(), "0.00".into(), "0.00".into()))
}

/// `racer` joins the lobby `code` of `guild`, and `host` starts its race.
async fn race_in(app: &TestApp, guild: &str, host: &str, code: &str, racer: &str) {
    let lobby = json!([option("lobby", code)]);
    command_in(app, guild, racer, false, "join", lobby.clone()).await;
    command_in(app, guild, host, false, "start", lobby).await;
}

fn refused(data: &Value, words: &str) {
    assert!(is_ephemeral(data), "not ephemeral: {data}");
    let text = data["content"].as_str().unwrap_or_default();
    assert!(text.contains(words), "expected {words:?} in {text:?}");
}

async fn commands_never_reach_another_guilds_lobby(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_in(&app, GUILD_A, HOST, "North").await;
    let named = json!([option("lobby", &code)]);
    for (name, admin) in [
        ("start", true),
        ("end", true),
        ("join", false),
        ("leave", false),
        ("pot", false),
    ] {
        let data = command_in(&app, GUILD_B, ADMIN_B, admin, name, named.clone()).await;
        refused(&data, "There is no lobby with the code");
    }
    // The lobby of A's channel is not B's channel's lobby either.
    let data = command_in(&app, GUILD_B, ADMIN_B, true, "start", json!([])).await;
    refused(&data, "no lobby in this channel");
    let lobby = lobby_json(&app, &code).await;
    assert_eq!(
        (
            lobby["state"].as_str(),
            lobby["racers"].as_array().map(Vec::len)
        ),
        (Some("idle"), Some(0))
    );
}
on_both_engines!(commands_never_reach_another_guilds_lobby);

async fn rates_wallets_and_payouts_are_per_guild(engine: Engine) {
    let shop_a = format!(
        "[shops.a]\nprovider = \"stripe\"\nsecret = \"{STRIPE_SECRET}\"\nguild_id = \"{GUILD_A}\"\n\
         [commission]\nhold_days = 0"
    );
    let app = spawn_app(engine, &full_config(&shop_a)).await;
    // B's admin sets B's rate; A keeps the default 20 %.
    let data = command_in(
        &app,
        GUILD_B,
        ADMIN_B,
        true,
        "commission",
        json!([option("rate", "0.90")]),
    )
    .await;
    assert!(!is_ephemeral(&data), "{data}");
    let north = create_in(&app, GUILD_A, HOST, "North").await;
    let south = create_in(&app, GUILD_B, ADMIN_B, "South").await;
    race_in(&app, GUILD_A, HOST, &north, RACER).await;
    race_in(&app, GUILD_B, ADMIN_B, &south, RACER).await;
    let now = app.clock.now().timestamp();
    // An untagged sale of the shop bound to A, while both races run: A's only.
    let body = stripe_checkout("evt_a", "pi_a", 1000, "usd", now, None);
    let signature = stripe_signature(&body, now);
    let (status, answer) = post(
        &app,
        "/webhooks/stripe/a",
        body,
        &[("Stripe-Signature", signature)],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    // A sale of the guild-less shop tagged to B's lobby: B's rate.
    post_stripe(
        &app,
        stripe_checkout("evt_b", "pi_b", 1000, "usd", now, Some(&south)),
    )
    .await;
    assert_eq!(
        guild_wallet(&app, RACER, GUILD_A).await,
        ("2.00".into(), "0.00".into(), "0.00".into())
    );
    assert_eq!(
        guild_wallet(&app, RACER, GUILD_B).await,
        ("9.00".into(), "0.00".into(), "0.00".into())
    );
    // Each guild's /wallet shows that guild's money only.
    let wallet_a = command_in(&app, GUILD_A, RACER, false, "wallet", json!([])).await;
    let wallet_b = command_in(&app, GUILD_B, RACER, false, "wallet", json!([])).await;
    assert!(
        wallet_a.to_string().contains("2.00") && !wallet_a.to_string().contains("9.00"),
        "{wallet_a}"
    );
    assert!(
        wallet_b.to_string().contains("9.00") && !wallet_b.to_string().contains("2.00"),
        "{wallet_b}"
    );
    // B's admin pays out of B's wallet; A's admin cannot spend B's money.
    let pay = |amount: &str| {
        json!([{"name": "user", "type": 6, "value": RACER}, option("amount", amount),
               {"name": "force", "type": 5, "value": true}])
    };
    let paid = command_in(&app, GUILD_B, ADMIN_B, true, "payout", pay("5.00")).await;
    assert!(!is_ephemeral(&paid), "{paid}");
    let over = command_in(&app, GUILD_A, HOST, true, "payout", pay("5.00")).await;
    refused(&over, "more than the available balance");
    assert_eq!(
        guild_wallet(&app, RACER, GUILD_B).await,
        ("4.00".into(), "0.00".into(), "5.00".into())
    );
    assert_eq!(guild_wallet(&app, RACER, GUILD_A).await.0, "2.00");
    // The admin API needs the guild when the racer earned in two.
    let auth = [("Authorization", format!("Bearer {ADMIN_TOKEN}"))];
    let body =
        format!(r#"{{"discord_id":"{RACER}","amount":"1.00","currency":"USD","force":true}}"#);
    let (status, answer) = post(&app, "/api/admin/payouts", body.into_bytes(), &auth).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("guild_required")),
        "{answer}"
    );
    let leaders = command_in(&app, GUILD_A, RACER, false, "leaderboard", json!([])).await;
    assert!(
        leaders.to_string().contains("2.00") && !leaders.to_string().contains("9.00"),
        "{leaders}"
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(rates_wallets_and_payouts_are_per_guild);

async fn allow_list_and_lobby_cap(engine: Engine) {
    let extra = format!("[discord]\nguilds = [\"{GUILD_A}\"]\nmax_lobbies_per_guild = 2");
    // `full_config` opens a [discord] table of its own; append the keys to it.
    let config = full_config("").replacen("[discord]\n", &format!("{}\n", extra.trim_end()), 1);
    let app = spawn_app(engine, &config).await;
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "B")]}]);
    let data = command_in(&app, GUILD_B, ADMIN_B, true, "lobby", options.clone()).await;
    refused(&data, "not set up for this server");
    let first = create_in(&app, GUILD_A, HOST, "One").await;
    create_in(&app, GUILD_A, HOST, "Two").await;
    let data = command_in(&app, GUILD_A, HOST, false, "lobby", options.clone()).await;
    refused(&data, "already has 2 lobbies");
    assert_eq!(lobby_count(&app).await, 2);
    // A closed lobby no longer counts.
    race_in(&app, GUILD_A, HOST, &first, RACER).await;
    let lobby = json!([option("lobby", &first)]);
    command_in(&app, GUILD_A, HOST, false, "end", lobby).await;
    create_in(&app, GUILD_A, HOST, "Three").await;
}
on_both_engines!(allow_list_and_lobby_cap);

async fn payouts_run_once(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    let code = create_in(&app, GUILD_A, HOST, "Cup").await;
    race_in(&app, GUILD_A, HOST, &code, RACER).await;
    let now = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_1", "pi_1", 10000, "usd", now, None),
    )
    .await;
    assert_eq!(guild_wallet(&app, RACER, GUILD_A).await.0, "20.00");
    // One signed /payout delivered twice, then twice at once.
    let options = json!([{"name": "user", "type": 6, "value": RACER}, option("amount", "1.00"),
                         {"name": "force", "type": 5, "value": true}]);
    let once = interaction_in(GUILD_A, HOST, true, "payout", options.clone());
    for _ in 0..2 {
        assert_eq!(discord(&app, once.clone()).await.0, 200);
    }
    let twice = interaction_in(GUILD_A, HOST, true, "payout", options);
    let (a, b) =
        futures_util::future::join(discord(&app, twice.clone()), discord(&app, twice)).await;
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(
        guild_wallet(&app, RACER, GUILD_A).await,
        ("18.00".into(), "0.00".into(), "2.00".into())
    );
    // The admin API with one Idempotency-Key, retried, then twice at once.
    let body = format!(
        r#"{{"discord_id":"{RACER}","amount":"3.00","currency":"USD","method":"manual","force":true}}"#
    );
    let send = |key: &'static str| {
        let headers = [
            ("Authorization", format!("Bearer {ADMIN_TOKEN}")),
            ("Idempotency-Key", key.to_owned()),
        ];
        let body = body.clone().into_bytes();
        let app = &app;
        async move { post(app, "/api/admin/payouts", body, &headers).await }
    };
    let first = send("retry-1").await;
    let again = send("retry-1").await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(first.1, again.1);
    let (c, d) = futures_util::future::join(send("race-1"), send("race-1")).await;
    assert_eq!((c.0, d.0), (200, 200), "{} {}", c.1, d.1);
    assert_eq!(c.1["id"], d.1["id"]);
    assert_eq!(
        guild_wallet(&app, RACER, GUILD_A).await,
        ("12.00".into(), "0.00".into(), "8.00".into())
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(payouts_run_once);

/// An autocomplete of `/join`'s `lobby` option as typed in `guild` (the fixture's
/// shape, with a fresh id).
fn autocomplete_in(guild: &str, typed: &str) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(include_bytes!("../fixtures/discord/autocomplete_join.json"))
            .unwrap();
    body["id"] = json!(format!(
        "{}",
        1_600_000_000_000_000_000u64 + rand::random::<u32>() as u64
    ));
    body["data"]["options"][0]["value"] = json!(typed);
    body["guild_id"] = json!(guild);
    body["guild"]["id"] = json!(guild);
    body["data"]["guild_id"] = json!(guild);
    serde_json::to_vec(&body).unwrap()
}

async fn lobby_options_suggest_the_guilds_lobbies_and_take_names(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let cup = create_in(&app, GUILD_A, HOST, "Friday Cup").await;
    let night = create_in(&app, GUILD_A, HOST, "Friday Night").await;
    create_in(&app, GUILD_A, HOST, "Sunday Sprint").await;
    create_in(&app, GUILD_B, ADMIN_B, "Friday Elsewhere").await;
    race_in(&app, GUILD_A, HOST, &cup, RACER).await;
    // Typing "fri" in server A: A's two Friday lobbies, the racing one first.
    let (status, answer) = discord(&app, autocomplete_in(GUILD_A, "fri")).await;
    assert_eq!(
        (status, answer["type"].as_u64()),
        (200, Some(8)),
        "{answer}"
    );
    let choices = answer["data"]["choices"].as_array().unwrap();
    let values: Vec<&str> = choices
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, [cup.as_str(), night.as_str()], "{answer}");
    assert!(choices[0]["name"].as_str().unwrap().contains("Friday Cup"));
    // An empty prefix lists all of A's and none of B's; a code matches too.
    let (_, all) = discord(&app, autocomplete_in(GUILD_A, "")).await;
    assert_eq!(all["data"]["choices"].as_array().map(Vec::len), Some(3));
    let (_, by_code) = discord(&app, autocomplete_in(GUILD_A, &night.to_lowercase())).await;
    assert_eq!(
        by_code["data"]["choices"][0]["value"].as_str(),
        Some(night.as_str())
    );
    // The option takes a name as well as a code.
    let joined = command_in(
        &app,
        GUILD_A,
        ADMIN_B,
        false,
        "join",
        json!([option("lobby", "friday night")]),
    )
    .await;
    assert!(!is_ephemeral(&joined), "{joined}");
    assert_eq!(
        lobby_json(&app, &night).await["racers"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // B's lobby is not reachable by its name from A.
    let refused_b = command_in(
        &app,
        GUILD_A,
        HOST,
        false,
        "join",
        json!([option("lobby", "Friday Elsewhere")]),
    )
    .await;
    refused(&refused_b, "There is no lobby");
}
on_both_engines!(lobby_options_suggest_the_guilds_lobbies_and_take_names);
