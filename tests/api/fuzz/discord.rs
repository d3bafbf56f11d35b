//! Discord: Ed25519 request verification against the recorded vectors, the freshness
//! of signed timestamps, public key checks, and the interaction parser on arbitrary
//! bytes, mutated interactions and generated command trees.

use chrono::{DateTime, Utc};
use cozykart::discord::{
    parse_incoming, Command, Delivery, Incoming, InteractionVerifier, OverlayCommand, VerifyError,
    TIMESTAMP_TOLERANCE_SECONDS,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

use super::mutation::{edits, mutate};
use super::{any_json, arbitrary_bytes, config, fixture_json, scalar, tricky_string};
use crate::signing::sign_discord;

/// When every recorded vector was signed.
const RECORDED_AT: i64 = 1_760_000_200;

const DISCORD_FIXTURES: &[(&str, &[u8])] = &[
    (
        "ping.json",
        include_bytes!("../../fixtures/discord/ping.json"),
    ),
    (
        "lobby_create.json",
        include_bytes!("../../fixtures/discord/lobby_create.json"),
    ),
    (
        "join.json",
        include_bytes!("../../fixtures/discord/join.json"),
    ),
    (
        "start.json",
        include_bytes!("../../fixtures/discord/start.json"),
    ),
    (
        "wallet.json",
        include_bytes!("../../fixtures/discord/wallet.json"),
    ),
    (
        "payout.json",
        include_bytes!("../../fixtures/discord/payout.json"),
    ),
    (
        "payout_by_non_admin.json",
        include_bytes!("../../fixtures/discord/payout_by_non_admin.json"),
    ),
];
const DISCORD_SIGNATURES: &[u8] = include_bytes!("../../fixtures/discord/signatures.json");

/// `(file, timestamp, signature)` of every recorded Discord vector.
pub(super) fn discord_vectors() -> Vec<(String, String, String)> {
    let sigs = fixture_json(DISCORD_SIGNATURES);
    let text = |v: &Value, k: &str| v[k].as_str().expect("vector field").to_owned();
    sigs["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| (text(v, "file"), text(v, "timestamp"), text(v, "signature")))
        .collect()
}

fn discord_verifier() -> InteractionVerifier {
    let sigs = fixture_json(DISCORD_SIGNATURES);
    InteractionVerifier::new(sigs["public_key_hex"].as_str().expect("key")).expect("valid key")
}

pub(super) fn discord_body(file: &str) -> &'static [u8] {
    DISCORD_FIXTURES
        .iter()
        .find(|(f, _)| *f == file)
        .expect("fixture")
        .1
}

#[rustfmt::skip]
const DISCORD_FIELDS: &[&str] = &[
    "id", "application_id", "type", "data", "name", "value", "options", "focused", "resolved",
    "users", "members", "roles", "guild_id", "channel_id", "channel", "guild", "member", "user",
    "username", "global_name", "nick", "permissions", "app_permissions", "token", "version",
    "locale", "entitlements", "context", "authorizing_integration_owners", "joined_at",
    "discriminator", "public_flags", "flags",
];

const OPTION_NAMES: &[&str] = &[
    "create", "name", "lobby", "user", "amount", "currency", "method", "note", "force", "rate",
];

#[rustfmt::skip]
const COMMAND_NAMES: &[&str] = &[
    "lobby", "join", "leave", "start", "end", "pot", "wallet", "leaderboard", "payout",
    "commission",
];

fn snowflake() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!("1100000000000000002")),
        Just(json!("0")),
        Just(json!(0)),
        Just(json!("-1")),
        Just(json!("18446744073709551615")),
        Just(json!("18446744073709551616")),
        Just(json!(1_100_000_000_000_000_002u64)),
        any::<u64>().prop_map(|n| json!(n.to_string())),
        scalar(),
    ]
    .boxed()
}

/// An option value of the right type for `kind`, or anything at all.
fn option_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        tricky_string().prop_map(Value::from),
        snowflake(),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        scalar(),
    ]
}

/// A value of the type an option of `kind` carries, or (one time in five) any value.
fn option_value_for(kind: u8) -> BoxedStrategy<Value> {
    let typed = match kind {
        3 => tricky_string().prop_map(Value::from).boxed(),
        4 => any::<i64>().prop_map(Value::from).boxed(),
        5 => any::<bool>().prop_map(Value::from).boxed(),
        6..=9 | 11 => snowflake(),
        10 => any::<f64>().prop_map(Value::from).boxed(),
        _ => option_value().boxed(),
    };
    prop_oneof![4 => typed, 1 => option_value()].boxed()
}

/// A tree of command options: leaves of every option type (and unknown ones),
/// subcommands and groups holding more options.
fn option_tree() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        3 => prop::sample::select(OPTION_NAMES).prop_map(str::to_owned),
        1 => tricky_string(),
    ];
    let leaf = (name.clone(), prop_oneof![9 => 3u8..=11, 1 => 0u8..=14])
        .prop_flat_map(|(name, kind)| {
            (
                Just(name),
                Just(kind),
                prop::option::weighted(0.9, option_value_for(kind)),
                prop::option::weighted(0.1, any::<bool>()),
            )
        })
        .prop_map(|(name, kind, value, focused)| {
            let mut option = json!({"name": name, "type": kind});
            if let Some(value) = value {
                option["value"] = value;
            }
            if let Some(focused) = focused {
                option["focused"] = focused.into();
            }
            option
        });
    leaf.prop_recursive(4, 32, 4, move |inner| {
        (
            name.clone(),
            prop_oneof![Just(1u8), Just(2u8), 0u8..=14],
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(
                |(name, kind, options)| json!({"name": name, "type": kind, "options": options}),
            )
    })
}

/// `data.resolved` with user and member objects shaped like Discord's, with
/// arbitrary names, or anything at all.
fn resolved() -> impl Strategy<Value = Option<Value>> {
    let id = prop_oneof![
        3 => Just("1100000000000000002".to_owned()),
        1 => Just("0".to_owned()),
        1 => "[0-9a-z]{0,20}",
    ];
    let name = prop_oneof![tricky_string().prop_map(Value::from), Just(Value::Null)];
    let user = (id.clone(), tricky_string(), name.clone()).prop_map(|(id, username, global)| {
        (
            id.clone(),
            json!({"id": id, "username": username, "global_name": global,
                   "avatar": null, "discriminator": "0", "public_flags": 0}),
        )
    });
    let member = (id, name).prop_map(|(id, nick)| {
        (
            id,
            json!({"roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false,
                   "mute": false, "flags": 0, "pending": false, "permissions": "0", "nick": nick}),
        )
    });
    prop_oneof![
        1 => Just(None),
        4 => (prop::collection::vec(user, 0..3), prop::collection::vec(member, 0..3))
            .prop_map(|(users, members)| {
                let users: serde_json::Map<String, Value> = users.into_iter().collect();
                let members: serde_json::Map<String, Value> = members.into_iter().collect();
                Some(json!({"users": users, "members": members}))
            }),
        1 => any_json().prop_map(Some),
    ]
}

/// Subcommands nested `depth` deep, up to past serde_json's recursion limit.
fn nested_subcommands(depth: usize) -> Value {
    let mut options = json!([{"name": "name", "type": 3, "value": "Cup"}]);
    for _ in 0..depth {
        options = json!([{"name": "create", "type": 1, "options": options}]);
    }
    options
}

/// A command interaction built from a fixture with its data replaced.
fn discord_command() -> impl Strategy<Value = Vec<u8>> {
    let docs: Vec<Value> = DISCORD_FIXTURES[1..]
        .iter()
        .map(|(_, b)| fixture_json(b))
        .collect();
    let name = prop_oneof![
        4 => prop::sample::select(COMMAND_NAMES).prop_map(str::to_owned),
        1 => tricky_string(),
    ];
    let options = prop_oneof![
        4 => prop::collection::vec(option_tree(), 0..5).prop_map(Value::Array),
        1 => (1usize..100).prop_map(nested_subcommands),
        1 => any_json(),
    ];
    let permissions = prop_oneof![
        Just(json!("3112")),
        Just(json!("8")),
        Just(json!("-1")),
        Just(json!("340282366920938463463374607431768211456")),
        Just(json!(8)),
        scalar(),
    ];
    (
        prop::sample::select(docs),
        name,
        prop_oneof![Just(json!(1)), Just(json!(2)), Just(json!(3)), scalar()],
        options,
        resolved(),
        permissions,
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |(mut doc, name, kind, options, resolved, permissions, drop_member)| {
                doc["data"]["name"] = name.into();
                doc["data"]["type"] = kind;
                doc["data"]["options"] = options;
                if let Some(resolved) = resolved {
                    doc["data"]["resolved"] = resolved;
                }
                doc["member"]["permissions"] = permissions;
                match drop_member {
                    Some(true) => {
                        doc.as_object_mut().expect("object").remove("member");
                    }
                    Some(false) => {
                        doc.as_object_mut().expect("object").remove("guild_id");
                    }
                    None => {}
                }
                serde_json::to_vec(&doc).expect("serialises")
            },
        )
}

fn discord_docs() -> Vec<Value> {
    DISCORD_FIXTURES
        .iter()
        .map(|(_, b)| fixture_json(b))
        .collect()
}

/// A parsed command honours the option limits the parser promises.
fn check_command(command: &Command) -> Result<(), TestCaseError> {
    let within = |text: &Option<String>, max: usize| {
        text.as_ref()
            .is_none_or(|t| !t.is_empty() && t.trim() == t && t.chars().count() <= max)
    };
    match command {
        Command::LobbyCreate { name } => prop_assert!(within(name, 64)),
        Command::Join { lobby }
        | Command::Leave { lobby }
        | Command::Start { lobby }
        | Command::End { lobby }
        | Command::Pot { lobby } => prop_assert!(within(lobby, 64)),
        Command::Payout { form, .. } => {
            let id = &form.discord_id;
            prop_assert!(id.parse::<u64>().is_ok_and(|id| id > 0), "user id {id}");
            prop_assert!(within(&Some(form.amount.clone()), 32));
            prop_assert!(within(&form.currency, 3));
            prop_assert!(within(&form.note, 200));
            prop_assert!(within(&form.shop, 64));
            // The parser hands on a method's value, never free text.
            prop_assert!(form
                .method
                .as_deref()
                .is_none_or(|m| cozykart::payout::PayoutMethod::parse(m)
                    .is_some_and(|method| method.as_str() == m)));
        }
        Command::Commission { rate } => prop_assert!(within(&Some(rate.clone()), 32)),
        Command::Cashout { currency, shop } => {
            prop_assert!(within(currency, 3));
            prop_assert!(within(shop, 64));
        }
        Command::Payouts { minimum, .. } => prop_assert!(within(minimum, 32)),
        Command::Goal {
            amount,
            currency,
            lobby,
        } => {
            prop_assert!(within(&Some(amount.clone()), 32));
            prop_assert!(within(currency, 3));
            prop_assert!(within(lobby, 64));
        }
        Command::Overlay(overlay) => match overlay {
            OverlayCommand::Names { mode } => prop_assert!(within(&Some(mode.clone()), 64)),
            OverlayCommand::Block { word } | OverlayCommand::Unblock { word } => {
                prop_assert!(within(&Some(word.clone()), 32))
            }
            OverlayCommand::Hide { lobby } | OverlayCommand::Test { lobby } => {
                prop_assert!(within(lobby, 64))
            }
        },
        Command::Wallet | Command::Leaderboard => {}
        // A card's code: letters and digits only, as the parser takes them.
        Command::Press { lobby, .. } => prop_assert!(
            !lobby.is_empty()
                && lobby.len() <= 16
                && lobby
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        ),
    }
    Ok(())
}

fn check_incoming(result: &Result<Delivery, serde_json::Error>) -> Result<(), TestCaseError> {
    match result.as_ref().map(|delivery| &delivery.incoming) {
        Ok(Incoming::Command(caller, command)) => {
            prop_assert!(caller.user_id.get() > 0);
            check_command(command)?;
        }
        Ok(Incoming::Refused(reply)) => {
            prop_assert!(reply.ephemeral);
            prop_assert!(reply.content.chars().count() <= 200, "{}", reply.content);
        }
        Ok(Incoming::Autocomplete { option, typed, .. }) => {
            prop_assert!(option.chars().count() <= 64 && typed.chars().count() <= 64);
        }
        Ok(Incoming::Ping | Incoming::Unsupported) | Err(_) => {}
    }
    Ok(())
}

fn discord_signature() -> impl Strategy<Value = Option<String>> {
    let vectors: Vec<String> = discord_vectors().into_iter().map(|(_, _, s)| s).collect();
    let flipped = (
        prop::sample::select(vectors.clone()),
        any::<Index>(),
        0usize..16,
    )
        .prop_map(|(sig, at, digit)| {
            let mut bytes = sig.into_bytes();
            let i = at.index(bytes.len());
            let replacement = b"0123456789abcdef"[digit];
            bytes[i] = if bytes[i] == replacement {
                b'0' ^ b'1' ^ replacement
            } else {
                replacement
            };
            String::from_utf8(bytes).expect("hex")
        });
    prop_oneof![
        Just(None),
        ".{0,140}".prop_map(Some),
        "[0-9a-fA-F]{128}".prop_map(Some),
        "[0-9a-f]{126,130}".prop_map(Some),
        prop::sample::select(vectors.clone()).prop_map(|s| Some(s.to_uppercase())),
        prop::sample::select(vectors).prop_map(|s| Some(format!(" {s}"))),
        flipped.prop_map(Some),
    ]
}

fn discord_timestamp() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some("1760000200".to_owned())),
        Just(Some("1760000200 ".to_owned())),
        Just(Some("01760000200".to_owned())),
        Just(Some("+1760000200".to_owned())),
        (-1000i64..1000).prop_map(|d| Some((RECORDED_AT + d).to_string())),
        any::<i64>().prop_map(|t| Some(t.to_string())),
        ".{0,40}".prop_map(Some),
    ]
}

/// The server's clock: around the recorded vectors' signing time, or anywhere.
fn server_now() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        3 => (-1000i64..1000).prop_map(|d| RECORDED_AT + d),
        1 => -8_000_000_000i64..8_000_000_000,
    ]
    .prop_map(|t| DateTime::from_timestamp(t, 0).expect("in range"))
}

/// Whether `timestamp` is unix seconds within the tolerance of `now`.
fn fresh(timestamp: &str, now: DateTime<Utc>) -> bool {
    timestamp.bytes().all(|b| b.is_ascii_digit())
        && timestamp
            .parse::<i64>()
            .is_ok_and(|t| t.abs_diff(now.timestamp()) <= TIMESTAMP_TOLERANCE_SECONDS)
}

proptest! {
    // Fewer by default: an Ed25519 verification costs milliseconds in a debug build.
    #![proptest_config(config(256))]

    #[test]
    fn discord_verify_never_panics_and_accepts_only_recorded_vectors(
        signature in discord_signature(),
        timestamp in discord_timestamp(),
        body in prop_oneof![
            prop::sample::select(DISCORD_FIXTURES).prop_map(|(_, b)| b.to_vec()),
            arbitrary_bytes(),
        ],
    ) {
        let verifier = discord_verifier();
        let result = verifier.verify(signature.as_deref(), timestamp.as_deref(), &body);
        match (&result, signature.as_deref(), timestamp.as_deref()) {
            (Ok(()), Some(sig), Some(ts)) => {
                let recorded = discord_vectors().into_iter().any(|(file, vts, vsig)| {
                    vsig.eq_ignore_ascii_case(sig) && vts == ts && discord_body(&file) == body
                });
                prop_assert!(recorded, "accepted an unrecorded request");
            }
            (Ok(()), _, _) => return Err(TestCaseError::fail("accepted without headers")),
            (Err(VerifyError::MissingSignature), sig, _) => prop_assert!(sig.is_none()),
            (Err(VerifyError::MissingTimestamp), _, ts) => {
                prop_assert!(ts.is_none_or(str::is_empty));
            }
            (Err(VerifyError::MalformedSignature | VerifyError::BadSignature), _, _) => {}
            (Err(other), _, _) => {
                return Err(TestCaseError::fail(format!("request refused as {other:?}")));
            }
        }
    }

    #[test]
    fn discord_verify_fresh_accepts_only_signed_and_fresh_requests(
        signature in discord_signature(),
        timestamp in discord_timestamp(),
        body in prop_oneof![
            prop::sample::select(DISCORD_FIXTURES).prop_map(|(_, b)| b.to_vec()),
            arbitrary_bytes(),
        ],
        now in server_now(),
    ) {
        let verifier = discord_verifier();
        let result = verifier.verify_fresh(signature.as_deref(), timestamp.as_deref(), &body, now);
        let signed = verifier.verify(signature.as_deref(), timestamp.as_deref(), &body).is_ok();
        match &result {
            Ok(()) => {
                let ts = timestamp.as_deref().unwrap_or_default();
                prop_assert!(signed && fresh(ts, now), "accepted {ts:?} at {now}");
            }
            // Only a correctly signed request learns that its timestamp is stale.
            Err(VerifyError::StaleTimestamp { .. } | VerifyError::TimestampNotSeconds) => {
                let ts = timestamp.as_deref().unwrap_or_default();
                prop_assert!(signed && !fresh(ts, now), "refused {ts:?} at {now}");
            }
            Err(_) => prop_assert!(!signed),
        }
    }

    #[test]
    fn discord_correctly_signed_requests_are_accepted_only_when_fresh(
        (file, body) in prop::sample::select(DISCORD_FIXTURES),
        signed_at in prop_oneof![
            3 => (-1000i64..1000).prop_map(|d| RECORDED_AT + d),
            1 => any::<i64>(),
        ],
        now in server_now(),
    ) {
        let timestamp = signed_at.to_string();
        let signature = sign_discord(body, &timestamp);
        let result =
            discord_verifier().verify_fresh(Some(&signature), Some(&timestamp), body, now);
        let skew = signed_at.abs_diff(now.timestamp());
        match result {
            Ok(()) => prop_assert!(
                signed_at >= 0 && skew <= TIMESTAMP_TOLERANCE_SECONDS,
                "{file}: accepted {skew} s apart"
            ),
            Err(VerifyError::StaleTimestamp { seconds }) => {
                prop_assert_eq!(seconds, skew);
                prop_assert!(skew > TIMESTAMP_TOLERANCE_SECONDS);
            }
            // A negative time has a sign, which is not unix seconds as Discord sends it.
            Err(VerifyError::TimestampNotSeconds) => prop_assert!(signed_at < 0),
            Err(other) => return Err(TestCaseError::fail(format!("{file}: {other:?}"))),
        }
    }

    #[test]
    fn discord_public_keys_are_checked_without_panicking(
        key in prop_oneof!["[0-9a-fA-F]{64}", " ?[0-9a-f]{62,66} ?", ".{0,70}"],
    ) {
        // serenity's own Verifier::new panics on a bad key; ours must not.
        let _ = InteractionVerifier::new(&key);
    }

    #[test]
    fn discord_parse_of_arbitrary_bytes_is_clean(body in arbitrary_bytes()) {
        check_incoming(&parse_incoming(&body, Some("1200000000000000009")))?;
    }

    #[test]
    fn discord_parse_of_mutated_interactions_is_clean(
        doc in prop::sample::select(discord_docs()),
        edits in edits(),
        admin_role in prop::option::of(prop_oneof![Just("1200000000000000009".to_owned()), ".{0,20}"]),
    ) {
        let body = mutate(&doc, DISCORD_FIELDS, &edits);
        check_incoming(&parse_incoming(&body, admin_role.as_deref()))?;
    }

    #[test]
    fn discord_parse_of_arbitrary_commands_is_clean(body in discord_command()) {
        check_incoming(&parse_incoming(&body, None))?;
    }
}

#[test]
fn discord_fixtures_still_verify_and_parse() {
    let verifier = discord_verifier();
    let signed_at = |seconds| DateTime::from_timestamp(seconds, 0).expect("in range");
    for (file, ts, sig) in discord_vectors() {
        let body = discord_body(&file);
        assert_eq!(
            verifier.verify(Some(&sig), Some(&ts), body),
            Ok(()),
            "{file}"
        );
        // Fresh at the time they were signed; a replay (or a clock far behind) later.
        let at = ts.parse::<i64>().expect("unix seconds");
        assert_eq!(
            verifier.verify_fresh(Some(&sig), Some(&ts), body, signed_at(at)),
            Ok(())
        );
        for stale in [at + 301, at - 301] {
            assert_eq!(
                verifier.verify_fresh(Some(&sig), Some(&ts), body, signed_at(stale)),
                Err(VerifyError::StaleTimestamp { seconds: 301 }),
                "{file}"
            );
        }
        let incoming = parse_incoming(body, None).unwrap().incoming;
        assert!(
            matches!(incoming, Incoming::Ping | Incoming::Command(..)),
            "{file}"
        );
    }
}
