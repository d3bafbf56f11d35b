//! What a person or an uptime checker meets at the server's address: `GET /` is
//! a page saying what it is, `HEAD` answers wherever `GET` does, and a wrong
//! method is a 405 in the JSON error format, on every kind of route.

use serde_json::Value;

use crate::helpers::{spawn_app, Engine};
use crate::signing::full_config;

#[actix_web::test]
async fn the_root_is_a_page_with_health_and_overlay_links() {
    let app = spawn_app(Engine::Sqlite, "").await;
    let lobby = app
        .state
        .lobbies
        .create(
            None,
            None,
            "402938475610293847".parse().unwrap(),
            "Root Cup",
            app.clock.now(),
        )
        .await
        .expect("lobby");
    let mut response = app.client().get(&app.address).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get("content-type").unwrap();
    assert!(content_type.to_str().unwrap().starts_with("text/html"));
    let page = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    for link in [
        "href=\"/healthz\"",
        "href=\"/readyz\"",
        "href=\"/api/lobbies\"",
        &format!("href=\"/overlay/{}\"", lobby.code),
    ] {
        assert!(page.contains(link), "{link} missing from:\n{page}");
    }
    assert!(page.contains("Cozy-Kart server"), "{page}");
    // Nothing inline, so a `default-src 'self'` policy holds.
    assert!(!page.contains("<script") && !page.contains("<style") && !page.contains("style="));
}

#[actix_web::test]
async fn head_answers_wherever_get_does_without_a_body() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    let lobby = app
        .state
        .lobbies
        .create(
            None,
            None,
            "402938475610293847".parse().unwrap(),
            "Head Cup",
            app.clock.now(),
        )
        .await
        .expect("lobby");
    let code = &lobby.code;
    for path in [
        "/".to_owned(),
        "/healthz".to_owned(),
        "/readyz".to_owned(),
        "/metrics".to_owned(),
        "/api/lobbies".to_owned(),
        format!("/api/lobbies/{code}"),
        format!("/overlay/{code}"),
        format!("/overlay/{code}/setup"),
        "/overlay/host/402938475610293847".to_owned(),
        "/overlay-assets/overlay.js".to_owned(),
    ] {
        let url = format!("{}{path}", app.address);
        let get = app.client().get(&url).send().await.unwrap();
        let mut head = app.client().head(&url).send().await.unwrap();
        assert_eq!(get.status(), 200, "GET {path}");
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        let body = head.body().await.unwrap();
        assert!(body.is_empty(), "HEAD {path} carried a body");
    }
    // HEAD on a missing lobby is the same 404 as GET.
    let missing = format!("{}/api/lobbies/NOPE9", app.address);
    assert_eq!(
        app.client().head(&missing).send().await.unwrap().status(),
        404
    );
}

#[actix_web::test]
async fn a_wrong_method_is_405_with_the_json_error() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    let lobby = app
        .state
        .lobbies
        .create(
            None,
            None,
            "402938475610293847".parse().unwrap(),
            "Method Cup",
            app.clock.now(),
        )
        .await
        .expect("lobby");
    let code = &lobby.code;
    let client = app.client();
    let cases = [
        ("POST", "/healthz".to_owned()),
        ("POST", "/".to_owned()),
        ("DELETE", "/api/lobbies".to_owned()),
        ("PUT", format!("/api/lobbies/{code}")),
        ("POST", format!("/overlay/{code}")),
        ("POST", "/overlay/channel/402938475610299001".to_owned()),
        ("POST", format!("/ws/lobbies/{code}")),
        ("GET", "/webhooks/stripe/main".to_owned()),
        ("GET", "/discord/interactions".to_owned()),
        ("DELETE", "/api/admin/payouts".to_owned()),
    ];
    for (method, path) in cases {
        let url = format!("{}{path}", app.address);
        let request = client.request(method.parse().unwrap(), &url);
        let mut response = request.send().await.unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"], "method_not_allowed",
            "{method} {path}: {body}"
        );
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // A path nobody serves stays a 404, in the same format.
    let mut missing = client
        .post(format!("{}/nowhere", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}
