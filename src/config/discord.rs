//! `[discord]`: the interactions endpoint, the gateway, the guilds served and
//! their lobby limits, and Discord's REST base.

use serde::Deserialize;

use super::values::{boolean, lenient, lenient_list, non_empty, number, snowflake};
use super::{http::http_url, invalid, ConfigError};
use crate::domain::ids::GuildId;

/// Each open lobby is an actor with its own memory; this bounds one guild's share.
pub const MAX_LOBBIES_PER_GUILD_LIMIT: usize = 10_000;

#[derive(Clone, Debug, Default)]
pub struct DiscordConfig {
    /// Ed25519 public key (hex); `None` turns the interactions endpoint off.
    pub public_key: Option<String>,
    /// `None` turns the gateway and Discord's REST API off.
    pub bot_token: Option<String>,
    /// Whether the bot token opens the gateway; `false`: REST only (posts, DMs),
    /// for deployments that take interactions over HTTP.
    pub gateway: bool,
    /// Which gateway shards this process runs.
    pub shards: Shards,
    pub admin_role: Option<String>,
    /// Register commands in this guild only (instant); `None` registers globally.
    pub guild_id: Option<GuildId>,
    /// Guilds this deployment serves; empty serves any guild.
    pub guilds: Vec<GuildId>,
    /// Lobbies not closed that one guild may have at once.
    pub max_lobbies_per_guild: usize,
    /// Lobbies one guild may create within any hour, so that no member can fill the
    /// database with lobbies created and closed in a loop.
    pub max_lobbies_per_hour: usize,
    /// Discord's REST base URL, without a trailing slash (`cozykart register`; tests
    /// point it at a local stand-in).
    pub api_base: String,
}

impl DiscordConfig {
    /// Whether interactions from `guild` are served (the allow-list).
    pub fn allows(&self, guild: Option<GuildId>) -> bool {
        self.guilds.is_empty() || guild.is_some_and(|g| self.guilds.contains(&g))
    }
}

#[derive(Deserialize, Default)]
pub(super) struct RawDiscord {
    #[serde(default, deserialize_with = "lenient")]
    public_key: String,
    #[serde(default, deserialize_with = "lenient")]
    bot_token: String,
    #[serde(default, deserialize_with = "lenient")]
    admin_role: String,
    #[serde(default, deserialize_with = "lenient")]
    guild_id: String,
    #[serde(default, deserialize_with = "lenient_list")]
    guilds: Vec<String>,
    #[serde(default = "default_max_lobbies", deserialize_with = "lenient")]
    max_lobbies_per_guild: String,
    #[serde(default = "default_max_lobbies_per_hour", deserialize_with = "lenient")]
    max_lobbies_per_hour: String,
    #[serde(default = "default_api_base", deserialize_with = "lenient")]
    api_base: String,
    #[serde(default = "default_gateway", deserialize_with = "lenient")]
    gateway: String,
    #[serde(default = "default_shards", deserialize_with = "lenient")]
    shards: String,
}

fn default_gateway() -> String {
    "true".to_owned()
}

fn default_shards() -> String {
    "auto".to_owned()
}

/// Most shards one deployment may name (Discord's largest bots run a few thousand).
pub const SHARDS_TOTAL_LIMIT: u32 = 65_536;

/// The gateway shards this process runs (`discord.shards`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shards {
    /// As many as Discord recommends, all in this process.
    #[default]
    Auto,
    /// Shards `first..=last` of `total`: several processes split the shards, each
    /// naming its own range.
    Range { first: u32, last: u32, total: u32 },
}

impl std::str::FromStr for Shards {
    type Err = String;
    /// `auto`, or `<first>-<last>/<total>` with `first <= last < total`.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(Shards::Auto);
        }
        let shape = || {
            format!("{text:?} is neither \"auto\" nor \"<first>-<last>/<total>\" (e.g. \"0-1/4\")")
        };
        let (range, total) = text.split_once('/').ok_or_else(shape)?;
        let (first, last) = range.split_once('-').ok_or_else(shape)?;
        let number = |part: &str| {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(shape());
            }
            part.parse::<u32>().map_err(|_| shape())
        };
        let (first, last, total) = (number(first)?, number(last)?, number(total)?);
        if total == 0 || total > SHARDS_TOTAL_LIMIT {
            return Err(format!(
                "the total of shards is 1 to {SHARDS_TOTAL_LIMIT}, not {total}"
            ));
        }
        if first > last || last >= total {
            return Err(format!(
                "shards {first}-{last} are not within 0-{} of {total}",
                total - 1
            ));
        }
        Ok(Shards::Range { first, last, total })
    }
}

impl std::fmt::Display for Shards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shards::Auto => f.write_str("auto"),
            Shards::Range { first, last, total } => write!(f, "{first}-{last}/{total}"),
        }
    }
}

/// Discord's REST API, version 10.
pub const DEFAULT_DISCORD_API_BASE: &str = "https://discord.com/api/v10";

fn default_api_base() -> String {
    DEFAULT_DISCORD_API_BASE.to_owned()
}

fn default_max_lobbies_per_hour() -> String {
    "30".into()
}

fn default_max_lobbies() -> String {
    "50".to_owned()
}

impl DiscordConfig {
    pub(super) fn validate(raw: RawDiscord) -> Result<Self, ConfigError> {
        let public_key = non_empty(&raw.public_key);
        if let Some(key) = &public_key {
            if key.len() != 64 || hex::decode(key).is_err() {
                return Err(invalid("discord.public_key", "must be 64 hex characters"));
            }
        }
        let guild_id = match non_empty(&raw.guild_id) {
            Some(text) => Some(snowflake("discord.guild_id", &text)?),
            None => None,
        };
        let mut guilds = Vec::new();
        for text in &raw.guilds {
            guilds.push(snowflake("discord.guilds", text)?);
        }
        let max_lobbies_per_guild = number(
            "discord.max_lobbies_per_guild",
            &raw.max_lobbies_per_guild,
            MAX_LOBBIES_PER_GUILD_LIMIT,
        )?;
        if max_lobbies_per_guild == 0 {
            return Err(invalid(
                "discord.max_lobbies_per_guild",
                "must be at least 1",
            ));
        }
        let max_lobbies_per_hour = number(
            "discord.max_lobbies_per_hour",
            &raw.max_lobbies_per_hour,
            MAX_LOBBIES_PER_GUILD_LIMIT,
        )?;
        if max_lobbies_per_hour == 0 {
            return Err(invalid(
                "discord.max_lobbies_per_hour",
                "must be at least 1",
            ));
        }
        let api_base = http_url("discord.api_base", &raw.api_base)?;
        let gateway = boolean("discord.gateway", &raw.gateway)?;
        let shards = raw
            .shards
            .parse()
            .map_err(|problem| invalid("discord.shards", problem))?;
        Ok(DiscordConfig {
            public_key,
            bot_token: non_empty(&raw.bot_token),
            gateway,
            shards,
            admin_role: non_empty(&raw.admin_role),
            guild_id,
            guilds,
            max_lobbies_per_guild,
            max_lobbies_per_hour,
            api_base,
        })
    }
}
