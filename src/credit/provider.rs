//! A shop's store-credit API behind one client: Stripe or Shopify by the shop's
//! credentials, every call bounded by a deadline, every outcome traced without
//! the key, the token or the whole code.

use std::future::Future;
use std::time::Duration;

use super::grant::masked_code;
pub use super::grant::{CreditGrant, IssuedCredit, ProviderError};
use super::shopify::ShopifyCredit;
use super::stripe::StripeCredit;
use crate::config::CreditApi;
use crate::money::Currency;
use crate::sale::Provider;

/// Longest a call may take, all its requests together: past it the call answers
/// [`ProviderError::Unavailable`] (the provider may still have acted: ask again).
/// Long enough for a slow provider, short enough for a Discord interaction's
/// follow-up (15 minutes) and the reconciler's round.
pub const CALL_DEADLINE: Duration = Duration::from_secs(20);

/// A shop's store-credit API.
pub struct CreditClient {
    /// The shop's name in the configuration (`shops.<name>`), for the traces.
    shop: String,
    /// Bound on each call ([`CALL_DEADLINE`] but in tests).
    deadline: Duration,
    api: Api,
}

/// The provider's own client.
enum Api {
    // Boxed: Stripe's client is several times the size of Shopify's.
    Stripe(Box<StripeCredit>),
    Shopify(ShopifyCredit),
}

impl CreditClient {
    /// The client of `shops.<shop_name>`'s credentials; no I/O.
    pub fn new(shop_name: &str, api: &CreditApi) -> CreditClient {
        CreditClient::with_deadline(shop_name, api, CALL_DEADLINE)
    }

    /// [`CreditClient::new`] with another bound on each call (tests: a stand-in
    /// that never answers is given up on in milliseconds).
    pub fn with_deadline(shop_name: &str, api: &CreditApi, deadline: Duration) -> CreditClient {
        let api = match api {
            CreditApi::Stripe { api_key, api_base } => {
                Api::Stripe(Box::new(StripeCredit::new(api_key, api_base)))
            }
            CreditApi::Shopify {
                admin_url,
                admin_token,
            } => Api::Shopify(ShopifyCredit::new(admin_url, admin_token, deadline)),
        };
        CreditClient {
            shop: shop_name.to_owned(),
            deadline,
            api,
        }
    }

    /// The one currency the shop can issue in (Shopify: its shop currency, asked
    /// once and cached); `None`: any (Stripe).
    pub async fn currency(&self) -> Result<Option<Currency>, ProviderError> {
        match &self.api {
            Api::Stripe(_) => Ok(None),
            Api::Shopify(shopify) => self.bounded(shopify.currency()).await.map(Some),
        }
    }

    /// Issues the grant; idempotent: the same grant twice (even from two
    /// processes, or after a crash) makes one object and answers it both times.
    pub async fn issue(&self, grant: &CreditGrant) -> Result<IssuedCredit, ProviderError> {
        let outcome = match &self.api {
            Api::Stripe(stripe) => self.bounded(stripe.issue(grant)).await,
            Api::Shopify(shopify) => self.bounded(shopify.issue(grant)).await,
        };
        self.trace("issue", grant, outcome.as_ref().map(|_| "issued"));
        outcome
    }

    /// What the provider already holds for this grant, asking with the same keys;
    /// never creates anything (the reconciler's question).
    pub async fn find(&self, grant: &CreditGrant) -> Result<Option<IssuedCredit>, ProviderError> {
        let outcome = match &self.api {
            Api::Stripe(stripe) => self.bounded(stripe.find(grant)).await,
            Api::Shopify(shopify) => self.bounded(shopify.find(grant)).await,
        };
        let found = outcome
            .as_ref()
            .map(|held| if held.is_some() { "found" } else { "none" });
        self.trace("find", grant, found);
        outcome
    }

    /// Which provider (for messages): "stripe" | "shopify".
    pub fn provider(&self) -> Provider {
        match self.api {
            Api::Stripe(_) => Provider::Stripe,
            Api::Shopify(_) => Provider::Shopify,
        }
    }

    /// `call`, or [`ProviderError::Unavailable`] once the deadline has passed.
    async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        match tokio::time::timeout(self.deadline, call).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ProviderError::Unavailable(format!(
                "{} did not answer within {} ms",
                self.provider_name(),
                self.deadline.as_millis()
            ))),
        }
    }

    fn provider_name(&self) -> &'static str {
        match self.api {
            Api::Stripe(_) => "Stripe",
            Api::Shopify(_) => "Shopify",
        }
    }

    /// One line per call: provider, shop, payout, the masked code and the outcome.
    fn trace(&self, call: &str, grant: &CreditGrant, outcome: Result<&str, &ProviderError>) {
        let provider = self.provider().as_str();
        let code = masked_code(&grant.code);
        match outcome {
            Ok(outcome) => tracing::info!(
                provider,
                shop = %self.shop,
                payout_id = grant.payout_id,
                code = %code,
                call,
                outcome,
                "store credit"
            ),
            Err(error) => {
                let outcome = match error {
                    ProviderError::Refused(_) => "refused",
                    ProviderError::Unavailable(_) => "unavailable",
                };
                tracing::warn!(
                    provider,
                    shop = %self.shop,
                    payout_id = grant.payout_id,
                    code = %code,
                    call,
                    outcome,
                    %error,
                    "store credit"
                )
            }
        }
    }
}
