//! What handlers take from a request before anything else: the raw body (bounded,
//! so that a refusal is the same JSON error everywhere), headers as text, and the
//! lobby that a `{lobby}` path segment names.

use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use super::ApiError;
use crate::lobby::registry::LobbyEntry;
use crate::lobby::LobbyRegistry;

/// Largest request body accepted anywhere; real order payloads and Discord
/// interactions are a few KiB.
pub const BODY_MAX_BYTES: usize = 256 * 1024;

/// Reads a request body of at most [`BODY_MAX_BYTES`]. Read here rather than by the
/// `Bytes` extractor, whose size-limit refusal is a plain-text 413 instead of the
/// JSON `413 body_too_large` every other answer is.
pub async fn bounded_body(mut payload: web::Payload) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            code: "malformed_body",
            message: format!("could not read the body: {e}"),
        })?;
        if body.len() + chunk.len() > BODY_MAX_BYTES {
            return Err(ApiError::TooLarge(BODY_MAX_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A header's value as text, also found without an `X-` prefix (Shopify's newer
/// deliveries drop it); `None` when absent or not visible ASCII.
pub fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    let headers = request.headers();
    headers
        .get(name)
        .or_else(|| name.strip_prefix("X-").and_then(|bare| headers.get(bare)))
        .and_then(|v| v.to_str().ok())
}

/// The lobby a path segment names (id or code), started if it was at rest, or
/// the JSON 404.
pub async fn lobby(lobbies: &LobbyRegistry, key: &str) -> Result<LobbyEntry, ApiError> {
    lobbies
        .find(key)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .ok_or_else(|| ApiError::NotFound("no such lobby".into()))
}
