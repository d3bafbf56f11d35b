//! Operator API under `/api/admin`, behind the configured bearer token (off when
//! `admin.token` is empty): racers, sales, ledger verify, payouts, CSV export,
//! and Shopify discount codes registered to lobbies.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::ledger::{read, verify, PayoutMethod, PayoutRequest};
use crate::lobby::store;
use crate::money::{Currency, Money};
use crate::startup::AppState;

/// Allocations shown per racer.
const RACER_ALLOCATIONS: u64 = 50;
/// Default and largest page of `GET /api/admin/sales`.
const SALES_DEFAULT: u64 = 100;

fn authorize(state: &AppState, request: &HttpRequest) -> Result<(), ApiError> {
    let Some(token) = &state.config.admin_token else {
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
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &request)?;
    let discord_id = path.into_inner();
    let balances = read::balances(&state.db, &discord_id).await?;
    let allocations = read::recent_allocations(&state.db, &discord_id, RACER_ALLOCATIONS).await?;
    Ok(HttpResponse::Ok().json(json!({
        "discord_id": discord_id, "balances": balances, "allocations": allocations,
    })))
}

#[derive(Deserialize)]
pub struct SalesQuery {
    lobby: Option<String>,
    limit: Option<u64>,
}

pub async fn sales(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<SalesQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &request)?;
    let lobby_id = match query.lobby.as_deref().filter(|l| !l.is_empty()) {
        Some(key) => Some(
            state
                .lobbies
                .find(key)
                .ok_or_else(|| ApiError::NotFound(format!("no lobby {key:?}")))?
                .id,
        ),
        None => None,
    };
    let limit = query.limit.unwrap_or(SALES_DEFAULT);
    let sales = read::sales(&state.db, lobby_id, limit).await?;
    Ok(HttpResponse::Ok().json(json!({ "sales": sales })))
}

pub async fn ledger_verify(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &request)?;
    let report = verify::verify(&state.db).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize)]
pub struct PayoutBody {
    discord_id: String,
    amount: String,
    currency: String,
    method: Option<String>,
    note: Option<String>,
    #[serde(default)]
    force: bool,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code,
        message: message.into(),
    }
}

pub async fn payout(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &request)?;
    let body: PayoutBody = serde_json::from_slice(&body)
        .map_err(|e| bad("malformed_body", format!("expected a payout object: {e}")))?;
    let currency =
        Currency::parse(&body.currency).map_err(|e| bad("unknown_currency", e.to_string()))?;
    let amount =
        Money::parse(&body.amount, currency).map_err(|e| bad("invalid_amount", e.to_string()))?;
    let method = match body.method.as_deref() {
        None => PayoutMethod::Manual,
        Some(text) => PayoutMethod::parse(text).ok_or_else(|| {
            bad(
                "invalid_method",
                "method is gift_card, store_credit or manual",
            )
        })?,
    };
    let record = state
        .ledger
        .record_payout(PayoutRequest {
            discord_id: body.discord_id,
            amount,
            method,
            note: body.note,
            force: body.force,
            requested_by: "api".into(),
            threshold: state.config.commission.payout_threshold,
            at: state.clock.now(),
        })
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    year: i32,
}

pub async fn export(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &request)?;
    if !(2000..=9999).contains(&query.year) {
        return Err(bad("invalid_year", "year must be between 2000 and 9999"));
    }
    let csv = read::export_csv(&state.db, query.year).await?;
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
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &request)?;
    let body: DiscountBody = serde_json::from_slice(&body)
        .map_err(|e| bad("malformed_body", format!("expected {{\"code\": ...}}: {e}")))?;
    let key = path.into_inner();
    let lobby = state
        .lobbies
        .find(&key)
        .ok_or_else(|| ApiError::NotFound(format!("no lobby {key:?}")))?;
    let code = store::discount_code_key(&body.code);
    if code.is_empty() || code.len() > 64 {
        return Err(bad("invalid_code", "a discount code is 1 to 64 characters"));
    }
    store::register_discount_code(&state.db, &code, lobby.id).await?;
    Ok(HttpResponse::Ok().json(json!({"code": code, "lobby_id": lobby.id})))
}
