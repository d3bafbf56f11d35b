//! Signed interaction fixtures from `tests/fixtures/discord` and a signer using the
//! public test key pair, so tests can edit a payload and re-sign it.

use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;

pub const PING: &[u8] = include_bytes!("../../tests/fixtures/discord/ping.json");
pub const LOBBY_CREATE: &[u8] = include_bytes!("../../tests/fixtures/discord/lobby_create.json");
pub const JOIN: &[u8] = include_bytes!("../../tests/fixtures/discord/join.json");
pub const START: &[u8] = include_bytes!("../../tests/fixtures/discord/start.json");
pub const WALLET: &[u8] = include_bytes!("../../tests/fixtures/discord/wallet.json");
pub const PAYOUT: &[u8] = include_bytes!("../../tests/fixtures/discord/payout.json");
pub const PAYOUT_BY_NON_ADMIN: &[u8] =
    include_bytes!("../../tests/fixtures/discord/payout_by_non_admin.json");
const SIGNATURES: &str = include_str!("../../tests/fixtures/discord/signatures.json");

/// Every fixture by its file name in `signatures.json`.
pub const ALL: &[(&str, &[u8])] = &[
    ("ping.json", PING),
    ("lobby_create.json", LOBBY_CREATE),
    ("join.json", JOIN),
    ("start.json", START),
    ("wallet.json", WALLET),
    ("payout.json", PAYOUT),
    ("payout_by_non_admin.json", PAYOUT_BY_NON_ADMIN),
];

fn signatures() -> Value {
    serde_json::from_str(SIGNATURES).expect("signatures.json is JSON")
}

pub fn public_key_hex() -> String {
    signatures()["public_key_hex"]
        .as_str()
        .expect("public_key_hex")
        .to_owned()
}

/// `(file, timestamp, signature)` for every recorded vector.
pub fn vectors() -> Vec<(String, String, String)> {
    let sigs = signatures();
    let field = |v: &Value, k: &str| v[k].as_str().expect("vector field").to_owned();
    sigs["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| {
            (
                field(v, "file"),
                field(v, "timestamp"),
                field(v, "signature"),
            )
        })
        .collect()
}

/// Signs `timestamp || body` with the fixture's test seed, as Discord would.
pub fn sign_for_tests(timestamp: &str, body: &[u8]) -> String {
    let seed_hex = signatures()["private_key_seed_hex"]
        .as_str()
        .expect("seed")
        .to_owned();
    let mut seed = [0u8; 32];
    hex::decode_to_slice(seed_hex, &mut seed).expect("seed hex");
    let key = SigningKey::from_bytes(&seed);
    let message = [timestamp.as_bytes(), body].concat();
    hex::encode(key.sign(&message).to_bytes())
}

/// A fixture as editable JSON.
pub fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("fixture is JSON")
}
