//! The provider-neutral command model and its parser from serenity's
//! `CommandInteraction`. Option values are taken by name and checked for type; money
//! arrives as text and is parsed by `money::Money` downstream, never as a float.

use serenity::model::application::{
    CommandDataOption, CommandDataOptionValue, CommandDataResolved, CommandInteraction,
    CommandType, ComponentInteraction, ComponentInteractionDataKind,
};
use serenity::model::guild::Member;
use std::num::NonZeroU64;

use serenity::model::id as discord_id;
use serenity::model::user::User;
use serenity::model::Permissions;

pub use super::command_error::CommandError;
use super::component::{parse_custom_id, CardAction};

use crate::domain::ids::{ChannelId, GuildId, InteractionId, UserId};
use crate::locale::Locale;
use crate::payout::PayoutForm;

/// Who ran a command, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    /// Server nickname, else global display name, else username.
    pub display_name: String,
    pub guild_id: Option<GuildId>,
    pub channel_id: Option<ChannelId>,
    /// ADMINISTRATOR or MANAGE_GUILD, or the configured admin role, in `guild_id`.
    pub is_admin: bool,
    /// Discord's id of the interaction: keys what must happen once (a payout).
    pub interaction_id: Option<InteractionId>,
    /// The language of the caller's client (`locale`): every reply is written in it.
    pub locale: Locale,
    /// The guild's own language (`guild_locale`), when Discord sent one: what the
    /// bot posts there by itself is written in it.
    pub guild_locale: Option<Locale>,
}

/// One of our ids from the same id as serenity holds it (both are non-zero
/// snowflakes, so nothing can fail).
pub(super) fn ours<Theirs, Ours>(id: Theirs) -> Ours
where
    NonZeroU64: From<Theirs>,
    Ours: From<NonZeroU64>,
{
    Ours::from(NonZeroU64::from(id))
}

/// A slash command with its options, checked for presence and type only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    LobbyCreate {
        name: Option<String>,
    },
    Join {
        lobby: Option<String>,
    },
    Leave {
        lobby: Option<String>,
    },
    Start {
        lobby: Option<String>,
    },
    End {
        lobby: Option<String>,
    },
    Pot {
        lobby: Option<String>,
    },
    Wallet,
    Leaderboard,
    Payout {
        /// Display name of the racer paid, for the reply.
        user_name: String,
        /// The racer's id and the options as typed; parsed by [`PayoutForm::parse`].
        form: PayoutForm,
    },
    Commission {
        /// Decimal text exactly as typed (trimmed).
        rate: String,
    },
    /// A racer turns their available balance in one currency into store credit.
    Cashout {
        /// ISO 4217 code as typed; absent means the racer's only currency.
        currency: Option<String>,
        /// The shop that issues it, when several could.
        shop: Option<String>,
    },
    /// Admin: whether racers may `/cashout` here, and from what amount.
    Payouts {
        self_serve: bool,
        /// Decimal text as typed (a two-decimal amount, read in each currency).
        minimum: Option<String>,
    },
    /// A button of a lobby card was pressed.
    Press {
        /// The lobby's code, from the button's `custom_id`.
        lobby: String,
        action: CardAction,
    },
    /// The race's target (host or admin); `0` clears it.
    Goal {
        /// Decimal text exactly as typed (trimmed).
        amount: String,
        /// ISO 4217 code as typed, if given.
        currency: Option<String>,
        lobby: Option<String>,
    },
    /// `/overlay ...`: what the lobby's overlays show.
    Overlay(OverlayCommand),
}

/// The `/overlay` subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayCommand {
    /// Admin: the guild's buyer-name mode (`public`, `initials`, `off`, or
    /// `default` for the deployment's).
    Names { mode: String },
    /// Admin: block a word (pattern) in buyer names here.
    Block { word: String },
    /// Admin: unblock a word here (also one of the deployment's list).
    Unblock { word: String },
    /// Host or admin: take the latest sale's buyer name off the overlays.
    Hide { lobby: Option<String> },
    /// Host or admin: play a sample sale on the overlays.
    Test { lobby: Option<String> },
}

/// Longest text accepted per option; also registered as `max_length`.
pub(crate) const MAX_NAME: u16 = 64;
/// Longest name `/lobby create` takes (the lobby's own limit).
pub(crate) const MAX_LOBBY_NAME: u16 = crate::lobby::NAME_MAX_CHARS as u16;
pub(crate) const MAX_AMOUNT: u16 = 32;
pub(crate) const MAX_CURRENCY: u16 = 3;
pub(crate) const MAX_NOTE: u16 = crate::payout::NOTE_MAX_CHARS as u16;
pub(crate) const MAX_WORD: u16 = crate::buyer_names::words::WORD_MAX_CHARS as u16;

/// Turns a slash-command interaction into the caller and the command.
/// `admin_role` is the id of a role that counts as admin, besides the permissions.
pub fn parse_command(
    ci: &CommandInteraction,
    admin_role: Option<&str>,
) -> Result<(Caller, Command), CommandError> {
    let caller = caller(ci, admin_role);
    let data = &ci.data;
    if data.kind != CommandType::ChatInput {
        return Err(CommandError::UnknownCommand(clip_name(&data.name)));
    }
    let opts = Options::new(&data.options, &data.resolved);
    let lobby = || opts.text("lobby", MAX_NAME);
    let command = match data.name.as_str() {
        "lobby" => lobby_subcommand(&data.options, &data.resolved)?,
        "overlay" => Command::Overlay(overlay_subcommand(&data.options, &data.resolved)?),
        "join" => Command::Join { lobby: lobby()? },
        "leave" => Command::Leave { lobby: lobby()? },
        "start" => Command::Start { lobby: lobby()? },
        "end" => Command::End { lobby: lobby()? },
        "pot" => Command::Pot { lobby: lobby()? },
        "wallet" => Command::Wallet,
        "leaderboard" => Command::Leaderboard,
        "payout" => {
            let (user_id, user_name) = opts
                .user("user")?
                .ok_or(CommandError::MissingOption("user"))?;
            Command::Payout {
                user_name,
                form: PayoutForm {
                    discord_id: user_id.to_string(),
                    guild_id: ci.guild_id.map(|g| g.to_string()),
                    amount: opts.required_text("amount", MAX_AMOUNT)?,
                    currency: opts.text("currency", MAX_CURRENCY)?,
                    method: opts
                        .text("method", MAX_NAME)?
                        .map(payout_method)
                        .transpose()?,
                    note: opts.text("note", MAX_NOTE)?,
                    force: opts.boolean("force")?.unwrap_or(false),
                    shop: opts.text("shop", MAX_NAME)?,
                },
            }
        }
        "cashout" => Command::Cashout {
            currency: opts.text("currency", MAX_CURRENCY)?,
            shop: opts.text("shop", MAX_NAME)?,
        },
        "payouts" => Command::Payouts {
            self_serve: opts
                .boolean("self_serve")?
                .ok_or(CommandError::MissingOption("self_serve"))?,
            minimum: opts.text("minimum", MAX_AMOUNT)?,
        },
        "commission" => Command::Commission {
            rate: opts.required_text("rate", MAX_AMOUNT)?,
        },
        "goal" => Command::Goal {
            amount: opts.required_text("amount", MAX_AMOUNT)?,
            currency: opts.text("currency", MAX_CURRENCY)?,
            lobby: lobby()?,
        },
        other => return Err(CommandError::UnknownCommand(clip_name(other))),
    };
    Ok((caller, command))
}

fn lobby_subcommand(
    options: &[CommandDataOption],
    resolved: &CommandDataResolved,
) -> Result<Command, CommandError> {
    match options.first() {
        Some(CommandDataOption {
            name,
            value: CommandDataOptionValue::SubCommand(sub),
            ..
        }) if name == "create" => Ok(Command::LobbyCreate {
            name: Options::new(sub, resolved).text("name", MAX_LOBBY_NAME)?,
        }),
        Some(other) => Err(CommandError::UnknownSubcommand {
            command: "lobby".into(),
            sub: clip_name(&other.name),
        }),
        None => Err(CommandError::MissingOption("create")),
    }
}

fn overlay_subcommand(
    options: &[CommandDataOption],
    resolved: &CommandDataResolved,
) -> Result<OverlayCommand, CommandError> {
    let Some(CommandDataOption {
        name,
        value: CommandDataOptionValue::SubCommand(sub),
        ..
    }) = options.first()
    else {
        return Err(CommandError::MissingOption("test"));
    };
    let opts = Options::new(sub, resolved);
    let word = || opts.required_text("word", MAX_WORD);
    Ok(match name.as_str() {
        "names" => OverlayCommand::Names {
            mode: opts.required_text("mode", MAX_NAME)?,
        },
        "block" => OverlayCommand::Block { word: word()? },
        "unblock" => OverlayCommand::Unblock { word: word()? },
        "hide" => OverlayCommand::Hide {
            lobby: opts.text("lobby", MAX_NAME)?,
        },
        "test" => OverlayCommand::Test {
            lobby: opts.text("lobby", MAX_NAME)?,
        },
        other => {
            return Err(CommandError::UnknownSubcommand {
                command: "overlay".into(),
                sub: clip_name(other),
            })
        }
    })
}

fn caller(ci: &CommandInteraction, admin_role: Option<&str>) -> Caller {
    let place = Place {
        guild_id: ci.guild_id,
        channel_id: ci.channel_id,
        locale: &ci.locale,
        guild_locale: ci.guild_locale.as_deref(),
    };
    caller_of(&ci.user, ci.member.as_deref(), place, ci.id, admin_role)
}

/// A pressed button of a lobby card: who pressed it, and the [`Command::Press`].
pub fn parse_press(
    ci: &ComponentInteraction,
    admin_role: Option<&str>,
) -> Result<(Caller, Command), CommandError> {
    let place = Place {
        guild_id: ci.guild_id,
        channel_id: ci.channel_id,
        locale: &ci.locale,
        guild_locale: ci.guild_locale.as_deref(),
    };
    let caller = caller_of(&ci.user, ci.member.as_ref(), place, ci.id, admin_role);
    let pressed = match ci.data.kind {
        ComponentInteractionDataKind::Button => parse_custom_id(&ci.data.custom_id),
        _ => None,
    };
    let (lobby, action) = pressed.ok_or(CommandError::UnknownButton)?;
    Ok((caller, Command::Press { lobby, action }))
}

/// Where an interaction happened and in which languages, as Discord sends it.
pub(super) struct Place<'a> {
    pub guild_id: Option<discord_id::GuildId>,
    pub channel_id: discord_id::ChannelId,
    /// The member's client language (`locale`).
    pub locale: &'a str,
    /// The guild's language (`guild_locale`), sent for guild interactions only.
    pub guild_locale: Option<&'a str>,
}

/// Who acted, from the parts every interaction carries (commands and buttons alike).
/// serenity copies `member.user` into `user` for guild interactions.
pub(super) fn caller_of(
    user: &User,
    member: Option<&Member>,
    place: Place<'_>,
    id: discord_id::InteractionId,
    admin_role: Option<&str>,
) -> Caller {
    let nick = member.and_then(|m| m.nick.as_deref());
    let display_name = pick_name(nick, user.global_name.as_deref(), &user.name);
    let by_permission = member
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.intersects(Permissions::ADMINISTRATOR | Permissions::MANAGE_GUILD));
    let admin_role = admin_role.map(str::trim).filter(|r| !r.is_empty());
    let by_role = match (member, admin_role) {
        (Some(m), Some(role)) => m.roles.iter().any(|r| r.to_string() == role),
        _ => false,
    };
    Caller {
        user_id: ours(user.id),
        display_name,
        guild_id: place.guild_id.map(ours),
        channel_id: Some(ours(place.channel_id)),
        is_admin: by_permission || by_role,
        interaction_id: Some(ours(id)),
        locale: Locale::from_discord(place.locale),
        guild_locale: place.guild_locale.map(Locale::from_discord),
    }
}

/// Nickname, else global name, else username; blank names are skipped.
fn pick_name(nick: Option<&str>, global: Option<&str>, username: &str) -> String {
    [nick, global]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .unwrap_or(username)
        .to_owned()
}

/// Accepts a registered choice value, or its label as some clients send it
/// (`"gift card"`, `"Store Credit"`), handing on the value.
fn payout_method(text: String) -> Result<String, CommandError> {
    match crate::payout::PayoutMethod::parse(&text) {
        Some(method) => Ok(method.as_str().to_owned()),
        None => Err(CommandError::BadChoice {
            option: "method",
            value: text.chars().take(32).collect(),
            allowed: crate::payout::METHODS
                .iter()
                .map(|(_, label)| *label)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn clip_name(name: &str) -> String {
    name.chars().take(32).collect()
}

/// Typed access to one level of options by name.
struct Options<'a> {
    options: &'a [CommandDataOption],
    resolved: &'a CommandDataResolved,
}

impl<'a> Options<'a> {
    fn new(options: &'a [CommandDataOption], resolved: &'a CommandDataResolved) -> Self {
        Options { options, resolved }
    }

    fn get(&self, name: &str) -> Option<&'a CommandDataOptionValue> {
        self.options
            .iter()
            .find(|o| o.name == name)
            .map(|o| &o.value)
    }

    /// A trimmed string option; blank counts as absent.
    fn text(&self, name: &'static str, max: u16) -> Result<Option<String>, CommandError> {
        match self.get(name) {
            None => Ok(None),
            Some(CommandDataOptionValue::String(s)) => {
                let s = s.trim();
                if s.chars().count() > usize::from(max) {
                    return Err(CommandError::TooLong { option: name, max });
                }
                Ok((!s.is_empty()).then(|| s.to_owned()))
            }
            Some(_) => Err(wrong(name, "text")),
        }
    }

    fn required_text(&self, name: &'static str, max: u16) -> Result<String, CommandError> {
        self.text(name, max)?
            .ok_or(CommandError::MissingOption(name))
    }

    fn boolean(&self, name: &'static str) -> Result<Option<bool>, CommandError> {
        match self.get(name) {
            None => Ok(None),
            Some(CommandDataOptionValue::Boolean(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong(name, "yes or no")),
        }
    }

    /// The user's id and display name from `data.resolved`
    /// (member nick > global name > username; the id if Discord sent no user object).
    fn user(&self, name: &'static str) -> Result<Option<(UserId, String)>, CommandError> {
        let id: discord_id::UserId = match self.get(name) {
            None => return Ok(None),
            Some(CommandDataOptionValue::User(id)) => *id,
            Some(_) => return Err(wrong(name, "a member of this server")),
        };
        let nick = self
            .resolved
            .members
            .get(&id)
            .and_then(|m| m.nick.as_deref());
        let display = match self.resolved.users.get(&id) {
            Some(u) => pick_name(nick, u.global_name.as_deref(), &u.name),
            None => pick_name(nick, None, &id.to_string()),
        };
        Ok(Some((ours(id), display)))
    }
}

/// `expected` reads after "should be": "text", "yes or no", "a member of this server".
fn wrong(option: &'static str, expected: &'static str) -> CommandError {
    CommandError::WrongType { option, expected }
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "command_error_tests.rs"]
mod error_tests;
