//! The live overlay: the OBS page (from `overlay-client/`, compiled into the
//! binary) for a lobby, a host or a channel, its settings page and QR code, the
//! websocket protocol, and one websocket session actor per connection.

pub mod admission;
mod assets;
mod i18n;
mod session;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;
use serde::Deserialize;

use crate::domain::ids::UserId;
use crate::http::{lobby, ApiError};
use crate::lobby::checkout_links::CheckoutLinks;
use crate::lobby::following::FollowKey;
use crate::services::Services;
use admission::{Admission, Place};
pub use session::{OverlaySession, CLIENT_BUFFER_FRAMES, CLIENT_TIMEOUT, HEARTBEAT_INTERVAL};
use session::{Target, Viewer};

/// Ids of websocket sessions, unique within the process.
static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/overlay/{kind:host|channel}/{id}",
        web::get().to(follow_page),
    )
    .route("/overlay/{lobby}", web::get().to(page))
    .route("/overlay/{lobby}/qr.svg", web::get().to(qr))
    .route("/overlay/{lobby}/setup", web::get().to(setup))
    .route("/ws/lobbies/{lobby}", web::get().to(socket))
    .route(
        "/ws/{kind:hosts|channels}/{id}",
        web::get().to(follow_socket),
    )
    .configure(assets::routes)
    .configure(i18n::routes);
}

/// The page of a lobby. An unknown or mistyped code is still a 404, but its
/// body is the page itself, which stays transparent while it has no lobby to
/// show: an error as JSON would go on stream.
async fn page(services: web::Data<Services>, path: web::Path<String>) -> HttpResponse {
    match lobby(&services.lobbies, &path).await {
        Ok(_) => assets::overlay_page(),
        Err(_) => assets::overlay_page_not_found(),
    }
}

/// The page for a host or a channel: served whether or not it runs a lobby yet,
/// so that a streamer can add the browser source before the first race.
async fn follow_page(path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (kind, id) = path.into_inner();
    follow_key(&kind, &id)?;
    Ok(assets::overlay_page())
}

async fn setup(
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    lobby(&services.lobbies, &path).await?;
    Ok(assets::setup_page())
}

/// `host`/`hosts` or `channel`/`channels` and a Discord id, else 404.
fn follow_key(kind: &str, id: &str) -> Result<FollowKey, ApiError> {
    let kind = kind.trim_end_matches('s');
    FollowKey::parse(kind, id)
        .ok_or_else(|| ApiError::NotFound(format!("no such {kind}: a Discord id is digits")))
}

/// The lobby's checkout link as a QR code (404 when no shop has a checkout URL).
async fn qr(
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let entry = lobby(&services.lobbies, &path).await?;
    let url = CheckoutLinks::new(&services.config.shops)
        .checkout_url(entry.guild_id, &entry.code)
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

/// `?racer={discord_id}`: a racer's own overlay, which adds their share.
#[derive(Deserialize)]
struct SocketQuery {
    racer: Option<String>,
}

impl SocketQuery {
    /// The racer's id, if given; anything but a Discord id is a 400.
    fn racer(self) -> Result<Option<UserId>, ApiError> {
        match self.racer.filter(|r| !r.is_empty()) {
            None => Ok(None),
            Some(id) => id.parse().map(Some).map_err(|_| ApiError::BadRequest {
                code: "invalid_racer",
                message: "racer must be a Discord user id".into(),
            }),
        }
    }
}

/// Upgrades to the overlay websocket; an unknown lobby is a 404 and a lobby or
/// address over its limit a 503 (with `Retry-After`), both before upgrading.
async fn socket(
    services: web::Data<Services>,
    admission: web::Data<Arc<Admission>>,
    path: web::Path<String>,
    query: web::Query<SocketQuery>,
    request: HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let entry = lobby(&services.lobbies, &path).await?;
    let viewer = viewer(
        &admission,
        &request,
        Place::Lobby(entry.id),
        query.into_inner(),
    )?;
    ws::start(
        OverlaySession::new(Target::Lobby(entry), viewer),
        &request,
        stream,
    )
}

/// The websocket of an overlay that follows a host or a channel: the lobby it
/// runs now, and each next one as it is created or its race starts.
async fn follow_socket(
    services: web::Data<Services>,
    admission: web::Data<Arc<Admission>>,
    path: web::Path<(String, String)>,
    query: web::Query<SocketQuery>,
    request: HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let (kind, id) = path.into_inner();
    let key = follow_key(&kind, &id)?;
    let following = services.lobbies.following().clone();
    // Counted under what it follows, whichever lobby that runs (or none yet).
    let place = Place::Followed(key);
    let viewer = viewer(&admission, &request, place, query.into_inner())?;
    ws::start(
        OverlaySession::new(Target::Follow(key, following), viewer),
        &request,
        stream,
    )
}

/// A new session's id, racer and place under the limits (503 when full).
fn viewer(
    admission: &Arc<Admission>,
    request: &HttpRequest,
    place: Place,
    query: SocketQuery,
) -> Result<Viewer, ApiError> {
    let racer = query.racer()?;
    let address = request.peer_addr().map(|a| a.ip());
    let ticket = admission.admit(place.clone(), address).map_err(|refused| {
        tracing::warn!(?place, ?address, %refused, "overlay socket refused");
        ApiError::Busy
    })?;
    Ok(Viewer {
        id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
        racer,
        ticket,
    })
}
