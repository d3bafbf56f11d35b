//! `[admin]`: the bearer token of the admin API.

use serde::Deserialize;

use super::values::{lenient, non_empty};
use super::{invalid, ConfigError};

/// Shortest admin token accepted: the admin API pays money out, so its bearer token
/// must not be guessable (24 random characters are well past brute force).
pub const ADMIN_TOKEN_MIN_CHARS: usize = 24;

#[derive(Deserialize, Default)]
pub(super) struct RawAdmin {
    #[serde(default, deserialize_with = "lenient")]
    pub(super) token: String,
}

/// `admin.token`: empty turns the admin API off; otherwise long enough to guard money.
pub(super) fn admin_token(text: &str) -> Result<Option<String>, ConfigError> {
    let token = non_empty(text);
    match &token {
        Some(t) if t.chars().count() < ADMIN_TOKEN_MIN_CHARS => Err(invalid(
            "admin.token",
            format!("must be at least {ADMIN_TOKEN_MIN_CHARS} characters (or empty to turn the admin API off)"),
        )),
        _ => Ok(token),
    }
}
