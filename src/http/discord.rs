//! `POST /discord/interactions`: Ed25519-verified, fresh slash commands, each run at
//! most once, answered inline, or deferred when the command outlasts its budget
//! (the app data [`DeferAfter`]) and shown later through the interaction's webhook.

use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{bounded_body, header};
use super::ApiError;
use crate::commands::deferral::{answer_within, Answered, DeferAfter};
use crate::commands::once::Delivered;
use crate::discord::{autocomplete_body, parse_incoming, pong_body, Delivery, Incoming, Reply};
use crate::services::Services;

pub async fn interactions(
    services: web::Data<Services>,
    budget: web::Data<DeferAfter>,
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
    let Delivery {
        id,
        hook,
        locale,
        incoming,
    } = delivery;
    let answer = match incoming {
        Incoming::Command(caller, command) => {
            let services = services.into_inner();
            match answer_within(&services, id, hook, caller, command, budget.0).await? {
                Answered::Now(delivered) => delivered.http_body(locale),
                Answered::Deferred(deferred) => {
                    let body = deferred.deferral().http_body();
                    // Handed to actix for the connection: the reply may now edit it.
                    deferred.sent();
                    body
                }
            }
        }
        // Refusals change nothing and read the same every time: never claimed.
        Incoming::Refused(reply) => Delivered::First(reply).http_body(locale),
        Incoming::Ping | Incoming::Autocomplete { .. } | Incoming::Unsupported => {
            let text = locale.t("interaction-unsupported", &[]);
            Delivered::First(Reply::refusal(text)).http_body(locale)
        }
    };
    Ok(HttpResponse::Ok().json(answer))
}
