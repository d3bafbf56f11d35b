//! Discord front end: slash-command definitions, request signature checks for the
//! HTTP interactions endpoint, parsing of interactions (slash commands and the lobby
//! card's buttons) into the provider-neutral [`Command`] model, replies and their
//! deferral, a thin gateway client, and Discord's REST API (command registration,
//! channel messages, interaction webhooks) with the outbox of the posts the bot
//! makes by itself.
//!
//! Everything past [`parse_command`] / [`parse_incoming`] is free of serenity types:
//! the rest of the server sees a [`Caller`], a [`Command`] and answers with a [`Reply`].

mod command;
mod command_error;
mod component;
mod deferral;
mod gateway;
mod hook;
mod interaction;
mod locales;
pub mod outbox;
mod rate_limit;
mod register;
mod reply;
mod rest;
mod shards;
mod verify;

#[cfg(test)]
mod fixtures;

pub use command::{parse_command, Caller, Command, CommandError, OverlayCommand};
pub use component::{card_buttons, custom_id, parse_custom_id, Button, ButtonStyle, CardAction};
pub use deferral::{show, Acknowledgement, Answer, Deferral, Deferred, Shown};
pub use gateway::{run_gateway, CommandHandler, SuggestHandler};
pub use hook::{InteractionHook, InteractionToken, InteractionWebhooks, TOKEN_MAX_BYTES};
pub use interaction::{
    autocomplete_body, parse_incoming, pong_body, Delivery, Incoming, InteractionId,
    AUTOCOMPLETE_CHOICES_MAX,
};
pub use register::command_definitions;
pub use reply::{Reply, ReplyEmbed};
pub use rest::{register_commands, Registered, Rest, RestError, Scope, SENDS_MAX};
pub use shards::GatewayStatus;
pub use verify::{InteractionVerifier, VerifyError, TIMESTAMP_TOLERANCE_SECONDS};
