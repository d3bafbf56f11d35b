//! Probes and metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::services::Services;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    if crate::db::ping(&services.db).await {
        HttpResponse::Ok().json(json!({"status": "ready"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "database unavailable"}))
    }
}

pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::telemetry::metrics().render())
}
