//! A command that cannot answer within its budget is deferred: the interaction is
//! acknowledged at once (Discord closes it after 3 seconds) and the reply shown
//! later through the interaction's webhook ([`show`]). Which acknowledgement, and
//! how the reply replaces it, is Discord's part of the rule and lives here; when to
//! defer is decided by the command core above this module.
//!
//! Discord fixes whether a deferred message is ephemeral when it is deferred, and
//! whether a reply will be a private refusal is known only once the command ran. A
//! slash command is therefore deferred public (type 5 without flags, Discord's
//! "thinking…" message), and a reply that is ephemeral replaces it privately: the
//! public message is deleted and the reply sent as an ephemeral follow-up. A lobby
//! card's button is deferred with type 6 (no message at all); its reply edits the
//! card, or, for a refusal, is an ephemeral follow-up.

use serde_json::{json, Value};
use serenity::builder::{CreateInteractionResponse, CreateInteractionResponseMessage};
use tokio::sync::oneshot;

use super::command::Command;
use super::hook::{InteractionHook, InteractionWebhooks};
use super::reply::{http_body, Reply};
use super::rest::RestError;

/// How an interaction is acknowledged when its command runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deferral {
    /// Type 5, `DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE`: a public "thinking…" message.
    Message,
    /// Type 6, `DEFERRED_UPDATE_MESSAGE`: a button press; its message stays as it is.
    Update,
}

impl Deferral {
    /// The deferral for `command`: [`Deferral::Update`] for a lobby card's button.
    pub fn of(command: &Command) -> Deferral {
        match command {
            Command::Press { .. } => Deferral::Update,
            _ => Deferral::Message,
        }
    }

    /// The acknowledgement as serenity's builder, for the gateway.
    pub fn to_response(self) -> CreateInteractionResponse {
        match self {
            Deferral::Message => {
                CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new())
            }
            Deferral::Update => CreateInteractionResponse::Acknowledge,
        }
    }

    /// The acknowledgement as the HTTP endpoint's body.
    pub fn http_body(self) -> Value {
        let kind = match self {
            Deferral::Message => 5,
            Deferral::Update => 6,
        };
        http_body(self.to_response(), || json!({ "type": kind }))
    }
}

/// What a transport sends first for a command.
#[derive(Debug)]
pub enum Answer {
    /// The command's reply, as it is.
    Reply(Reply),
    /// An acknowledgement; the reply follows through the interaction's webhook.
    Deferred(Deferred),
}

/// A deferral for the transport to send. The reply waits until the transport
/// tells [`Deferred::sent`]: Discord edits no response it has not received.
/// Dropped unsent, the reply is not shown at all.
#[derive(Debug)]
pub struct Deferred {
    deferral: Deferral,
    /// Told once the acknowledgement is on its way; read by [`Acknowledgement`].
    sent: oneshot::Sender<()>,
}

/// The other end of a [`Deferred`], held by whoever shows the reply.
#[derive(Debug)]
pub struct Acknowledgement(oneshot::Receiver<()>);

impl Deferred {
    pub fn new(deferral: Deferral) -> (Deferred, Acknowledgement) {
        let (sent, acknowledged) = oneshot::channel();
        (Deferred { deferral, sent }, Acknowledgement(acknowledged))
    }

    pub fn deferral(&self) -> Deferral {
        self.deferral
    }

    /// The acknowledgement went out (the HTTP answer is being written, or the
    /// gateway's response was taken by Discord).
    pub fn sent(self) {
        // Nobody waits any more only if the reply's task has ended; nothing to do then.
        let _ = self.sent.send(());
    }
}

impl Acknowledgement {
    /// Whether the acknowledgement went out (`false`: its [`Deferred`] was dropped).
    pub async fn arrived(self) -> bool {
        self.0.await.is_ok()
    }
}

/// How a deferred reply is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The original response was edited into the reply (the "thinking…" message,
    /// or the card whose button was pressed).
    Edited,
    /// The public "thinking…" message was deleted and the reply sent as an
    /// ephemeral follow-up.
    ReplacedPrivately,
    /// The reply was sent as a follow-up (a refusal of a button press).
    FollowedUp,
}

impl Shown {
    /// The rule: how `reply` replaces what `deferral` left on Discord.
    pub fn rule(deferral: Deferral, reply: &Reply) -> Shown {
        match deferral {
            _ if reply.updates_message => Shown::Edited,
            Deferral::Message if reply.ephemeral => Shown::ReplacedPrivately,
            Deferral::Message => Shown::Edited,
            Deferral::Update => Shown::FollowedUp,
        }
    }
}

/// Shows `reply` in place of `deferral` by [`Shown::rule`]. When the public
/// message cannot be deleted, the ephemeral reply is not sent either: its
/// follow-up would fill the public message instead.
pub async fn show(
    webhooks: &InteractionWebhooks,
    hook: &InteractionHook,
    deferral: Deferral,
    reply: &Reply,
) -> Result<Shown, RestError> {
    let shown = Shown::rule(deferral, reply);
    match shown {
        Shown::Edited => webhooks.edit_original(hook, &reply.to_edit()).await?,
        Shown::ReplacedPrivately => {
            webhooks.delete_original(hook).await?;
            webhooks.followup(hook, &reply.to_followup()).await?;
        }
        Shown::FollowedUp => webhooks.followup(hook, &reply.to_followup()).await?,
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::CardAction;

    #[test]
    fn a_button_press_defers_without_a_message() {
        let press = Command::Press {
            lobby: "K7QX".into(),
            action: CardAction::Join,
        };
        assert_eq!(Deferral::of(&press), Deferral::Update);
        assert_eq!(Deferral::of(&Command::Wallet), Deferral::Message);
        assert_eq!(
            Deferral::Update.http_body(),
            json!({"type": 6, "data": null})
        );
        let message = Deferral::Message.http_body();
        assert_eq!(message["type"], 5);
        assert!(message["data"].get("flags").is_none(), "{message}");
    }

    #[test]
    fn only_public_replies_edit_a_thinking_message() {
        let public = Reply::public("Lobby open");
        let refusal = Reply::refusal("Only admins can change the commission rate.");
        let card = Reply::public("Lobby").updating_message();
        assert_eq!(Shown::rule(Deferral::Message, &public), Shown::Edited);
        assert_eq!(
            Shown::rule(Deferral::Message, &refusal),
            Shown::ReplacedPrivately
        );
        assert_eq!(Shown::rule(Deferral::Update, &card), Shown::Edited);
        assert_eq!(Shown::rule(Deferral::Update, &refusal), Shown::FollowedUp);
        assert_eq!(Shown::rule(Deferral::Update, &public), Shown::FollowedUp);
    }

    #[actix_web::test]
    async fn an_unsent_deferral_is_never_acknowledged() {
        let (deferred, acknowledgement) = Deferred::new(Deferral::Message);
        drop(deferred);
        assert!(!acknowledgement.arrived().await);
        let (deferred, acknowledgement) = Deferred::new(Deferral::Update);
        deferred.sent();
        assert!(acknowledgement.arrived().await);
    }
}
