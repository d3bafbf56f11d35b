//! Why an interaction could not become a [`Command`](super::Command), worded for the
//! person who sent it: each error reads as a sentence naming what to fill in, in
//! their language ([`CommandError::text`]; the `Display` is the English one, for logs).

use crate::locale::Locale;

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

impl CommandError {
    /// The refusal as the caller reads it, in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        let named = |option: &str| locale.t(option_id(option), &[]);
        match self {
            CommandError::UnknownCommand(command) => {
                locale.t("command-unknown", &[("command", command)])
            }
            CommandError::UnknownSubcommand { command, sub } => locale.t(
                "command-unknown-part",
                &[("command", command), ("part", sub)],
            ),
            CommandError::MissingOption(option) => {
                locale.t("command-missing", &[("what", &named(option))])
            }
            CommandError::WrongType { option, expected } => {
                let expected = locale.t(expected_id(expected), &[]);
                let what = capitalized(&named(option));
                locale.t(
                    "command-wrong-type",
                    &[("what", &what), ("expected", &expected)],
                )
            }
            CommandError::BadChoice {
                option,
                value,
                allowed,
            } => locale.t(
                "command-bad-choice",
                &[
                    ("value", &format!("{value:?}")),
                    ("what", &named(option)),
                    ("allowed", allowed),
                ],
            ),
            CommandError::TooLong { option, max } => {
                let what = capitalized(&named(option));
                locale.t("command-too-long", &[("what", &what), ("max", max)])
            }
            CommandError::UnknownButton => locale.t("command-unknown-button", &[]),
        }
    }
}

/// The message naming an option to people.
fn option_id(option: &str) -> &'static str {
    match option {
        "amount" => "option-amount",
        "user" => "option-user",
        "rate" => "option-rate",
        "currency" => "option-currency",
        "method" => "option-method",
        "note" => "option-note",
        "force" => "option-force",
        "lobby" => "option-lobby",
        "name" => "option-name",
        "create" => "option-create",
        _ => "option-other",
    }
}

/// The message for what a wrongly typed option should be (`super::command::wrong`'s
/// `expected`).
fn expected_id(expected: &str) -> &'static str {
    match expected {
        "yes or no" => "expect-yes-no",
        "a member of this server" => "expect-member",
        _ => "expect-text",
    }
}

/// How an option is named to people in error messages (in English).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<CommandError> {
        let mut errors = vec![
            CommandError::UnknownCommand("teleport".into()),
            CommandError::UnknownSubcommand {
                command: "lobby".into(),
                sub: "delete".into(),
            },
            CommandError::BadChoice {
                option: "method",
                value: "crypto".into(),
                allowed: "Gift card, Store credit, Manual".into(),
            },
            CommandError::UnknownButton,
        ];
        let options = [
            "amount", "user", "rate", "currency", "method", "note", "force", "lobby", "name",
            "create", "other",
        ];
        for option in options {
            errors.push(CommandError::MissingOption(option));
            errors.push(CommandError::TooLong { option, max: 40 });
            for expected in ["text", "yes or no", "a member of this server"] {
                errors.push(CommandError::WrongType { option, expected });
            }
        }
        errors
    }

    #[test]
    fn english_reads_as_the_display_and_other_languages_differ() {
        for error in every_kind() {
            assert_eq!(error.text(Locale::En), error.to_string());
            for locale in &Locale::ALL[1..] {
                let text = error.text(*locale);
                assert_ne!(text, error.to_string(), "{locale:?}");
                assert!(text.chars().count() <= 200, "{text}");
            }
        }
        assert_eq!(
            CommandError::MissingOption("amount").text(Locale::De),
            "Bitte ausfüllen: Betrag (eine Dezimalzahl wie 20.00)."
        );
    }
}
