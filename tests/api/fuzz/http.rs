//! The running server's HTTP edge: hostile requests to every endpoint are refused
//! with a JSON error and record nothing.

use entity::sale;
use proptest::prelude::*;
use proptest::sample::Index;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

use super::discord::{discord_body, discord_vectors};
use super::kofi::{form_encode, KOFI_FORM};
use super::shopify::{SHOPIFY_ORDER, SHOPIFY_REFUND};
use super::stripe::STRIPE_FIXTURES;
use super::{all_secrets, arbitrary_bytes, fixture_json, samples};
use crate::helpers::{spawn_app, t0, Engine};
use crate::signing::{
    discord_signed_at, full_config, post, shopify_signature, sign_discord, KOFI_TOKEN,
};

/// One hostile request.
#[derive(Clone, Debug)]
struct HttpCase {
    path: &'static str,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

const HTTP_PATHS: &[&str] = &[
    "/webhooks/stripe/main",
    "/webhooks/shopify/eu",
    "/webhooks/kofi/kofi",
    "/discord/interactions",
];

#[rustfmt::skip]
const HTTP_HEADERS: &[&str] = &[
    "Stripe-Signature", "X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256", "X-Shopify-Topic",
    "X-Shopify-Event-Id", "X-Signature-Ed25519", "X-Signature-Timestamp", "Content-Type",
];

/// Header value bytes as HTTP allows them (visible ASCII, space, tab, obs-text).
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[ -~]{0,160}".prop_map(String::into_bytes),
        prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')], 0..80),
        "[0-9a-f]{128}".prop_map(String::into_bytes),
        Just(b"t=1759996800,v1=00".to_vec()),
        Just(b"orders/paid".to_vec()),
        Just(b"refunds/create".to_vec()),
        Just(b"1759996800".to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
    ]
}

/// A fixture with a small change (flip, cut, extension) and the fixture's own
/// credentials where it has them: never a valid request.
fn near_miss() -> impl Strategy<Value = HttpCase> {
    let stripe = prop::sample::select(STRIPE_FIXTURES).prop_map(|(file, body)| {
        // Recorded vectors are signed hours after the test clock's start.
        let sigs = fixture_json(include_bytes!(
            "../../fixtures/webhooks/stripe/signatures.json"
        ));
        let header = sigs["vectors"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["file"] == file))
            .and_then(|v| v["stripe_signature"].as_str())
            .unwrap_or_default()
            .to_owned();
        HttpCase {
            path: "/webhooks/stripe/main",
            headers: vec![("Stripe-Signature", header.into_bytes())],
            body: body.to_vec(),
        }
    });
    let shopify = prop::sample::select(
        &[
            (SHOPIFY_ORDER, "orders/paid"),
            (SHOPIFY_REFUND, "refunds/create"),
        ][..],
    )
    .prop_map(|(body, topic)| HttpCase {
        path: "/webhooks/shopify/eu",
        headers: vec![
            (
                "X-Shopify-Hmac-Sha256",
                shopify_signature(body).into_bytes(),
            ),
            ("X-Shopify-Topic", topic.as_bytes().to_vec()),
        ],
        body: body.to_vec(),
    });
    let kofi = ".{0,40}".prop_map(|token| {
        let token = if token == KOFI_TOKEN {
            format!("{token}x")
        } else {
            token
        };
        let body = String::from_utf8_lossy(KOFI_FORM)
            .replace(KOFI_TOKEN, &form_encode(&[(String::new(), token)])[1..]);
        HttpCase {
            path: "/webhooks/kofi/kofi",
            headers: vec![],
            body: body.into_bytes(),
        }
    });
    let discord = prop::sample::select(discord_vectors()).prop_map(|(file, ts, sig)| HttpCase {
        path: "/discord/interactions",
        headers: vec![
            ("X-Signature-Ed25519", sig.into_bytes()),
            ("X-Signature-Timestamp", ts.into_bytes()),
        ],
        body: discord_body(&file).to_vec(),
    });
    // Intact and correctly signed, but stale or from the future by the server's clock
    // (which starts at t0).
    let discord_stale = (
        prop::sample::select(discord_vectors()),
        prop_oneof![-1_000_000i64..=-301, 301i64..=1_000_000],
    )
        .prop_map(|((file, _, _), skew)| {
            let body = discord_body(&file).to_vec();
            let timestamp = (t0().timestamp() + skew).to_string();
            HttpCase {
                path: "/discord/interactions",
                headers: vec![
                    (
                        "X-Signature-Ed25519",
                        sign_discord(&body, &timestamp).into_bytes(),
                    ),
                    ("X-Signature-Timestamp", timestamp.into_bytes()),
                ],
                body,
            }
        });
    let damage = prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(at, x)| (0u8, at, x)),
        (any::<Index>(), Just(0u8)).prop_map(|(at, x)| (1u8, at, x)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, x)| (2u8, at, x)),
    ];
    let damaged = (prop_oneof![stripe, shopify, kofi, discord], damage).prop_map(
        |(mut case, (how, at, x))| {
            let i = at.index(case.body.len());
            match how {
                0 => case.body[i] ^= x,
                1 => case.body.truncate(i),
                _ => case.body.push(x),
            }
            case
        },
    );
    prop_oneof![4 => damaged, 1 => discord_stale]
}

fn http_case() -> impl Strategy<Value = HttpCase> {
    let random = (
        prop_oneof![
            8 => prop::sample::select(HTTP_PATHS),
            1 => prop::sample::select(&["/webhooks/stripe/eu", "/webhooks/shopify/main", "/webhooks/paypal/main", "/webhooks/kofi/nope"][..]),
        ],
        prop::collection::vec((prop::sample::select(HTTP_HEADERS), header_value()), 0..5),
        prop_oneof![
            8 => arbitrary_bytes(),
            1 => (256usize * 1024 + 1..300 * 1024).prop_map(|n| vec![b'{'; n]),
        ],
    )
        .prop_map(|(path, headers, body)| HttpCase { path, headers, body });
    prop_oneof![3 => random, 1 => near_miss()]
}

#[actix_web::test]
async fn http_endpoints_refuse_hostile_requests_with_json_errors() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    // Round trips are slow next to a parser call: a smaller default sample.
    let requests = samples(http_case(), 64);
    let client = app.client();
    for case in &requests {
        let mut request = client.post(format!("{}{}", app.address, case.path));
        for (name, value) in &case.headers {
            let value =
                actix_web::http::header::HeaderValue::from_bytes(value).expect("valid bytes");
            request = request.insert_header((*name, value));
        }
        let mut response = request
            .send_body(case.body.clone())
            .await
            .unwrap_or_else(|e| panic!("request failed ({e}) for {}", describe(case)));
        let status = response.status().as_u16();
        let body = response.body().limit(1 << 20).await.expect("response body");
        let json: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "{status} answer is not JSON: {:?} for {}",
                String::from_utf8_lossy(&body),
                describe(case)
            )
        });
        assert!(
            matches!(status, 400 | 401 | 404 | 413),
            "status {status} {json} for {}",
            describe(case)
        );
        assert!(
            json["error"].is_string() && json["message"].is_string(),
            "{json} for {}",
            describe(case)
        );
        for secret in all_secrets() {
            assert!(!json.to_string().contains(secret), "secret in {json}");
        }
    }
    let sales = sale::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(sales, 0, "a hostile request recorded a sale");
    eprintln!("{} hostile requests refused", requests.len());
}

/// A failing request in a form that can be replayed: path, headers, body prefix.
fn describe(case: &HttpCase) -> String {
    let headers: Vec<String> = case
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {:?}", String::from_utf8_lossy(v)))
        .collect();
    format!(
        "POST {} [{}] body of {} bytes: {:?}",
        case.path,
        headers.join(", "),
        case.body.len(),
        String::from_utf8_lossy(&case.body[..case.body.len().min(300)])
    )
}

/// The other side of the stale cases above: an intact, correctly signed interaction
/// is accepted exactly when its timestamp is within five minutes of the server's
/// clock, either way, and refused as stale otherwise.
#[actix_web::test]
async fn signed_interactions_are_accepted_only_when_fresh() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    let cases = samples(
        (
            prop::sample::select(discord_vectors()),
            prop_oneof![-1000i64..=1000, -301i64..=-299, 299i64..=301],
        ),
        48,
    );
    let now = app.clock.now().timestamp();
    for ((file, _, _), skew) in cases {
        let body = discord_body(&file).to_vec();
        let (status, json) = discord_signed_at(&app, body, &(now + skew).to_string()).await;
        if skew.abs() <= 300 {
            assert_eq!(status, 200, "{file} {skew:+} s: {json}");
        } else {
            assert_eq!(status, 401, "{file} {skew:+} s: {json}");
            assert_eq!(json["error"], "stale_timestamp", "{file} {skew:+} s");
        }
    }
}

// Regressions found by the properties above

/// An interaction over the body limit was refused by actix's `Bytes` extractor with
/// a plain-text `413 payload reached size limit`, not the JSON error body.
#[actix_web::test]
async fn oversized_discord_interaction_is_a_json_413() {
    let app = spawn_app(Engine::Sqlite, &full_config("")).await;
    let limit = cozykart::http::BODY_MAX_BYTES;
    let (status, json) = post(&app, "/discord/interactions", vec![b'{'; limit + 1], &[]).await;
    assert_eq!(status, 413, "{json}");
    assert_eq!(json["error"], "body_too_large");
    // A body of exactly the limit is read and then refused for its signature.
    let (status, json) = post(&app, "/discord/interactions", vec![b'{'; limit], &[]).await;
    assert_eq!(status, 401, "{json}");
    assert_eq!(json["error"], "bad_signature");
}
