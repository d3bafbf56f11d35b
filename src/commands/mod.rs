//! The Discord command core: a parsed command, its caller and their permissions
//! in, a reply out. Both transports (gateway and HTTP interactions) call
//! [`execute`]; one file per group of commands behind this dispatcher.

mod race;
mod wallet;

pub use wallet::RATE_SETTING;

use crate::discord::{Caller, Command, Reply};
use crate::lobby::LobbyView;
use crate::money::Pot;
use crate::startup::AppState;

/// Runs one command. Every refusal is an ephemeral reply saying why.
pub async fn execute(state: &AppState, caller: Caller, command: Command) -> Reply {
    tracing::info!(user = %caller.user_id, guild = ?caller.guild_id, command = command_name(&command), "command");
    match command {
        Command::LobbyCreate { name } => race::create(state, &caller, name).await,
        Command::Join { lobby } => race::join(state, &caller, lobby).await,
        Command::Leave { lobby } => race::leave(state, &caller, lobby).await,
        Command::Start { lobby } => race::start(state, &caller, lobby).await,
        Command::End { lobby } => race::end(state, &caller, lobby).await,
        Command::Pot { lobby } => race::pot(state, &caller, lobby).await,
        Command::Wallet => wallet::wallet(state, &caller).await,
        Command::Leaderboard => wallet::leaderboard(state, &caller).await,
        Command::Payout {
            user_id,
            user_name,
            amount,
            currency,
            method,
            note,
            force,
        } => {
            let request = wallet::PayoutCommand {
                user_id,
                user_name,
                amount,
                currency,
                method,
                note,
                force,
            };
            wallet::payout(state, &caller, request).await
        }
        Command::Commission { rate } => wallet::commission(state, &caller, &rate).await,
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
