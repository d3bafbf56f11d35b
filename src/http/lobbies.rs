//! Public lobby API: `GET /api/lobbies` and `GET /api/lobbies/{id-or-code}`.

use actix_web::{web, HttpResponse};
use sea_orm::ActiveEnum;
use serde::Deserialize;
use serde_json::json;

use super::extract::lobby;
use super::ApiError;
use crate::lobby::{LobbyView, Snapshot};
use crate::services::Services;

#[derive(Deserialize)]
pub struct ListQuery {
    /// `idle`, `open` or `closed`: only lobbies in that state.
    state: Option<String>,
}

pub async fn list(
    services: web::Data<Services>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let snapshots = services
        .lobbies
        .all()
        .into_iter()
        .map(|entry| async move { entry.addr.send(Snapshot).await });
    let mut lobbies: Vec<LobbyView> = futures_util::future::join_all(snapshots)
        .await
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    if let Some(wanted) = query.state.as_deref() {
        lobbies.retain(|l| l.state.to_value() == wanted);
    }
    Ok(HttpResponse::Ok().json(json!({ "lobbies": lobbies })))
}

pub async fn one(
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = path.into_inner();
    let entry = lobby(&services.lobbies, &key)?;
    let view = entry
        .addr
        .send(Snapshot)
        .await
        .map_err(|_| ApiError::Busy)?;
    Ok(HttpResponse::Ok().json(view))
}
