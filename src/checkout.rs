//! Checkout links: a shop's `checkout_url` with a lobby's code added in a form the
//! shop keeps, so that a purchase made through the link names its lobby.

/// Host of Stripe Payment Links (test-mode links share it).
const STRIPE_PAYMENT_LINK_HOST: &str = "buy.stripe.com";

/// Query parameter that a Stripe Payment Link copies into its Checkout session.
/// Stripe keeps its value only when it holds letters, digits, `-` and `_`.
const STRIPE_REFERENCE_PARAM: &str = "client_reference_id";

/// What stands before the code in that parameter: `lobby:` would be dropped.
const STRIPE_REFERENCE_PREFIX: &str = "lobby-";

/// A configured `shops.<name>.checkout_url`, read once at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckoutUrl {
    /// A Stripe Payment Link: the code travels as `client_reference_id=lobby-<CODE>`.
    StripePaymentLink(url::Url),
    /// Any other link, or a Payment Link that already ends in its own
    /// `client_reference_id`: the code is appended as it is.
    Prefix(String),
}

impl CheckoutUrl {
    pub fn parse(text: &str) -> CheckoutUrl {
        let text = text.trim();
        match url::Url::parse(text) {
            Ok(url) if is_payment_link(&url) => CheckoutUrl::StripePaymentLink(url),
            _ => CheckoutUrl::Prefix(text.to_owned()),
        }
    }

    /// The link for the lobby with this code.
    pub fn for_lobby(&self, code: &str) -> String {
        match self {
            CheckoutUrl::Prefix(url) => format!("{url}{code}"),
            CheckoutUrl::StripePaymentLink(url) => {
                let mut link = url.clone();
                link.query_pairs_mut().append_pair(
                    STRIPE_REFERENCE_PARAM,
                    &format!("{STRIPE_REFERENCE_PREFIX}{code}"),
                );
                link.into()
            }
        }
    }
}

/// Whether `url` is a Stripe Payment Link that does not name its own reference.
fn is_payment_link(url: &url::Url) -> bool {
    matches!(url.scheme(), "https" | "http")
        && url.host_str() == Some(STRIPE_PAYMENT_LINK_HOST)
        && !url
            .query_pairs()
            .any(|(name, _)| name == STRIPE_REFERENCE_PARAM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str) -> String {
        CheckoutUrl::parse(url).for_lobby("K7QX")
    }

    #[test]
    fn stripe_payment_links_carry_the_code_as_a_client_reference_id() {
        assert_eq!(
            link("https://buy.stripe.com/test_28o5lq3Xa8Hm0XS000"),
            "https://buy.stripe.com/test_28o5lq3Xa8Hm0XS000?client_reference_id=lobby-K7QX"
        );
        assert_eq!(
            link("https://buy.stripe.com/28o5lq?prefilled_email=a%40b.example"),
            "https://buy.stripe.com/28o5lq?prefilled_email=a%40b.example&client_reference_id=lobby-K7QX"
        );
        // Scheme and host are read (and written back) in lowercase.
        assert_eq!(
            link("HTTPS://Buy.Stripe.com/28o5lq?"),
            "https://buy.stripe.com/28o5lq?client_reference_id=lobby-K7QX"
        );
        assert_eq!(
            link(" https://buy.stripe.com/28o5lq#top "),
            "https://buy.stripe.com/28o5lq?client_reference_id=lobby-K7QX#top"
        );
    }

    #[test]
    fn other_links_get_the_code_appended_as_is() {
        for (url, expected) in [
            (
                "https://shop.example/merch?lobby=",
                "https://shop.example/merch?lobby=K7QX",
            ),
            (
                "https://buy.stripe.com.evil.example/x?r=",
                "https://buy.stripe.com.evil.example/x?r=K7QX",
            ),
            (
                "https://shop.example/buy.stripe.com/",
                "https://shop.example/buy.stripe.com/K7QX",
            ),
            // A Payment Link that already names its reference keeps the operator's form.
            (
                "https://buy.stripe.com/28o5lq?client_reference_id=lobby_",
                "https://buy.stripe.com/28o5lq?client_reference_id=lobby_K7QX",
            ),
            ("buy.stripe.com/28o5lq?x=", "buy.stripe.com/28o5lq?x=K7QX"),
        ] {
            assert_eq!(link(url), expected, "{url}");
        }
    }

    #[test]
    fn hosts_are_read_past_user_info_and_port() {
        let is_payment_link =
            |url: &str| matches!(CheckoutUrl::parse(url), CheckoutUrl::StripePaymentLink(_));
        assert!(is_payment_link("https://u:p@buy.stripe.com:443/x"));
        assert!(is_payment_link("http://buy.stripe.com?q"));
        assert!(!is_payment_link("http://shop.example?q"));
        assert!(!is_payment_link("ftp://buy.stripe.com/x"));
        assert!(!is_payment_link("https"));
    }
}
