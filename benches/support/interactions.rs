//! Signed Discord interactions for the benchmarks, shaped like the fixtures: each
//! with an id of its own (the server runs an id once), signed with the given key
//! at the given time. Used with `#[path = "..."] mod interactions;`.

use std::sync::atomic::{AtomicU64, Ordering};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

const INTERACTION: &[u8] = include_bytes!("../../tests/fixtures/discord/join.json");
/// Interaction ids: the server runs each id once, so every command needs its own.
static NEXT_INTERACTION_ID: AtomicU64 = AtomicU64::new(1_400_000_000_000_000_000);

/// Sends `/name options` as Discord user `user` in the `channel`-th test channel,
/// signed at `timestamp` (Unix seconds); answers the server's reply.
pub async fn command(
    base: &str,
    key: &SigningKey,
    timestamp: i64,
    name: &str,
    options: Value,
    user: u64,
    channel: usize,
) -> Value {
    let mut body: Value = serde_json::from_slice(INTERACTION).expect("template");
    body["id"] = json!(NEXT_INTERACTION_ID
        .fetch_add(1, Ordering::Relaxed)
        .to_string());
    body["data"]["name"] = json!(name);
    body["data"]["options"] = options;
    body["channel_id"] = json!(format!("{}", 1_300_000_000_000_000_000u64 + channel as u64));
    body["channel"]["id"] = body["channel_id"].clone();
    body["member"]["user"]["id"] = json!(user.to_string());
    body["member"]["user"]["global_name"] = json!(format!("Racer {user}"));
    let body = serde_json::to_vec(&body).expect("json");
    let timestamp = timestamp.to_string();
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(&body);
    let signature = hex::encode(key.sign(&message).to_bytes());
    let mut response = awc::Client::new()
        .post(format!("{base}/discord/interactions"))
        .insert_header(("X-Signature-Ed25519", signature))
        .insert_header(("X-Signature-Timestamp", timestamp))
        .send_body(body)
        .await
        .expect("interaction answered");
    response.json::<Value>().await.expect("reply")
}

/// The code of the lobby whose card `reply` is: its buttons carry it
/// (`lobby:<CODE>:join`).
pub fn lobby_code(reply: &Value) -> String {
    let join = reply["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap_or_default();
    join.split(':')
        .nth(1)
        .unwrap_or_else(|| panic!("no lobby code in the card: {reply}"))
        .to_owned()
}

/// A process's resident memory, in KiB (`/proc/<pid>/status`, `VmRSS:` or `VmHWM:`).
pub fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}
