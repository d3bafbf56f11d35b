//! Entry point for the HTTP interactions endpoint, after signature verification:
//! the raw body becomes a [`Delivery`] the endpoint can act on without serenity types.

use serde_json::{json, Value};
use serenity::builder::{CreateAutocompleteResponse, CreateInteractionResponse};
use serenity::model::application::{CommandInteraction, Interaction};
use serenity::model::id::ApplicationId;

use super::command::parse_press;
use super::command::{ours, parse_command, Caller, Command, MAX_NAME};
use super::hook::InteractionHook;
use super::reply::{http_body, Reply};
use crate::locale::Locale;

pub use crate::domain::ids::InteractionId;

/// A verified request: which interaction it is and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: InteractionId,
    /// Where a deferred answer is shown; `None` when the interaction's token
    /// cannot be used (its command then answers inline, however long it takes).
    pub hook: Option<InteractionHook>,
    /// The language of the member's client (English for a PING): what a refusal
    /// made outside the commands (an unsupported interaction) is written in.
    pub locale: Locale,
    pub incoming: Incoming,
}

/// What a verified request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Discord's endpoint check: answer [`pong_body`].
    Ping,
    /// A slash command, or a lobby card's button ([`Command::Press`]), for the
    /// server to run.
    Command(Caller, Command),
    /// A command or button that could not be parsed: send this ephemeral refusal as is.
    Refused(Reply),
    /// A member is typing into an option marked for autocomplete: suggest values.
    Autocomplete {
        guild_id: Option<crate::domain::ids::GuildId>,
        /// The option being typed into.
        option: String,
        /// What has been typed so far (at most [`MAX_NAME`] characters kept).
        typed: String,
    },
    /// Modals and other components than a lobby card's buttons: not used here.
    Unsupported,
}

/// Deserializes serenity's `Interaction` from the raw body and classifies it.
/// A JSON error means a malformed request (HTTP 400).
pub fn parse_incoming(
    body: &[u8],
    admin_role: Option<&str>,
) -> Result<Delivery, serde_json::Error> {
    let interaction: Interaction = serde_json::from_slice(body)?;
    let id = InteractionId::from(std::num::NonZeroU64::from(interaction.id()));
    let hook = hook_of(interaction.application_id(), interaction.token());
    let locale = Locale::from_discord(match &interaction {
        Interaction::Command(ci) | Interaction::Autocomplete(ci) => &ci.locale,
        Interaction::Component(ci) => &ci.locale,
        Interaction::Modal(ci) => &ci.locale,
        _ => "",
    });
    let incoming = match interaction {
        Interaction::Ping(_) => Incoming::Ping,
        Interaction::Command(ci) => match parse_command(&ci, admin_role) {
            Ok((caller, command)) => Incoming::Command(caller, command),
            Err(e) => Incoming::Refused(Reply::refusal(e.text(locale))),
        },
        Interaction::Component(ci) => match parse_press(&ci, admin_role) {
            Ok((caller, command)) => Incoming::Command(caller, command),
            Err(e) => Incoming::Refused(Reply::refusal(e.text(locale))),
        },
        Interaction::Autocomplete(ci) => typed_into(&ci).unwrap_or(Incoming::Unsupported),
        _ => Incoming::Unsupported,
    };
    Ok(Delivery {
        id,
        hook,
        locale,
        incoming,
    })
}

/// The webhook of an interaction sent to `application` with `token`.
pub(super) fn hook_of(application: ApplicationId, token: &str) -> Option<InteractionHook> {
    InteractionHook::new(application.into(), token)
}

/// The [`Incoming::Autocomplete`] of an autocomplete interaction, if an option is focused.
pub(super) fn typed_into(ci: &CommandInteraction) -> Option<Incoming> {
    let focused = ci.data.autocomplete()?;
    Some(Incoming::Autocomplete {
        guild_id: ci.guild_id.map(ours),
        option: focused.name.chars().take(usize::from(MAX_NAME)).collect(),
        typed: focused
            .value
            .trim()
            .chars()
            .take(usize::from(MAX_NAME))
            .collect(),
    })
}

/// Most suggestions Discord shows for one autocomplete.
pub const AUTOCOMPLETE_CHOICES_MAX: usize = 25;
/// Longest name or value of one suggestion, as Discord allows.
const CHOICE_MAX_CHARS: usize = 100;

/// The answer to an autocomplete for the HTTP endpoint: [`autocomplete_response`]
/// serialised, type 8 with `(name shown, value sent)` choices, at most
/// [`AUTOCOMPLETE_CHOICES_MAX`].
pub fn autocomplete_body(choices: &[(String, String)]) -> Value {
    http_body(
        autocomplete_response(choices),
        || json!({"type": 8, "data": {"choices": []}}),
    )
}

/// The answer to an autocomplete as a serenity builder, for both transports.
pub(super) fn autocomplete_response(choices: &[(String, String)]) -> CreateInteractionResponse {
    let response = clipped(choices).fold(
        CreateAutocompleteResponse::new(),
        |response, (name, value)| response.add_string_choice(name, value),
    );
    CreateInteractionResponse::Autocomplete(response)
}

/// At most [`AUTOCOMPLETE_CHOICES_MAX`] choices, each within Discord's length.
fn clipped(choices: &[(String, String)]) -> impl Iterator<Item = (String, String)> + '_ {
    let clip = |text: &str| text.chars().take(CHOICE_MAX_CHARS).collect::<String>();
    choices
        .iter()
        .take(AUTOCOMPLETE_CHOICES_MAX)
        .map(move |(name, value)| (clip(name), clip(value)))
}

/// The answer to a PING: serenity's `Pong`, `{"data":null,"type":1}`. Discord
/// documents `data` as optional for a PONG; serenity writes it as `null` for every
/// response without data (its own interactions-endpoint example answers PINGs so).
pub fn pong_body() -> Value {
    http_body(CreateInteractionResponse::Pong, || json!({"type": 1}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::fixtures::{self, sign_for_tests};
    use crate::discord::InteractionVerifier;

    #[test]
    fn ping_is_ping() {
        assert_eq!(
            parse_incoming(fixtures::PING, None).unwrap().incoming,
            Incoming::Ping
        );
        // Serenity's own serialisation, byte for byte as the endpoint sends it.
        assert_eq!(pong_body().to_string(), r#"{"data":null,"type":1}"#);
    }

    #[test]
    fn every_command_fixture_parses() {
        for (file, body) in fixtures::ALL.iter().filter(|(f, _)| *f != "ping.json") {
            match parse_incoming(body, None).map(|d| d.incoming) {
                Ok(Incoming::Command(caller, _)) => {
                    assert_eq!(
                        caller.guild_id.map(|g| g.get()),
                        Some(1_200_000_000_000_000_001),
                        "{file}"
                    );
                }
                other => panic!("{file}: {other:?}"),
            }
        }
    }

    #[test]
    fn lobby_create_from_the_wire() {
        let Incoming::Command(caller, command) = parse_incoming(fixtures::LOBBY_CREATE, None)
            .unwrap()
            .incoming
        else {
            panic!("not a command");
        };
        assert_eq!(
            command,
            Command::LobbyCreate {
                name: Some("Friday Cup".into())
            }
        );
        assert_eq!(caller.user_id.get(), 1_100_000_000_000_000_001);
        assert_eq!(caller.display_name, "Kartmaster");
    }

    #[test]
    fn parse_errors_become_ephemeral_refusals() {
        let mut json = fixtures::json(fixtures::PAYOUT);
        json["data"]["options"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["name"] != "amount");
        let body = serde_json::to_vec(&json).unwrap();
        let Incoming::Refused(reply) = parse_incoming(&body, None).unwrap().incoming else {
            panic!("not refused");
        };
        assert!(reply.ephemeral);
        assert_eq!(
            reply.content,
            "Please fill in the amount (a decimal such as 20.00)."
        );
        assert_eq!(reply.http_body()["data"]["flags"], 64);
    }

    #[test]
    fn resigned_edit_verifies_and_parses() {
        let mut json = fixtures::json(fixtures::JOIN);
        json["data"]["name"] = "pot".into();
        json["data"]["options"] =
            serde_json::json!([{"name": "lobby", "type": 3, "value": "Friday Cup"}]);
        let body = serde_json::to_vec(&json).unwrap();
        let sig = sign_for_tests("1760000400", &body);
        let verifier = InteractionVerifier::new(&fixtures::public_key_hex()).unwrap();
        assert_eq!(
            verifier.verify(Some(&sig), Some("1760000400"), &body),
            Ok(())
        );
        let Incoming::Command(caller, command) = parse_incoming(&body, None).unwrap().incoming
        else {
            panic!("not a command");
        };
        assert_eq!(
            command,
            Command::Pot {
                lobby: Some("Friday Cup".into())
            }
        );
        assert_eq!(caller.display_name, "Drifter");
    }

    #[test]
    fn autocomplete_names_the_focused_option_and_the_text() {
        // An autocomplete request (type 4) for /payout, typing in `amount`.
        let mut json = fixtures::json(fixtures::PAYOUT);
        json["type"] = 4.into();
        json["data"]["options"][1]["focused"] = true.into();
        let body = serde_json::to_vec(&json).unwrap();
        assert_eq!(
            parse_incoming(&body, None).unwrap().incoming,
            Incoming::Autocomplete {
                guild_id: Some("1200000000000000001".parse().unwrap()),
                option: "amount".into(),
                typed: "20.00".into(),
            }
        );
    }

    #[test]
    fn a_card_button_becomes_a_press() {
        // A lobby card's Join button (type 3), pressed by Drifter.
        let body = include_bytes!("../../tests/fixtures/discord/button_join.json");
        let Incoming::Command(caller, command) = parse_incoming(body, None).unwrap().incoming
        else {
            panic!("not a command");
        };
        assert_eq!(
            command,
            Command::Press {
                lobby: "K7QX".into(),
                action: crate::discord::CardAction::Join
            }
        );
        assert_eq!(caller.display_name, "Drifter");
        assert_eq!(
            caller.guild_id.map(|g| g.get()),
            Some(1_200_000_000_000_000_001)
        );
        let mut json = fixtures::json(body);
        json["data"]["custom_id"] = "vote:yes".into();
        let body = serde_json::to_vec(&json).unwrap();
        let Incoming::Refused(reply) = parse_incoming(&body, None).unwrap().incoming else {
            panic!("not refused");
        };
        assert!(reply.ephemeral);
    }

    #[test]
    fn every_delivery_carries_its_webhook() {
        let delivery = parse_incoming(fixtures::JOIN, None).unwrap();
        let expected = InteractionHook::new(
            std::num::NonZeroU64::new(1_300_000_000_000_000_001).unwrap(),
            "tok-1300000000000000108",
        );
        assert_eq!(delivery.hook, expected);
        let mut json = fixtures::json(fixtures::JOIN);
        json["token"] = "".into();
        let body = serde_json::to_vec(&json).unwrap();
        assert_eq!(parse_incoming(&body, None).unwrap().hook, None);
    }

    #[test]
    fn every_delivery_carries_its_interaction_id() {
        for (file, body) in fixtures::ALL {
            let delivery = parse_incoming(body, None).unwrap();
            let id = fixtures::json(body)["id"].as_str().unwrap().to_owned();
            assert_eq!(delivery.id.to_string(), id, "{file}");
        }
        let mut json = fixtures::json(fixtures::JOIN);
        json["id"] = "1400000000000000077".into();
        let body = serde_json::to_vec(&json).unwrap();
        let delivery = parse_incoming(&body, None).unwrap();
        assert_eq!(
            delivery.id,
            InteractionId::try_from(1_400_000_000_000_000_077).unwrap()
        );
    }

    #[test]
    fn gateway_suggestions_agree_with_http_ones() {
        let long = "x".repeat(150);
        let choices: Vec<(String, String)> = (0..30)
            .map(|i| (format!("Cup {i} {long}"), format!("C{i}")))
            .collect();
        let built = serde_json::to_value(autocomplete_response(&choices)).unwrap();
        let body = autocomplete_body(&choices);
        assert_eq!(built, body);
        assert_eq!(body["data"]["choices"].as_array().unwrap().len(), 25);
    }

    #[test]
    fn malformed_bodies_are_json_errors() {
        assert!(parse_incoming(b"", None).is_err());
        assert!(parse_incoming(b"{\"type\":2}", None).is_err());
        assert!(parse_incoming(b"not json", None).is_err());
    }
}
