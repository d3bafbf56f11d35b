//! Links the server prints follow the port actually bound while `http.public_url`
//! is left at its default; the demo runs on a database of its own.

use cozykart::config::Config;
use serde_json::json;

use crate::helpers::{spawn_app, Engine};
use crate::signing::{command, full_config, option, HOST};

#[actix_web::test]
async fn demo_runs_on_its_own_database_and_links_to_its_port() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let configured = dir.path().join("community.db");
    let config = Config::from_toml(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[database]\nurl = \"sqlite://{}?mode=rwc\"",
        configured.display()
    ))
    .expect("demo configuration");
    let demo = cozykart::demo::start(config).await.expect("demo starts");
    let port = demo.app.port();
    let prefix = format!("http://127.0.0.1:{port}/overlay/");
    assert!(
        demo.overlay_url.starts_with(&prefix),
        "{}",
        demo.overlay_url
    );
    let own_database = demo.database_path();
    assert!(own_database.exists(), "{}", own_database.display());
    assert!(!own_database.starts_with(dir.path()));

    let (services, handle) = (demo.app.services(), demo.app.handle());
    let overlay_url = demo.overlay_url.clone();
    let running = actix_web::rt::spawn(demo.run_until_stopped());
    let response = awc::Client::default()
        .get(&overlay_url)
        .send()
        .await
        .expect("overlay answers");
    assert_eq!(response.status().as_u16(), 200, "{overlay_url}");
    cozykart::startup::stop_gracefully(&services, &handle).await;
    running
        .await
        .expect("demo task")
        .expect("demo stops cleanly");

    assert!(!configured.exists(), "database.url was opened");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(!own_database.exists(), "the demo's database outlived it");
}

async fn lobby_create_links_the_overlay_on_the_bound_port(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let options = json!([{"name": "create", "type": 1, "options": [option("name", "Port Cup")]}]);
    let data = command(&app, "lobby", options, HOST, false).await;
    let text = data["content"].as_str().unwrap();
    let code = text.split('`').nth(1).expect("code in reply");
    // The lobby card shows the overlay link in a field of its own.
    let overlay = data["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Overlay")
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no overlay link on the card: {data}"));
    assert_eq!(overlay, format!("{}/overlay/{code}", app.address));
    assert!(!overlay.contains(":8080"), "{overlay}");
}
crate::on_both_engines!(lobby_create_links_the_overlay_on_the_bound_port);

#[actix_web::test]
async fn every_link_the_demo_prints_answers_200() {
    let config = Config::from_toml("[http]\nbind = \"127.0.0.1:0\"").expect("demo configuration");
    let demo = cozykart::demo::start(config).await.expect("demo starts");
    let links = demo.links.clone();
    let kinds: Vec<&str> = links.iter().map(|(what, _)| *what).collect();
    for kind in ["lobby", "host", "channel", "racer", "settings"] {
        assert!(
            kinds.iter().any(|k| k.starts_with(kind)),
            "no {kind} link in {kinds:?}"
        );
    }
    let (services, handle) = (demo.app.services(), demo.app.handle());
    let running = actix_web::rt::spawn(demo.run_until_stopped());
    for (what, url) in &links {
        let response = awc::Client::default().get(url).send().await;
        assert!(
            matches!(response, Ok(ref r) if r.status() == 200),
            "{what} {url}: {response:?}"
        );
    }
    // The race is live with its goal and racers, under Discord-style ids.
    let code = links[0].1.rsplit('/').next().unwrap().to_owned();
    let lobby = services.lobbies.find_running(&code).expect("demo lobby");
    // Ids are Discord's by their type; the channel is there.
    assert!(lobby.host_id.get() > 0 && lobby.channel_id.is_some());
    let view = lobby.addr.send(cozykart::lobby::Snapshot).await.unwrap();
    assert!(view.goal.is_some(), "the demo race has a goal");
    let view = serde_json::to_value(view).unwrap();
    assert_eq!(view["state"], "open", "{view}");
    assert_eq!(view["racers"].as_array().map(Vec::len), Some(4), "{view}");
    cozykart::startup::stop_gracefully(&services, &handle).await;
    running
        .await
        .expect("demo task")
        .expect("demo stops cleanly");
}
