//! Tests of a reply: its serenity builders and the JSON they serialise to.

use serde_json::json;

use super::*;

#[test]
fn refusal_is_ephemeral() {
    let body = Reply::refusal("admins only").http_body();
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["content"], "admins only");
    assert_eq!(body["data"]["flags"], 64);
    assert!(body["data"].get("embeds").is_none() && body["data"].get("components").is_none());
    assert!(Reply::refusal("x").ephemeral);
    assert_eq!(Reply::ephemeral("x").http_body()["data"]["flags"], 64);
}

#[test]
fn public_has_no_flags() {
    let body = Reply::public("Lobby open").http_body();
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["content"], "Lobby open");
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
    let embeds = body["data"]["embeds"].as_array().expect("a list of embeds");
    assert_eq!(embeds.len(), 1);
    assert_eq!(embeds[0]["title"], "Pot");
    assert_eq!(embeds[0]["description"], "Friday Cup");
    assert!(embeds[0].get("color").is_none());
    assert_eq!(
        embeds[0]["fields"],
        json!([
            {"name": "Pool", "value": "12.50 USD", "inline": true},
            {"name": "\u{200b}", "value": "\u{200b}", "inline": false}
        ])
    );
}

#[test]
fn http_body_is_the_gateway_builder_serialised() {
    let cases = [
        Reply::public("hi"),
        Reply::refusal("no"),
        Reply::ephemeral("wallet").with_embed(ReplyEmbed::new("Wallet").field("USD", "3.00", true)),
    ];
    for reply in cases {
        let built = serde_json::to_value(reply.to_response()).unwrap();
        assert_eq!(built, reply.http_body());
    }
}

#[test]
fn a_card_update_is_type_7_with_colour_and_buttons() {
    let buttons = crate::discord::card_buttons("K7QX", false, crate::locale::Locale::En);
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
    let posted = serde_json::to_value(reply.to_channel_message()).unwrap();
    assert_eq!(posted["allowed_mentions"]["parse"], json!([]));
    assert_eq!(posted["content"], "Lobby");
    assert_eq!(posted["embeds"][0]["title"], "Friday Cup");
    assert_eq!(posted["components"], body["data"]["components"]);
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

#[test]
fn a_deferred_answer_carries_the_inline_message() {
    let card = Reply::public("Lobby `K7QX`")
        .with_embed(ReplyEmbed::new("Friday Cup").colour(0xFFBF00))
        .with_buttons(crate::discord::card_buttons(
            "K7QX",
            false,
            crate::locale::Locale::En,
        ));
    for reply in [card.clone(), card.updating_message()] {
        let inline = reply.http_body()["data"].clone();
        let edit = serde_json::to_value(reply.to_edit()).unwrap();
        for key in ["content", "embeds", "components"] {
            assert_eq!(edit[key], inline[key], "{key}");
        }
        assert!(edit.get("flags").is_none(), "{edit}");
    }
    let refusal = Reply::refusal("Only admins can change the commission rate.");
    let followup = serde_json::to_value(refusal.to_followup()).unwrap();
    assert_eq!(followup["content"], refusal.http_body()["data"]["content"]);
    assert_eq!(followup["flags"], 64);
    let public = serde_json::to_value(Reply::public("x").to_followup()).unwrap();
    assert_eq!(public["flags"], 0);
}
