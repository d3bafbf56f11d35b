//! `/overlay test|hide [lobby]` (the lobby's host or an admin) and
//! `/overlay names|block|unblock` (an admin, for the whole guild): what the
//! stream overlays show, never money.

use crate::buyer_names::words::BlockedWord;
use crate::buyer_names::{store, NameMode, GUILD_WORDS_MAX};
use crate::discord::{Caller, OverlayCommand, Reply};
use crate::domain::ids::GuildId;
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{HideLatestName, SendTestSale};
use crate::money::{Currency, Money};
use crate::services::Services;

use super::goal::only_currency;
use super::lobby_title;
use super::lookup::{change, hosted_lobby, view};
use super::race::reply;

/// The test alert's amount in a currency without minor units (JPY, KRW): a
/// plausible sale there, as 10.00 is in a currency with cents.
const TEST_AMOUNT_WITHOUT_MINOR_UNITS: i64 = 1000;

pub async fn overlay(services: &Services, caller: &Caller, command: OverlayCommand) -> Reply {
    let Some(guild) = caller.guild_id else {
        return Reply::refusal("Cozy-Kart works inside a server.");
    };
    match command {
        OverlayCommand::Test { lobby } => reply(test(services, caller, lobby).await),
        OverlayCommand::Hide { lobby } => reply(hide(services, caller, lobby).await),
        _ if !caller.is_admin => {
            Reply::refusal("Only admins can change how overlays show buyer names.")
        }
        OverlayCommand::Names { mode } => reply(names(services, guild, &mode).await),
        OverlayCommand::Block { word } => reply(block(services, guild, &word, true).await),
        OverlayCommand::Unblock { word } => reply(block(services, guild, &word, false).await),
    }
}

/// The lobby named (or the channel's), if the caller is its host or an admin.
async fn hosted(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyEntry, Reply> {
    let refusal = "Only the lobby's host or an admin can do that to its overlays.";
    hosted_lobby(services, caller, lobby, refusal.to_owned()).await
}

async fn test(services: &Services, caller: &Caller, lobby: Option<String>) -> Result<Reply, Reply> {
    let entry = hosted(services, caller, lobby).await?;
    let current = view(&entry).await?;
    let currency = only_currency(&current.pot)
        .or(current.goal.map(Money::currency))
        .map_or_else(|| Currency::parse("USD"), Ok)
        .map_err(|_| Reply::refusal("No currency for the test sale."))?;
    let amount =
        test_amount(currency).map_err(|_| Reply::refusal("No sample amount in this currency."))?;
    let pool_delta = amount.commission(services.rates.current(caller.guild_id));
    change(&entry, SendTestSale { amount, pool_delta }).await?;
    Ok(Reply::ephemeral(format!(
        "🧪 A test sale of {} {} is playing on the overlays of {}. The pot, the goal and the sales list are unchanged.",
        currency.code(),
        amount.amount(),
        lobby_title(&current)
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
    let entry = hosted(services, caller, lobby).await?;
    let at = services.clock.now();
    change(&entry, HideLatestName { at }).await?;
    let current = view(&entry).await?;
    Ok(Reply::ephemeral(format!(
        "The latest buyer name is off every overlay of {}; it shows as someone from now on.",
        lobby_title(&current)
    )))
}

async fn names(services: &Services, guild: GuildId, mode: &str) -> Result<Reply, Reply> {
    let mode = match mode.trim().to_ascii_lowercase().as_str() {
        "default" => None,
        other => Some(NameMode::parse(other).ok_or_else(|| {
            Reply::refusal("The mode is one of public, initials, off or default.")
        })?),
    };
    store::set_mode(&services.db, guild, mode)
        .await
        .map_err(unsaved)?;
    let names = services.lobbies.buyer_names();
    names.update(guild, |g| g.mode = mode);
    Ok(Reply::public(match mode {
        Some(NameMode::Public) => {
            "Overlays here show buyers' names as they give them (cleaned and filtered).".to_owned()
        }
        Some(NameMode::Initials) => "Overlays here show buyers' initials only (J. D.).".to_owned(),
        Some(NameMode::Off) => "Overlays here show every buyer as someone.".to_owned(),
        None => "Overlays here show buyer names as the server's configuration says.".to_owned(),
    }))
}

async fn block(
    services: &Services,
    guild: GuildId,
    word: &str,
    blocked: bool,
) -> Result<Reply, Reply> {
    let word = BlockedWord::parse(word).map_err(|e| Reply::refusal(format!("Refused: {e}.")))?;
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
            return Err(Reply::refusal(format!(
                "This server has {GUILD_WORDS_MAX} words already; unblock one first."
            )));
        }
    }
    store::set_word(&services.db, guild, &word, stored)
        .await
        .map_err(unsaved)?;
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
    Ok(Reply::ephemeral(if blocked {
        format!(
            "Buyer names matching `{}` show as someone on this server's overlays.",
            word.as_str()
        )
    } else {
        format!(
            "`{}` is no longer blocked on this server's overlays.",
            word.as_str()
        )
    }))
}

fn unsaved(error: sea_orm::DbErr) -> Reply {
    tracing::error!(%error, "overlay name settings not saved");
    Reply::refusal("Could not save that change; please try again.")
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
