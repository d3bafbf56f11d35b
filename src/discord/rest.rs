//! Discord's REST API with the bot's token, through one [`Rest`] client per process:
//! `cozykart register` puts the slash commands on Discord, for deployments that serve
//! only the HTTP interactions endpoint and never start the gateway (which registers
//! the same definitions by itself); [`Rest::post_message`] posts in a channel (what
//! the outbox sends: a race's summary at its time-out).
//!
//! Serenity builds each request (its routes, the token, the headers); the client
//! sends it with reqwest and reads a 429 answer itself: it waits `retry_after` (the
//! JSON body's fractional seconds, else the `Retry-After` header) and sends again,
//! at most [`SENDS_MAX`] times, and a global limit holds every request of the
//! process ([`GlobalGate`]). Serenity's own rate limiter is not used: it sends to
//! discord.com whatever `discord.api_base` says, and retries a 429 without bound.
//!
//! Serenity's routes all start with [`SERENITY_API_BASE`]; any other
//! `discord.api_base` (a local stand-in, an HTTP proxy in front of Discord) ending in
//! the same `/api/v10` replaces its origin.
//!
//! Each answer is decoded only as far as it is read (the application id, how many
//! commands were accepted): serenity's full models would turn a message Discord
//! accepted into an error whenever its echo lacks a field that is not needed here.
//!
//! The sending itself (the 429s, the origin, the time-out) is a [`Sender`], shared
//! with the token-less client of interaction webhooks (`super::hook`). Requests are
//! described in errors and logs without an interaction token ([`describe`]).

use std::fmt;
use std::num::NonZeroU64;
use std::time::Duration;

use anyhow::Context;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serenity::builder::CreateMessage;
use serenity::http::{LightMethod, Request, Route};
use serenity::model::id::{ApplicationId, ChannelId, GuildId};

use super::rate_limit::{GlobalGate, RateLimit};
use crate::config::DiscordConfig;

/// Where serenity sends its requests (every route is this followed by its path).
const SERENITY_API_BASE: &str = "https://discord.com/api/v10";
/// Longest wait for one answer from Discord.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest part of Discord's error message shown to the operator.
const ERROR_MAX_CHARS: usize = 300;
/// Most sends of one request: the first, and one more after each 429 waited out.
pub const SENDS_MAX: u32 = 3;
/// Longest 429 wait taken in place; a longer one is handed back
/// ([`RestError::RateLimited`]) for the caller to come back later.
pub const WAIT_IN_PLACE_MAX: Duration = Duration::from_secs(10);

/// Why a request to Discord did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("configuration key `discord.bot_token` is empty (set COZYKART__DISCORD__BOT_TOKEN)")]
    NoToken,
    #[error(
        "configuration key `discord.api_base` ({0:?}) must end in /api/v10, \
         the API version serenity speaks"
    )]
    ApiBase(String),
    /// Still rate limited after [`SENDS_MAX`] sends, or asked to wait longer than
    /// [`WAIT_IN_PLACE_MAX`].
    #[error("{what}: Discord asks to wait {retry_after:?} (global: {global})")]
    RateLimited {
        what: String,
        retry_after: Duration,
        global: bool,
    },
    #[error("Discord answered {what} with {status}: {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what} failed: {message}")]
    Failed { what: String, message: String },
}

impl RestError {
    /// Whether sending the same request again cannot help: Discord refused it for
    /// what it is (no access, unknown channel, a body it does not take).
    pub fn is_permanent(&self) -> bool {
        match self {
            RestError::Refused { status, .. } => {
                (400..500).contains(status) && ![408, 429].contains(status)
            }
            RestError::NoToken | RestError::ApiBase(_) => true,
            RestError::RateLimited { .. } | RestError::Failed { .. } => false,
        }
    }

    /// How long Discord asked to wait, for a rate limit.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RestError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

/// The one client of Discord's REST API with the bot's token in a process: every
/// post and every registration goes through it, so a global rate limit holds them
/// all.
pub struct Rest {
    /// Sends the requests; its gate holds every request of the bot.
    sender: Sender,
    /// `Bot <token>`, as Discord reads the `Authorization` header.
    token: String,
}

/// Sends serenity's requests to `discord.api_base` and waits 429s out: what a
/// client of Discord's REST API does whoever it speaks for (the bot, or an
/// interaction's webhook, which needs no token).
pub(super) struct Sender {
    /// Sends serenity's requests; times each out after [`REQUEST_TIMEOUT`].
    http: reqwest::Client,
    /// The origin replacing `https://discord.com` (a stand-in, a proxy); `None`
    /// for Discord itself.
    proxy: Option<String>,
    /// Set by a global 429, passed by every request of this sender.
    gate: GlobalGate,
}

/// Where the commands were put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every guild the application is in (Discord may take a while to show them).
    Global,
    /// One guild only, shown at once.
    Guild(crate::domain::ids::GuildId),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Global => f.write_str("globally"),
            Scope::Guild(id) => write!(f, "in guild {id}"),
        }
    }
}

/// What Discord accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub application_id: u64,
    pub scope: Scope,
    /// Commands Discord answered with (it replaces the whole set at once).
    pub count: usize,
}

/// Replaces the application's commands with [`super::command_definitions`].
/// `application_id` defaults to the bot's own application (`/oauth2/applications/@me`);
/// `guild` to `discord.guild_id`, else the commands are global.
pub async fn register_commands(
    discord: &DiscordConfig,
    application_id: Option<u64>,
    guild: Option<crate::domain::ids::GuildId>,
) -> anyhow::Result<Registered> {
    let rest = Rest::new(discord)?;
    let application_id = match application_id {
        Some(id) => id,
        None => rest.own_application_id().await?,
    };
    let scope = match guild.or(discord.guild_id) {
        Some(id) => Scope::Guild(id),
        None => Scope::Global,
    };
    let application = ApplicationId::new(discord_id(application_id, "application")?);
    let route = match scope {
        Scope::Global => Route::Commands {
            application_id: application,
        },
        Scope::Guild(id) => Route::GuildCommands {
            application_id: application,
            guild_id: GuildId::from(NonZeroU64::from(id)),
        },
    };
    let body = serde_json::to_vec(&super::command_definitions())
        .context("serializing the command definitions")?;
    let request = Request::new(route, LightMethod::Put).body(Some(body));
    let accepted: Vec<IgnoredAny> = rest.fire(request).await?;
    Ok(Registered {
        application_id,
        scope,
        count: accepted.len(),
    })
}

/// `id`, refused when 0 (serenity's ids panic on it; Discord never gives it out).
fn discord_id(id: u64, what: &str) -> anyhow::Result<u64> {
    anyhow::ensure!(id != 0, "0 is not a Discord {what} id");
    Ok(id)
}

impl Rest {
    /// The client with the bot's token, sending to `discord.api_base`.
    pub fn new(discord: &DiscordConfig) -> Result<Rest, RestError> {
        let token = discord.bot_token.as_deref().ok_or(RestError::NoToken)?;
        let token = if token.starts_with("Bot ") {
            token.to_owned()
        } else {
            format!("Bot {token}")
        };
        Ok(Rest {
            sender: Sender::new(discord)?,
            token,
        })
    }

    /// Posts a message in a channel (`POST /channels/{channel_id}/messages`).
    pub async fn post_message(
        &self,
        channel: crate::domain::ids::ChannelId,
        message: &CreateMessage,
    ) -> Result<(), RestError> {
        let body = serde_json::to_vec(message).map_err(|error| RestError::Failed {
            what: "serializing the message".to_owned(),
            message: error.to_string(),
        })?;
        self.post_json(channel, body).await
    }

    /// Posts a message already written as Discord's JSON body (the outbox's).
    pub async fn post_json(
        &self,
        channel: crate::domain::ids::ChannelId,
        body: Vec<u8>,
    ) -> Result<(), RestError> {
        let route = Route::ChannelMessages {
            channel_id: ChannelId::from(NonZeroU64::from(channel)),
        };
        let request = Request::new(route, LightMethod::Post).body(Some(body));
        let _: IgnoredAny = self.fire(request).await?;
        Ok(())
    }

    /// Opens (or finds) the direct-message channel with `user`
    /// (`POST /users/@me/channels` with the recipient's id); answers its id.
    pub async fn open_dm(
        &self,
        user: crate::domain::ids::UserId,
    ) -> Result<crate::domain::ids::ChannelId, RestError> {
        #[derive(Deserialize)]
        struct Channel {
            id: String,
        }
        let body = serde_json::json!({ "recipient_id": user.to_string() });
        let request = Request::new(Route::UserMeDmChannels, LightMethod::Post)
            .body(Some(body.to_string().into_bytes()));
        let what = describe(&request);
        let channel: Channel = self.fire(request).await?;
        channel.id.parse().map_err(|_| RestError::Failed {
            what,
            message: format!("Discord's channel id {:?} is not an id", channel.id),
        })
    }

    /// The id of the application the bot token belongs to.
    async fn own_application_id(&self) -> anyhow::Result<u64> {
        #[derive(Deserialize)]
        struct Application {
            id: String,
        }
        let request = Request::new(Route::Oauth2ApplicationCurrent, LightMethod::Get);
        let application: Application = self.fire(request).await?;
        application.id.parse().with_context(|| {
            format!(
                "Discord's application id {:?} is not a number",
                application.id
            )
        })
    }

    /// Sends `request` with the bot's token and decodes a successful answer as `T`.
    async fn fire<T: DeserializeOwned>(&self, request: Request<'_>) -> Result<T, RestError> {
        self.sender.fire(request, Some(&self.token)).await
    }
}

impl Sender {
    /// A sender to `discord.api_base`, with a global gate of its own.
    pub(super) fn new(discord: &DiscordConfig) -> Result<Sender, RestError> {
        let base = discord.api_base.trim_end_matches('/');
        let proxy = if base == SERENITY_API_BASE {
            None
        } else {
            let origin = base
                .strip_suffix("/api/v10")
                .ok_or_else(|| RestError::ApiBase(base.to_owned()))?;
            Some(origin.to_owned())
        };
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| RestError::Failed {
                what: "building the HTTP client".to_owned(),
                message: error.to_string(),
            })?;
        Ok(Sender {
            http,
            proxy,
            gate: GlobalGate::default(),
        })
    }

    /// Sends `request` and decodes a successful answer as `T`; an error names the
    /// request, and Discord's status and message when it refused.
    async fn fire<T: DeserializeOwned>(
        &self,
        request: Request<'_>,
        authorization: Option<&str>,
    ) -> Result<T, RestError> {
        let what = describe(&request);
        let body = self.send(&request, authorization).await?;
        serde_json::from_slice(&body).map_err(|error| RestError::Failed {
            what: what.clone(),
            message: format!("Discord's answer is not what was expected: {error}"),
        })
    }

    /// Sends `request` until Discord answers other than 429 (at most [`SENDS_MAX`]
    /// times, waiting each `retry_after` out); the body of a 2xx answer. Without
    /// an `authorization` no `Authorization` header is sent at all (an interaction
    /// webhook is authorised by the token in its path).
    pub(super) async fn send(
        &self,
        request: &Request<'_>,
        authorization: Option<&str>,
    ) -> Result<Vec<u8>, RestError> {
        let what = &describe(request);
        let failed = |error: &dyn fmt::Display| RestError::Failed {
            what: what.to_owned(),
            message: bounded(&error.to_string()),
        };
        // reqwest's errors name the URL, which may hold an interaction token.
        let unsent = |error: reqwest::Error| failed(&error.without_url());
        let mut sends = 0;
        loop {
            self.gate.pass().await;
            sends += 1;
            let mut built = request
                .clone()
                .build(
                    &self.http,
                    authorization.unwrap_or_default(),
                    self.proxy.as_deref(),
                )
                .map_err(|e| failed(&e))?
                .build()
                .map_err(unsent)?;
            if authorization.is_none() {
                built.headers_mut().remove(reqwest::header::AUTHORIZATION);
            }
            let response = self.http.execute(built).await.map_err(unsent)?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.bytes().await.map_err(unsent)?.to_vec();
            if status.is_success() {
                return Ok(body);
            }
            if status != reqwest::StatusCode::TOO_MANY_REQUESTS {
                return Err(RestError::Refused {
                    what: what.to_owned(),
                    status: status.as_u16(),
                    message: discord_message(&body),
                });
            }
            let limit = RateLimit::read(&headers, &body);
            if limit.global {
                self.gate.hold(limit.retry_after);
            }
            if sends >= SENDS_MAX || limit.retry_after > WAIT_IN_PLACE_MAX {
                return Err(RestError::RateLimited {
                    what: what.to_owned(),
                    retry_after: limit.retry_after,
                    global: limit.global,
                });
            }
            tracing::info!(
                request = what,
                retry_after_ms = limit.retry_after.as_millis() as u64,
                global = limit.global,
                "Discord rate limit; waiting it out"
            );
            tokio::time::sleep(limit.retry_after).await;
        }
    }
}

/// `PUT /applications/1/commands`, without the origin, and with an interaction's
/// token masked (`PATCH /webhooks/1/…/messages/@original`): the bot token is never
/// in a path, but an interaction's token is, and it answers for the interaction to
/// whoever holds it.
fn describe(request: &Request<'_>) -> String {
    let method = request.method_ref().reqwest_method();
    let path = request.route_ref().path();
    let path = path.strip_prefix(SERENITY_API_BASE).unwrap_or(&path);
    format!("{method} {}", without_token(path))
}

/// `path` with the token of `/webhooks/{application}/{token}/…` and
/// `/interactions/{id}/{token}/…` replaced by `…`.
fn without_token(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    if matches!(parts.get(1), Some(&"webhooks" | &"interactions")) && parts.len() > 3 {
        parts[3] = "…";
    }
    parts.join("/")
}

/// Discord's error message and code from a refusal's body, bounded.
fn discord_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct DiscordError {
        message: String,
        #[serde(default)]
        code: i64,
    }
    match serde_json::from_slice::<DiscordError>(body) {
        Ok(error) => bounded(&format!("{} (code {})", error.message, error.code)),
        Err(_) => bounded(&String::from_utf8_lossy(body)),
    }
}

/// `text` cut to [`ERROR_MAX_CHARS`].
fn bounded(text: &str) -> String {
    let mut cut: String = text.chars().take(ERROR_MAX_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_bounded() {
        assert_eq!(bounded("401: Unauthorized"), "401: Unauthorized");
        let long = "x".repeat(5000);
        assert_eq!(bounded(&long).chars().count(), ERROR_MAX_CHARS + 1);
    }

    #[test]
    fn api_base_must_speak_serenitys_version() {
        let config = |base: &str| {
            crate::config::Config::from_toml(&format!(
                "[discord]\nbot_token = \"t\"\napi_base = \"{base}\""
            ))
            .unwrap()
            .discord
        };
        assert!(Rest::new(&config(SERENITY_API_BASE))
            .unwrap()
            .sender
            .proxy
            .is_none());
        let local = Rest::new(&config("http://127.0.0.1:9999/api/v10")).unwrap();
        assert_eq!(local.sender.proxy.as_deref(), Some("http://127.0.0.1:9999"));
        assert_eq!(local.token, "Bot t");
        let error = Rest::new(&config("http://127.0.0.1:9999/api"))
            .err()
            .unwrap();
        assert!(error.to_string().contains("/api/v10"), "{error}");
    }

    #[test]
    fn a_zero_application_id_is_refused_before_serenity_sees_it() {
        assert!(discord_id(0, "application").is_err());
        assert_eq!(discord_id(7, "application").unwrap(), 7);
    }

    #[test]
    fn requests_are_described_without_the_origin() {
        let route = Route::Commands {
            application_id: ApplicationId::new(7),
        };
        let request = Request::new(route, LightMethod::Put);
        assert_eq!(describe(&request), "PUT /applications/7/commands");
    }

    #[test]
    fn interaction_tokens_are_masked_in_descriptions() {
        let application_id = ApplicationId::new(7);
        let token = "secret-token";
        let original = Route::WebhookOriginalInteractionResponse {
            application_id,
            token,
        };
        assert_eq!(
            describe(&Request::new(original, LightMethod::Patch)),
            "PATCH /webhooks/7/…/messages/@original"
        );
        let followup = Route::WebhookFollowupMessages {
            application_id,
            token,
        };
        assert_eq!(
            describe(&Request::new(followup, LightMethod::Post)),
            "POST /webhooks/7/…"
        );
        let callback = Route::InteractionResponse {
            interaction_id: serenity::model::id::InteractionId::new(9),
            token,
        };
        assert_eq!(
            describe(&Request::new(callback, LightMethod::Post)),
            "POST /interactions/9/…/callback"
        );
    }

    #[test]
    fn refusals_that_a_retry_cannot_mend_are_permanent() {
        let refused = |status| RestError::Refused {
            what: "POST /channels/1/messages".to_owned(),
            status,
            message: String::new(),
        };
        assert!(refused(403).is_permanent());
        assert!(refused(404).is_permanent());
        assert!(!refused(429).is_permanent());
        assert!(!refused(500).is_permanent());
        assert!(!refused(502).is_permanent());
    }

    #[test]
    fn discords_error_message_is_read_from_its_body() {
        let body = br#"{"message": "Missing Access", "code": 50001}"#;
        assert_eq!(discord_message(body), "Missing Access (code 50001)");
        assert_eq!(discord_message(b"Bad Gateway"), "Bad Gateway");
    }
}
