//! `POST /discord/interactions`: Ed25519-verified slash commands, answered inline.

use actix_web::{web, HttpRequest, HttpResponse};

use super::ApiError;
use crate::discord::{parse_incoming, pong_body, Incoming, Reply};
use crate::startup::AppState;

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

pub async fn interactions(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some(verifier) = &state.verifier else {
        return Err(ApiError::NotFound(
            "the interactions endpoint is off (discord.public_key is empty)".into(),
        ));
    };
    // Read here rather than by the `Bytes` extractor, whose size-limit refusal is a
    // plain-text 413 instead of the JSON error every other answer is.
    let body = super::webhooks::read_body(payload).await?;
    verifier
        .verify(
            header(&request, "X-Signature-Ed25519"),
            header(&request, "X-Signature-Timestamp"),
            &body,
        )
        .map_err(|e| ApiError::Unauthorized {
            code: "bad_signature",
            message: format!("invalid request signature: {e}"),
        })?;
    let admin_role = state.config.discord.admin_role.as_deref();
    let incoming = parse_incoming(&body, admin_role).map_err(|e| ApiError::BadRequest {
        code: "malformed_body",
        message: format!("not a Discord interaction: {e}"),
    })?;
    let reply = match incoming {
        Incoming::Ping => return Ok(HttpResponse::Ok().json(pong_body())),
        Incoming::Command(caller, command) => {
            crate::commands::execute(&state, caller, command).await
        }
        Incoming::Refused(reply) => reply,
        Incoming::Unsupported => Reply::refusal("This interaction is not supported."),
    };
    Ok(HttpResponse::Ok().json(reply.http_body()))
}
