//! Shop webhooks: signature checks and parsers that turn Stripe, Shopify and Ko-fi
//! deliveries into provider-neutral [`ShopEvent`](crate::sale::ShopEvent)s.
//!
//! Every parser works on the raw body bytes as received. Verification always comes
//! first; nothing in a body is trusted or acted on before it passed.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::domain::ids::LobbyCode;
use crate::money::{Money, MoneyError};

pub mod kofi;
pub mod shopify;
pub mod stripe;

/// Why a webhook delivery was refused. Messages never carry a secret, a token or
/// the body itself, only the name of what was wrong and at most a short excerpt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Missing or malformed signature header, no matching signature, wrong token.
    #[error("signature rejected: {0}")]
    BadSignature(&'static str),
    /// The signature matched but its timestamp is outside the replay window.
    #[error("signature timestamp is outside the allowed window")]
    StaleTimestamp,
    /// The body is not the JSON or form the provider documents.
    #[error("malformed body: {0}")]
    Malformed(String),
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// Zero, negative, too precise or out of range.
    #[error("invalid amount: {0}")]
    InvalidAmount(String),
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
}

impl WebhookError {
    /// Stable snake_case code for responses, logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::BadSignature(_) => "bad_signature",
            WebhookError::StaleTimestamp => "stale_timestamp",
            WebhookError::Malformed(_) => "malformed_body",
            WebhookError::MissingField(_) => "missing_field",
            WebhookError::InvalidAmount(_) => "invalid_amount",
            WebhookError::UnknownCurrency(_) => "unknown_currency",
        }
    }
}

impl From<MoneyError> for WebhookError {
    fn from(err: MoneyError) -> Self {
        match err {
            MoneyError::UnknownCurrency(code) => WebhookError::UnknownCurrency(code),
            other => WebhookError::InvalidAmount(other.to_string()),
        }
    }
}

/// Equality of two byte strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Lengths are public (a digest size or a token format); contents are not.
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// HMAC-SHA256 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Configured secrets that can actually be used: an empty secret (an unset
/// environment variable) must never turn into an empty HMAC key or token.
pub(crate) fn usable_secrets(secrets: &[String]) -> impl Iterator<Item = &str> {
    secrets.iter().map(|s| s.as_str()).filter(|s| !s.is_empty())
}

/// Metadata keys, cart attributes and the like that name a lobby, in precedence order.
pub(crate) const LOBBY_KEYS: &[&str] = &["lobby", "cozy_kart_lobby_id"];

/// Longest lobby reference taken from provider metadata.
const TAG_MAX: usize = 64;

/// The lobby named under the first of [`LOBBY_KEYS`] that `lookup` finds with a
/// usable value.
pub(crate) fn lobby_tag_by_key(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    LOBBY_KEYS
        .iter()
        .find_map(|key| lookup(key).and_then(|v| clean_tag(&v)))
}

/// A lobby reference from a metadata field or cart attribute: trimmed, non-empty,
/// short and printable; anything else is treated as absent.
pub(crate) fn clean_tag(value: &str) -> Option<String> {
    let value = value.trim();
    let ok = !value.is_empty()
        && value.chars().count() <= TAG_MAX
        && !value.chars().any(char::is_control);
    ok.then(|| value.to_string())
}

/// A lobby code written in any case (`k7qx`), returned upper-case as a tag;
/// anything that is no [`LobbyCode`] is no tag.
pub(crate) fn lobby_code(text: &str) -> Option<String> {
    text.parse::<LobbyCode>().ok().map(|code| code.to_string())
}

/// The first `#CODE` in free text (a Ko-fi message): `#` followed by 4 to 8 ASCII
/// letters or digits standing as a word of its own, returned upper-case.
pub(crate) fn lobby_tag_in_text(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for (at, _) in text.match_indices('#') {
        if at > 0 && is_word(bytes[at - 1]) {
            continue;
        }
        let rest = &bytes[at + 1..];
        let len = rest.iter().take_while(|&&b| is_word(b)).count();
        let code = &rest[..len];
        if (4..=8).contains(&len) && code.iter().all(u8::is_ascii_alphanumeric) {
            return Some(String::from_utf8_lossy(code).to_ascii_uppercase());
        }
    }
    None
}

/// A trimmed, non-empty string, else `None`.
pub(crate) fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Refuses zero and negative amounts: a sale or refund of nothing is an error.
pub(crate) fn positive(amount: Money) -> Result<Money, WebhookError> {
    if amount.is_positive() {
        Ok(amount)
    } else {
        Err(WebhookError::InvalidAmount(format!(
            "{amount} is not positive"
        )))
    }
}

/// Parses an ISO 8601 time with offset (`2025-10-09T10:53:20+02:00`, `…Z`) into
/// UTC; a time without offset is read as UTC.
pub(crate) fn parse_time(field: &'static str, text: &str) -> Result<DateTime<Utc>, WebhookError> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| WebhookError::Malformed(format!("{field} is not an ISO 8601 time")))
}

/// A `Malformed` error for a serde failure that names the problem and its place but
/// never echoes the body (syntax errors) and only a short excerpt otherwise.
pub(crate) fn malformed_json(what: &str, err: &serde_json::Error) -> WebhookError {
    use serde_json::error::Category;
    let detail = match err.classify() {
        Category::Data => err.to_string().chars().take(160).collect::<String>(),
        Category::Eof => "unexpected end of input".to_string(),
        Category::Syntax | Category::Io => {
            format!(
                "invalid JSON at line {} column {}",
                err.line(),
                err.column()
            )
        }
    };
    WebhookError::Malformed(format!("{what}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let cases = [
            (WebhookError::BadSignature("x"), "bad_signature"),
            (WebhookError::StaleTimestamp, "stale_timestamp"),
            (WebhookError::Malformed("x".into()), "malformed_body"),
            (WebhookError::MissingField("id"), "missing_field"),
            (WebhookError::InvalidAmount("0".into()), "invalid_amount"),
            (
                WebhookError::UnknownCurrency("xyz".into()),
                "unknown_currency",
            ),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code);
        }
    }

    #[test]
    fn lobby_tags_in_free_text() {
        assert_eq!(lobby_tag_in_text("go #ab12 go"), Some("AB12".into()));
        assert_eq!(lobby_tag_in_text("#KART2025!"), Some("KART2025".into()));
        assert_eq!(
            lobby_tag_in_text("#abc #toolongcode #Mochi"),
            Some("MOCHI".into())
        );
        assert_eq!(lobby_tag_in_text("C#ABCD or #ab_cd"), None);
        assert_eq!(lobby_tag_in_text("lobby_test_0420, no hash"), None);
        assert_eq!(lobby_tag_in_text("#é12345"), None);
        assert_eq!(lobby_tag_in_text("#"), None);
    }

    #[test]
    fn lobby_codes_in_any_case() {
        assert_eq!(lobby_code("K7QX"), Some("K7QX".into()));
        assert_eq!(lobby_code("k7qx"), Some("K7QX".into()));
        for not_a_code in [
            "2345", "K7Q", "K7QXY", "K7Q0", "K1QX", "KIQX", " K7QX", "K7-X", "é7QX",
        ] {
            assert_eq!(lobby_code(not_a_code), None, "{not_a_code}");
        }
    }

    #[test]
    fn helpers() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert_eq!(clean_tag("  lobby_1 "), Some("lobby_1".into()));
        assert_eq!(clean_tag("   "), None);
        assert_eq!(clean_tag(&"x".repeat(65)), None);
        let t = parse_time("t", "2025-10-09T10:53:20+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-10-09T08:53:20+00:00");
        assert!(parse_time("t", "yesterday").is_err());
        let empty = vec![String::new(), "k".to_string()];
        assert_eq!(usable_secrets(&empty).collect::<Vec<_>>(), vec!["k"]);
    }
}
