//! Why a layer below refused (a lobby, the ledger, a payout form, a shop, a
//! blocked word, an amount), written in the caller's language. Each error's
//! `Display` is its English text, kept for logs and the HTTP API; the English
//! catalogue says the same words (a test holds them together). A variant no
//! Discord command can reach is shown by its `Display`.

use crate::buyer_names::words::{WordError, WORD_MAX_CHARS};
use crate::credit::CreditRefusal;
use crate::ledger::PayoutRefusal;
use crate::lobby::{LobbyError, NameError, NAME_MAX_CHARS};
use crate::locale::Locale;
use crate::money::{Money, MoneyError};
use crate::payout::{PayoutFormError, NOTE_MAX_CHARS};

pub(super) fn lobby(locale: Locale, error: &LobbyError) -> String {
    let count = |id: &str, count: &usize| locale.t(id, &[("count", count)]);
    match error {
        LobbyError::Full(racers) => count("lobby-full", racers),
        LobbyError::AlreadyJoined => locale.t("lobby-already-joined", &[]),
        LobbyError::NotJoined => locale.t("lobby-not-joined", &[]),
        LobbyError::AlreadyOpen => locale.t("lobby-already-open", &[]),
        LobbyError::NotOpen => locale.t("lobby-not-open", &[]),
        LobbyError::GuildFull(lobbies) => count("lobby-guild-full", lobbies),
        LobbyError::TooManyThisHour(lobbies) => count("lobby-too-many-this-hour", lobbies),
        LobbyError::NoNameToHide => locale.t("lobby-no-name-to-hide", &[]),
        LobbyError::Database(_) | LobbyError::CodeTaken => error.to_string(),
    }
}

pub(super) fn lobby_name(locale: Locale, error: NameError) -> String {
    match error {
        NameError::Control => locale.t("lobby-name-control", &[]),
        NameError::Length => locale.t("lobby-name-length", &[("max", &NAME_MAX_CHARS)]),
    }
}

/// A money rule of the ledger; both amounts of a rule are in the payout's currency.
pub(super) fn payout(locale: Locale, refusal: &PayoutRefusal) -> String {
    let two = |id: &str, (a, a_name): (Money, &str), (b, b_name): (Money, &str)| {
        locale.t(
            id,
            &[
                (a_name, &locale.amount(a)),
                (b_name, &locale.amount(b)),
                ("currency", &a.currency().code()),
            ],
        )
    };
    match refusal {
        PayoutRefusal::NotPositive => locale.t("payout-not-positive", &[]),
        PayoutRefusal::OverAvailable {
            requested,
            available,
        } => two(
            "payout-over-available",
            (*requested, "requested"),
            (*available, "available"),
        ),
        PayoutRefusal::BelowThreshold {
            requested,
            threshold,
        } => two(
            "payout-below-threshold",
            (*requested, "requested"),
            (*threshold, "threshold"),
        ),
        PayoutRefusal::KeyReused => locale.t("payout-key-reused", &[]),
    }
}

pub(super) fn payout_form(locale: Locale, error: &PayoutFormError) -> String {
    match error {
        PayoutFormError::Currency(error) => money(locale, error),
        PayoutFormError::Amount { text, error } => locale.t(
            "payout-bad-amount",
            &[("text", text), ("reason", &money(locale, error))],
        ),
        PayoutFormError::Method { given, allowed } => locale.t(
            "payout-bad-method",
            &[("allowed", allowed), ("given", given)],
        ),
        PayoutFormError::NoEarnings => locale.t("payout-racer-no-earnings", &[]),
        PayoutFormError::SeveralCurrencies => locale.t("payout-several-currencies", &[]),
        PayoutFormError::NoteTooLong => {
            locale.t("payout-note-too-long", &[("max", &NOTE_MAX_CHARS)])
        }
        PayoutFormError::SeveralGuilds
        | PayoutFormError::Racer(_)
        | PayoutFormError::Guild(_)
        | PayoutFormError::IdempotencyKey => error.to_string(),
    }
}

pub(super) fn credit(locale: Locale, refusal: &CreditRefusal) -> String {
    match refusal {
        CreditRefusal::UnknownShop(shop) => locale.t("credit-unknown-shop", &[("shop", shop)]),
        CreditRefusal::SeveralShops(shops) => locale.t("credit-several-shops", &[("shops", shops)]),
        CreditRefusal::ManualWithShop => locale.t("credit-manual-with-shop", &[]),
        CreditRefusal::Currency {
            shop,
            issues,
            asked,
        } => locale.t(
            "credit-currency",
            &[
                ("shop", shop),
                ("issues", &issues.code()),
                ("asked", &asked.code()),
            ],
        ),
        CreditRefusal::ShopUnavailable { shop, said } => {
            locale.t("credit-shop-unavailable", &[("shop", shop), ("said", said)])
        }
    }
}

pub(super) fn word(locale: Locale, error: &WordError) -> String {
    match error {
        WordError::TooShort => locale.t("word-too-short", &[]),
        WordError::TooLong => locale.t("word-too-long", &[("max", &WORD_MAX_CHARS)]),
        WordError::Characters => locale.t("word-characters", &[]),
    }
}

pub(super) fn money(locale: Locale, error: &MoneyError) -> String {
    match error {
        MoneyError::UnknownCurrency(code) => {
            locale.t("money-unknown-currency", &[("code", &format!("{code:?}"))])
        }
        MoneyError::TooPrecise {
            amount,
            currency,
            exponent,
        } => locale.t(
            "money-too-precise",
            &[
                ("amount", amount),
                ("currency", currency),
                ("exponent", exponent),
            ],
        ),
        MoneyError::NotANumber(text) => {
            locale.t("money-not-a-number", &[("text", &format!("{text:?}"))])
        }
        MoneyError::OutOfRange(amount) => locale.t("money-out-of-range", &[("amount", amount)]),
        MoneyError::BadRate(rate) => locale.t("money-bad-rate", &[("rate", rate)]),
        MoneyError::NotPositive(_) | MoneyError::CurrencyMismatch(..) => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(amount: &str) -> Money {
        Money::parse(amount, Currency::parse("USD").unwrap()).unwrap()
    }

    /// English reads exactly as each error's own text, as the replies did before
    /// they were localised.
    #[test]
    fn english_refusals_are_the_errors_own_words() {
        let en = Locale::En;
        let money_errors = [
            Currency::parse("XYZ").unwrap_err(),
            Money::parse("1.005", Currency::parse("USD").unwrap()).unwrap_err(),
            Money::parse("abc", Currency::parse("USD").unwrap()).unwrap_err(),
            MoneyError::OutOfRange("1e20".into()),
            crate::money::Rate::parse("2").unwrap_err(),
        ];
        for error in &money_errors {
            assert_eq!(money(en, error), error.to_string());
        }
        let lobby_errors = [
            LobbyError::Full(8),
            LobbyError::AlreadyJoined,
            LobbyError::NotJoined,
            LobbyError::AlreadyOpen,
            LobbyError::NotOpen,
            LobbyError::GuildFull(50),
            LobbyError::TooManyThisHour(3),
            LobbyError::NoNameToHide,
            LobbyError::CodeTaken,
        ];
        for error in &lobby_errors {
            assert_eq!(lobby(en, error), error.to_string());
        }
        for error in [NameError::Control, NameError::Length] {
            assert_eq!(lobby_name(en, error), error.to_string());
        }
        let refusals = [
            PayoutRefusal::NotPositive,
            PayoutRefusal::OverAvailable {
                requested: usd("50.00"),
                available: usd("20.00"),
            },
            PayoutRefusal::BelowThreshold {
                requested: usd("5.00"),
                threshold: usd("20.00"),
            },
            PayoutRefusal::KeyReused,
        ];
        for refusal in &refusals {
            assert_eq!(payout(en, refusal), refusal.to_string());
        }
        let forms = [
            PayoutFormError::Currency(money_errors[0].clone()),
            PayoutFormError::Amount {
                text: "1.005".into(),
                error: money_errors[1].clone(),
            },
            PayoutFormError::Method {
                given: "crypto".into(),
                allowed: "gift_card, store_credit, manual".into(),
            },
            PayoutFormError::NoEarnings,
            PayoutFormError::SeveralCurrencies,
            PayoutFormError::NoteTooLong,
            PayoutFormError::SeveralGuilds,
        ];
        for form in &forms {
            assert_eq!(payout_form(en, form), form.to_string());
        }
        let usd_code = Currency::parse("USD").unwrap();
        let shops = [
            CreditRefusal::UnknownShop("eu".into()),
            CreditRefusal::SeveralShops("eu, main".into()),
            CreditRefusal::ManualWithShop,
            CreditRefusal::Currency {
                shop: "eu".into(),
                issues: usd_code,
                asked: Currency::parse("JPY").unwrap(),
            },
            CreditRefusal::ShopUnavailable {
                shop: "eu".into(),
                said: "timed out".into(),
            },
        ];
        for refusal in &shops {
            assert_eq!(credit(en, refusal), refusal.to_string());
        }
        for error in [
            WordError::TooShort,
            WordError::TooLong,
            WordError::Characters,
        ] {
            assert_eq!(word(en, &error), error.to_string());
        }
    }

    #[test]
    fn other_languages_write_the_amounts_their_way() {
        let refusal = PayoutRefusal::BelowThreshold {
            requested: usd("5.00"),
            threshold: usd("1250.00"),
        };
        let german = payout(Locale::De, &refusal);
        assert!(
            german.contains("5,00 USD") && german.contains("1.250,00 USD"),
            "{german}"
        );
        let japanese = payout(Locale::Ja, &refusal);
        assert!(japanese.contains("USD 1,250.00"), "{japanese}");
    }
}
