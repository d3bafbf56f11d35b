use crate::helpers::{spawn_app, Engine};
use crate::on_both_engines;

async fn probes_answer(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let client = app.client();
    let mut health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));
    let mut ready = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    // No bot token here: the gateway is reported off, with why, and not required.
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["gateway"]["state"], "off", "{body}");
    assert!(
        body["gateway"]["why"]
            .as_str()
            .unwrap()
            .contains("bot_token"),
        "{body}"
    );
    // A fresh server lists every series before its first webhook or batch.
    let mut metrics = client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = String::from_utf8(metrics.body().await.unwrap().to_vec()).unwrap();
    for series in [
        "cozykart_webhooks_total{provider=\"stripe\",outcome=\"recorded\"}",
        "cozykart_webhooks_total{provider=\"shopify\",outcome=\"bad_signature\"}",
        "cozykart_ledger_batch_size_count",
        "cozykart_ledger_commit_seconds_count",
        "cozykart_open_lobbies",
        "cozykart_websocket_clients",
    ] {
        assert!(text.contains(series), "{series} missing:\n{text}");
    }
}
on_both_engines!(probes_answer);

async fn a_stopped_ledger_says_so_and_comes_back(engine: Engine) {
    use crate::signing::{full_config, post_stripe, stripe_checkout};
    let app = spawn_app(engine, &full_config("")).await;
    let ready = |app: &crate::helpers::TestApp| {
        let request = app.client().get(format!("{}/readyz", app.address));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ready(&app).await, 200);
    app.state.ledger.halt().await;
    assert_eq!(ready(&app).await, 503);
    // The probe started a new ledger actor: the next one is ready again.
    assert_eq!(ready(&app).await, 200);
    // A webhook that reaches a stopped ledger is told to come back, not lost.
    app.state.ledger.halt().await;
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout("evt_down", "pi_down", 1000, "usd", now, None);
    let (status, answer) = post_stripe(&app, sale.clone()).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (503, Some("overloaded")),
        "{answer}"
    );
    let (status, answer) = post_stripe(&app, sale).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("recorded")),
        "{answer}"
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(a_stopped_ledger_says_so_and_comes_back);

/// A server stopped in a process that goes on (tests, the simulation's thousands of
/// restarts) lets go of everything it held: its services, and with them the
/// ledger's pool and thread and the lobbies' thread. (Tasks that held them kept
/// every stopped server alive, until a five-minute simulation ran out of files.)
async fn a_stopped_server_lets_go_of_its_services(engine: Engine) {
    let app = spawn_app(engine, &crate::signing::full_config("")).await;
    crate::signing::create_lobby(&app, "Cup").await;
    let services = std::sync::Arc::downgrade(&app.state.clone().into_inner());
    app.stop().await;
    for _ in 0..250 {
        if services.upgrade().is_none() {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the stopped server's services are still held");
}
on_both_engines!(a_stopped_server_lets_go_of_its_services);
