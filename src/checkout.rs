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
    StripePaymentLink(String),
    /// Any other link, or a Payment Link that already ends in its own
    /// `client_reference_id`: the code is appended as it is.
    Prefix(String),
}

impl CheckoutUrl {
    pub fn parse(url: &str) -> CheckoutUrl {
        let url = url.trim();
        let is_payment_link =
            host(url).is_some_and(|host| host.eq_ignore_ascii_case(STRIPE_PAYMENT_LINK_HOST));
        if is_payment_link && !has_param(url, STRIPE_REFERENCE_PARAM) {
            CheckoutUrl::StripePaymentLink(url.to_owned())
        } else {
            CheckoutUrl::Prefix(url.to_owned())
        }
    }

    /// The link for the lobby with this code.
    pub fn for_lobby(&self, code: &str) -> String {
        let url = match self {
            CheckoutUrl::Prefix(url) => return format!("{url}{code}"),
            CheckoutUrl::StripePaymentLink(url) => url,
        };
        let (base, fragment) = match url.split_once('#') {
            Some((base, fragment)) => (base, Some(fragment)),
            None => (url.as_str(), None),
        };
        let separator = match base.split_once('?') {
            None => "?",
            Some((_, query)) if query.is_empty() || query.ends_with('&') => "",
            Some(_) => "&",
        };
        let mut link =
            format!("{base}{separator}{STRIPE_REFERENCE_PARAM}={STRIPE_REFERENCE_PREFIX}{code}");
        if let Some(fragment) = fragment {
            link.push('#');
            link.push_str(fragment);
        }
        link
    }
}

/// The host of an `http(s)://` URL, without user info or port.
fn host(url: &str) -> Option<&str> {
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        let head = url.get(..scheme.len())?;
        head.eq_ignore_ascii_case(scheme)
            .then(|| &url[scheme.len()..])
    })?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    host_port.split(':').next()
}

/// Whether the URL's query names the parameter `name`.
fn has_param(url: &str, name: &str) -> bool {
    let without_fragment = url.split('#').next().unwrap_or_default();
    let Some((_, query)) = without_fragment.split_once('?') else {
        return false;
    };
    query
        .split('&')
        .any(|pair| pair.split('=').next() == Some(name))
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
        assert_eq!(
            link("HTTPS://Buy.Stripe.com/28o5lq?"),
            "HTTPS://Buy.Stripe.com/28o5lq?client_reference_id=lobby-K7QX"
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
        assert_eq!(
            host("https://u:p@buy.stripe.com:443/x"),
            Some("buy.stripe.com")
        );
        assert_eq!(host("http://shop.example?q"), Some("shop.example"));
        assert_eq!(host("ftp://buy.stripe.com/x"), None);
        assert_eq!(host("https"), None);
    }
}
