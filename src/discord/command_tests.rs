//! Tests of `parse_command` against the signed fixtures and edited copies of them.

use serde_json::{json, Value};
use serenity::model::application::{CommandInteraction, Interaction};

use super::*;
use crate::discord::fixtures;

fn interaction(body: &[u8]) -> CommandInteraction {
    match serde_json::from_slice::<Interaction>(body).unwrap() {
        Interaction::Command(ci) => ci,
        other => panic!("not a command: {other:?}"),
    }
}

/// Parses a fixture; the caller comes back without the interaction id (each
/// fixture has its own), which `interaction_id_is_kept` checks on its own.
fn parse(body: &[u8]) -> Result<(Caller, Command), CommandError> {
    parse_command(&interaction(body), None).map(|(caller, command)| {
        (
            Caller {
                interaction_id: None,
                ..caller
            },
            command,
        )
    })
}

#[test]
fn interaction_id_is_kept() {
    let ci = interaction(fixtures::PAYOUT);
    let (caller, _) = parse_command(&ci, None).unwrap();
    assert_eq!(caller.interaction_id.map(|id| id.get()), Some(ci.id.get()));
    assert_eq!(caller.guild_id, Some(id("1200000000000000001")));
}

/// An id of ours, as Discord writes it.
fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().unwrap()
}

pub(super) fn parse_json(
    json: &Value,
    admin_role: Option<&str>,
) -> Result<(Caller, Command), CommandError> {
    parse_command(&interaction(&serde_json::to_vec(json).unwrap()), admin_role)
}

fn drifter() -> Caller {
    Caller {
        user_id: id("1100000000000000002"),
        display_name: "Drifter".into(),
        guild_id: Some(id("1200000000000000001")),
        channel_id: Some(id("1200000000000000002")),
        is_admin: false,
        interaction_id: None,
        locale: crate::locale::Locale::En,
        guild_locale: Some(crate::locale::Locale::En),
    }
}

fn kartmaster() -> Caller {
    Caller {
        user_id: id("1100000000000000001"),
        display_name: "Kartmaster".into(),
        ..drifter()
    }
}

#[test]
fn lobby_create() {
    let (caller, command) = parse(fixtures::LOBBY_CREATE).unwrap();
    assert_eq!(caller, kartmaster());
    assert_eq!(
        command,
        Command::LobbyCreate {
            name: Some("Friday Cup".into())
        }
    );
}

#[test]
fn join_start_wallet() {
    assert_eq!(
        parse(fixtures::JOIN).unwrap(),
        (drifter(), Command::Join { lobby: None })
    );
    assert_eq!(
        parse(fixtures::START).unwrap(),
        (kartmaster(), Command::Start { lobby: None })
    );
    assert_eq!(
        parse(fixtures::WALLET).unwrap(),
        (drifter(), Command::Wallet)
    );
}

#[test]
fn payout_by_admin() {
    let (caller, command) = parse(fixtures::PAYOUT).unwrap();
    assert_eq!(
        caller,
        Caller {
            is_admin: true,
            ..kartmaster()
        }
    );
    assert_eq!(
        command,
        Command::Payout {
            user_name: "Drifter".into(),
            form: PayoutForm {
                discord_id: "1100000000000000002".into(),
                guild_id: Some("1200000000000000001".into()),
                amount: "20.00".into(),
                currency: None,
                // The fixture sends the label "gift card"; it is normalized to the choice value.
                method: Some("gift_card".into()),
                note: None,
                force: false,
                shop: None,
            },
        }
    );
}

#[test]
fn payout_by_non_admin_is_parsed_but_not_admin() {
    let (caller, command) = parse(fixtures::PAYOUT_BY_NON_ADMIN).unwrap();
    assert_eq!(caller, drifter());
    assert!(
        matches!(command, Command::Payout { ref form, .. } if form.amount == "5.00" && form.method.is_none())
    );
}

#[test]
fn manage_guild_alone_or_admin_role_grants_admin() {
    let mut json = fixtures::json(fixtures::JOIN);
    json["member"]["permissions"] = "32".into();
    assert!(parse_json(&json, None).unwrap().0.is_admin);
    json["member"]["permissions"] = "8".into();
    assert!(parse_json(&json, None).unwrap().0.is_admin);

    let mut json = fixtures::json(fixtures::JOIN);
    json["member"]["roles"] = json!(["1400000000000000009"]);
    assert!(!parse_json(&json, None).unwrap().0.is_admin);
    assert!(
        !parse_json(&json, Some("1400000000000000008"))
            .unwrap()
            .0
            .is_admin
    );
    assert!(
        parse_json(&json, Some("1400000000000000009"))
            .unwrap()
            .0
            .is_admin
    );
    assert!(!parse_json(&json, Some("")).unwrap().0.is_admin);
}

#[test]
fn display_name_prefers_nick_then_global_name_then_username() {
    let mut json = fixtures::json(fixtures::JOIN);
    json["member"]["nick"] = "Speedy".into();
    assert_eq!(parse_json(&json, None).unwrap().0.display_name, "Speedy");
    json["member"]["nick"] = Value::Null;
    json["member"]["user"]["global_name"] = Value::Null;
    assert_eq!(parse_json(&json, None).unwrap().0.display_name, "drifter");
}

#[test]
fn payout_target_name_comes_from_resolved() {
    let mut json = fixtures::json(fixtures::PAYOUT);
    json["data"]["resolved"]["members"]["1100000000000000002"]["nick"] = "Drift King".into();
    let Command::Payout { user_name, .. } = parse_json(&json, None).unwrap().1 else {
        panic!("not a payout");
    };
    assert_eq!(user_name, "Drift King");
    json["data"]["resolved"] = json!({});
    let Command::Payout { form, user_name } = parse_json(&json, None).unwrap().1 else {
        panic!("not a payout");
    };
    assert_eq!(
        (form.discord_id.as_str(), user_name.as_str()),
        ("1100000000000000002", "1100000000000000002")
    );
}

#[test]
fn all_payout_options() {
    let mut json = fixtures::json(fixtures::PAYOUT);
    let options = json["data"]["options"].as_array_mut().unwrap();
    options[2]["value"] = "store_credit".into();
    options.push(json!({"name": "currency", "type": 3, "value": "eur"}));
    options.push(json!({"name": "note", "type": 3, "value": "  for the Friday Cup  "}));
    options.push(json!({"name": "force", "type": 5, "value": true}));
    let Command::Payout { form, .. } = parse_json(&json, None).unwrap().1 else {
        panic!("not a payout");
    };
    assert_eq!(form.currency.as_deref(), Some("eur"));
    assert_eq!(form.method.as_deref(), Some("store_credit"));
    assert_eq!(form.note.as_deref(), Some("for the Friday Cup"));
    assert!(form.force);
}

#[test]
fn lobby_option_and_blank_name() {
    let mut json = fixtures::json(fixtures::JOIN);
    json["data"]["name"] = "leave".into();
    json["data"]["options"] = json!([{"name": "lobby", "type": 3, "value": " Friday Cup "}]);
    assert_eq!(
        parse_json(&json, None).unwrap().1,
        Command::Leave {
            lobby: Some("Friday Cup".into())
        }
    );
    json["data"]["name"] = "end".into();
    assert_eq!(
        parse_json(&json, None).unwrap().1,
        Command::End {
            lobby: Some("Friday Cup".into())
        }
    );

    let mut json = fixtures::json(fixtures::LOBBY_CREATE);
    json["data"]["options"][0]["options"] = json!([]);
    assert_eq!(
        parse_json(&json, None).unwrap().1,
        Command::LobbyCreate { name: None }
    );
}

#[test]
fn leaderboard_without_options() {
    let mut json = fixtures::json(fixtures::WALLET);
    json["data"]["name"] = "leaderboard".into();
    assert_eq!(parse_json(&json, None).unwrap().1, Command::Leaderboard);
}
