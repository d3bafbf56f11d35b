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
    let ready = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
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
