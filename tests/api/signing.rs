//! Builds and signs requests exactly as Discord and the shops do.

use std::sync::atomic::{AtomicU64, Ordering};

use cozykart::webhooks::{shopify, stripe};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

use crate::helpers::TestApp;

pub const STRIPE_SECRET: &str = "whsec_test_CozyKartLocalOnlySigningSecret";
pub const SHOPIFY_SECRET: &str = "shpss_test_cozykart_local_only_client_secret";
pub const KOFI_TOKEN: &str = "5e1f0c2a-7d3b-4c9e-8a61-c0ffee000042";
pub const ADMIN_TOKEN: &str = "admin-test-token-0123456789";
pub const HOST: &str = "1100000000000000001";

fn discord_keys() -> (String, SigningKey) {
    let vectors: Value =
        serde_json::from_slice(include_bytes!("../fixtures/discord/signatures.json")).unwrap();
    let seed = hex::decode(vectors["private_key_seed_hex"].as_str().unwrap()).unwrap();
    let key = SigningKey::from_bytes(&seed.try_into().unwrap());
    (vectors["public_key_hex"].as_str().unwrap().to_owned(), key)
}

/// Configuration for a server that speaks to every provider and to Discord.
pub fn full_config(extra: &str) -> String {
    full_config_with_discord("", extra)
}

/// [`full_config`] with more keys in its `[discord]` table (a bot token, `api_base`).
pub fn full_config_with_discord(discord: &str, extra: &str) -> String {
    let (public_key, _) = discord_keys();
    format!(
        "[discord]\npublic_key = \"{public_key}\"\n{discord}\n[admin]\ntoken = \"{ADMIN_TOKEN}\"\n\
         [shops.main]\nprovider = \"stripe\"\nsecret = \"{STRIPE_SECRET}\"\ncheckout_url = \"https://shop.example/merch?lobby=\"\n\
         [shops.eu]\nprovider = \"shopify\"\nsecret = \"{SHOPIFY_SECRET}\"\n\
         [shops.kofi]\nprovider = \"kofi\"\nsecret = \"{KOFI_TOKEN}\"\n{extra}"
    )
}

/// Interaction ids handed out by [`interaction`]: one sequence for the whole test
/// binary, so that no two interactions share an id, even across restarts on one
/// database (Discord never reuses one either).
static NEXT_INTERACTION_ID: AtomicU64 = AtomicU64::new(1_400_000_000_000_000_000);

/// A fresh interaction id, as Discord gives every interaction.
pub fn next_interaction_id() -> String {
    NEXT_INTERACTION_ID
        .fetch_add(1, Ordering::Relaxed)
        .to_string()
}

/// A slash-command interaction shaped like the fixtures, with an id of its own.
pub fn interaction(
    name: &str,
    options: Value,
    user_id: &str,
    user_name: &str,
    admin: bool,
) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(include_bytes!("../fixtures/discord/join.json")).unwrap();
    body["id"] = json!(next_interaction_id());
    body["data"]["name"] = json!(name);
    body["data"]["options"] = options.clone();
    if let Some(user) = options
        .as_array()
        .and_then(|o| o.iter().find(|o| o["type"] == 6))
    {
        let id = user["value"].as_str().unwrap();
        body["data"]["resolved"] = json!({"users": {id: {"id": id, "username": format!("user{id}"),
            "global_name": format!("Racer {id}"), "avatar": null, "discriminator": "0", "public_flags": 0}}});
    }
    body["member"]["user"]["id"] = json!(user_id);
    body["member"]["user"]["username"] = json!(user_name.to_lowercase());
    body["member"]["user"]["global_name"] = json!(user_name);
    body["member"]["permissions"] = json!(if admin { "2147486752" } else { "2147486720" });
    serde_json::to_vec(&body).unwrap()
}

/// `body` (an interaction) as sent by a member whose client is in `locale`, in a
/// guild whose language is `guild_locale` (Discord's codes: `de`, `ja`, `en-US`).
pub fn localised(body: Vec<u8>, locale: &str, guild_locale: &str) -> Vec<u8> {
    let mut json: Value = serde_json::from_slice(&body).unwrap();
    json["locale"] = json!(locale);
    json["guild_locale"] = json!(guild_locale);
    serde_json::to_vec(&json).unwrap()
}

/// [`command`] from a member whose client is in `locale`, in a guild whose
/// language is `guild_locale`.
pub async fn command_in(
    app: &TestApp,
    (locale, guild_locale): (&str, &str),
    name: &str,
    options: Value,
    user: &str,
    admin: bool,
) -> Value {
    let user_name = format!("Racer{}", &user[user.len() - 2..]);
    let body = interaction(name, options, user, &user_name, admin);
    let (status, reply) = discord(app, localised(body, locale, guild_locale)).await;
    assert_eq!(status, 200, "{reply}");
    reply["data"].clone()
}

pub fn option(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value})
}

pub fn sign_discord(body: &[u8], timestamp: &str) -> String {
    let (_, key) = discord_keys();
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    hex::encode(key.sign(&message).to_bytes())
}

/// Sends an interaction signed now (per the app's clock), as Discord does; returns
/// the status and JSON answer.
pub async fn discord(app: &TestApp, body: Vec<u8>) -> (u16, Value) {
    let timestamp = app.clock.now().timestamp().to_string();
    discord_signed_at(app, body, &timestamp).await
}

/// Sends an interaction signed with the given `X-Signature-Timestamp`.
pub async fn discord_signed_at(app: &TestApp, body: Vec<u8>, timestamp: &str) -> (u16, Value) {
    let signature = sign_discord(&body, timestamp);
    discord_with(app, body, timestamp, signature).await
}

/// Sends an interaction with the given timestamp and signature headers as they are.
pub async fn discord_with(
    app: &TestApp,
    body: Vec<u8>,
    timestamp: &str,
    signature: String,
) -> (u16, Value) {
    let mut response = app
        .client()
        .post(format!("{}/discord/interactions", app.address))
        .insert_header(("X-Signature-Ed25519", signature))
        .insert_header(("X-Signature-Timestamp", timestamp))
        .insert_header(("Content-Type", "application/json"))
        .send_body(body)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let json = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, json)
}

/// Runs a command as a user; returns the reply's data.
pub async fn command(app: &TestApp, name: &str, options: Value, user: &str, admin: bool) -> Value {
    let body = interaction(
        name,
        options,
        user,
        &format!("Racer{}", &user[user.len() - 2..]),
        admin,
    );
    let (status, reply) = discord(app, body).await;
    assert_eq!(status, 200, "{reply}");
    reply["data"].clone()
}

pub fn is_ephemeral(data: &Value) -> bool {
    data["flags"].as_u64() == Some(64)
}

/// Creates a lobby as the host; returns its code.
pub async fn create_lobby(app: &TestApp, name: &str) -> String {
    let options = json!([{"name": "create", "type": 1, "options": [option("name", name)]}]);
    let data = command(app, "lobby", options, HOST, false).await;
    let text = data["content"].as_str().unwrap().to_owned();
    let code = text.split('`').nth(1).expect("code in reply").to_owned();
    assert_eq!(code.len(), 4, "{text}");
    code
}

/// `Stripe-Signature` for the test shop `main` at `timestamp`.
pub fn stripe_signature(body: &[u8], timestamp: i64) -> String {
    stripe::signature_header(STRIPE_SECRET, timestamp, body)
}

/// A `checkout.session.completed` event for a paid session.
pub fn stripe_checkout(
    event_id: &str,
    pi: &str,
    amount_minor: i64,
    currency: &str,
    created: i64,
    lobby: Option<&str>,
) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/stripe/checkout_session_completed.json"
    ))
    .unwrap();
    event["id"] = json!(event_id);
    event["created"] = json!(created);
    let session = &mut event["data"]["object"];
    session["id"] = json!(format!("cs_{pi}"));
    session["payment_intent"] = json!(pi);
    session["amount_total"] = json!(amount_minor);
    session["amount_subtotal"] = json!(amount_minor);
    session["total_details"] = json!({"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0});
    session["currency"] = json!(currency);
    session["metadata"] = match lobby {
        Some(code) => json!({"lobby": code}),
        None => json!({}),
    };
    serde_json::to_vec(&event).unwrap()
}

/// A `payment_intent.succeeded` event for `pi`, with no lobby in its metadata: the
/// untagged twin of the Checkout Session [`stripe_checkout`] builds for `pi`.
pub fn stripe_payment_intent(
    event_id: &str,
    pi: &str,
    amount_minor: i64,
    currency: &str,
    created: i64,
) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/stripe/payment_intent_succeeded.json"
    ))
    .unwrap();
    event["id"] = json!(event_id);
    event["created"] = json!(created);
    let intent = &mut event["data"]["object"];
    intent["id"] = json!(pi);
    intent["amount"] = json!(amount_minor);
    intent["amount_received"] = json!(amount_minor);
    intent["currency"] = json!(currency);
    intent["latest_charge"] = json!(format!("ch_{pi}"));
    intent["metadata"] = json!({});
    serde_json::to_vec(&event).unwrap()
}

/// A `charge.refunded` event with a running total refunded.
pub fn stripe_refund(
    event_id: &str,
    pi: &str,
    amount_minor: i64,
    refunded_minor: i64,
    created: i64,
) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/stripe/charge_refunded.json"
    ))
    .unwrap();
    event["id"] = json!(event_id);
    event["created"] = json!(created);
    let charge = &mut event["data"]["object"];
    charge["id"] = json!(format!("ch_{pi}"));
    charge["payment_intent"] = json!(pi);
    charge["amount"] = json!(amount_minor);
    charge["amount_captured"] = json!(amount_minor);
    charge["amount_refunded"] = json!(refunded_minor);
    charge["refunded"] = json!(refunded_minor == amount_minor);
    serde_json::to_vec(&event).unwrap()
}

/// A `charge.dispute.created` event: dispute `dispute_id` of `disputed_minor` USD
/// on the charge of `pi`.
pub fn stripe_dispute(
    event_id: &str,
    dispute_id: &str,
    pi: &str,
    disputed_minor: i64,
    created: i64,
) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/stripe/charge_dispute_created.json"
    ))
    .unwrap();
    event["id"] = json!(event_id);
    event["created"] = json!(created);
    let dispute = &mut event["data"]["object"];
    dispute["id"] = json!(dispute_id);
    dispute["amount"] = json!(disputed_minor);
    dispute["currency"] = json!("usd");
    dispute["charge"] = json!(format!("ch_{pi}"));
    dispute["payment_intent"] = json!(pi);
    serde_json::to_vec(&event).unwrap()
}

/// Posts a Stripe event signed now (per the app's clock).
pub async fn post_stripe(app: &TestApp, body: Vec<u8>) -> (u16, Value) {
    let signature = stripe_signature(&body, app.clock.now().timestamp());
    post(
        app,
        "/webhooks/stripe/main",
        body,
        &[("Stripe-Signature", signature)],
    )
    .await
}

pub async fn post(
    app: &TestApp,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
) -> (u16, Value) {
    try_post(&app.client(), &app.address, path, body, headers)
        .await
        .unwrap()
}

/// Posts to the server at `address`; `Err` when no answer came (a server
/// killed mid-request, say).
pub async fn try_post(
    client: &awc::Client,
    address: &str,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
) -> Result<(u16, Value), String> {
    let mut request = client.post(format!("{address}{path}"));
    for (name, value) in headers {
        request = request.insert_header((*name, value.clone()));
    }
    let mut response = request
        .send_body(body)
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    let json = response.json::<Value>().await.unwrap_or(Value::Null);
    Ok((status, json))
}

pub async fn admin_get(app: &TestApp, path: &str) -> (u16, Value) {
    let mut response = app
        .client()
        .get(format!("{}{path}", app.address))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

/// Available and pending of a racer in a currency, as decimal strings.
pub async fn wallet(app: &TestApp, racer: &str, currency: &str) -> (String, String) {
    let (_, body) = admin_get(app, &format!("/api/admin/racers/{racer}")).await;
    body["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["currency"] == currency)
        .map(|b| {
            (
                b["available"].as_str().unwrap().to_owned(),
                b["pending"].as_str().unwrap().to_owned(),
            )
        })
        .unwrap_or_else(|| ("0.00".into(), "0.00".into()))
}

/// `X-Shopify-Hmac-Sha256` for the test shop `eu`.
pub fn shopify_signature(body: &[u8]) -> String {
    shopify::signature_header(SHOPIFY_SECRET, body)
}

/// `GET /api/lobbies/{code}`, which must answer 200.
pub async fn lobby_json(app: &TestApp, code: &str) -> Value {
    let mut response = app
        .client()
        .get(format!("{}/api/lobbies/{code}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// `GET /api/admin/lobbies/{code}`: the full view, with the lobby's id and racers' ids.
pub async fn lobby_admin_json(app: &TestApp, code: &str) -> Value {
    let (status, body) = admin_get(app, &format!("/api/admin/lobbies/{code}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// How many lobbies `GET /api/lobbies` lists.
pub async fn lobby_count(app: &TestApp) -> usize {
    let mut response = app
        .client()
        .get(format!("{}/api/lobbies", app.address))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["lobbies"].as_array().unwrap().len()
}
