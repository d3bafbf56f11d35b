//! `[database]`: the database URL and the channel on which processes sharing one
//! PostgreSQL database hear each other's lobby changes.

use serde::Deserialize;

use super::values::lenient;
use super::{invalid, ConfigError};

#[derive(Deserialize)]
pub(super) struct RawDatabase {
    #[serde(deserialize_with = "lenient")]
    pub(super) url: String,
    #[serde(default = "default_channel", deserialize_with = "lenient")]
    pub(super) channel: String,
}

/// The default `database.channel`. Notifications are scoped to one database, so
/// deployments on separate databases never hear each other with it; only two
/// deployments sharing one database need names of their own.
pub const DEFAULT_CHANNEL: &str = "cozykart_lobbies";
/// PostgreSQL identifiers are at most 63 bytes.
pub const CHANNEL_MAX_CHARS: usize = 63;

fn default_channel() -> String {
    DEFAULT_CHANNEL.to_owned()
}

/// A channel name: 1 to 63 lowercase letters, digits or `_`, not starting with
/// a digit (an identifier that needs no quoting anywhere).
pub(super) fn channel_name(raw: &str) -> Result<String, ConfigError> {
    let name = raw.trim();
    let valid = !name.is_empty()
        && name.len() <= CHANNEL_MAX_CHARS
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(invalid(
            "database.channel",
            "must be 1 to 63 characters of a-z, 0-9 and _, not starting with a digit",
        ))
    }
}

/// `database.url`: a `sqlite:` or `postgres://` (`postgresql://`) URL.
pub(super) fn database_url(text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim();
    // The text is never echoed: it may hold a password.
    let url = url::Url::parse(trimmed)
        .map_err(|error| invalid("database.url", format!("is not a valid URL ({error})")))?;
    if matches!(url.scheme(), "sqlite" | "postgres" | "postgresql") {
        Ok(trimmed.to_owned())
    } else {
        Err(invalid(
            "database.url",
            "must start with sqlite: or postgres://",
        ))
    }
}
