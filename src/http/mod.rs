//! HTTP routes. Handlers parse at the edge and talk to actors; `error` maps every
//! error to a status and a JSON body in one place.

mod admin;
mod discord;
mod error;
mod extract;
mod headers;
mod health;
mod home;
mod lobbies;
mod methods;
mod webhooks;

pub use error::ApiError;
pub use extract::{lobby, BODY_MAX_BYTES};
pub use headers::{secure, CONTENT_SECURITY_POLICY};
pub use methods::{fallback, head_as_get};

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::home))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route(
            "/discord/interactions",
            web::post().to(discord::interactions),
        )
        .route(
            "/webhooks/{provider}/{shop}",
            web::post().to(webhooks::receive),
        )
        .route("/api/lobbies", web::get().to(lobbies::list))
        .route("/api/lobbies/{lobby}", web::get().to(lobbies::one))
        .route("/api/admin/lobbies", web::get().to(lobbies::admin_list))
        .route(
            "/api/admin/lobbies/{lobby}",
            web::get().to(lobbies::admin_one),
        )
        .route(
            "/api/admin/racers/{discord_id}",
            web::get().to(admin::racer),
        )
        .route("/api/admin/sales", web::get().to(admin::sales))
        .route(
            "/api/admin/ledger/verify",
            web::get().to(admin::ledger_verify),
        )
        .route("/api/admin/payouts", web::post().to(admin::payout))
        .route("/api/admin/export", web::get().to(admin::export))
        .route(
            "/api/admin/lobbies/{lobby}/discount-codes",
            web::post().to(admin::discount_code),
        );
}
