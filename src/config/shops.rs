//! `[shops.<name>]`: each shop's provider, webhook secrets, guild, checkout link and
//! the credentials that let it issue store credit.

use serde::Deserialize;

use super::values::{lenient, non_empty, snowflake};
use super::{invalid, ConfigError};
use crate::checkout::CheckoutUrl;
use crate::domain::ids::GuildId;
use crate::sale::Provider;

#[derive(Clone, Debug)]
pub struct ShopConfig {
    pub name: String,
    pub provider: Provider,
    /// Current secret first, then a previous one still accepted during rotation.
    pub secrets: Vec<String>,
    pub guild_id: Option<GuildId>,
    /// Link on overlays, to which a lobby's code is added (see [`CheckoutUrl`]).
    pub checkout_url: Option<CheckoutUrl>,
    /// Ko-fi `type`s that count as merch sales (default `Shop Order`).
    pub kofi_types: Vec<String>,
    /// The shop's own API for store credit; `None`: payouts are only recorded.
    pub credit: Option<CreditApi>,
}

/// Where and with what a shop issues store credit (secrets: never logged).
#[derive(Clone)]
pub enum CreditApi {
    /// Stripe: a restricted key that may write coupons and promotion codes, and
    /// the API's base URL (`https://api.stripe.com`; tests point it at a stand-in).
    Stripe { api_key: String, api_base: url::Url },
    /// Shopify: the store's admin origin (`https://{store}.myshopify.com`) and an
    /// Admin API access token with the gift-card scopes.
    Shopify {
        admin_url: url::Url,
        admin_token: String,
    },
}

impl std::fmt::Debug for CreditApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreditApi::Stripe { api_base, .. } => f
                .debug_struct("Stripe")
                .field("api_base", &api_base.as_str())
                .finish_non_exhaustive(),
            CreditApi::Shopify { admin_url, .. } => f
                .debug_struct("Shopify")
                .field("admin_url", &admin_url.as_str())
                .finish_non_exhaustive(),
        }
    }
}

/// Stripe's API, where `shops.<name>.api_base` is not set.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

#[derive(Deserialize)]
pub(super) struct RawShop {
    #[serde(default, deserialize_with = "lenient")]
    provider: String,
    #[serde(default, deserialize_with = "lenient")]
    secret: String,
    #[serde(default, deserialize_with = "lenient")]
    previous_secret: String,
    #[serde(default, deserialize_with = "lenient")]
    guild_id: String,
    #[serde(default, deserialize_with = "lenient")]
    checkout_url: String,
    #[serde(default)]
    kofi_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    api_key: String,
    #[serde(default, deserialize_with = "lenient")]
    api_base: String,
    #[serde(default, deserialize_with = "lenient")]
    admin_url: String,
    #[serde(default, deserialize_with = "lenient")]
    admin_token: String,
}

impl ShopConfig {
    pub(super) fn validate(name: String, raw: RawShop) -> Result<Self, ConfigError> {
        let key = |field: &str| format!("shops.{name}.{field}");
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name {
            return Err(invalid(
                format!("shops.{name}"),
                "shop names are 1-64 letters, digits, - or _",
            ));
        }
        let provider = Provider::parse(raw.provider.trim()).ok_or_else(|| {
            invalid(
                key("provider"),
                format!("{:?} is not stripe, shopify or kofi", raw.provider),
            )
        })?;
        let secrets: Vec<String> = [non_empty(&raw.secret), non_empty(&raw.previous_secret)]
            .into_iter()
            .flatten()
            .collect();
        if secrets.is_empty() {
            // A shop without a secret would accept forged sales: refuse to start.
            return Err(invalid(
                key("secret"),
                "is required (set it in the environment)",
            ));
        }
        let credit = credit_api(&name, provider, &raw)?;
        Ok(ShopConfig {
            credit,
            provider,
            secrets,
            guild_id: non_empty(&raw.guild_id)
                .map(|text| snowflake(&key("guild_id"), &text))
                .transpose()?,
            checkout_url: non_empty(&raw.checkout_url).map(|url| CheckoutUrl::parse(&url)),
            kofi_types: raw
                .kofi_types
                .unwrap_or_else(|| vec!["Shop Order".to_owned()]),
            name,
        })
    }
}

/// The store-credit credentials of a shop, checked: each provider's own keys
/// only, given together, with URLs that are http(s) origins.
fn credit_api(
    name: &str,
    provider: Provider,
    raw: &RawShop,
) -> Result<Option<CreditApi>, ConfigError> {
    let key = |field: &str| format!("shops.{name}.{field}");
    let fields = [
        ("api_key", Provider::Stripe, non_empty(&raw.api_key)),
        ("api_base", Provider::Stripe, non_empty(&raw.api_base)),
        ("admin_url", Provider::Shopify, non_empty(&raw.admin_url)),
        (
            "admin_token",
            Provider::Shopify,
            non_empty(&raw.admin_token),
        ),
    ];
    for (field, owner, value) in &fields {
        if value.is_some() && *owner != provider {
            let why = match provider {
                Provider::Kofi => "Ko-fi has no API to issue store credit with".to_owned(),
                _ => format!("applies to {} shops only", owner.as_str()),
            };
            return Err(invalid(key(field), why));
        }
    }
    let url = |field: &str, text: &str| -> Result<url::Url, ConfigError> {
        let parsed = url::Url::parse(text.trim())
            .map_err(|error| invalid(key(field), format!("{text:?} is not a URL: {error}")))?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(invalid(
                key(field),
                format!("{text:?} is not an http(s) URL"),
            ));
        }
        Ok(parsed)
    };
    let [(_, _, api_key), (_, _, api_base), (_, _, admin_url), (_, _, admin_token)] = fields;
    match (provider, api_key, api_base, admin_url, admin_token) {
        (Provider::Stripe, Some(api_key), base, ..) => Ok(Some(CreditApi::Stripe {
            api_key,
            api_base: url("api_base", base.as_deref().unwrap_or(STRIPE_API_BASE))?,
        })),
        (Provider::Stripe, None, Some(_), ..) => Err(invalid(
            key("api_key"),
            "is required with api_base (a restricted key that may write coupons and promotion codes)",
        )),
        (Provider::Shopify, _, _, Some(admin_url), Some(admin_token)) => {
            Ok(Some(CreditApi::Shopify {
                admin_url: url("admin_url", &admin_url)?,
                admin_token,
            }))
        }
        (Provider::Shopify, _, _, Some(_), None) => Err(invalid(
            key("admin_token"),
            "is required with admin_url (an Admin API access token with the gift-card scopes)",
        )),
        (Provider::Shopify, _, _, None, Some(_)) => Err(invalid(
            key("admin_url"),
            "is required with admin_token (https://{store}.myshopify.com)",
        )),
        _ => Ok(None),
    }
}
