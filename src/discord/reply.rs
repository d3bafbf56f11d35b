//! What the server answers to a command, described once as serenity's builders: the
//! gateway hands [`Reply::to_response`] to serenity, the HTTP interactions endpoint
//! answers with the same builder serialised ([`Reply::http_body`]), a deferred
//! answer is shown later as [`Reply::to_edit`] or [`Reply::to_followup`], and a
//! message the bot posts itself is [`Reply::to_channel_message`]. Text is clipped to
//! Discord's limits so an over-long reply degrades instead of failing.

use serde_json::Value;
use serenity::builder::{
    CreateAllowedMentions, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    EditInteractionResponse,
};

use super::component::{action_rows, Button};

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

    /// The interaction response: type 4 (`CHANNEL_MESSAGE_WITH_SOURCE`) with the
    /// ephemeral flag (64) when only the caller sees it, or type 7 (`UPDATE_MESSAGE`)
    /// when it replaces the message whose button was pressed. Handed to serenity on
    /// the gateway; serialised by [`Reply::http_body`] for the HTTP endpoint.
    pub fn to_response(&self) -> CreateInteractionResponse {
        let mut message =
            CreateInteractionResponseMessage::new().content(clip(&self.content, MAX_CONTENT));
        // Only when there are some: an empty list on an update would clear the card's.
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

    /// The HTTP endpoint's response body: [`Reply::to_response`] as JSON,
    /// `{"type":4,"data":{"content":…,"embeds":[…],"components":[…],"flags":64,…}}`.
    pub fn http_body(&self) -> Value {
        http_body(
            self.to_response(),
            || serde_json::json!({"type": 4, "data": {"content": "Something went wrong.", "flags": 64}}),
        )
    }

    /// The message that replaces a deferred answer's original response
    /// (`PATCH …/messages/@original`): what [`Reply::to_response`] carries, without
    /// the ephemeral flag, which only the deferral itself could have set.
    pub fn to_edit(&self) -> EditInteractionResponse {
        let mut edit = EditInteractionResponse::new().content(clip(&self.content, MAX_CONTENT));
        if let Some(embed) = &self.embed {
            edit = edit.embed(embed.to_builder());
        }
        if !self.buttons.is_empty() {
            edit = edit.components(action_rows(&self.buttons));
        }
        edit
    }

    /// The message sent after a deferred answer's original response
    /// (`POST /webhooks/{application}/{token}`), with the ephemeral flag (64) when
    /// only the caller sees it.
    pub fn to_followup(&self) -> CreateInteractionResponseFollowup {
        let mut message = CreateInteractionResponseFollowup::new()
            .content(clip(&self.content, MAX_CONTENT))
            .ephemeral(self.ephemeral);
        if let Some(embed) = &self.embed {
            message = message.embed(embed.to_builder());
        }
        if !self.buttons.is_empty() {
            message = message.components(action_rows(&self.buttons));
        }
        message
    }

    /// A message the bot posts itself (`POST /channels/{channel}/messages`),
    /// mentioning nobody.
    pub fn to_channel_message(&self) -> CreateMessage {
        let mut message = CreateMessage::new()
            .content(clip(&self.content, MAX_CONTENT))
            .allowed_mentions(CreateAllowedMentions::new());
        if let Some(embed) = &self.embed {
            message = message.embed(embed.to_builder());
        }
        if !self.buttons.is_empty() {
            message = message.components(action_rows(&self.buttons));
        }
        message
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

/// A serenity response as the HTTP endpoint's body: how every answer on that
/// transport is written (replies, suggestions, the PING's PONG). A builder made of
/// strings, numbers and lists always serialises; `fallback` only keeps a bug from
/// taking the endpoint down.
pub(super) fn http_body(
    response: CreateInteractionResponse,
    fallback: impl FnOnce() -> Value,
) -> Value {
    serde_json::to_value(response).unwrap_or_else(|error| {
        tracing::error!(%error, "serialising an interaction response failed");
        fallback()
    })
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
