//! The Discord command core: a parsed command (or a lobby card's button), its
//! caller and their permissions in, a reply out. Both transports (gateway and HTTP
//! interactions) call [`execute`]; one file per group of commands behind this
//! dispatcher, with the lobby `card`, race `summary` (and the announcement of a
//! timed-out race) and the `lookup` of lobbies they share.

mod card;
mod goal;
mod lookup;
pub mod once;
mod overlay;
mod race;
mod summary;
mod wallet;

pub use lookup::lobby_choices;
pub use summary::announce_races;

use chrono::{DateTime, Utc};

use crate::discord::{Caller, CardAction, Command, OverlayCommand, Reply};
use crate::lobby::LobbyView;
use crate::money::Pot;
use crate::services::Services;

/// The answer in a guild that `discord.guilds` does not list.
pub const NOT_SET_UP: &str = "Cozy-Kart is not set up for this server.";

/// Runs one command. Every refusal is an ephemeral reply saying why.
pub async fn execute(services: &Services, caller: Caller, command: Command) -> Reply {
    tracing::info!(user = %caller.user_id, guild = ?caller.guild_id, command = command_name(&command), "command");
    if !services.config.discord.allows(caller.guild_id.as_deref()) {
        return Reply::refusal(NOT_SET_UP);
    }
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

/// Formats a pot as `USD 5.00, JPY 600`, or a placeholder when empty.
fn pot_text(pot: &Pot) -> String {
    if pot.is_empty() {
        return "nothing yet".to_owned();
    }
    pot.iter()
        .map(|money| format!("{} {}", money.currency().code(), money.amount()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text that may go into a public message without pinging anyone.
fn plain(text: &str) -> String {
    text.replace('@', "@\u{200b}")
}

fn lobby_title(view: &LobbyView) -> String {
    format!("**{}** (`{}`)", plain(&view.name), view.code)
}

/// Suggestions for an option being typed into (autocomplete): the caller guild's
/// lobbies for a `lobby` option, nothing for others or outside `discord.guilds`.
pub async fn suggest(
    services: &Services,
    guild: Option<&str>,
    option: &str,
    typed: &str,
) -> Vec<(String, String)> {
    if option == "lobby" && services.config.discord.allows(guild) {
        lobby_choices(services, guild, typed).await
    } else {
        Vec::new()
    }
}

/// A time as Discord shows it to each reader, relative ("in 3 days").
fn relative_time(at: DateTime<Utc>) -> String {
    format!("<t:{}:R>", at.timestamp())
}
