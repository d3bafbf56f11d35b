//! `[shops.<name>]`: each shop's provider, webhook secrets, guild and checkout link.

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
}

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
        Ok(ShopConfig {
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
