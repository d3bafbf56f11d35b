//! The store-credit clients against local stand-ins for Stripe's API and Shopify's
//! Admin GraphQL, which record every request (method, path, headers, body) and
//! answer as the real APIs do. No database: each test owns its stand-in.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use cozykart::credit::{CreditClient, CreditGrant, ProviderError};
use cozykart::money::{Currency, Money};

pub(crate) mod shopify;
pub(crate) mod stripe;

/// The deadline given to clients of a stand-in that never answers.
const SHORT_DEADLINE: Duration = Duration::from_millis(300);

const RACER: &str = "1100000000000000021";
const GUILD: &str = "1100000000000000001";

/// Payout #41: 12.50 USD for [`RACER`] in [`GUILD`], with `code`.
fn grant(code: &str) -> CreditGrant {
    CreditGrant {
        payout_id: 41,
        code: code.to_owned(),
        amount: Money::parse("12.50", Currency::parse("USD").unwrap()).unwrap(),
        racer: RACER.parse().unwrap(),
        guild: Some(GUILD.parse().unwrap()),
    }
}

/// A port that takes connections (the system's backlog) and never answers.
fn silent_port() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

/// `call` gives up as [`ProviderError::Unavailable`] once the short deadline has
/// passed, long before any provider's own time-out.
async fn gives_up_in_time<T: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<T, ProviderError>>,
) {
    let started = Instant::now();
    let outcome = call.await;
    let took = started.elapsed();
    assert!(
        matches!(outcome, Err(ProviderError::Unavailable(_))),
        "{outcome:?}"
    );
    assert!(took >= SHORT_DEADLINE, "gave up after {took:?}");
    assert!(took < SHORT_DEADLINE * 10, "gave up after {took:?}");
}

#[actix_web::test]
async fn providers_are_named_for_messages() {
    let stripe = CreditClient::new(
        "merch",
        &cozykart::config::CreditApi::Stripe {
            api_key: "rk_test_x".into(),
            api_base: url::Url::parse("https://api.stripe.com").unwrap(),
        },
    );
    let shopify = CreditClient::new(
        "store",
        &cozykart::config::CreditApi::Shopify {
            admin_url: url::Url::parse("https://kart.myshopify.com").unwrap(),
            admin_token: "shpat_x".into(),
        },
    );
    assert_eq!(stripe.provider().as_str(), "stripe");
    assert_eq!(shopify.provider().as_str(), "shopify");
    // Stripe issues in any currency, without asking.
    assert_eq!(stripe.currency().await, Ok(None));
}
