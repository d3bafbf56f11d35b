//! Stripe: a grant is a single-use coupon for its amount (our own coupon id) and a
//! single-use promotion code for it (the grant's code), each created with an
//! Idempotency-Key derived from the code, so a retry answers the same objects.
//!
//! async-stripe 0.41 sends `Stripe-Version: 2023-10-16`, where a promotion code
//! names its `coupon` directly (later versions nest it under `promotion`).

use std::collections::BTreeMap;

use ::stripe::{Client, Coupon, ErrorCode, List, PromotionCode, RequestStrategy, StripeError};
use serde::Serialize;

use super::grant::{CreditGrant, IssuedCredit, ProviderError};

/// Longest code accepted: far above `KART-XXXX-XXXX`, far below Stripe's 500.
const CODE_MAX_CHARS: usize = 64;

/// Stripe's API with the shop's restricted key.
pub(super) struct StripeCredit {
    /// Sends every request once (no retry inside: the caller asks again); cloned
    /// per request to carry that request's Idempotency-Key.
    client: Client,
}

/// `POST /v1/coupons`, as Stripe names the fields.
#[derive(Serialize)]
struct CouponForm<'a> {
    id: &'a str,
    amount_off: i64,
    currency: String,
    duration: &'static str,
    max_redemptions: u32,
    name: String,
    metadata: BTreeMap<&'static str, String>,
}

/// `POST /v1/promotion_codes`.
#[derive(Serialize)]
struct PromotionCodeForm<'a> {
    coupon: &'a str,
    code: &'a str,
    max_redemptions: u32,
    metadata: BTreeMap<&'static str, String>,
}

/// `GET /v1/promotion_codes?code=...` (Stripe compares codes case-insensitively).
#[derive(Serialize)]
struct ByCode<'a> {
    code: &'a str,
}

impl StripeCredit {
    /// No I/O: the connection is made by the first request. Stripe's client puts
    /// `/v1/...` at the origin of `api_base` (its path is not used).
    pub(super) fn new(api_key: &str, api_base: &url::Url) -> StripeCredit {
        StripeCredit {
            client: Client::from_url(api_base.as_str(), api_key),
        }
    }

    pub(super) async fn issue(&self, grant: &CreditGrant) -> Result<IssuedCredit, ProviderError> {
        check(grant)?;
        let coupon = self.coupon(grant).await?;
        let form = PromotionCodeForm {
            coupon: coupon.id.as_str(),
            code: &grant.code,
            max_redemptions: 1,
            metadata: metadata(grant),
        };
        let created = self
            .idempotent(format!("cozykart-promotion-code-{}", grant.code))
            .post_form::<PromotionCode, _>("/promotion_codes", &form)
            .await;
        match created {
            Ok(promotion_code) => Ok(issued(promotion_code)),
            // Created earlier under a key Stripe has since forgotten (kept 24 hours):
            // the code is ours if its coupon is.
            Err(error) if already_exists(&error) => match self.find(grant).await? {
                Some(held) => Ok(held),
                None => Err(provider_error(error)),
            },
            Err(error) => Err(provider_error(error)),
        }
    }

    pub(super) async fn find(
        &self,
        grant: &CreditGrant,
    ) -> Result<Option<IssuedCredit>, ProviderError> {
        check(grant)?;
        let coupon = coupon_id(&grant.code);
        let listed: List<PromotionCode> = self
            .client
            .get_query("/promotion_codes", ByCode { code: &grant.code })
            .await
            .map_err(provider_error)?;
        Ok(listed
            .data
            .into_iter()
            .find(|held| {
                held.coupon.id.as_str() == coupon && held.code.eq_ignore_ascii_case(&grant.code)
            })
            .map(issued))
    }

    /// The grant's coupon: created, or the one created by an earlier try.
    async fn coupon(&self, grant: &CreditGrant) -> Result<Coupon, ProviderError> {
        let id = coupon_id(&grant.code);
        let form = CouponForm {
            id: &id,
            amount_off: grant.amount.minor(),
            currency: grant.amount.currency().code().to_ascii_lowercase(),
            duration: "once",
            max_redemptions: 1,
            name: format!("Cozy-Kart payout #{}", grant.payout_id),
            metadata: metadata(grant),
        };
        let created = self
            .idempotent(format!("cozykart-coupon-{}", grant.code))
            .post_form::<Coupon, _>("/coupons", &form)
            .await;
        let coupon = match created {
            Ok(coupon) => coupon,
            Err(error) if already_exists(&error) => self
                .client
                .get::<Coupon>(&format!("/coupons/{id}"))
                .await
                .map_err(provider_error)?,
            Err(error) => return Err(provider_error(error)),
        };
        same_grant(&coupon, grant)?;
        Ok(coupon)
    }

    fn idempotent(&self, key: String) -> Client {
        self.client
            .clone()
            .with_strategy(RequestStrategy::Idempotent(key))
    }
}

/// Our id for the grant's coupon: a code names one coupon.
fn coupon_id(code: &str) -> String {
    format!("cozykart-{}", code.to_ascii_lowercase())
}

/// Refuses, before any request, what Stripe would refuse or what could not key a
/// request safely (the code goes into a coupon id, a path and Idempotency-Keys).
fn check(grant: &CreditGrant) -> Result<(), ProviderError> {
    let code = &grant.code;
    let valid = !code.is_empty()
        && code.len() <= CODE_MAX_CHARS
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid {
        return Err(ProviderError::Refused(format!(
            "a Stripe promotion code is 1-{CODE_MAX_CHARS} letters, digits or dashes"
        )));
    }
    if !grant.amount.is_positive() {
        return Err(ProviderError::Refused(format!(
            "store credit must be a positive amount, not {}",
            grant.amount
        )));
    }
    Ok(())
}

/// Names the payout, racer and guild on the coupon and code, for the shop's staff
/// and for telling a coupon of ours from another payout's.
fn metadata(grant: &CreditGrant) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("cozykart_payout", grant.payout_id.to_string()),
        ("cozykart_racer", grant.racer.to_string()),
        (
            "cozykart_guild",
            grant
                .guild
                .map(|g| g.to_string())
                .unwrap_or_else(|| "none".to_owned()),
        ),
    ])
}

/// A coupon already under our id is this grant's only if it was made for the same
/// payout and amount; else the code was reused, which no retry mends.
fn same_grant(coupon: &Coupon, grant: &CreditGrant) -> Result<(), ProviderError> {
    let payout = coupon
        .metadata
        .as_ref()
        .and_then(|m| m.get("cozykart_payout"));
    let currency = coupon.currency.map(|c| c.to_string());
    let expected_currency = grant.amount.currency().code().to_ascii_lowercase();
    if payout != Some(&grant.payout_id.to_string())
        || coupon.amount_off != Some(grant.amount.minor())
        || currency.as_deref() != Some(expected_currency.as_str())
    {
        return Err(ProviderError::Refused(format!(
            "Stripe already holds coupon {} for another payout or amount",
            coupon.id.as_str()
        )));
    }
    Ok(())
}

fn issued(promotion_code: PromotionCode) -> IssuedCredit {
    IssuedCredit {
        provider_ref: promotion_code.id.as_str().to_owned(),
        code: promotion_code.code,
    }
}

/// Stripe's "that id or code is taken" (after the 24 hours it keeps keys).
fn already_exists(error: &StripeError) -> bool {
    match error {
        StripeError::Stripe(refusal) => {
            refusal.code == Some(ErrorCode::ResourceAlreadyExists)
                || (refusal.http_status == 400
                    && refusal
                        .message
                        .as_deref()
                        .is_some_and(|m| m.contains("already exists")))
        }
        _ => false,
    }
}

/// What an error of async-stripe means for the grant: a 4xx is Stripe's refusal in
/// its own words; 409 (the same key in flight elsewhere), 429 and 5xx, a transport
/// failure, a time-out or an unreadable answer settle nothing.
fn provider_error(error: StripeError) -> ProviderError {
    match error {
        StripeError::Stripe(refusal) => {
            let status = refusal.http_status;
            let said = refusal
                .message
                .clone()
                .unwrap_or_else(|| refusal.to_string());
            match status {
                409 | 429 => {
                    ProviderError::Unavailable(format!("Stripe answered {status}: {said}"))
                }
                400..=499 => ProviderError::Refused(said),
                _ => ProviderError::Unavailable(format!("Stripe answered {status}: {said}")),
            }
        }
        StripeError::Timeout => ProviderError::Unavailable("Stripe did not answer in time".into()),
        StripeError::ClientError(why) => {
            ProviderError::Unavailable(format!("Stripe could not be reached: {why}"))
        }
        // A body that is not Stripe's JSON (a proxy's error page, an error code
        // async-stripe does not know): whether it acted is unknown.
        StripeError::JSONSerialize(why) => {
            ProviderError::Unavailable(format!("Stripe's answer could not be read: {why}"))
        }
        // Nothing was sent; the same request would fail the same way.
        StripeError::QueryStringSerialize(why) => {
            ProviderError::Refused(format!("the request to Stripe could not be written: {why}"))
        }
        StripeError::UnsupportedVersion => {
            ProviderError::Refused("Stripe does not support this API version".into())
        }
    }
}
