//! `cozykart register` against a local stand-in for Discord's REST API, which checks
//! and records every request and answers as Discord does.

use actix_web::HttpResponse;
use cozykart::config::Config;
use cozykart::discord::{register_commands, Registered, Scope};
use serde_json::{json, Value};

use crate::stand_in::{Recorded, StandIn};

const TOKEN: &str = "stand-in-bot-token.0123456789";
const APPLICATION: u64 = 1_300_000_000_000_000_001;
const GUILD: u64 = 1_100_000_000_000_000_001;

fn guild() -> cozykart::domain::ids::GuildId {
    GUILD.try_into().unwrap()
}
const COMMANDS: [&str; 14] = [
    "lobby",
    "join",
    "leave",
    "start",
    "end",
    "pot",
    "goal",
    "overlay",
    "wallet",
    "leaderboard",
    "cashout",
    "payout",
    "payouts",
    "commission",
];

#[derive(Clone, Copy)]
enum Answer {
    LikeDiscord,
    Unauthorized,
}

fn start(answer: Answer) -> StandIn {
    StandIn::start(move |seen| discord(answer, seen))
}

fn config(stand_in: &StandIn, extra: &str) -> Config {
    Config::from_toml(&format!(
        "[discord]\nbot_token = \"{TOKEN}\"\napi_base = \"{}/\"\n{extra}",
        stand_in.base
    ))
    .expect("test configuration")
}

/// Checks one request as Discord would, and answers.
fn discord(answer: Answer, seen: &Recorded) -> HttpResponse {
    if let Answer::Unauthorized = answer {
        return HttpResponse::Unauthorized()
            .json(json!({"message": "401: Unauthorized", "code": 0}));
    }
    if seen.authorization != format!("Bot {TOKEN}") {
        return HttpResponse::Unauthorized()
            .json(json!({"message": "401: Unauthorized", "code": 0}));
    }
    let global = format!("/api/v10/applications/{APPLICATION}/commands");
    let guild = format!("/api/v10/applications/{APPLICATION}/guilds/{GUILD}/commands");
    match (seen.method.as_str(), seen.path.as_str()) {
        ("GET", "/api/v10/oauth2/applications/@me") => {
            HttpResponse::Ok().json(json!({"id": APPLICATION.to_string(), "name": "Cozy-Kart"}))
        }
        ("PUT", path) if path == global || path == guild => {
            let Some(commands) = seen.body.as_array() else {
                return bad_request("body is not a JSON array");
            };
            if seen.content_type != "application/json" {
                return bad_request("Content-Type is not application/json");
            }
            let echoed: Vec<Value> = commands
                .iter()
                .enumerate()
                .map(|(i, command)| {
                    let mut command = command.clone();
                    command["id"] = json!((1_500_000_000_000_000_000u64 + i as u64).to_string());
                    command["application_id"] = json!(APPLICATION.to_string());
                    command["version"] = json!("1");
                    command
                })
                .collect();
            HttpResponse::Ok().json(echoed)
        }
        _ => HttpResponse::NotFound().json(json!({"message": "404: Not Found", "code": 0})),
    }
}

fn bad_request(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"message": message, "code": 50035}))
}

/// The PUT carried every command, with `/payout` for Manage Server only.
fn assert_all_commands(put: &Recorded) {
    assert_eq!(put.method, "PUT");
    assert_eq!(put.authorization, format!("Bot {TOKEN}"));
    assert_eq!(put.content_type, "application/json");
    assert!(
        put.user_agent.starts_with("DiscordBot ("),
        "{}",
        put.user_agent
    );
    let commands = put.body.as_array().expect("a JSON array");
    let names: Vec<&str> = commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, COMMANDS);
    let payout = commands.iter().find(|c| c["name"] == "payout").unwrap();
    assert_eq!(payout["default_member_permissions"], "32");
    // Every command and option reads in Discord's users' languages.
    for command in commands {
        for locale in ["de", "fr", "es-ES", "pt-BR", "ja"] {
            for field in ["name_localizations", "description_localizations"] {
                assert!(
                    command[field][locale].is_string(),
                    "{locale} {field}: {command}"
                );
            }
        }
    }
    assert_eq!(payout["name_localizations"]["ja"], "支払い");
    assert_eq!(
        payout["options"][1]["description_localizations"]["de"]
            .as_str()
            .map(|d| d.starts_with("Gezahlter Betrag")),
        Some(true)
    );
}

#[actix_web::test]
async fn register_puts_every_command_in_the_given_guild() {
    let discord = start(Answer::LikeDiscord);
    let registered = register_commands(
        &config(&discord, "").discord,
        Some(APPLICATION),
        Some(guild()),
    )
    .await
    .expect("registered");
    assert_eq!(
        registered,
        Registered {
            application_id: APPLICATION,
            scope: Scope::Guild(guild()),
            count: 14
        }
    );
    let recorded = discord.recorded();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(
        recorded[0].path,
        format!("/api/v10/applications/{APPLICATION}/guilds/{GUILD}/commands")
    );
    assert_all_commands(&recorded[0]);
    discord.handle.stop(false).await;
}

#[actix_web::test]
async fn register_reads_the_guild_from_configuration() {
    let discord = start(Answer::LikeDiscord);
    let config = config(&discord, &format!("guild_id = \"{GUILD}\""));
    let registered = register_commands(&config.discord, Some(APPLICATION), None)
        .await
        .expect("registered");
    assert_eq!(registered.scope, Scope::Guild(guild()));
    let recorded = discord.recorded();
    assert_eq!(
        recorded[0].path,
        format!("/api/v10/applications/{APPLICATION}/guilds/{GUILD}/commands")
    );
    discord.handle.stop(false).await;
}

#[actix_web::test]
async fn register_looks_up_the_application_and_registers_globally() {
    let discord = start(Answer::LikeDiscord);
    let registered = register_commands(&config(&discord, "").discord, None, None)
        .await
        .expect("registered");
    assert_eq!(
        registered,
        Registered {
            application_id: APPLICATION,
            scope: Scope::Global,
            count: 14
        }
    );
    let recorded = discord.recorded();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(
        (recorded[0].method.as_str(), recorded[0].path.as_str()),
        ("GET", "/api/v10/oauth2/applications/@me")
    );
    assert_eq!(recorded[0].authorization, format!("Bot {TOKEN}"));
    assert_eq!(
        recorded[1].path,
        format!("/api/v10/applications/{APPLICATION}/commands")
    );
    assert_all_commands(&recorded[1]);
    discord.handle.stop(false).await;
}

#[actix_web::test]
async fn register_refused_by_discord_is_an_error_naming_it() {
    let discord = start(Answer::Unauthorized);
    let error = register_commands(&config(&discord, "").discord, Some(APPLICATION), None)
        .await
        .expect_err("Discord refused");
    let message = format!("{error:#}");
    assert!(
        message.contains("401") && message.contains("401: Unauthorized"),
        "{message}"
    );
    assert!(!message.contains(TOKEN), "{message}");
    assert_eq!(discord.recorded().len(), 1);
    discord.handle.stop(false).await;
}

#[actix_web::test]
async fn register_without_a_bot_token_names_the_key() {
    let config = Config::from_toml("").expect("defaults");
    let error = register_commands(&config.discord, Some(APPLICATION), None)
        .await
        .expect_err("no token");
    let message = error.to_string();
    assert!(
        message.contains("discord.bot_token") && message.contains("COZYKART__DISCORD__BOT_TOKEN"),
        "{message}"
    );
}
