//! `POST /discord/interactions`: Ed25519-verified, fresh slash commands, each run at
//! most once and answered inline.

use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{bounded_body, header};
use super::ApiError;
use crate::commands::once::{answer, Delivered};
use crate::discord::{autocomplete_body, parse_incoming, pong_body, Incoming, Reply};
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
    verifier.verify_fresh(
        header(&request, "X-Signature-Ed25519"),
        header(&request, "X-Signature-Timestamp"),
        &body,
        services.clock.now(),
    )?;
    let admin_role = services.config.discord.admin_role.as_deref();
    let delivery = parse_incoming(&body, admin_role).map_err(|e| ApiError::BadRequest {
        code: "malformed_body",
        message: format!("not a Discord interaction: {e}"),
    })?;
    match &delivery.incoming {
        Incoming::Ping => return Ok(HttpResponse::Ok().json(pong_body())),
        // Suggestions change nothing: answered every time, never claimed.
        Incoming::Autocomplete {
            guild_id,
            option,
            typed,
        } => {
            let choices = crate::commands::suggest(&services, *guild_id, option, typed).await;
            return Ok(HttpResponse::Ok().json(autocomplete_body(&choices)));
        }
        _ => {}
    }
    let locale = delivery.locale;
    let answer = match delivery.incoming {
        Incoming::Command(caller, command) => {
            answer(&services, delivery.id, caller, command).await?
        }
        // Refusals change nothing and read the same every time: never claimed.
        Incoming::Refused(reply) => Delivered::First(reply),
        Incoming::Ping | Incoming::Autocomplete { .. } | Incoming::Unsupported => {
            let text = locale.t("interaction-unsupported", &[]);
            Delivered::First(Reply::refusal(text))
        }
    };
    Ok(HttpResponse::Ok().json(answer.http_body(locale)))
}
