//! Tests of the errors `parse_command` reports for malformed or unknown commands.

use serde_json::json;

use super::tests::parse_json;
use super::*;
use crate::discord::fixtures;
#[test]
fn missing_required_options_are_errors() {
    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["name"] != "amount");
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::MissingOption("amount")
    );

    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["name"] != "user");
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::MissingOption("user")
    );

    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"][1]["value"] = "   ".into();
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::MissingOption("amount")
    );

    let mut json = fixtures::json(fixtures::WALLET);
    json["data"]["name"] = "commission".into();
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::MissingOption("rate")
    );
    json["data"]["options"] = json!([{"name": "rate", "type": 3, "value": "0.20"}]);
    assert_eq!(
        parse_json(&json, None).unwrap().1,
        Command::Commission {
            rate: "0.20".into()
        }
    );
}

#[test]
fn wrong_option_types_are_errors() {
    // Money as a number option is refused: it would have passed through a float.
    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"][1] = json!({"name": "amount", "type": 10, "value": 20.0});
    let err = parse_json(&json, None).unwrap_err();
    assert_eq!(
        err,
        CommandError::WrongType {
            option: "amount",
            expected: "text"
        }
    );
    assert_eq!(
        err.to_string(),
        "The amount (a decimal such as 20.00) should be text."
    );

    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"][0] = json!({"name": "user", "type": 3, "value": "drifter"});
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::WrongType {
            option: "user",
            expected: "a member of this server"
        }
    );

    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "force", "type": 3, "value": "yes"}));
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::WrongType {
            option: "force",
            expected: "yes or no"
        }
    );
}

#[test]
fn bad_method_and_long_text_are_errors() {
    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["options"][2]["value"] = "crypto".into();
    let err = parse_json(&json, None).unwrap_err();
    assert!(
        matches!(
            err,
            CommandError::BadChoice {
                option: "method",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("choices for the payout method: Gift card, Store credit, Manual"),
        "{err}"
    );

    let mut json = fixtures::json(fixtures::LOBBY_CREATE);
    json["data"]["options"][0]["options"][0]["value"] = "x".repeat(41).into();
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::TooLong {
            option: "name",
            max: 40
        }
    );
}

#[test]
fn unknown_commands_and_subcommands_are_errors() {
    let mut json = fixtures::json(fixtures::WALLET);
    json["data"]["name"] = "teleport".into();
    let err = parse_json(&json, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cozy-Kart has no /teleport command; type / to see the ones it has."
    );

    let mut json = fixtures::json(fixtures::LOBBY_CREATE);
    json["data"]["options"][0]["name"] = "delete".into();
    assert_eq!(
        parse_json(&json, None).unwrap_err().to_string(),
        "/lobby has no `delete` part; try /lobby create."
    );
    json["data"]["options"] = json!([]);
    assert!(parse_json(&json, None).is_err());

    // A user context-menu command named like a slash command is not one.
    let mut json = fixtures::json(fixtures::WALLET);
    json["data"]["type"] = 2.into();
    json["data"]["target_id"] = "1100000000000000002".into();
    assert_eq!(
        parse_json(&json, None).unwrap_err(),
        CommandError::UnknownCommand("wallet".into())
    );
}
