//! Discord's REST API with the bot's token, through serenity's [`Http`]:
//! `cozykart register` puts the slash commands on Discord, for deployments that serve
//! only the HTTP interactions endpoint and never start the gateway (which registers
//! the same definitions by itself); [`post_message`] posts in a channel (a race's
//! summary at its time-out).
//!
//! Serenity's routes all start with [`SERENITY_API_BASE`]; any other
//! `discord.api_base` (a local stand-in, an HTTP proxy in front of Discord) ending in
//! the same `/api/v10` replaces its origin through [`HttpBuilder::proxy`]. Serenity's
//! rate limiter sends to discord.com whatever the proxy, so it is off in that case.
//!
//! Each answer is decoded only as far as it is read (the application id, how many
//! commands were accepted): serenity's full models would turn a message Discord
//! accepted into an error whenever its echo lacks a field that is not needed here.

use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::time::Duration;

use anyhow::Context;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serenity::builder::CreateMessage;
use serenity::http::{Http, HttpBuilder, HttpError, LightMethod, Request, Route};
use serenity::model::id::{ApplicationId, ChannelId, GuildId};

use crate::config::DiscordConfig;

/// Where serenity sends its requests (every route is this followed by its path).
const SERENITY_API_BASE: &str = "https://discord.com/api/v10";
/// Longest wait for one answer from Discord.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest part of Discord's error message shown to the operator.
const ERROR_MAX_CHARS: usize = 300;

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
    let http = client(discord)?;
    let application_id = match application_id {
        Some(id) => id,
        None => own_application_id(&http).await?,
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
    let accepted: Vec<IgnoredAny> = fire(&http, request).await?;
    Ok(Registered {
        application_id,
        scope,
        count: accepted.len(),
    })
}

/// Posts a message in a channel (`POST /channels/{channel_id}/messages`).
pub async fn post_message(
    discord: &DiscordConfig,
    channel: crate::domain::ids::ChannelId,
    message: &CreateMessage,
) -> anyhow::Result<()> {
    let http = client(discord)?;
    let body = serde_json::to_vec(message).context("serializing the message")?;
    let route = Route::ChannelMessages {
        channel_id: ChannelId::from(NonZeroU64::from(channel)),
    };
    let request = Request::new(route, LightMethod::Post).body(Some(body));
    let _: IgnoredAny = fire(&http, request).await?;
    Ok(())
}

/// `id`, refused when 0 (serenity's ids panic on it; Discord never gives it out).
fn discord_id(id: u64, what: &str) -> anyhow::Result<u64> {
    anyhow::ensure!(id != 0, "0 is not a Discord {what} id");
    Ok(id)
}

/// Serenity's client with the bot's token, sending to `discord.api_base`.
fn client(discord: &DiscordConfig) -> anyhow::Result<Http> {
    let token = discord.bot_token.as_deref().context(
        "configuration key `discord.bot_token` is empty (set COZYKART__DISCORD__BOT_TOKEN)",
    )?;
    let builder = HttpBuilder::new(token);
    let base = discord.api_base.trim_end_matches('/');
    if base == SERENITY_API_BASE {
        return Ok(builder.build());
    }
    let origin = base.strip_suffix("/api/v10").with_context(|| {
        format!(
            "configuration key `discord.api_base` ({base:?}) must end in /api/v10, \
             the API version serenity speaks"
        )
    })?;
    Ok(builder.proxy(origin).ratelimiter_disabled(true).build())
}

/// The id of the application the bot token belongs to.
async fn own_application_id(http: &Http) -> anyhow::Result<u64> {
    #[derive(Deserialize)]
    struct Application {
        id: String,
    }
    let request = Request::new(Route::Oauth2ApplicationCurrent, LightMethod::Get);
    let application: Application = fire(http, request).await?;
    application.id.parse().with_context(|| {
        format!(
            "Discord's application id {:?} is not a number",
            application.id
        )
    })
}

/// Sends `request` and decodes the answer as `T`; an error names the request, and
/// Discord's status and message when it refused.
async fn fire<T: DeserializeOwned>(http: &Http, request: Request<'_>) -> anyhow::Result<T> {
    let what = describe(&request);
    within_timeout(&what, http.fire(request))
        .await?
        .map_err(|error| explain(&what, error))
}

/// `PUT /applications/1/commands`, without the origin (the token is never in it).
fn describe(request: &Request<'_>) -> String {
    let method = request.method_ref().reqwest_method();
    let path = request.route_ref().path();
    let path = path.strip_prefix(SERENITY_API_BASE).unwrap_or(&path);
    format!("{method} {path}")
}

async fn within_timeout<T>(what: &str, sent: impl Future<Output = T>) -> anyhow::Result<T> {
    tokio::time::timeout(REQUEST_TIMEOUT, sent)
        .await
        .map_err(|_| anyhow::anyhow!("{what}: Discord did not answer within {REQUEST_TIMEOUT:?}"))
}

fn explain(what: &str, error: serenity::Error) -> anyhow::Error {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(answer)) => {
            let status = answer.status_code;
            // Discord's message and its field errors, as serenity words them.
            let message = HttpError::UnsuccessfulRequest(answer).to_string();
            anyhow::anyhow!(
                "Discord answered {what} with {status}: {}",
                bounded(&message)
            )
        }
        other => anyhow::anyhow!("{what} failed: {}", bounded(&other.to_string())),
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
        assert!(client(&config(SERENITY_API_BASE)).unwrap().proxy.is_none());
        let local = client(&config("http://127.0.0.1:9999/api/v10")).unwrap();
        assert_eq!(local.proxy.as_deref(), Some("http://127.0.0.1:9999"));
        assert!(local.ratelimiter.is_none());
        let error = client(&config("http://127.0.0.1:9999/api")).unwrap_err();
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
}
