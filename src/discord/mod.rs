//! Discord front end: slash-command definitions, request signature checks for the
//! HTTP interactions endpoint, parsing of interactions into the provider-neutral
//! [`Command`] model, replies, a thin gateway client, and command registration over REST.
//!
//! Everything past [`parse_command`] / [`parse_incoming`] is free of serenity types:
//! the rest of the server sees a [`Caller`], a [`Command`] and answers with a [`Reply`].

mod command;
mod gateway;
mod interaction;
mod register;
mod reply;
mod rest;
mod verify;

#[cfg(test)]
mod fixtures;

pub use command::{parse_command, Caller, Command, CommandError};
pub use gateway::{run_gateway, CommandHandler};
pub use interaction::{
    autocomplete_body, parse_incoming, pong_body, Delivery, Incoming, InteractionId,
    AUTOCOMPLETE_CHOICES_MAX,
};
pub use register::command_definitions;
pub use reply::{Reply, ReplyEmbed};
pub use rest::{register_commands, Registered, Scope};
pub use verify::{InteractionVerifier, VerifyError, TIMESTAMP_TOLERANCE_SECONDS};
