//! Raw values as figment hands them over: any scalar read as text (so that money
//! never passes through a float), lists of such, and the checks every section
//! shares (a value given, a whole number under its limit).

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::{invalid, ConfigError};

/// A list of strings or numbers (guild ids fit neither TOML integers nor floats
/// safely everywhere, so both forms are read as text).
pub(super) fn lenient_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Item(#[serde(deserialize_with = "lenient")] String);
    let items: Vec<Item> = Vec::deserialize(deserializer)?;
    Ok(items.into_iter().map(|Item(text)| text).collect())
}

/// A scalar read as text by [`lenient`], where it is the value of a table.
#[derive(Deserialize)]
#[serde(transparent)]
pub(super) struct Text(#[serde(deserialize_with = "lenient")] pub(super) String);

/// Reads any scalar as text: environment values arrive typed by guesswork
/// (`0.20` would become a float), and money must never pass through a float.
pub(super) fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Text;
    impl Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string, number or boolean")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            // Shortest text that reads back as this float: "0.2" for 0.2.
            Ok(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    deserializer.deserialize_any(Text)
}

pub(super) fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// `true` or `false` under `key` (any case); anything else is refused.
pub(super) fn boolean(key: &str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(key, format!("{text:?} is neither true nor false"))),
    }
}

/// A Discord id (a snowflake) under `key`.
pub(super) fn snowflake<T: std::str::FromStr>(key: &str, text: &str) -> Result<T, ConfigError> {
    text.trim()
        .parse()
        .map_err(|_| invalid(key, format!("{text:?} is not a Discord id")))
}

pub(super) fn number<T>(key: &str, text: &str, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let value: T = text
        .trim()
        .parse()
        .map_err(|_| invalid(key, format!("{text:?} is not a whole number")))?;
    if value > max {
        return Err(invalid(key, format!("{value} is above the limit {max}")));
    }
    Ok(value)
}
