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
#[path = "reply_tests.rs"]
mod tests;
