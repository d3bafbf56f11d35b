//! A payout order: the one type `/payout`, the admin API and the ledger share.
//! Where it comes from (a form of text, parsed by the payout module) and how the
//! ledger records it (its payout request holds one) live above this module;
//! what is paid, and what makes two orders the same order, is here.

use sha2::{Digest, Sha256};

use super::ids::{guild_column, GuildId, UserId};
use crate::money::Money;

/// How a payout reaches the racer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayoutMethod {
    GiftCard,
    StoreCredit,
    Manual,
}

/// Every payout method with the label Discord shows for it.
pub const METHODS: [(PayoutMethod, &str); 3] = [
    (PayoutMethod::GiftCard, "Gift card"),
    (PayoutMethod::StoreCredit, "Store credit"),
    (PayoutMethod::Manual, "Manual"),
];

impl PayoutMethod {
    /// The value stored and sent (`gift_card`).
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutMethod::GiftCard => "gift_card",
            PayoutMethod::StoreCredit => "store_credit",
            PayoutMethod::Manual => "manual",
        }
    }

    /// A method by its value (`gift_card`) or by its label as some clients send
    /// it (`Gift card`, `store-credit`); unknown text is `None`, never a default.
    pub fn parse(text: &str) -> Option<PayoutMethod> {
        let key: String = text
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        METHODS
            .iter()
            .map(|(method, _)| *method)
            .find(|method| method.as_str() == key)
    }

    /// The values of every method, for messages (`gift_card, store_credit, manual`).
    pub fn values() -> String {
        let values: Vec<&str> = METHODS.iter().map(|(m, _)| m.as_str()).collect();
        values.join(", ")
    }
}

/// Longest payout note in characters, on every entry point.
pub const NOTE_MAX_CHARS: usize = 200;

/// A payout with every part parsed: whose wallet pays, how much, how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutOrder {
    /// The guild whose balance pays (`None`: earned outside any guild).
    pub guild: Option<GuildId>,
    pub racer: UserId,
    pub amount: Money,
    pub method: PayoutMethod,
    pub note: Option<String>,
    /// Allows a payout below the threshold (never above the available balance).
    pub force: bool,
    /// The shop named to issue it as store credit (`None`: the guild's only one,
    /// or recorded when none can).
    pub shop: Option<String>,
}

impl PayoutOrder {
    /// A digest of everything the order pays, kept beside an idempotency key: the
    /// same key with another order is refused rather than answered with the first
    /// payout. Who asked, when and the threshold in force are not part of an
    /// order: a retry may differ in those.
    pub fn fingerprint(&self) -> String {
        let mut digest = Sha256::new();
        let note = self.note.as_deref().unwrap_or("");
        for part in [
            guild_column(self.guild).as_str(),
            &self.racer.to_string(),
            &self.amount.minor().to_string(),
            self.amount.currency().code(),
            self.method.as_str(),
            &note.len().to_string(),
            note,
            if self.force { "force" } else { "" },
        ] {
            // Each part ends with a byte no part holds, so parts cannot run together.
            digest.update(part.as_bytes());
            digest.update([0xff]);
        }
        // Only when named, so that orders from before shops could be named keep
        // their digest.
        if let Some(shop) = &self.shop {
            digest.update(b"shop");
            digest.update([0xff]);
            digest.update(shop.as_bytes());
            digest.update([0xff]);
        }
        hex::encode(digest.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn order(note: Option<&str>) -> PayoutOrder {
        PayoutOrder {
            guild: Some("7".parse().unwrap()),
            racer: "42".parse().unwrap(),
            amount: Money::parse("5.00", Currency::parse("USD").unwrap()).unwrap(),
            method: PayoutMethod::Manual,
            note: note.map(Into::into),
            force: false,
            shop: None,
        }
    }

    #[test]
    fn methods_parse_by_value_or_label_and_nothing_else() {
        for (method, label) in METHODS {
            assert_eq!(PayoutMethod::parse(method.as_str()), Some(method));
            assert_eq!(PayoutMethod::parse(label), Some(method));
            assert_eq!(PayoutMethod::parse(&label.to_uppercase()), Some(method));
        }
        assert_eq!(
            PayoutMethod::parse("store-credit"),
            Some(PayoutMethod::StoreCredit)
        );
        assert_eq!(PayoutMethod::parse("paypal"), None);
        assert_eq!(PayoutMethod::parse(""), None);
    }

    #[test]
    fn orders_that_pay_the_same_have_one_fingerprint_and_others_another() {
        assert_eq!(order(None).fingerprint(), order(None).fingerprint());
        assert_eq!(order(None).fingerprint(), order(Some("")).fingerprint());
        let others = [
            PayoutOrder {
                guild: None,
                ..order(None)
            },
            PayoutOrder {
                force: true,
                ..order(None)
            },
            PayoutOrder {
                method: PayoutMethod::GiftCard,
                ..order(None)
            },
            order(Some("x")),
            PayoutOrder {
                shop: Some("main".into()),
                ..order(None)
            },
        ];
        for other in others {
            assert_ne!(other.fingerprint(), order(None).fingerprint(), "{other:?}");
        }
    }
}
