//! `[overlay]`: limits of the overlay websockets and the rules for buyer names.

use serde::Deserialize;

use super::values::{lenient, number};
use super::{invalid, ConfigError};

/// A socket costs about 10 KiB; this bounds what one limit can let in.
pub const OVERLAY_CLIENTS_LIMIT: usize = 100_000;

/// Limits of the overlay websockets.
#[derive(Clone, Debug)]
pub struct OverlayConfig {
    /// Sockets one lobby may have open (0: no limit).
    pub max_clients_per_lobby: usize,
    /// Sockets one remote address may have open (0: no limit). Behind a reverse
    /// proxy every client shares the proxy's address: raise it or set 0 there.
    pub max_clients_per_address: usize,
    /// Buyer names: `buyer_names`, `blocked_words`, `min_amount_for_name`.
    pub names: crate::buyer_names::NameRules,
}

#[derive(Deserialize)]
pub(super) struct RawOverlay {
    #[serde(default = "default_clients_per_lobby", deserialize_with = "lenient")]
    max_clients_per_lobby: String,
    #[serde(default = "default_clients_per_address", deserialize_with = "lenient")]
    max_clients_per_address: String,
    #[serde(default = "default_buyer_names", deserialize_with = "lenient")]
    buyer_names: String,
    /// `None`: the list shipped with the binary.
    #[serde(default)]
    blocked_words: Option<Vec<String>>,
    #[serde(default = "default_min_amount_for_name", deserialize_with = "lenient")]
    min_amount_for_name: String,
}

impl Default for RawOverlay {
    fn default() -> Self {
        RawOverlay {
            max_clients_per_lobby: default_clients_per_lobby(),
            max_clients_per_address: default_clients_per_address(),
            buyer_names: default_buyer_names(),
            blocked_words: None,
            min_amount_for_name: default_min_amount_for_name(),
        }
    }
}

fn default_clients_per_lobby() -> String {
    "200".to_owned()
}

fn default_buyer_names() -> String {
    "public".to_owned()
}

fn default_min_amount_for_name() -> String {
    "0".to_owned()
}

fn default_clients_per_address() -> String {
    "50".to_owned()
}

impl OverlayConfig {
    pub(super) fn validate(raw: RawOverlay) -> Result<Self, ConfigError> {
        Ok(OverlayConfig {
            max_clients_per_lobby: number(
                "overlay.max_clients_per_lobby",
                &raw.max_clients_per_lobby,
                OVERLAY_CLIENTS_LIMIT,
            )?,
            max_clients_per_address: number(
                "overlay.max_clients_per_address",
                &raw.max_clients_per_address,
                OVERLAY_CLIENTS_LIMIT,
            )?,
            names: name_rules(&raw)?,
        })
    }
}

/// `overlay.buyer_names`, `overlay.blocked_words` and `overlay.min_amount_for_name`.
fn name_rules(raw: &RawOverlay) -> Result<crate::buyer_names::NameRules, ConfigError> {
    use crate::buyer_names::{words, NameMode, NameRules};
    let mode = NameMode::parse(&raw.buyer_names).ok_or_else(|| {
        invalid(
            "overlay.buyer_names",
            format!("{:?} is not public, initials or off", raw.buyer_names),
        )
    })?;
    let blocked = match &raw.blocked_words {
        None => words::default_words(),
        Some(list) => list
            .iter()
            .map(|word| {
                words::BlockedWord::parse(word)
                    .map_err(|e| invalid("overlay.blocked_words", format!("{word:?}: {e}")))
            })
            .collect::<Result<_, _>>()?,
    };
    let min_amount: rust_decimal::Decimal =
        raw.min_amount_for_name.trim().parse().map_err(|_| {
            invalid(
                "overlay.min_amount_for_name",
                "must be a decimal such as \"5.00\"",
            )
        })?;
    if min_amount.is_sign_negative() {
        return Err(invalid(
            "overlay.min_amount_for_name",
            "must not be negative",
        ));
    }
    Ok(NameRules {
        mode,
        blocked,
        min_amount,
    })
}
