//! The HTTP edges: public lobby lists without personal data (the full view under
//! the admin API), security headers, the JSON error format for every refusal,
//! Discord markdown in user text, and follow sockets that cannot shut out a real
//! streamer's overlay.

use std::net::IpAddr;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;
use crate::overlay::Socket;
use crate::signing::*;

const RACER: &str = "1100000000000000043";
/// The fixtures' guild and channel.
const GUILD: &str = "1200000000000000001";
const CHANNEL: &str = "1200000000000000002";

async fn get(app: &TestApp, path: &str, admin: bool) -> (u16, awc::http::header::HeaderMap, Value) {
    let mut request = app.client().get(format!("{}{path}", app.address));
    if admin {
        request = request.insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")));
    }
    let mut response = request.send().await.unwrap();
    let headers = response.headers().clone();
    let body = response.body().limit(1 << 20).await.unwrap();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (response.status().as_u16(), headers, json)
}

async fn lobby_lists_show_names_publicly_and_everything_to_admins(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let done = create_lobby(&app, "Done").await;
    let racing = create_lobby(&app, "Racing").await;
    for code in [&done, &racing] {
        command(&app, "join", json!([option("lobby", code)]), RACER, false).await;
        command(&app, "start", json!([option("lobby", code)]), HOST, false).await;
    }
    command(&app, "end", json!([option("lobby", &done)]), HOST, false).await;
    // Only the racer's private wallet gives the link of their own racer overlay.
    let wallet = command(&app, "wallet", json!([]), RACER, false).await;
    assert!(is_ephemeral(&wallet));
    let link = format!("/overlay/{racing}?racer={RACER}");
    assert!(wallet.to_string().contains(&link), "{wallet}");
    // Public: open and idle lobbies, display names, no id of any kind.
    let (status, _, public) = get(&app, "/api/lobbies", false).await;
    assert_eq!(status, 200);
    let lobbies = public["lobbies"].as_array().unwrap();
    assert_eq!(lobbies.len(), 1, "{public}");
    assert_eq!(lobbies[0]["code"], racing.as_str());
    assert_eq!(lobbies[0]["racers"], json!([{"display_name": "Racer43"}]));
    let text = public.to_string();
    for secret in [RACER, GUILD, HOST, "\"id\"", "guild_id", "discord_id"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let (_, _, one) = get(&app, &format!("/api/lobbies/{done}"), false).await;
    assert_eq!(one["state"], "closed");
    assert!(!one.to_string().contains(RACER), "{one}");
    // Closed ones when asked, paged; an unknown state is refused.
    let (_, _, closed) = get(&app, "/api/lobbies?state=closed", false).await;
    assert_eq!(closed["lobbies"][0]["code"], done.as_str(), "{closed}");
    let (status, _, bogus) = get(&app, "/api/lobbies?state=bogus", false).await;
    assert_eq!(
        (status, bogus["error"].as_str()),
        (400, Some("invalid_state"))
    );
    let (_, _, first) = get(&app, "/api/lobbies?state=&limit=1", false).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let next = get(
        &app,
        &format!("/api/lobbies?limit=1&cursor={cursor}"),
        false,
    )
    .await;
    assert_eq!(next.2["lobbies"].as_array().unwrap().len(), 0, "{}", next.2);
    // Admin: every state, guild and Discord ids, filters; the bearer is required.
    assert_eq!(get(&app, "/api/admin/lobbies", false).await.0, 401);
    let (_, headers, all) = get(&app, "/api/admin/lobbies", true).await;
    assert_eq!(headers.get("Cache-Control").unwrap(), "no-store");
    assert_eq!(all["lobbies"].as_array().unwrap().len(), 2, "{all}");
    assert_eq!(all["lobbies"][0]["guild_id"], GUILD);
    assert_eq!(all["lobbies"][0]["racers"][0]["discord_id"], RACER);
    let (_, _, closed) = get(&app, "/api/admin/lobbies?state=closed", true).await;
    assert_eq!(closed["lobbies"].as_array().unwrap().len(), 1);
    let (_, _, other) = get(&app, "/api/admin/lobbies?guild=1999", true).await;
    assert_eq!(other["lobbies"], json!([]));
    let (_, _, full) = get(&app, &format!("/api/admin/lobbies/{racing}"), true).await;
    assert_eq!(full["racers"][0]["discord_id"], RACER, "{full}");
}
on_both_engines!(lobby_lists_show_names_publicly_and_everything_to_admins);

async fn every_answer_carries_the_headers_and_every_error_is_json(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Headers").await;
    for path in [
        format!("/overlay/{code}"),
        "/api/lobbies".to_owned(),
        "/no/such/%3Cscript%3E".to_owned(),
    ] {
        let (_, headers, _) = get(&app, &path, false).await;
        let csp = headers.get("Content-Security-Policy").expect(&path);
        assert!(csp.to_str().unwrap().starts_with("default-src 'self'"));
        assert_eq!(headers.get("X-Content-Type-Options").unwrap(), "nosniff");
        assert_eq!(headers.get("Referrer-Policy").unwrap(), "no-referrer");
    }
    let (status, _, missing) = get(&app, "/no/such/%3Cscript%3E", false).await;
    assert_eq!(
        (status, missing["error"].as_str()),
        (404, Some("not_found"))
    );
    assert!(!missing.to_string().contains("script"), "{missing}");
    let (status, _, lobby) = get(&app, "/api/lobbies/ZZZZ%3Cb%3E", false).await;
    assert_eq!(status, 404);
    let text = lobby.to_string();
    assert!(!text.contains("<b>") && !text.contains("ZZZZ"), "{text}");
    // A body over the limit answers in the JSON format too.
    let auth = [("Authorization", format!("Bearer {ADMIN_TOKEN}"))];
    let huge = vec![b' '; 300 * 1024];
    let (status, large) = post(&app, "/api/admin/payouts", huge, &auth).await;
    assert_eq!(
        (status, large["error"].as_str()),
        (413, Some("body_too_large"))
    );
}
on_both_engines!(every_answer_carries_the_headers_and_every_error_is_json);

async fn user_text_cannot_format_or_link_in_discord(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let name = "[Free Nitro](https://evil.example/claim)";
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    let card = command(&app, "lobby", options, HOST, false).await;
    let shown = card.to_string();
    assert!(!shown.contains("[Free Nitro]("), "{shown}");
    let content = card["content"].as_str().unwrap();
    assert!(
        content.contains(r"\[Free Nitro\]\(https://evil.example/claim\)"),
        "{content}"
    );
    let code = content.split('`').nth(1).unwrap().to_owned();
    // A racer named with markdown and a mention.
    let body = interaction(
        "join",
        json!([option("lobby", &code)]),
        RACER,
        "**Bold** @everyone `x`",
        false,
    );
    let (_, joined) = discord(&app, body).await;
    let text = joined["data"]["content"].as_str().unwrap();
    assert!(text.contains(r"\*\*Bold\*\*"), "{text}");
    assert!(text.contains("@\u{200b}everyone"), "{text}");
    assert!(text.contains(r"\`x\`"), "{text}");
    // Names that are no names are refused and create nothing.
    for bad in ["x".repeat(41), "bell\u{7}".to_owned()] {
        let options = json!([{"name": "create", "type": 1, "options": [option("name", &bad)]}]);
        let refused = command(&app, "lobby", options, HOST, false).await;
        assert!(is_ephemeral(&refused), "{refused}");
    }
    assert_eq!(lobby_count(&app).await, 1);
}
on_both_engines!(user_text_cannot_format_or_link_in_discord);

/// A websocket to `path` from the local address `from` (any of 127.0.0.0/8).
async fn socket_from(app: &TestApp, from: IpAddr, path: &str) -> Result<Socket, u16> {
    crate::overlay::try_socket(app, Some(from), path).await
}

async fn a_follow_socket_flood_never_shuts_out_a_real_overlay(engine: Engine) {
    let limits = "[overlay]\nmax_clients_per_lobby = 40\nmax_clients_per_address = 50";
    let app = spawn_app(engine, &full_config(limits)).await;
    let code = create_lobby(&app, "Streamed").await;
    // 200 sockets following hosts that have no lobby, 50 from each of 4 addresses.
    let mut flood = Vec::new();
    for n in 0..200u64 {
        let from: IpAddr = format!("127.0.0.{}", 2 + n / 50).parse().unwrap();
        let path = format!("/ws/hosts/{}", 1_700_000_000_000_000_000 + n);
        flood.push(
            socket_from(&app, from, &path)
                .await
                .expect("each host has room"),
        );
    }
    let flooded: IpAddr = "127.0.0.2".parse().unwrap();
    assert_eq!(
        socket_from(&app, flooded, "/ws/hosts/1").await.err(),
        Some(503)
    );
    // The real streamer, from an address of its own, gets every kind of socket.
    let streamer: IpAddr = "127.0.0.9".parse().unwrap();
    for path in [
        format!("/ws/hosts/{HOST}"),
        format!("/ws/channels/{CHANNEL}"),
        format!("/ws/lobbies/{code}"),
    ] {
        let mut socket = socket_from(&app, streamer, &path).await.expect(&path);
        let frame = crate::overlay::next_frame(&mut socket).await;
        assert!(
            frame["type"] == "snapshot" || frame["type"] == "lobby_changed",
            "{frame}"
        );
    }
    // One host's followers have the lobby cap of their own.
    let mut followers = Vec::new();
    for n in 0..40 {
        let from: IpAddr = format!("127.0.1.{}", 1 + n % 20).parse().unwrap();
        followers.push(
            socket_from(&app, from, "/ws/hosts/1800000000000000001")
                .await
                .unwrap(),
        );
    }
    let more = socket_from(&app, streamer, "/ws/hosts/1800000000000000001").await;
    assert_eq!(more.err(), Some(503));
}
on_both_engines!(a_follow_socket_flood_never_shuts_out_a_real_overlay);
