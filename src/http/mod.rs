//! HTTP routes. Handlers parse at the edge and talk to actors; `error` maps every
//! error to a status and a JSON body in one place.

mod discord;
mod error;
mod health;
mod lobbies;

pub use error::ApiError;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route(
            "/discord/interactions",
            web::post().to(discord::interactions),
        )
        .route("/api/lobbies", web::get().to(lobbies::list))
        .route("/api/lobbies/{lobby}", web::get().to(lobbies::one));
}
