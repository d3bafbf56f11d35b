//! `[log]`: how log lines are written.

use serde::Deserialize;

use super::values::lenient;
use super::{invalid, ConfigError};

/// How log lines are written (`[log]`).
#[derive(Clone, Debug, Default)]
pub struct LogConfig {
    pub format: LogFormat,
}

/// `log.format`: lines for people, or one JSON object per line for log shippers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Deserialize, Default)]
pub(super) struct RawLog {
    #[serde(default, deserialize_with = "lenient")]
    format: String,
}

/// `log.format`: `text` (the default, also when empty) or `json`.
fn log_format(text: &str) -> Result<LogFormat, ConfigError> {
    match text.trim() {
        "" | "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(invalid(
            "log.format",
            format!("{other:?} is not text or json"),
        )),
    }
}

impl LogConfig {
    pub(super) fn validate(raw: RawLog) -> Result<Self, ConfigError> {
        Ok(LogConfig {
            format: log_format(&raw.format)?,
        })
    }
}
