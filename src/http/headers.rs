//! What every answer carries, set in one place: security headers (a
//! Content-Security-Policy that allows only this server, `nosniff`, no referrer),
//! `Cache-Control: no-store` on the admin API, and the JSON error format for
//! errors that actix-web itself answers (an unknown route, a body over the limit,
//! a query or path it could not read), whose bodies would otherwise be plain text.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use serde_json::json;

/// Pages (the overlay, its settings page, `/`) load scripts, styles, sounds and
/// sockets from this server only; images also from `data:` (the QR code); only
/// this server may frame them (the settings page's preview).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// Routes whose answers hold balances, payouts and Discord ids: never cached.
const ADMIN_PREFIX: &str = "/api/admin";

/// The middleware: runs the request, turns a plain-text error into the JSON error
/// format, and adds the headers.
pub async fn secure(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let admin = request.path().starts_with(ADMIN_PREFIX);
    // Handlers' and extractors' errors arrive as responses; only a middleware's
    // error would come as `Err`, and actix-web answers that itself.
    let mut response = next.call(request).await?.map_into_boxed_body();
    if needs_json_body(response.response()) {
        let status = response.status();
        response = response.map_body(|_, _| BoxBody::new(json_error(status)));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if admin {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// An error answer as actix-web writes it by itself: no body type, or plain text.
/// Ours are JSON, and a page meant for an error (the overlay's transparent page
/// for an unknown code, which OBS shows) keeps its HTML.
fn needs_json_body(response: &HttpResponse) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(kind) => kind
            .to_str()
            .is_ok_and(|kind| kind.starts_with("text/plain")),
    }
}

/// The JSON error body for a status that actix-web answered by itself. The text
/// is the status's own: nothing of the request (its path) is echoed.
fn json_error(status: StatusCode) -> String {
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => super::ApiError::TooLarge(0).code(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::SERVICE_UNAVAILABLE => super::ApiError::Busy.code(),
        s if s.is_server_error() => "internal",
        _ => "request_refused",
    };
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            super::ApiError::TooLarge(super::BODY_MAX_BYTES).to_string()
        }
        StatusCode::NOT_FOUND => "no such route".to_owned(),
        other => other
            .canonical_reason()
            .unwrap_or("request refused")
            .to_lowercase(),
    };
    json!({"error": code, "message": message}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    use actix_web::ResponseError;

    #[test]
    fn errors_actix_answers_become_json_without_the_request() {
        let body: serde_json::Value =
            serde_json::from_str(&json_error(StatusCode::PAYLOAD_TOO_LARGE)).unwrap();
        assert_eq!(body["error"], "body_too_large");
        let body: serde_json::Value =
            serde_json::from_str(&json_error(StatusCode::METHOD_NOT_ALLOWED)).unwrap();
        assert_eq!(body["error"], "method_not_allowed");
        assert_eq!(body["message"], "method not allowed");
        let ok = HttpResponse::Ok().body("fine");
        assert!(!needs_json_body(&ok));
        let plain = HttpResponse::NotFound().body("/some/path");
        assert!(needs_json_body(&plain));
        let page = HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body("<html></html>");
        assert!(!needs_json_body(&page));
        let ours = super::super::ApiError::NotFound("no such lobby".into()).error_response();
        assert!(!needs_json_body(&ours));
    }
}
