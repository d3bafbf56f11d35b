//! The Discord command core: a parsed command (or a lobby card's button), its
//! caller and their permissions in, a reply out. Both transports (gateway and HTTP
//! interactions) call [`execute`] through [`deferral`] (at most once per interaction,
//! [`once`]; deferred when it runs past its budget); one file per group of commands
//! behind this dispatcher, with the lobby `card`, race `summary` (and the
//! announcement of a timed-out race), the `lookup` of lobbies they share, and the
//! `refusal`s of the layers below in each caller's language. Every text is written
//! from the reply catalogues through `Locale::t`, in the caller's locale.

mod card;
mod cashout;
pub mod deferral;
mod goal;
mod lookup;
pub mod once;
mod overlay;
mod race;
mod refusal;
mod summary;
mod wallet;

pub use lookup::lobby_choices;
pub use summary::{announce_owed, announce_races};

use chrono::{DateTime, Utc};

use crate::discord::{Caller, CardAction, Command, OverlayCommand, Reply};
use crate::domain::ids::{GuildId, LobbyCode};
use crate::lobby::LobbyView;
use crate::locale::Locale;
use crate::money::Pot;
use crate::services::Services;

/// The message answering in a guild that `discord.guilds` does not list.
pub const NOT_SET_UP: &str = "not-set-up";
/// The message answering an interaction from outside any guild (a DM, a group DM).
pub const NO_GUILD: &str = "no-guild";

/// Whether an interaction from `guild` may run at all: only inside a guild, and
/// one that `discord.guilds` allows. Checked before an interaction is claimed, so
/// that a refused one leaves nothing behind; the refusal (a message of the reply
/// catalogues) is ephemeral.
pub fn admit(services: &Services, guild: Option<GuildId>) -> Result<(), &'static str> {
    match guild {
        None => Err(NO_GUILD),
        Some(_) if !services.config.discord.allows(guild) => Err(NOT_SET_UP),
        Some(_) => Ok(()),
    }
}

/// Runs one command that [`admit`] let in; only [`once`] and [`deferral`] call it,
/// after that check and the claim. Every refusal is an ephemeral reply saying why.
async fn execute(services: &Services, caller: Caller, command: Command) -> Reply {
    tracing::info!(
        user = %caller.user_id,
        guild = ?caller.guild_id,
        locale = caller.locale.code(),
        command = command_name(&command),
        "command"
    );
    match command {
        Command::LobbyCreate { name } => race::create(services, &caller, name).await,
        Command::Join { lobby } => race::join(services, &caller, lobby).await,
        Command::Leave { lobby } => race::leave(services, &caller, lobby).await,
        Command::Start { lobby } => race::start(services, &caller, lobby).await,
        Command::End { lobby } => race::end(services, &caller, lobby).await,
        Command::Pot { lobby } => race::pot(services, &caller, lobby).await,
        Command::Wallet => wallet::wallet(services, &caller).await,
        Command::Leaderboard => wallet::leaderboard(services, &caller).await,
        Command::Payout { user_name, form } => {
            wallet::payout(services, &caller, &user_name, form).await
        }
        Command::Commission { rate } => wallet::commission(services, &caller, &rate).await,
        Command::Cashout { currency, shop } => {
            cashout::cashout(services, &caller, currency, shop).await
        }
        Command::Payouts {
            self_serve,
            minimum,
        } => cashout::payouts(services, &caller, self_serve, minimum).await,
        Command::Press { lobby, action } => race::press(services, &caller, lobby, action).await,
        Command::Goal {
            amount,
            currency,
            lobby,
        } => goal::goal(services, &caller, &amount, currency, lobby).await,
        Command::Overlay(command) => overlay::overlay(services, &caller, command).await,
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::LobbyCreate { .. } => "lobby create",
        Command::Join { .. } => "join",
        Command::Leave { .. } => "leave",
        Command::Start { .. } => "start",
        Command::End { .. } => "end",
        Command::Pot { .. } => "pot",
        Command::Wallet => "wallet",
        Command::Leaderboard => "leaderboard",
        Command::Payout { .. } => "payout",
        Command::Cashout { .. } => "cashout",
        Command::Payouts { .. } => "payouts",
        Command::Commission { .. } => "commission",
        Command::Press { action, .. } => match action {
            CardAction::Join => "button join",
            CardAction::Leave => "button leave",
            CardAction::Start => "button start",
            CardAction::End => "button end",
        },
        Command::Goal { .. } => "goal",
        Command::Overlay(command) => match command {
            OverlayCommand::Names { .. } => "overlay names",
            OverlayCommand::Block { .. } => "overlay block",
            OverlayCommand::Unblock { .. } => "overlay unblock",
            OverlayCommand::Hide { .. } => "overlay hide",
            OverlayCommand::Test { .. } => "overlay test",
        },
    }
}

/// Formats a pot as `USD 5.00, JPY 600` (each amount as `locale` writes it), or
/// a placeholder when empty.
fn pot_text(locale: Locale, pot: &Pot) -> String {
    if pot.is_empty() {
        return locale.t("pot-empty", &[]);
    }
    pot.iter()
        .map(|money| locale.money(money))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Characters Discord's markdown gives a meaning to: links, emphasis, spoilers,
/// quotes, headings, code, mentions and emoji (`<@id>`, `<#id>`, `<:name:id>`).
const MARKDOWN: &[char] = &[
    '\\', '[', ']', '(', ')', '*', '_', '~', '|', '>', '<', '#', '`', '-',
];

/// User text (a lobby name, a display name) that may go into a message as it
/// reads: every markdown character escaped, so it shows as typed and never as a
/// link or formatting, and `@` defused so that it pings nobody.
pub fn plain(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if MARKDOWN.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
        if c == '@' {
            escaped.push('\u{200b}');
        }
    }
    escaped
}

/// User text inside a code span (`` `…` ``), where escapes do not work: its
/// backticks are dropped, and `@` defused.
fn code_span(text: &str) -> String {
    text.replace('`', "").replace('@', "@\u{200b}")
}

/// Colours a lobby may get; a lobby keeps the one its code picks.
const PALETTE: [u32; 8] = [
    0xFFBF00, // amber
    0x5865F2, // blurple
    0x57F287, // green
    0xEB459E, // fuchsia
    0xED4245, // red
    0x1ABC9C, // teal
    0xE67E22, // orange
    0x9B59B6, // purple
];

/// The lobby's own colour, the same on every reply about it.
pub fn lobby_colour(code: &LobbyCode) -> u32 {
    let hash = code.as_str().bytes().fold(0u32, |hash, b| {
        hash.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    PALETTE[hash as usize % PALETTE.len()]
}

fn lobby_title(view: &LobbyView) -> String {
    format!("**{}** (`{}`)", plain(&view.name), view.code)
}

/// Suggestions for an option being typed into (autocomplete): the caller guild's
/// lobbies for a `lobby` option, nothing for others, outside any guild or outside
/// `discord.guilds`.
pub async fn suggest(
    services: &Services,
    guild: Option<GuildId>,
    option: &str,
    typed: &str,
) -> Vec<(String, String)> {
    if option == "lobby" && admit(services, guild).is_ok() {
        lobby_choices(services, guild, typed).await
    } else {
        Vec::new()
    }
}

/// A time as Discord shows it to each reader, relative ("in 3 days"), in the
/// reader's own language.
fn relative_time(at: DateTime<Utc>) -> String {
    format!("<t:{}:R>", at.timestamp())
}

/// A date as Discord shows it to each reader, short and in their language.
fn short_date(at: DateTime<Utc>) -> String {
    format!("<t:{}:d>", at.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_shows_as_typed_and_pings_nobody() {
        assert_eq!(
            plain("[Free Nitro](https://evil.example)"),
            r"\[Free Nitro\]\(https://evil.example\)"
        );
        assert_eq!(
            plain("**a** _b_ ~~c~~ ||d||"),
            r"\*\*a\*\* \_b\_ \~\~c\~\~ \|\|d\|\|"
        );
        let mention = format!(r"\> \# \`x\` \- \<@{}1\>", '\u{200b}');
        assert_eq!(plain("> # `x` - <@1>"), mention);
        assert_eq!(plain(r"a\b"), r"a\\b");
        assert_eq!(plain("@everyone"), "@\u{200b}everyone");
        assert_eq!(plain("Kart Cup 7"), "Kart Cup 7");
        assert_eq!(code_span("`AB`@here"), "AB@\u{200b}here");
    }

    #[test]
    fn lobby_names_are_1_to_40_characters_without_control_characters() {
        use crate::lobby::{check_name, NameError};
        assert_eq!(check_name("  Friday Cup ").unwrap(), "Friday Cup");
        assert_eq!(check_name(&"é".repeat(40)).unwrap().chars().count(), 40);
        assert_eq!(check_name(&"x".repeat(41)), Err(NameError::Length));
        assert_eq!(check_name("   "), Err(NameError::Length));
        assert_eq!(check_name("bell\u{7}"), Err(NameError::Control));
        assert_eq!(check_name("rtl\u{202e}txt"), Err(NameError::Control));
    }
}
