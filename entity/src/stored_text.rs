//! Text forms of the stored enums beyond what `DeriveActiveEnum` gives: `parse`
//! for configuration and webhook paths, `as_str` for labels and replies.
//! Both read the `string_value`s of the derive, so no second text map can drift
//! from what is stored; unknown text is `None`, never a default.

use std::fmt;
use std::sync::OnceLock;

use sea_orm::{ActiveEnum, Iterable};

use crate::sea_orm_active_enums::{PayoutMethod, PayoutState, Provider};

/// The stored text of `value`, read once from its enum's derive into `texts`.
fn stored_text<E>(texts: &'static OnceLock<Vec<(E, String)>>, value: E) -> &'static str
where
    E: ActiveEnum<Value = String> + Iterable + Copy + PartialEq + Send + Sync,
{
    texts
        .get_or_init(|| E::iter().map(|v| (v, v.to_value())).collect())
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, text)| text.as_str())
        .expect("EnumIter yields every variant")
}

/// The variant whose stored text is exactly `text`.
fn from_stored<E: ActiveEnum<Value = String>>(text: &str) -> Option<E> {
    E::try_from_value(&text.to_owned()).ok()
}

impl Provider {
    /// Parses a provider name as stored and configured (`stripe`, `shopify`, `kofi`).
    pub fn parse(text: &str) -> Option<Provider> {
        from_stored(text)
    }

    pub fn as_str(self) -> &'static str {
        static TEXTS: OnceLock<Vec<(Provider, String)>> = OnceLock::new();
        stored_text(&TEXTS, self)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PayoutMethod {
    /// The stored text (`gift_card`); what admins may type is parsed by the
    /// server's payout module, never here.
    pub fn as_str(self) -> &'static str {
        static TEXTS: OnceLock<Vec<(PayoutMethod, String)>> = OnceLock::new();
        stored_text(&TEXTS, self)
    }
}

impl PayoutState {
    /// The stored text (`paid`, `reserved`, `released`).
    pub fn as_str(self) -> &'static str {
        static TEXTS: OnceLock<Vec<(PayoutState, String)>> = OnceLock::new();
        stored_text(&TEXTS, self)
    }
}
