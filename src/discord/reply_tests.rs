//! Tests of the two encodings of a reply.

use super::*;

#[test]
fn refusal_is_ephemeral() {
    let body = Reply::refusal("admins only").http_body();
    assert_eq!(
        body,
        json!({"type": 4, "data": {"content": "admins only", "flags": 64}})
    );
    assert!(Reply::refusal("x").ephemeral);
    assert_eq!(Reply::ephemeral("x").http_body()["data"]["flags"], 64);
}

#[test]
fn public_has_no_flags() {
    let body = Reply::public("Lobby open").http_body();
    assert_eq!(body, json!({"type": 4, "data": {"content": "Lobby open"}}));
    assert!(body["data"].get("flags").is_none());
}

#[test]
fn embed_is_encoded_like_discord() {
    let reply = Reply::public("Standings").with_embed(
        ReplyEmbed::new("Pot")
            .description("Friday Cup")
            .field("Pool", "12.50 USD", true)
            .field("", "", false),
    );
    let body = reply.http_body();
    assert_eq!(
        body["data"]["embeds"],
        json!([{
            "title": "Pot",
            "description": "Friday Cup",
            "fields": [
                {"name": "Pool", "value": "12.50 USD", "inline": true},
                {"name": "\u{200b}", "value": "\u{200b}", "inline": false}
            ]
        }])
    );
}

#[test]
fn builder_agrees_with_http_body() {
    let cases = [
        Reply::public("hi"),
        Reply::refusal("no"),
        Reply::ephemeral("wallet").with_embed(ReplyEmbed::new("Wallet").field("USD", "3.00", true)),
    ];
    for reply in cases {
        let built = serde_json::to_value(reply.to_response()).unwrap();
        let body = reply.http_body();
        assert_eq!(built["type"], body["type"]);
        assert_eq!(built["data"]["content"], body["data"]["content"]);
        assert_eq!(built["data"].get("flags"), body["data"].get("flags"));
        let title = |v: &Value| v["data"]["embeds"][0]["title"].clone();
        let fields = |v: &Value| v["data"]["embeds"][0]["fields"].clone();
        assert_eq!(title(&built), title(&body));
        assert_eq!(fields(&built), fields(&body));
    }
}

#[test]
fn a_card_update_is_type_7_with_colour_and_buttons() {
    let buttons = crate::discord::card_buttons("K7QX", false);
    let reply = Reply::ephemeral("Lobby")
        .with_embed(ReplyEmbed::new("Friday Cup").colour(0xFFBF00))
        .with_buttons(buttons)
        .updating_message();
    let body = reply.http_body();
    assert_eq!(body["type"], 7);
    assert!(body["data"].get("flags").is_none());
    assert_eq!(body["data"]["embeds"][0]["color"], 0xFFBF00);
    assert_eq!(
        body["data"]["components"][0]["components"][0]["label"],
        "Join"
    );
    let built = serde_json::to_value(reply.to_response()).unwrap();
    assert_eq!(built["type"], 7);
    assert_eq!(built["data"]["embeds"][0]["color"], 0xFFBF00);
    assert_eq!(built["data"]["components"], body["data"]["components"]);
    let posted = reply.message_body();
    assert_eq!(posted["allowed_mentions"], json!({"parse": []}));
    assert!(posted.get("type").is_none() && posted.get("flags").is_none());
}

#[test]
fn long_text_is_clipped_to_discord_limits() {
    let long = "é".repeat(2500);
    let body = Reply::public(long.clone()).http_body();
    let content = body["data"]["content"].as_str().unwrap();
    assert_eq!(content.chars().count(), 2000);
    assert!(content.ends_with('…'));
    let mut embed = ReplyEmbed::new(long.clone());
    for i in 0..30 {
        embed = embed.field(format!("f{i}"), long.clone(), false);
    }
    let body = Reply::public("x").with_embed(embed).http_body();
    let e = &body["data"]["embeds"][0];
    assert_eq!(e["title"].as_str().unwrap().chars().count(), 256);
    assert_eq!(e["fields"].as_array().unwrap().len(), 25);
    assert_eq!(
        e["fields"][0]["value"].as_str().unwrap().chars().count(),
        1024
    );
}
