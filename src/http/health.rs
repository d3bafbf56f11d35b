//! Probes and metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::services::Services;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers and the ledger actor answers within its
/// deadline (a stopped actor is restarted by the check; the next probe says so).
pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let (database, ledger) =
        futures_util::future::join(crate::db::ping(&services.db), services.ledger.is_up()).await;
    let body = json!({
        "status": if database && ledger { "ready" } else { "unavailable" },
        "database": if database { "up" } else { "down" },
        "ledger": if ledger { "up" } else { "down" },
    });
    if database && ledger {
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
