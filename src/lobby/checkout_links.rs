//! A lobby's ways to buy, from the configured shops: the checkout link its
//! overlays show (and its QR code points to), and whether its buyers may tag it
//! with `#CODE` in a Ko-fi message. The registry asks when it starts a lobby; the
//! overlay's QR code asks too. How a link carries the code is [`CheckoutUrl`]'s.
//!
//! [`CheckoutUrl`]: crate::checkout::CheckoutUrl

use std::collections::BTreeMap;

use crate::config::ShopConfig;
use crate::domain::ids::{GuildId, LobbyCode};
use crate::sale::Provider;

/// The configured shops, by name, as one guild's lobbies see them.
#[derive(Clone, Copy)]
pub struct CheckoutLinks<'a> {
    shops: &'a BTreeMap<String, ShopConfig>,
}

impl<'a> CheckoutLinks<'a> {
    pub fn new(shops: &'a BTreeMap<String, ShopConfig>) -> Self {
        CheckoutLinks { shops }
    }

    /// The shops that serve a guild: its own and those of no guild, by name.
    fn serving(self, guild_id: Option<GuildId>) -> impl Iterator<Item = &'a ShopConfig> {
        self.shops
            .values()
            .filter(move |shop| shop.guild_id.is_none() || shop.guild_id == guild_id)
    }

    /// The checkout link of a lobby: the first serving shop's URL with the code
    /// added in a form that shop keeps; `None` when no serving shop has one.
    pub fn checkout_url(self, guild_id: Option<GuildId>, code: &LobbyCode) -> Option<String> {
        self.serving(guild_id)
            .find_map(|shop| shop.checkout_url.as_ref())
            .map(|url| url.for_lobby(code.as_str()))
    }

    /// Whether a shop that serves the guild takes Ko-fi payments, whose buyers
    /// name a lobby with `#CODE` in their message.
    pub fn takes_kofi(self, guild_id: Option<GuildId>) -> bool {
        self.serving(guild_id)
            .any(|shop| shop.provider == Provider::Kofi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::CheckoutUrl;

    fn guild(n: u64) -> Option<GuildId> {
        Some(GuildId::try_from(n).unwrap())
    }

    fn code(text: &str) -> LobbyCode {
        text.parse().unwrap()
    }

    fn shop(
        name: &str,
        provider: Provider,
        guild: Option<GuildId>,
        url: Option<&str>,
    ) -> ShopConfig {
        ShopConfig {
            name: name.into(),
            provider,
            secrets: vec!["s".into()],
            guild_id: guild,
            checkout_url: url.map(CheckoutUrl::parse),
            kofi_types: Vec::new(),
            credit: None,
        }
    }

    fn shops(list: Vec<ShopConfig>) -> BTreeMap<String, ShopConfig> {
        list.into_iter().map(|s| (s.name.clone(), s)).collect()
    }

    #[test]
    fn a_guilds_link_comes_from_its_own_shop_or_one_of_no_guild() {
        let shops = shops(vec![
            shop(
                "a_guild",
                Provider::Stripe,
                guild(1),
                Some("https://one.example/?l="),
            ),
            shop(
                "b_any",
                Provider::Shopify,
                None,
                Some("https://any.example/?l="),
            ),
            shop("c_silent", Provider::Stripe, guild(2), None),
        ]);
        let links = CheckoutLinks::new(&shops);
        let link = |guild| links.checkout_url(guild, &code("KART"));
        assert_eq!(
            link(guild(1)).as_deref(),
            Some("https://one.example/?l=KART")
        );
        // Guild 2's own shop has no link: the shop of no guild gives it.
        assert_eq!(
            link(guild(2)).as_deref(),
            Some("https://any.example/?l=KART")
        );
        assert_eq!(link(None).as_deref(), Some("https://any.example/?l=KART"));
        let payment_link = shops_with_payment_link();
        let links = CheckoutLinks::new(&payment_link);
        assert_eq!(
            links.checkout_url(guild(1), &code("K7QX")).as_deref(),
            Some("https://buy.stripe.com/test_abc?client_reference_id=lobby-K7QX")
        );
        assert_eq!(links.checkout_url(guild(2), &code("K7QX")), None);
    }

    fn shops_with_payment_link() -> BTreeMap<String, ShopConfig> {
        shops(vec![shop(
            "merch",
            Provider::Stripe,
            guild(1),
            Some("https://buy.stripe.com/test_abc"),
        )])
    }

    #[test]
    fn kofi_tags_only_where_a_serving_shop_takes_kofi() {
        let shops = shops(vec![
            shop("kofi", Provider::Kofi, guild(1), None),
            shop("stripe", Provider::Stripe, None, None),
        ]);
        let links = CheckoutLinks::new(&shops);
        assert!(links.takes_kofi(guild(1)));
        assert!(!links.takes_kofi(guild(2)));
        assert!(!links.takes_kofi(None));
        let everyone = self::shops(vec![shop("kofi", Provider::Kofi, None, None)]);
        assert!(CheckoutLinks::new(&everyone).takes_kofi(guild(2)));
    }
}
