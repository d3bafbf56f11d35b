//! `POST /discord/interactions`: Ed25519-verified slash commands, answered inline.

use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{bounded_body, header};
use super::ApiError;
use crate::discord::{parse_incoming, pong_body, Incoming, Reply};
use crate::services::Services;

pub async fn interactions(
    services: web::Data<Services>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Some(verifier) = &services.verifier else {
        return Err(ApiError::NotFound(
            "the interactions endpoint is off (discord.public_key is empty)".into(),
        ));
    };
    let body = bounded_body(payload).await?;
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
    let admin_role = services.config.discord.admin_role.as_deref();
    let incoming = parse_incoming(&body, admin_role).map_err(|e| ApiError::BadRequest {
        code: "malformed_body",
        message: format!("not a Discord interaction: {e}"),
    })?;
    let reply = match incoming {
        Incoming::Ping => return Ok(HttpResponse::Ok().json(pong_body())),
        Incoming::Command(caller, command) => {
            crate::commands::execute(&services, caller, command).await
        }
        Incoming::Refused(reply) => reply,
        Incoming::Unsupported => Reply::refusal("This interaction is not supported."),
    };
    Ok(HttpResponse::Ok().json(reply.http_body()))
}
