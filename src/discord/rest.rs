//! Discord's REST API with the bot's token: `cozykart register` puts the slash
//! commands on Discord, for deployments that serve only the HTTP interactions
//! endpoint and never start the gateway (which registers the same definitions by
//! itself); [`post_message`] posts in a channel (a race's summary at its time-out).

use std::fmt;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::config::DiscordConfig;

/// How Discord asks bots to introduce themselves.
const USER_AGENT: &str = concat!(
    "DiscordBot (https://github.com/cozykart, ",
    env!("CARGO_PKG_VERSION"),
    ")"
);
/// Longest wait for one answer from Discord.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest answer read back (the echoed commands are a few kilobytes).
const ANSWER_MAX_BYTES: usize = 1024 * 1024;
/// Longest part of Discord's error message shown to the operator.
const ERROR_MAX_CHARS: usize = 300;

/// Where the commands were put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every guild the application is in (Discord may take a while to show them).
    Global,
    /// One guild only, shown at once.
    Guild(u64),
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
    guild: Option<u64>,
) -> anyhow::Result<Registered> {
    let rest = Rest::new(discord)?;
    let application_id = match application_id {
        Some(id) => id,
        None => rest.application_id().await?,
    };
    let scope = match guild.or(discord.guild_id) {
        Some(id) => Scope::Guild(id),
        None => Scope::Global,
    };
    let path = match scope {
        Scope::Global => format!("/applications/{application_id}/commands"),
        Scope::Guild(id) => format!("/applications/{application_id}/guilds/{id}/commands"),
    };
    let body = serde_json::to_vec(&super::command_definitions())
        .context("serializing the command definitions")?;
    let answer = rest
        .send(rest.client.put(rest.url(&path)), Some(body))
        .await?;
    let accepted: Vec<serde_json::Value> = serde_json::from_slice(&answer)
        .with_context(|| format!("Discord's answer to PUT {path} is not a list of commands"))?;
    Ok(Registered {
        application_id,
        scope,
        count: accepted.len(),
    })
}

/// Discord's REST API with the bot's credentials.
struct Rest<'a> {
    client: awc::Client,
    base: &'a str,
    authorization: String,
}

/// Posts a message in a channel: `POST /channels/{channel_id}/messages` with `body`
/// as Discord's message JSON.
pub async fn post_message(
    discord: &DiscordConfig,
    channel_id: &str,
    body: &serde_json::Value,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        !channel_id.is_empty() && channel_id.bytes().all(|b| b.is_ascii_digit()),
        "channel id {channel_id:?} is not a Discord id"
    );
    let rest = Rest::new(discord)?;
    let path = format!("/channels/{channel_id}/messages");
    let body = serde_json::to_vec(body).context("serializing the message")?;
    rest.send(rest.client.post(rest.url(&path)), Some(body))
        .await?;
    Ok(())
}

impl<'a> Rest<'a> {
    fn new(discord: &'a DiscordConfig) -> anyhow::Result<Rest<'a>> {
        let token = discord.bot_token.as_deref().context(
            "configuration key `discord.bot_token` is empty (set COZYKART__DISCORD__BOT_TOKEN)",
        )?;
        Ok(Rest {
            client: awc::Client::builder().timeout(REQUEST_TIMEOUT).finish(),
            base: &discord.api_base,
            authorization: format!("Bot {token}"),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The id of the application the bot token belongs to.
    async fn application_id(&self) -> anyhow::Result<u64> {
        #[derive(Deserialize)]
        struct Application {
            id: String,
        }
        let path = "/oauth2/applications/@me";
        let answer = self.send(self.client.get(self.url(path)), None).await?;
        let application: Application = serde_json::from_slice(&answer)
            .with_context(|| format!("Discord's answer to GET {path} has no application id"))?;
        application.id.parse().with_context(|| {
            format!(
                "Discord's application id {:?} is not a number",
                application.id
            )
        })
    }

    /// Sends with the bot's headers; the answer's body when it is a 2xx, else an
    /// error with the status and Discord's message.
    async fn send(
        &self,
        request: awc::ClientRequest,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<Vec<u8>> {
        let (method, url) = (request.get_method().clone(), request.get_uri().to_string());
        let request = request
            .insert_header(("Authorization", self.authorization.as_str()))
            .insert_header(("User-Agent", USER_AGENT));
        let sent = match body {
            Some(body) => {
                request
                    .insert_header(("Content-Type", "application/json"))
                    .send_body(body)
                    .await
            }
            None => request.send().await,
        };
        // awc's errors are not `Send`, so they travel as text.
        let mut response = sent.map_err(|e| anyhow::anyhow!("{method} {url} failed: {e}"))?;
        let status = response.status();
        let answer = response
            .body()
            .limit(ANSWER_MAX_BYTES)
            .await
            .map_err(|e| anyhow::anyhow!("reading the answer to {method} {url}: {e}"))?;
        if !status.is_success() {
            anyhow::bail!(
                "Discord answered {method} {url} with {status}: {}",
                error_message(&answer)
            );
        }
        Ok(answer.to_vec())
    }
}

/// Discord's `message` (and the field errors, when present) of an error answer,
/// else the answer as text; cut to [`ERROR_MAX_CHARS`].
fn error_message(answer: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(answer) {
        Ok(json) => match (json["message"].as_str(), json.get("errors")) {
            (Some(message), Some(errors)) => format!("{message} {errors}"),
            (Some(message), None) => message.to_owned(),
            _ => json.to_string(),
        },
        Err(_) => String::from_utf8_lossy(answer).into_owned(),
    };
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
    fn error_message_reads_discords_json_and_is_bounded() {
        assert_eq!(
            error_message(br#"{"message": "401: Unauthorized", "code": 0}"#),
            "401: Unauthorized"
        );
        let long = format!(r#"{{"message": "{}"}}"#, "x".repeat(5000));
        assert_eq!(
            error_message(long.as_bytes()).chars().count(),
            ERROR_MAX_CHARS + 1
        );
        assert_eq!(error_message(b"bad gateway"), "bad gateway");
    }
}
