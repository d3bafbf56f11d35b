//! `POST /webhooks/{provider}/{shop}`: read the raw body (bounded), verify it with
//! the shop's secret, parse it into a sale or refund, hand it to the SalesRouter,
//! and answer only after the ledger committed. A rejected request records nothing.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::extract::{bounded_body, header};
use super::ApiError;
use crate::config::ShopConfig;
use crate::ledger::RefundOutcome;
use crate::router::{RouteRefund, RouteSale};
use crate::sale::{Provider, ShopEvent};
use crate::services::Services;
use crate::webhooks::{kofi, shopify, stripe, WebhookError};

/// Stripe's signature tolerance (its libraries' default).
pub const STRIPE_TOLERANCE_SECONDS: i64 = 300;

fn parse(
    services: &Services,
    shop: &ShopConfig,
    request: &HttpRequest,
    body: &[u8],
) -> Result<ShopEvent, WebhookError> {
    match shop.provider {
        Provider::Stripe => {
            stripe::verify_signature(
                body,
                header(request, "Stripe-Signature"),
                &shop.secrets,
                services.clock.now(),
                STRIPE_TOLERANCE_SECONDS,
            )?;
            stripe::parse(body, &shop.name)
        }
        Provider::Shopify => {
            let hmac = header(request, "X-Shopify-Hmac-Sha256");
            shopify::verify_signature(body, hmac, &shop.secrets)?;
            let headers = shopify::ShopifyHeaders {
                hmac,
                topic: header(request, "X-Shopify-Topic"),
            };
            shopify::parse(body, &headers, &shop.name)
        }
        Provider::Kofi => kofi::parse(body, &shop.secrets, &shop.kofi_types, &shop.name),
    }
}

pub async fn receive(
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (provider, shop_name) = path.into_inner();
    let result = handle(&services, &provider, &shop_name, &request, payload).await;
    let outcome = match &result {
        Ok((outcome, _)) => *outcome,
        Err(error) => error.code(),
    };
    count_and_log(&provider, &shop_name, outcome);
    result.map(|(_, body)| HttpResponse::Ok().json(body))
}

/// Counts and logs one delivery. The shop name comes from the request path, so it
/// is logged escaped (`?`): a name holding newlines or terminal escapes cannot
/// forge log lines; an unknown provider is logged as `unknown`, never as given.
fn count_and_log(provider: &str, shop_name: &str, outcome: &'static str) {
    let provider_label = Provider::parse(provider).map_or("unknown", Provider::as_str);
    metrics::counter!("cozykart_webhooks_total", "provider" => provider_label, "outcome" => outcome)
        .increment(1);
    tracing::info!(provider = provider_label, shop = ?shop_name, outcome, "webhook");
}

async fn handle(
    services: &Services,
    provider: &str,
    shop_name: &str,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<(&'static str, serde_json::Value), ApiError> {
    let shop = services
        .config
        .shops
        .get(shop_name)
        .filter(|shop| shop.provider.as_str() == provider)
        .ok_or_else(|| ApiError::NotFound("no such shop for this provider".into()))?;
    let body = bounded_body(payload).await?;
    let event = parse(services, shop, request, &body)?
        .cleaned()
        .map_err(|problem| WebhookError::Malformed(problem.to_owned()))?;
    let received_at = services.clock.now();
    match event {
        ShopEvent::Ignored { event_id, reason } => Ok((
            "ignored",
            json!({"status": "ignored", "event_id": event_id, "reason": reason}),
        )),
        ShopEvent::Sale(sale) => {
            let event_id = sale.event_id.clone();
            let routed = services
                .router
                .send(RouteSale { sale, received_at })
                .await
                .map_err(|_| ApiError::Busy)??;
            let status = if routed.duplicate {
                "duplicate"
            } else if routed.reattributed {
                "reattributed"
            } else {
                "recorded"
            };
            Ok((
                status,
                json!({"status": status, "event_id": event_id, "sale_id": routed.sale_id,
                       "lobby_ids": routed.lobby_ids}),
            ))
        }
        ShopEvent::Refund(refund) => {
            let event_id = refund.event_id.clone();
            let outcome = services
                .router
                .send(RouteRefund {
                    refund,
                    received_at,
                })
                .await
                .map_err(|_| ApiError::Busy)??;
            let (status, detail) = match outcome {
                RefundOutcome::Applied {
                    sale_id, refunded, ..
                } => (
                    "refund_applied",
                    json!({"sale_id": sale_id, "refunded": refunded.amount().to_string()}),
                ),
                RefundOutcome::Waiting => ("refund_waiting", json!(null)),
                RefundOutcome::Duplicate => ("duplicate", json!(null)),
                RefundOutcome::Rejected { reason } => {
                    ("refund_rejected", json!({"reason": reason}))
                }
            };
            Ok((
                status,
                json!({"status": status, "event_id": event_id, "detail": detail}),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Log lines written while `f` runs, with the server's log format.
    fn logged(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn shop_names_from_the_path_are_logged_escaped() {
        let text = logged(|| {
            super::count_and_log(
                "stripe\nFAKE",
                "main\nERROR forged line\u{1b}[31m",
                "not_found",
            )
        });
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains(r#"shop="main\nERROR forged line\u{1b}[31m""#),
            "{text}"
        );
        assert!(text.contains("provider=\"unknown\""), "{text}");
    }
}
