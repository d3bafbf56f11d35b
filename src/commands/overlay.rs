//! `/overlay test|hide [lobby]` (the lobby's host or an admin) and
//! `/overlay names|block|unblock` (an admin, for the whole guild): what the
//! stream overlays show, never money.

use sea_orm::TransactionTrait;

use crate::buyer_names::words::BlockedWord;
use crate::buyer_names::{store, NameMode, GUILD_WORDS_MAX};
use crate::discord::{Caller, OverlayCommand, Reply};
use crate::domain::ids::GuildId;
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{HideLatestName, SendTestSale};
use crate::locale::Locale;
use crate::money::{Currency, Money};
use crate::services::Services;

use super::goal::only_currency;
use super::lookup::{change, hosted_lobby, view};
use super::race::{refused, reply};
use super::{lobby_title, refusal};

/// The test alert's amount in a currency without minor units (JPY, KRW): a
/// plausible sale there, as 10.00 is in a currency with cents.
const TEST_AMOUNT_WITHOUT_MINOR_UNITS: i64 = 1000;

pub async fn overlay(services: &Services, caller: &Caller, command: OverlayCommand) -> Reply {
    let locale = caller.locale;
    let Some(guild) = caller.guild_id else {
        return Reply::refusal(locale.t("works-inside-server", &[]));
    };
    match command {
        OverlayCommand::Test { lobby } => reply(test(services, caller, lobby).await),
        OverlayCommand::Hide { lobby } => reply(hide(services, caller, lobby).await),
        _ if !caller.is_admin => Reply::refusal(locale.t("overlay-names-admin-only", &[])),
        OverlayCommand::Names { mode } => reply(names(services, caller, guild, &mode).await),
        OverlayCommand::Block { word } => reply(block(services, caller, guild, &word, true).await),
        OverlayCommand::Unblock { word } => {
            reply(block(services, caller, guild, &word, false).await)
        }
    }
}

/// The lobby named (or the channel's), if the caller is its host or an admin.
async fn hosted(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyEntry, Reply> {
    hosted_lobby(services, caller, lobby, "host-only-overlay").await
}

async fn test(services: &Services, caller: &Caller, lobby: Option<String>) -> Result<Reply, Reply> {
    let locale = caller.locale;
    let entry = hosted(services, caller, lobby).await?;
    let current = view(&entry, locale).await?;
    let currency = only_currency(&current.pot)
        .or(current.goal.map(Money::currency))
        .map_or_else(|| Currency::parse("USD"), Ok)
        .map_err(|_| Reply::refusal(locale.t("overlay-test-no-currency", &[])))?;
    let amount = test_amount(currency)
        .map_err(|_| Reply::refusal(locale.t("overlay-test-no-amount", &[])))?;
    let pool_delta = amount.commission(services.rates.current(caller.guild_id));
    change(&entry, SendTestSale { amount, pool_delta }, locale).await?;
    Ok(Reply::ephemeral(locale.t(
        "overlay-test-playing",
        &[
            ("money", &locale.money(amount)),
            ("lobby", &lobby_title(&current)),
        ],
    )))
}

/// 10.00 in a two-decimal currency, 1000 in one without minor units.
fn test_amount(currency: Currency) -> Result<Money, crate::money::MoneyError> {
    let minor = match currency.exponent() {
        0 => TEST_AMOUNT_WITHOUT_MINOR_UNITS,
        exponent => 10 * 10_i64.pow(exponent),
    };
    Money::from_minor(minor, currency)
}

async fn hide(services: &Services, caller: &Caller, lobby: Option<String>) -> Result<Reply, Reply> {
    let locale = caller.locale;
    let entry = hosted(services, caller, lobby).await?;
    let at = services.clock.now();
    change(&entry, HideLatestName { at }, locale).await?;
    let current = view(&entry, locale).await?;
    let lobby = lobby_title(&current);
    Ok(Reply::ephemeral(
        locale.t("overlay-hidden", &[("lobby", &lobby)]),
    ))
}

async fn names(
    services: &Services,
    caller: &Caller,
    guild: GuildId,
    mode: &str,
) -> Result<Reply, Reply> {
    let locale = caller.locale;
    let mode = match mode.trim().to_ascii_lowercase().as_str() {
        "default" => None,
        other => Some(
            NameMode::parse(other)
                .ok_or_else(|| Reply::refusal(locale.t("overlay-mode-invalid", &[])))?,
        ),
    };
    let saved = async {
        let tx = services.db.begin().await?;
        store::set_mode(&tx, guild, mode).await?;
        services.lobbies.channel().commit_settings(tx).await
    };
    saved.await.map_err(|error| unsaved(error, locale))?;
    let names = services.lobbies.buyer_names();
    names.update(guild, |g| g.mode = mode);
    Ok(Reply::public(locale.t(
        match mode {
            Some(NameMode::Public) => "overlay-names-public",
            Some(NameMode::Initials) => "overlay-names-initials",
            Some(NameMode::Off) => "overlay-names-off",
            None => "overlay-names-default",
        },
        &[],
    )))
}

async fn block(
    services: &Services,
    caller: &Caller,
    guild: GuildId,
    word: &str,
    blocked: bool,
) -> Result<Reply, Reply> {
    let locale = caller.locale;
    let unsaved = |error| unsaved(error, locale);
    let word = BlockedWord::parse(word).map_err(|e| refused(caller, refusal::word(locale, &e)))?;
    let names = services.lobbies.buyer_names();
    let own = names.guild(guild);
    let by_deployment = names.deployment_blocks(&word);
    // Blocking undoes an exemption; unblocking one of the deployment's words
    // records an exemption, one of the guild's own forgets it.
    let stored = match (blocked, by_deployment) {
        (true, true) => None,
        (true, false) => Some(true),
        (false, true) => Some(false),
        (false, false) => None,
    };
    let known = own.blocked.contains(&word) || own.allowed.contains(&word);
    if stored.is_some() && !known {
        let count = store::word_count(&services.db, guild)
            .await
            .map_err(unsaved)?;
        if count >= GUILD_WORDS_MAX {
            let max = GUILD_WORDS_MAX;
            return Err(Reply::refusal(
                locale.t("overlay-words-full", &[("max", &max)]),
            ));
        }
    }
    let saved = async {
        let tx = services.db.begin().await?;
        store::set_word(&tx, guild, &word, stored).await?;
        services.lobbies.channel().commit_settings(tx).await
    };
    saved.await.map_err(unsaved)?;
    names.update(guild, |g| {
        g.blocked.remove(&word);
        g.allowed.remove(&word);
        match stored {
            Some(true) => g.blocked.insert(word.clone()),
            Some(false) => g.allowed.insert(word.clone()),
            None => false,
        };
    });
    // The pattern holds only letters, digits, `*`, `-` and `'` (checked by its
    // parse), so a code span shows it as typed without any markdown or mention.
    let id = if blocked {
        "overlay-blocked"
    } else {
        "overlay-unblocked"
    };
    Ok(Reply::ephemeral(locale.t(id, &[("word", &word.as_str())])))
}

fn unsaved(error: sea_orm::DbErr, locale: Locale) -> Reply {
    tracing::error!(%error, "overlay name settings not saved");
    Reply::refusal(locale.t("change-unsaved", &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_amounts_suit_the_currency() {
        let amount = |code| {
            test_amount(Currency::parse(code).unwrap())
                .unwrap()
                .amount()
                .to_string()
        };
        assert_eq!(amount("USD"), "10.00");
        assert_eq!(amount("JPY"), "1000");
        assert_eq!(amount("KWD"), "10.000");
    }
}
