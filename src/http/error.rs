//! The one place errors become HTTP answers: `{"error": code, "message": text}`.
//! A 5xx never shows internals; they go to the log instead.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::discord::VerifyError;
use crate::ledger::{LedgerError, PayoutRefusal};
use crate::payout::PayoutFormError;
use crate::webhooks::WebhookError;

/// Seconds a provider is asked to wait before retrying when we are saturated.
pub const RETRY_AFTER_SECONDS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Well-formed, but it cannot be carried out as asked (an idempotency key
    /// used before with another request).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// A provider we called (a shop's API) refused or did not answer; what it said
    /// is the message.
    #[error("{message}")]
    BadGateway { code: &'static str, message: String },
    #[error("request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("server is busy; retry later")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unprocessable { code, .. }
            | ApiError::BadGateway { code, .. }
            | ApiError::Unauthorized { code, .. } => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::TooLarge(_) => "body_too_large",
            ApiError::Busy => "overloaded",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::Saturated | LedgerError::Stopped | LedgerError::TimedOut => ApiError::Busy,
            LedgerError::Database(text) => ApiError::Internal(text),
            LedgerError::Money(e) => ApiError::BadRequest {
                code: "invalid_amount",
                message: e.to_string(),
            },
            LedgerError::Payout(refusal @ PayoutRefusal::KeyReused) => ApiError::Unprocessable {
                code: refusal.code(),
                message: refusal.to_string(),
            },
            LedgerError::Payout(refusal) => ApiError::Conflict {
                code: refusal.code(),
                message: refusal.to_string(),
            },
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        let (code, message) = (error.code(), error.to_string());
        match error {
            WebhookError::BadSignature(_) | WebhookError::StaleTimestamp => {
                ApiError::Unauthorized { code, message }
            }
            WebhookError::Malformed(_)
            | WebhookError::MissingField(_)
            | WebhookError::InvalidAmount(_)
            | WebhookError::UnknownCurrency(_) => ApiError::BadRequest { code, message },
        }
    }
}

impl From<VerifyError> for ApiError {
    /// Every refused interaction is a 401: Discord probes with bad signatures and
    /// expects exactly that.
    fn from(error: VerifyError) -> Self {
        let message = match &error {
            VerifyError::TimestampNotSeconds | VerifyError::StaleTimestamp { .. } => {
                format!("stale request: {error}")
            }
            _ => format!("invalid request signature: {error}"),
        };
        ApiError::Unauthorized {
            code: error.code(),
            message,
        }
    }
}

impl From<crate::credit::CreditRefusal> for ApiError {
    fn from(refusal: crate::credit::CreditRefusal) -> Self {
        use crate::credit::CreditRefusal;
        let (code, message) = (refusal.code(), refusal.to_string());
        match refusal {
            CreditRefusal::ShopUnavailable { .. } => ApiError::BadGateway { code, message },
            _ => ApiError::Conflict { code, message },
        }
    }
}

impl From<PayoutFormError> for ApiError {
    fn from(error: PayoutFormError) -> Self {
        ApiError::BadRequest {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadGateway { .. } => StatusCode::BAD_GATEWAY,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(detail) => {
                tracing::error!(?detail, "internal error");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Busy) {
            response.insert_header(("Retry-After", RETRY_AFTER_SECONDS.to_string()));
        }
        response.json(json!({"error": self.code(), "message": message}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_errors_map_to_401_or_400() {
        let cases = [
            (WebhookError::BadSignature("x"), 401),
            (WebhookError::StaleTimestamp, 401),
            (WebhookError::Malformed("x".into()), 400),
            (WebhookError::MissingField("id"), 400),
            (WebhookError::InvalidAmount("0".into()), 400),
            (WebhookError::UnknownCurrency("xyz".into()), 400),
        ];
        for (error, status) in cases {
            let code = error.code();
            let answer = ApiError::from(error);
            assert_eq!(answer.status_code().as_u16(), status, "{code}");
            assert_eq!(answer.code(), code);
        }
    }

    #[test]
    fn interaction_refusals_are_401_with_their_code() {
        let cases = [
            (VerifyError::BadSignature, "bad_signature"),
            (VerifyError::MissingTimestamp, "bad_signature"),
            (
                VerifyError::StaleTimestamp { seconds: 301 },
                "stale_timestamp",
            ),
            (VerifyError::TimestampNotSeconds, "stale_timestamp"),
        ];
        for (error, code) in cases {
            let answer = ApiError::from(error);
            assert_eq!(answer.status_code(), StatusCode::UNAUTHORIZED);
            assert_eq!(answer.code(), code);
        }
    }

    #[test]
    fn busy_answers_carry_retry_after() {
        let response = ApiError::from(LedgerError::Saturated).error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key("Retry-After"));
    }
}
