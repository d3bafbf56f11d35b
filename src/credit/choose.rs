//! Which shop issues a payout as store credit: the shops with API credentials,
//! those that serve a guild, the one an order names or the only one there, and the
//! currency it can issue in; and the code a new issue is asked under.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;

use super::provider::CreditClient;
use crate::config::Config;
use crate::domain::ids::GuildId;
use crate::domain::payout::PayoutMethod;
use crate::money::Currency;
use crate::sale::Provider;

/// Every shop that can issue store credit, by name, built once from configuration.
#[derive(Default)]
pub struct CreditShops {
    shops: BTreeMap<String, Shop>,
}

struct Shop {
    /// The only guild it serves, if it is tied to one.
    guild: Option<GuildId>,
    client: Arc<CreditClient>,
}

impl CreditShops {
    pub fn new(config: &Config) -> CreditShops {
        let shops = config
            .shops
            .values()
            .filter_map(|shop| {
                let api = shop.credit.as_ref()?;
                let client = Arc::new(CreditClient::new(&shop.name, api));
                Some((
                    shop.name.clone(),
                    Shop {
                        guild: shop.guild_id,
                        client,
                    },
                ))
            })
            .collect();
        CreditShops { shops }
    }

    /// The client of a shop with credentials.
    pub fn client(&self, shop: &str) -> Option<Arc<CreditClient>> {
        self.shops.get(shop).map(|shop| shop.client.clone())
    }

    /// The shops that may issue credit for `guild`'s racers: those tied to it and
    /// those tied to none.
    pub fn serving(&self, guild: Option<GuildId>) -> Vec<&str> {
        self.shops
            .iter()
            .filter(|(_, shop)| shop.guild.is_none() || shop.guild == guild)
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// How an order is paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Paid by other means; the payout is recorded.
    Record,
    /// Issued as store credit by this shop's API.
    Issue { shop: String },
}

/// Why an order cannot be issued; said back before anything is reserved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditRefusal {
    #[error("there is no shop `{0}` that issues store credit here")]
    UnknownShop(String),
    #[error("several shops issue store credit here ({0}); say which with `shop`")]
    SeveralShops(String),
    #[error("a manual payout names no shop; leave `shop` out or pick store credit or a gift card")]
    ManualWithShop,
    #[error("shop `{shop}` issues gift cards in {issues} only, not in {asked}")]
    Currency {
        shop: String,
        issues: Currency,
        asked: Currency,
    },
    #[error("shop `{shop}` did not say which currency it issues in: {said}")]
    ShopUnavailable { shop: String, said: String },
}

impl CreditRefusal {
    /// Machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            CreditRefusal::UnknownShop(_) => "unknown_shop",
            CreditRefusal::SeveralShops(_) => "shop_required",
            CreditRefusal::ManualWithShop => "shop_not_for_manual",
            CreditRefusal::Currency { .. } => "currency_not_issued",
            CreditRefusal::ShopUnavailable { .. } => "provider_unavailable",
        }
    }
}

/// Chooses how an order in `currency` for `guild`'s racer is paid: a manual
/// payout is recorded; store credit and gift cards are issued by the shop named,
/// or by the one shop with credentials that serves the guild, else recorded as
/// before (no shop can issue them). A shop that can issue only its own currency
/// is asked which one it is.
pub async fn choose(
    shops: &CreditShops,
    guild: Option<GuildId>,
    method: PayoutMethod,
    named: Option<&str>,
    currency: Currency,
) -> Result<Route, CreditRefusal> {
    let serving = shops.serving(guild);
    let shop = match (method, named) {
        (PayoutMethod::Manual, None) => return Ok(Route::Record),
        (PayoutMethod::Manual, Some(_)) => return Err(CreditRefusal::ManualWithShop),
        (_, Some(name)) => match serving.iter().find(|shop| **shop == name.trim()) {
            Some(shop) => *shop,
            None => return Err(CreditRefusal::UnknownShop(name.chars().take(64).collect())),
        },
        (_, None) => match serving.as_slice() {
            [] => return Ok(Route::Record),
            [only] => *only,
            several => return Err(CreditRefusal::SeveralShops(several.join(", "))),
        },
    };
    let Some(client) = shops.client(shop) else {
        return Err(CreditRefusal::UnknownShop(shop.to_owned()));
    };
    match client.currency().await {
        Ok(Some(issues)) if issues != currency => Err(CreditRefusal::Currency {
            shop: shop.to_owned(),
            issues,
            asked: currency,
        }),
        Ok(_) => Ok(Route::Issue {
            shop: shop.to_owned(),
        }),
        Err(error) => Err(CreditRefusal::ShopUnavailable {
            shop: shop.to_owned(),
            said: error.to_string(),
        }),
    }
}

/// Letters and digits that read the same in any font (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A new code, unguessable: Stripe's promotion codes read `KART-XXXX-XXXX`;
/// Shopify's gift cards take 8 to 20 letters and digits (`KART` and 12 more).
pub fn new_code(provider: Provider) -> String {
    let mut rng = rand::thread_rng();
    let mut random = |n: usize| -> String {
        (0..n)
            .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
            .collect()
    };
    match provider {
        Provider::Shopify => format!("KART{}", random(12)),
        _ => format!("KART-{}-{}", random(4), random(4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_each_providers_shape() {
        let stripe = new_code(Provider::Stripe);
        assert_eq!(stripe.len(), 14);
        assert!(stripe.starts_with("KART-") && stripe.as_bytes()[9] == b'-');
        let shopify = new_code(Provider::Shopify);
        assert_eq!(shopify.len(), 16);
        assert!(shopify.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(new_code(Provider::Stripe), stripe);
    }
}
