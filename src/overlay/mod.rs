//! The live overlay: the OBS page (from `overlay-client/`, compiled into the
//! binary), its QR code, the websocket protocol, and one websocket session actor
//! per connection.

pub mod admission;
pub mod protocol;
mod session;

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;

use crate::http::{lobby, ApiError};
use crate::services::Services;
pub use session::{OverlaySession, CLIENT_BUFFER_FRAMES, CLIENT_TIMEOUT, HEARTBEAT_INTERVAL};

const INDEX_HTML: &str = include_str!("../../overlay-client/index.html");
const OVERLAY_JS: &str = include_str!("../../overlay-client/overlay.js");
const OVERLAY_CSS: &str = include_str!("../../overlay-client/overlay.css");

/// Ids of websocket sessions, unique within the process.
static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/overlay/{lobby}", web::get().to(page))
        .route("/overlay/{lobby}/qr.svg", web::get().to(qr))
        .route("/overlay-assets/overlay.js", web::get().to(script))
        .route("/overlay-assets/overlay.css", web::get().to(style))
        .route("/ws/lobbies/{lobby}", web::get().to(socket));
}

async fn page(
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    lobby(&services.lobbies, &path)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML))
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(OVERLAY_JS)
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(OVERLAY_CSS)
}

/// The lobby's checkout link as a QR code (404 when no shop has a checkout URL).
async fn qr(
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entry = lobby(&services.lobbies, &path)?;
    let url = services
        .lobbies
        .checkout_url(entry.guild_id.as_deref(), &entry.code)
        .ok_or_else(|| ApiError::NotFound("no shop has a checkout_url".into()))?;
    let code =
        qrcode::QrCode::new(url.as_bytes()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "max-age=300"))
        .body(svg))
}

/// Upgrades to the overlay websocket; an unknown lobby is a 404 and a lobby or
/// address over its limit a 503 (with `Retry-After`), both before upgrading.
async fn socket(
    services: web::Data<Services>,
    path: web::Path<String>,
    request: HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let entry = lobby(&services.lobbies, &path)?;
    let address = request.peer_addr().map(|a| a.ip());
    let ticket = services
        .overlay_admission
        .admit(entry.id, address)
        .map_err(|refused| {
            tracing::warn!(lobby = entry.id, ?address, %refused, "overlay socket refused");
            ApiError::Busy
        })?;
    let id = NEXT_SESSION.fetch_add(1, Ordering::Relaxed);
    ws::start(
        OverlaySession::new(id, entry.id, entry.addr, ticket),
        &request,
        stream,
    )
}
