//! Operator API under `/api/admin`, behind the configured bearer token (off when
//! `admin.token` is empty): racers, sales, ledger verify, payouts, CSV export,
//! and Shopify discount codes registered to lobbies.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::extract::lobby;
use super::ApiError;
use crate::cashout::Paid;
use crate::domain::ids::{BadId, UserId};
use crate::ledger::read::Wallets;
use crate::ledger::{read, verify, PayoutRequest, Requester};
use crate::lobby::store;
use crate::payout::{api_idempotency_key, PayoutForm, PayoutFormError};
use crate::services::Services;

/// Allocations shown per racer.
const RACER_ALLOCATIONS: u64 = 50;
/// Default and largest page of `GET /api/admin/sales`.
const SALES_DEFAULT: u64 = 100;

pub(super) fn authorize(services: &Services, request: &HttpRequest) -> Result<(), ApiError> {
    let Some(token) = &services.config.admin_token else {
        return Err(ApiError::NotFound(
            "the admin API is off (admin.token is empty)".into(),
        ));
    };
    let given = request
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if given.as_bytes().ct_eq(token.as_bytes()).into() {
        Ok(())
    } else {
        Err(ApiError::Unauthorized {
            code: "unauthorized",
            message: "a valid bearer token is required".into(),
        })
    }
}

pub async fn racer(
    services: web::Data<Services>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize(&services, &request)?;
    let racer: UserId = path
        .parse()
        .map_err(|e: BadId| bad("invalid_discord_id", e.to_string()))?;
    let balances = read::balances(&services.db, racer, Wallets::Every).await?;
    let allocations =
        read::recent_allocations(&services.db, racer, Wallets::Every, RACER_ALLOCATIONS).await?;
    Ok(HttpResponse::Ok().json(json!({
        "discord_id": racer, "balances": balances, "allocations": allocations,
    })))
}

#[derive(Deserialize)]
pub struct SalesQuery {
    lobby: Option<String>,
    limit: Option<u64>,
}

pub async fn sales(
    services: web::Data<Services>,
    request: HttpRequest,
    query: web::Query<SalesQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&services, &request)?;
    let lobby_id = match query.lobby.as_deref().filter(|l| !l.is_empty()) {
        Some(key) => Some(lobby(&services.lobbies, key).await?.id),
        None => None,
    };
    let limit = query.limit.unwrap_or(SALES_DEFAULT);
    let sales = read::sales(&services.db, lobby_id, limit).await?;
    Ok(HttpResponse::Ok().json(json!({ "sales": sales })))
}

pub async fn ledger_verify(
    services: web::Data<Services>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&services, &request)?;
    let report = verify::verify(&services.db).await?;
    Ok(HttpResponse::Ok().json(report))
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code,
        message: message.into(),
    }
}

/// `POST /api/admin/payouts`. With an `Idempotency-Key` header, a retry with the
/// same key answers the first payout again and pays nothing more.
pub async fn payout(
    services: web::Data<Services>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    authorize(&services, &request)?;
    let form: PayoutForm = serde_json::from_slice(&body)
        .map_err(|e| bad("malformed_body", format!("expected a payout object: {e}")))?;
    let key = idempotency_key(&request)?;
    let held = read::holdings(&services.db, form.racer()?).await?;
    let order = form.parse(&held)?;
    let route = crate::credit::choose(
        &services.credit,
        order.guild,
        order.method,
        order.shop.as_deref(),
        order.amount.currency(),
    )
    .await?;
    let request = PayoutRequest::new(
        order,
        Requester::Api,
        &services.config.commission.payout_thresholds,
        services.clock.now(),
        key,
    );
    match crate::cashout::pay(&services, request, route).await? {
        Paid::Recorded(record) | Paid::Issued(record) => Ok(HttpResponse::Ok().json(record)),
        // Still being issued (a retry while the first is in flight): accepted.
        Paid::InFlight(record) => Ok(HttpResponse::Accepted().json(record)),
        Paid::Released(record) => Err(ApiError::BadGateway {
            code: "provider_refused",
            message: format!(
                "{} did not issue it; nothing was paid: {}",
                record.shop.as_deref().unwrap_or("the shop"),
                record.failure.as_deref().unwrap_or("no reason given")
            ),
        }),
    }
}

/// The stored key of the request's `Idempotency-Key`, if it has one: any bytes,
/// read raw (a key outside ASCII is still a key); a second header is refused.
fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let mut values = request.headers().get_all("Idempotency-Key");
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(PayoutFormError::IdempotencyKey.into());
    }
    Ok(Some(api_idempotency_key(value.as_bytes())?))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    year: i32,
}

pub async fn export(
    services: web::Data<Services>,
    request: HttpRequest,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&services, &request)?;
    if !(2000..=9999).contains(&query.year) {
        return Err(bad("invalid_year", "year must be between 2000 and 9999"));
    }
    let csv = read::export_csv(&services.db, query.year).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"cozykart-payouts-{}.csv\"",
                query.year
            ),
        ))
        .body(csv))
}

#[derive(Deserialize)]
pub struct DiscountBody {
    code: String,
}

/// Registers a Shopify discount code to a lobby: sales using it are tagged to it.
pub async fn discount_code(
    services: web::Data<Services>,
    request: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    authorize(&services, &request)?;
    let body: DiscountBody = serde_json::from_slice(&body)
        .map_err(|e| bad("malformed_body", format!("expected {{\"code\": ...}}: {e}")))?;
    let key = path.into_inner();
    let lobby = lobby(&services.lobbies, &key).await?;
    let code = store::discount_code_key(&body.code);
    if code.is_empty() || code.len() > 64 {
        return Err(bad("invalid_code", "a discount code is 1 to 64 characters"));
    }
    store::register_discount_code(&services.db, &code, lobby.id).await?;
    Ok(HttpResponse::Ok().json(json!({"code": code, "lobby_id": lobby.id})))
}
