//! Probes and metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::services::Services;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers, the ledger actor answers within its
/// deadline (a stopped actor is restarted by the check; the next probe says so),
/// and, on PostgreSQL, the connection listening for other processes' lobby
/// changes is up.
pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let (database, ledger) =
        futures_util::future::join(crate::db::ping(&services.db), services.ledger.is_up()).await;
    let listening = services.lobbies.channel().listening();
    let ready = database && ledger && listening != Some(false);
    let mut body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": if database { "up" } else { "down" },
        "ledger": if ledger { "up" } else { "down" },
    });
    if let Some(listening) = listening {
        body["listener"] = json!(if listening { "up" } else { "down" });
    }
    // Reported, not required: interactions over HTTP work without the gateway.
    body["gateway"] = services.gateway.report();
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::telemetry::metrics().render())
}
