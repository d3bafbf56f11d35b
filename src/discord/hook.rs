//! An interaction's webhook: what addresses it (the application id and the
//! interaction's token, both carried by the interaction itself) and the client
//! that edits, deletes and follows up its messages once the interaction was
//! deferred. The token in the path authorises these requests, so no bot token is
//! needed: a deployment that serves only the HTTP interactions endpoint defers too.
//!
//! The requests are serenity's routes (`WebhookOriginalInteractionResponse`,
//! `WebhookFollowupMessages`), sent by the same [`Sender`] as the bot's
//! [`super::Rest`] (429s waited out) but with a global gate of its own: Discord
//! does not count interaction webhooks against the bot's global limit.

use std::fmt;
use std::num::NonZeroU64;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serenity::builder::{CreateInteractionResponseFollowup, EditInteractionResponse};
use serenity::http::{LightMethod, Request, Route};
use serenity::model::id::ApplicationId;

use super::rest::{RestError, Sender};
use crate::config::DiscordConfig;

/// Longest interaction token taken (Discord's are a few hundred characters).
pub const TOKEN_MAX_BYTES: usize = 1024;

/// Characters of a token written into a path as they are: RFC 3986's unreserved
/// ones (Discord's tokens are made of these); any other is percent-encoded, so a
/// token can never add a segment or a query to the path.
const TOKEN_IN_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An interaction's token. For 15 minutes it lets whoever holds it answer the
/// interaction, so it is never shown: its `Debug` hides it, and it leaves the
/// process only in the path of a request to Discord.
#[derive(Clone, PartialEq, Eq)]
pub struct InteractionToken(String);

impl InteractionToken {
    /// A token as Discord sent it: not empty, at most [`TOKEN_MAX_BYTES`], no
    /// control characters.
    pub fn parse(text: &str) -> Option<InteractionToken> {
        let fits = !text.is_empty() && text.len() <= TOKEN_MAX_BYTES;
        (fits && !text.chars().any(char::is_control)).then(|| InteractionToken(text.to_owned()))
    }

    /// The token as a path segment.
    fn in_path(&self) -> String {
        utf8_percent_encode(&self.0, TOKEN_IN_PATH).to_string()
    }
}

impl fmt::Debug for InteractionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InteractionToken(…)")
    }
}

/// Where the messages of one interaction are edited and followed up:
/// `/webhooks/{application_id}/{token}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionHook {
    /// The application the interaction was sent to.
    application_id: NonZeroU64,
    token: InteractionToken,
}

impl InteractionHook {
    /// The hook of an interaction, when its token can be used ([`InteractionToken::parse`]).
    pub fn new(application_id: NonZeroU64, token: &str) -> Option<InteractionHook> {
        Some(InteractionHook {
            application_id,
            token: InteractionToken::parse(token)?,
        })
    }

    fn application(&self) -> ApplicationId {
        ApplicationId::from(self.application_id)
    }
}

/// The client of interaction webhooks: one per process, without a bot token.
pub struct InteractionWebhooks {
    /// Sends without an `Authorization` header; its gate holds these requests only.
    sender: Sender,
}

impl InteractionWebhooks {
    /// The client sending to `discord.api_base`.
    pub fn new(discord: &DiscordConfig) -> Result<InteractionWebhooks, RestError> {
        Ok(InteractionWebhooks {
            sender: Sender::new(discord)?,
        })
    }

    /// Replaces the interaction's original response (the deferred "thinking…"
    /// message, or the message whose button was pressed):
    /// `PATCH /webhooks/{application_id}/{token}/messages/@original`.
    pub async fn edit_original(
        &self,
        hook: &InteractionHook,
        edit: &EditInteractionResponse,
    ) -> Result<(), RestError> {
        let token = hook.token.in_path();
        let route = Route::WebhookOriginalInteractionResponse {
            application_id: hook.application(),
            token: &token,
        };
        let body = json(edit, "the edit")?;
        let request = Request::new(route, LightMethod::Patch).body(Some(body));
        self.sender.send(&request, None).await.map(drop)
    }

    /// Deletes the interaction's original response:
    /// `DELETE /webhooks/{application_id}/{token}/messages/@original`.
    pub async fn delete_original(&self, hook: &InteractionHook) -> Result<(), RestError> {
        let token = hook.token.in_path();
        let route = Route::WebhookOriginalInteractionResponse {
            application_id: hook.application(),
            token: &token,
        };
        let request = Request::new(route, LightMethod::Delete);
        self.sender.send(&request, None).await.map(drop)
    }

    /// Sends a message after the original response:
    /// `POST /webhooks/{application_id}/{token}`.
    pub async fn followup(
        &self,
        hook: &InteractionHook,
        message: &CreateInteractionResponseFollowup,
    ) -> Result<(), RestError> {
        let token = hook.token.in_path();
        let route = Route::WebhookFollowupMessages {
            application_id: hook.application(),
            token: &token,
        };
        let body = json(message, "the follow-up")?;
        let request = Request::new(route, LightMethod::Post).body(Some(body));
        self.sender.send(&request, None).await.map(drop)
    }
}

/// A serenity builder as a request body (built of strings, numbers and lists, it
/// always serialises).
fn json(builder: &impl serde::Serialize, what: &str) -> Result<Vec<u8>, RestError> {
    serde_json::to_vec(builder).map_err(|error| RestError::Failed {
        what: format!("serializing {what}"),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_never_shown() {
        let hook = InteractionHook::new(NonZeroU64::new(7).unwrap(), "secret-token").unwrap();
        let shown = format!("{hook:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains('7'), "{shown}");
    }

    #[test]
    fn unusable_tokens_give_no_hook() {
        let app = NonZeroU64::new(7).unwrap();
        assert!(InteractionHook::new(app, "").is_none());
        assert!(InteractionHook::new(app, "a\nb").is_none());
        assert!(InteractionHook::new(app, &"x".repeat(TOKEN_MAX_BYTES + 1)).is_none());
        assert!(InteractionHook::new(app, &"x".repeat(TOKEN_MAX_BYTES)).is_some());
    }

    #[actix_web::test]
    async fn a_failed_request_does_not_show_the_token() {
        // Nothing listens on port 1: the request fails before any answer.
        let config = crate::config::Config::from_toml(
            "[discord]\napi_base = \"http://127.0.0.1:1/api/v10\"",
        )
        .unwrap();
        let webhooks = InteractionWebhooks::new(&config.discord).unwrap();
        let hook = InteractionHook::new(NonZeroU64::new(7).unwrap(), "secret-token").unwrap();
        let error = webhooks
            .edit_original(&hook, &EditInteractionResponse::new().content("x"))
            .await
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(
            shown.contains("PATCH /webhooks/7/…/messages/@original"),
            "{shown}"
        );
    }

    #[test]
    fn a_token_stays_one_path_segment() {
        let plain = InteractionToken::parse("aW50ZXJhY3Rpb246MTIz.x_y-z~").unwrap();
        assert_eq!(plain.in_path(), "aW50ZXJhY3Rpb246MTIz.x_y-z~");
        let odd = InteractionToken::parse("a/b?c#d e%").unwrap();
        assert_eq!(odd.in_path(), "a%2Fb%3Fc%23d%20e%25");
    }
}
