//! Why an interaction could not become a [`Command`](super::Command), worded for the
//! person who sent it: each error reads as a sentence naming what to fill in.

/// Why an interaction could not become a [`Command`]; shown to the caller ephemerally,
/// so each reads as a sentence for people rather than naming fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("Cozy-Kart has no /{0} command; type / to see the ones it has.")]
    UnknownCommand(String),
    #[error("/{command} has no `{sub}` part; try /{command} create.")]
    UnknownSubcommand { command: String, sub: String },
    #[error("Please fill in {}.", what(.0))]
    MissingOption(&'static str),
    #[error("{} should be {expected}.", capitalized(what(.option)))]
    WrongType {
        option: &'static str,
        expected: &'static str,
    },
    #[error("{value:?} is not one of the choices for {}: {allowed}.", what(.option))]
    BadChoice {
        option: &'static str,
        value: String,
        allowed: String,
    },
    #[error("{} is too long: at most {max} characters, please.", capitalized(what(.option)))]
    TooLong { option: &'static str, max: u16 },
    #[error("That button is not one of Cozy-Kart's lobby cards.")]
    UnknownButton,
}

/// How an option is named to people in error messages.
fn what(option: &str) -> &'static str {
    match option {
        "amount" => "the amount (a decimal such as 20.00)",
        "user" => "the racer to pay",
        "rate" => "the rate (a share of each sale, such as 0.20)",
        "currency" => "the currency (a code such as USD)",
        "method" => "the payout method",
        "note" => "the note",
        "force" => "force",
        "lobby" => "the lobby",
        "name" => "the lobby's name",
        "create" => "what to do with lobbies (create)",
        _ => "an option",
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
