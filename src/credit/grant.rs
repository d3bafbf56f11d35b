//! One grant of store credit and what a shop answers for it: the words the ledger
//! and each provider's client share (kept apart from the client that dispatches
//! to the providers, so that each provider depends on these and nothing above).

use std::fmt;

use crate::domain::ids::{GuildId, UserId};
use crate::money::Money;

/// One issue of store credit, as the ledger reserved it.
#[derive(Clone, PartialEq, Eq)]
pub struct CreditGrant {
    pub payout_id: i64,
    /// Chosen by us when the amount was reserved and stored with it, so every retry
    /// asks for the same object: Stripe: the promotion code `KART-XXXX-XXXX`;
    /// Shopify: the gift card code (16 letters/digits, e.g. `KART` + 12).
    pub code: String,
    pub amount: Money,
    pub racer: UserId,
    pub guild: Option<GuildId>,
}

/// What the provider holds for a grant.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCredit {
    /// The provider's object id (Stripe promotion code id `promo_...`; Shopify gift
    /// card GID `gid://shopify/GiftCard/...`).
    pub provider_ref: String,
    /// The code the racer types at checkout.
    pub code: String,
}

/// Why a provider did not issue (or could not say whether it holds) a grant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider answered and refused (4xx, GraphQL userErrors): issuing again
    /// will not help. Text = what the provider said.
    #[error("{0}")]
    Refused(String),
    /// No answer that settles it (5xx, time-out, connection refused, throttled,
    /// unreadable answer): may have been created; ask again.
    #[error("{0}")]
    Unavailable(String),
}

/// Codes as admins and logs see them: the last four characters (the ledger's
/// rule, one for every view).
pub(super) use crate::ledger::masked_code;

/// The code is the racer's credit: Debug output (logs, panics) shows it masked.
impl fmt::Debug for CreditGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreditGrant")
            .field("payout_id", &self.payout_id)
            .field("code", &masked_code(&self.code))
            .field("amount", &self.amount)
            .field("racer", &self.racer)
            .field("guild", &self.guild)
            .finish()
    }
}

impl fmt::Debug for IssuedCredit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredit")
            .field("provider_ref", &self.provider_ref)
            .field("code", &masked_code(&self.code))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn codes_are_masked_but_for_their_last_four() {
        assert_eq!(masked_code("KART-AB12-CD34"), "••••CD34");
        assert_eq!(masked_code("KART1234ABCD5678"), "••••5678");
        assert_eq!(masked_code("ÄB"), "••••ÄB");
    }

    #[test]
    fn debug_output_never_shows_a_whole_code() {
        let grant = CreditGrant {
            payout_id: 7,
            code: "KART-AB12-CD34".to_owned(),
            amount: Money::parse("12.50", Currency::parse("USD").unwrap()).unwrap(),
            racer: "42".parse().unwrap(),
            guild: None,
        };
        let issued = IssuedCredit {
            provider_ref: "promo_1".to_owned(),
            code: grant.code.clone(),
        };
        for text in [format!("{grant:?}"), format!("{issued:?}")] {
            assert!(!text.contains("AB12"), "{text}");
            assert!(text.contains("CD34"), "{text}");
        }
    }
}
