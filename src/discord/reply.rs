//! What the server answers to a command, and its two encodings: a serenity builder for
//! the gateway and Discord's raw JSON for the HTTP interactions endpoint. Text is
//! clipped to Discord's limits so an over-long reply degrades instead of failing.

use serde_json::{json, Map, Value};
use serenity::builder::{CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage};

use super::component::{action_rows, components_json, Button};

/// Discord's `CHANNEL_MESSAGE_WITH_SOURCE` response type.
const CHANNEL_MESSAGE: u8 = 4;
/// Discord's `UPDATE_MESSAGE` response type: edits the message whose button was pressed.
const UPDATE_MESSAGE: u8 = 7;
/// Message flag making a reply visible to the caller only.
const EPHEMERAL: u64 = 1 << 6;

const MAX_CONTENT: usize = 2000;
const MAX_TITLE: usize = 256;
const MAX_DESCRIPTION: usize = 4096;
const MAX_FIELD_NAME: usize = 256;
const MAX_FIELD_VALUE: usize = 1024;
const MAX_FIELDS: usize = 25;

/// A reply to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub content: String,
    pub embed: Option<ReplyEmbed>,
    /// Visible to the caller only.
    pub ephemeral: bool,
    /// Buttons under the message (a lobby card's).
    pub buttons: Vec<Button>,
    /// Replaces the message whose button was pressed instead of sending a new one.
    pub updates_message: bool,
}

/// A single embed: title, optional description, `(name, value, inline)` fields, and
/// the colour of its left edge (a lobby's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyEmbed {
    pub title: String,
    pub description: Option<String>,
    pub fields: Vec<(String, String, bool)>,
    /// `0xRRGGBB`.
    pub colour: Option<u32>,
}

impl Reply {
    /// A message everyone in the channel sees.
    pub fn public(text: impl Into<String>) -> Self {
        Reply {
            content: text.into(),
            embed: None,
            ephemeral: false,
            buttons: Vec::new(),
            updates_message: false,
        }
    }

    /// A message only the caller sees.
    pub fn ephemeral(text: impl Into<String>) -> Self {
        Reply {
            ephemeral: true,
            ..Reply::public(text)
        }
    }

    /// A refused command: always ephemeral.
    pub fn refusal(text: impl Into<String>) -> Self {
        Reply::ephemeral(text)
    }

    pub fn with_embed(mut self, embed: ReplyEmbed) -> Self {
        self.embed = Some(embed);
        self
    }

    pub fn with_buttons(mut self, buttons: Vec<Button>) -> Self {
        self.buttons = buttons;
        self
    }

    /// Answers a button press by editing the message it is on (never ephemeral).
    pub fn updating_message(mut self) -> Self {
        self.updates_message = true;
        self.ephemeral = false;
        self
    }

    /// The gateway response (type 4, flag 64 when ephemeral; type 7 for an update).
    pub fn to_response(&self) -> CreateInteractionResponse {
        let mut message =
            CreateInteractionResponseMessage::new().content(clip(&self.content, MAX_CONTENT));
        if let Some(embed) = &self.embed {
            message = message.embed(embed.to_builder());
        }
        if !self.buttons.is_empty() {
            message = message.components(action_rows(&self.buttons));
        }
        if self.updates_message {
            return CreateInteractionResponse::UpdateMessage(message);
        }
        if self.ephemeral {
            message = message.ephemeral(true);
        }
        CreateInteractionResponse::Message(message)
    }

    /// The HTTP endpoint's response body:
    /// `{"type":4,"data":{"content":…,"embeds":[…],"components":[…],"flags":64}}`, with
    /// `embeds` and `components` only when there are some and `flags` only when
    /// ephemeral; `"type":7` when it updates the message of a pressed button.
    pub fn http_body(&self) -> Value {
        let mut data = self.message_fields();
        if self.ephemeral && !self.updates_message {
            data.insert("flags".into(), EPHEMERAL.into());
        }
        let kind = if self.updates_message {
            UPDATE_MESSAGE
        } else {
            CHANNEL_MESSAGE
        };
        json!({ "type": kind, "data": data })
    }

    /// The body of a message the bot posts itself
    /// (`POST /channels/{channel}/messages`), mentioning nobody.
    pub fn message_body(&self) -> Value {
        let mut body = self.message_fields();
        body.insert("allowed_mentions".into(), json!({ "parse": [] }));
        Value::Object(body)
    }

    fn message_fields(&self) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert("content".into(), clip(&self.content, MAX_CONTENT).into());
        if let Some(embed) = &self.embed {
            data.insert("embeds".into(), json!([embed.to_json()]));
        }
        if let Some(components) = components_json(&self.buttons) {
            data.insert("components".into(), components);
        }
        data
    }
}

impl ReplyEmbed {
    pub fn new(title: impl Into<String>) -> Self {
        ReplyEmbed {
            title: title.into(),
            description: None,
            fields: Vec::new(),
            colour: None,
        }
    }

    pub fn colour(mut self, colour: u32) -> Self {
        self.colour = Some(colour);
        self
    }

    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    pub fn field(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        inline: bool,
    ) -> Self {
        self.fields.push((name.into(), value.into(), inline));
        self
    }

    /// Fields within Discord's limits; empty names or values become a zero-width space
    /// because Discord rejects blank ones.
    fn clipped_fields(&self) -> impl Iterator<Item = (String, String, bool)> + '_ {
        self.fields
            .iter()
            .take(MAX_FIELDS)
            .map(|(name, value, inline)| {
                (
                    nonblank(clip(name, MAX_FIELD_NAME)),
                    nonblank(clip(value, MAX_FIELD_VALUE)),
                    *inline,
                )
            })
    }

    fn to_builder(&self) -> CreateEmbed {
        let mut embed = CreateEmbed::new().title(clip(&self.title, MAX_TITLE));
        if let Some(d) = &self.description {
            embed = embed.description(clip(d, MAX_DESCRIPTION));
        }
        if let Some(colour) = self.colour {
            embed = embed.colour(colour);
        }
        embed.fields(self.clipped_fields())
    }

    fn to_json(&self) -> Value {
        let mut embed = Map::new();
        embed.insert("title".into(), clip(&self.title, MAX_TITLE).into());
        if let Some(d) = &self.description {
            embed.insert("description".into(), clip(d, MAX_DESCRIPTION).into());
        }
        if let Some(colour) = self.colour {
            embed.insert("color".into(), colour.into());
        }
        let fields: Vec<Value> = self
            .clipped_fields()
            .map(|(name, value, inline)| json!({ "name": name, "value": value, "inline": inline }))
            .collect();
        if !fields.is_empty() {
            embed.insert("fields".into(), fields.into());
        }
        Value::Object(embed)
    }
}

/// At most `max` characters, ending in `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn nonblank(text: String) -> String {
    if text.trim().is_empty() {
        "\u{200b}".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
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
            Reply::ephemeral("wallet")
                .with_embed(ReplyEmbed::new("Wallet").field("USD", "3.00", true)),
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
        let buttons = super::super::component::card_buttons("K7QX", false);
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
}
