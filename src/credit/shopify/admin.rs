//! Shopify's Admin GraphQL endpoint: one request with the store's token, and what
//! its status, its top-level `errors` or an unreadable body mean for a grant.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::credit::grant::ProviderError;

/// The Admin API version asked for (Shopify supports each for a year; 2025-07 has
/// `giftCardCreate` with `giftCardCode` and `giftCards(query:)` searching codes).
const ADMIN_API_VERSION: &str = "2025-07";

/// Largest answer read: a few cards' fields; past it the answer is not Shopify's.
const ANSWER_MAX_BYTES: usize = 256 * 1024;

/// Characters of an answer's body quoted in a refusal.
const EXCERPT_MAX_CHARS: usize = 200;

/// A store's Admin GraphQL API with its access token.
pub(super) struct AdminApi {
    /// Sends each request once, without following redirects (the token must go to
    /// the store's admin only); `Err`: it could not be built, every call says so.
    http: Result<reqwest::Client, String>,
    /// `{admin_url}/admin/api/{ADMIN_API_VERSION}/graphql.json`.
    endpoint: url::Url,
    /// Sent as `X-Shopify-Access-Token`; never logged.
    token: String,
}

#[derive(Deserialize)]
struct Answer<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

#[derive(Deserialize)]
struct GraphqlError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
struct Extensions {
    code: Option<String>,
}

impl AdminApi {
    /// No I/O; each request gives up after `deadline`.
    pub(super) fn new(admin_url: &url::Url, admin_token: &str, deadline: Duration) -> AdminApi {
        let http = reqwest::Client::builder()
            .timeout(deadline)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| format!("the HTTP client could not be built: {error}"));
        let mut endpoint = admin_url.clone();
        endpoint.set_query(None);
        endpoint.set_fragment(None);
        let path = format!(
            "{}/admin/api/{ADMIN_API_VERSION}/graphql.json",
            endpoint.path().trim_end_matches('/')
        );
        endpoint.set_path(&path);
        AdminApi {
            http,
            endpoint,
            token: admin_token.to_owned(),
        }
    }

    /// One GraphQL request: its `data`, or what the status, the top-level `errors`
    /// or an unreadable body mean for the grant.
    pub(super) async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T, ProviderError> {
        let http = self.http.as_ref().map_err(|why| {
            ProviderError::Unavailable(format!("Shopify could not be asked: {why}"))
        })?;
        let mut response = http
            .post(self.endpoint.clone())
            .header("X-Shopify-Access-Token", &self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(json!({ "query": query, "variables": variables }).to_string())
            .send()
            .await
            .map_err(|error| {
                ProviderError::Unavailable(format!(
                    "Shopify could not be reached: {}",
                    causes(&error)
                ))
            })?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| {
            ProviderError::Unavailable(format!("Shopify's answer was cut off: {}", causes(&error)))
        })? {
            if body.len() + chunk.len() > ANSWER_MAX_BYTES {
                return Err(ProviderError::Unavailable(format!(
                    "Shopify's answer is over {ANSWER_MAX_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(ProviderError::Unavailable(format!(
                "Shopify answered {status}"
            )));
        }
        if !status.is_success() {
            return Err(ProviderError::Refused(format!(
                "Shopify refused: {} {}",
                status.as_u16(),
                excerpt(&body)
            )));
        }
        let answer: Answer<T> = serde_json::from_slice(&body).map_err(|error| {
            ProviderError::Unavailable(format!("Shopify's answer could not be read: {error}"))
        })?;
        if !answer.errors.is_empty() {
            return Err(top_level_errors(&answer.errors));
        }
        answer.data.ok_or_else(|| {
            ProviderError::Unavailable("Shopify answered no data and no error".into())
        })
    }
}

/// Top-level GraphQL errors: throttling and Shopify's own failures settle nothing;
/// others (access denied, a query it does not know) are refusals.
fn top_level_errors(errors: &[GraphqlError]) -> ProviderError {
    let said = errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let passing = errors.iter().any(|e| {
        matches!(
            e.extensions.as_ref().and_then(|x| x.code.as_deref()),
            Some("THROTTLED" | "INTERNAL_SERVER_ERROR")
        )
    });
    if passing {
        ProviderError::Unavailable(format!("Shopify: {said}"))
    } else {
        ProviderError::Refused(said)
    }
}

/// The start of a body, on one line, for a refusal's text.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_MAX_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// An error with its causes (reqwest's own text stops at "error sending request").
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}
