//! Configuration: `config/default.toml`, then the file named by `COZYKART_CONFIG`,
//! then `COZYKART__SECTION__KEY` environment variables. Raw values are parsed once
//! into typed settings here; an invalid value stops start-up naming its key.

mod keys;

use std::collections::BTreeMap;
use std::path::Path;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::checkout::CheckoutUrl;
use crate::money::{Currency, Money, PayoutThresholds, Rate};
use crate::sale::{CommissionBase, Provider};

/// Prefix of the environment variables that set keys (`COZYKART__SECTION__KEY`).
pub const ENV_PREFIX: &str = "COZYKART__";

/// The defaults, compiled in so that the binary runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Why configuration was refused; always names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(String),
    #[error("configuration key `{key}`: {problem}")]
    Invalid { key: String, problem: String },
    /// A key no setting reads: most often a typo that would otherwise be ignored.
    #[error("unknown configuration key {key}; did you mean {nearest}?{origin}")]
    Unknown {
        key: String,
        nearest: String,
        /// Where it was set, e.g. " (set by the environment variable COZYKART__...)".
        origin: String,
    },
}

/// A figment error (a file that does not parse, a value of the wrong type) named
/// by its key when it has one.
fn load_error(error: figment::Error) -> ConfigError {
    let key = error.path.join(".");
    if key.is_empty() {
        ConfigError::Load(error.to_string())
    } else {
        invalid(key, error.kind)
    }
}

fn invalid(key: impl Into<String>, problem: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        problem: problem.to_string(),
    }
}

/// How an untagged sale is shared when several windows of the guild are open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UntaggedPolicy {
    Split,
    Latest,
    House,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpConfig,
    pub database_url: String,
    /// PostgreSQL `LISTEN/NOTIFY` channel on which the processes of one
    /// deployment share lobby changes (`database.channel`).
    pub database_channel: String,
    pub discord: DiscordConfig,
    /// Bearer token of `/api/admin`; `None` turns the admin API off.
    pub admin_token: Option<String>,
    pub commission: CommissionConfig,
    pub overlay: OverlayConfig,
    pub shops: BTreeMap<String, ShopConfig>,
    pub log: LogConfig,
}

#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// `host:port`; a host name (`localhost:8080`) is resolved when binding.
    pub bind: String,
    pub public_url: String,
}

/// How log lines are written (`[log]`).
#[derive(Clone, Debug, Default)]
pub struct LogConfig {
    pub format: LogFormat,
}

/// `log.format`: lines for people, or one JSON object per line for log shippers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Debug, Default)]
pub struct DiscordConfig {
    /// Ed25519 public key (hex); `None` turns the interactions endpoint off.
    pub public_key: Option<String>,
    /// `None` turns the gateway off.
    pub bot_token: Option<String>,
    pub admin_role: Option<String>,
    /// Register commands in this guild only (instant); `None` registers globally.
    pub guild_id: Option<u64>,
    /// Guilds this deployment serves; empty serves any guild.
    pub guilds: Vec<String>,
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
    pub fn allows(&self, guild: Option<&str>) -> bool {
        self.guilds.is_empty() || guild.is_some_and(|g| self.guilds.iter().any(|a| a == g))
    }
}

/// Limits of the overlay websockets.
#[derive(Clone, Debug)]
pub struct OverlayConfig {
    /// Sockets one lobby may have open (0: no limit).
    pub max_clients_per_lobby: usize,
    /// Sockets one remote address may have open (0: no limit). Behind a reverse
    /// proxy every client shares the proxy's address: raise it or set 0 there.
    pub max_clients_per_address: usize,
    /// Buyer names: `buyer_names`, `blocked_words`, `min_amount_for_name`.
    pub names: crate::buyer_names::NameRules,
}

#[derive(Clone, Debug)]
pub struct CommissionConfig {
    pub rate: Rate,
    pub max_racers: usize,
    pub hold_days: u32,
    /// Payouts below their currency's threshold need `force`.
    pub payout_thresholds: PayoutThresholds,
    pub untagged: UntaggedPolicy,
    /// What the pool is a share of: the whole amount, or the goods alone.
    pub base: CommissionBase,
    pub max_window_minutes: u32,
    pub max_delay_minutes: u32,
}

#[derive(Clone, Debug)]
pub struct ShopConfig {
    pub name: String,
    pub provider: Provider,
    /// Current secret first, then a previous one still accepted during rotation.
    pub secrets: Vec<String>,
    pub guild_id: Option<String>,
    /// Link on overlays, to which a lobby's code is added (see [`CheckoutUrl`]).
    pub checkout_url: Option<CheckoutUrl>,
    /// Ko-fi `type`s that count as merch sales (default `Shop Order`).
    pub kofi_types: Vec<String>,
}

/// Limits on configured values, so that a typo cannot make the server absurd.
pub const MAX_RACERS_LIMIT: usize = 64;
pub const HOLD_DAYS_LIMIT: u32 = 365;
/// Each open lobby is an actor with its own memory; this bounds one guild's share.
pub const MAX_LOBBIES_PER_GUILD_LIMIT: usize = 10_000;
/// A socket costs about 10 KiB; this bounds what one limit can let in.
pub const OVERLAY_CLIENTS_LIMIT: usize = 100_000;
pub const WINDOW_MINUTES_LIMIT: u32 = 24 * 60;
pub const DELAY_MINUTES_LIMIT: u32 = 30 * 24 * 60;
/// Shortest admin token accepted: the admin API pays money out, so its bearer token
/// must not be guessable (24 random characters are well past brute force).
pub const ADMIN_TOKEN_MIN_CHARS: usize = 24;

#[derive(Deserialize)]
struct Raw {
    http: RawHttp,
    database: RawDatabase,
    #[serde(default)]
    discord: RawDiscord,
    #[serde(default)]
    admin: RawAdmin,
    commission: RawCommission,
    #[serde(default)]
    overlay: RawOverlay,
    #[serde(default)]
    shops: BTreeMap<String, RawShop>,
    #[serde(default)]
    log: RawLog,
}

#[derive(Deserialize, Default)]
struct RawLog {
    #[serde(default, deserialize_with = "lenient")]
    format: String,
}

/// `log.format`: `text` (the default, also when empty) or `json`.
fn log_format(text: &str) -> Result<LogFormat, ConfigError> {
    match text.trim() {
        "" | "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(invalid(
            "log.format",
            format!("{other:?} is not text or json"),
        )),
    }
}

/// `http.bind`: `host:port` with a port number; the host is an IP address
/// (`[::1]` for IPv6) or a name resolved when the server binds.
fn bind_address(text: &str) -> Result<String, ConfigError> {
    let bind = text.trim();
    let refused = || invalid("http.bind", format!("{text:?} is not host:port"));
    let (host, port) = bind.rsplit_once(':').ok_or_else(refused)?;
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.is_empty() || (host.contains(':') && !bracketed) || host.contains(char::is_whitespace) {
        return Err(refused());
    }
    port.parse::<u16>().map_err(|_| refused())?;
    Ok(bind.to_owned())
}

#[derive(Deserialize)]
struct RawOverlay {
    #[serde(default = "default_clients_per_lobby", deserialize_with = "lenient")]
    max_clients_per_lobby: String,
    #[serde(default = "default_clients_per_address", deserialize_with = "lenient")]
    max_clients_per_address: String,
    #[serde(default = "default_buyer_names", deserialize_with = "lenient")]
    buyer_names: String,
    /// `None`: the list shipped with the binary.
    #[serde(default)]
    blocked_words: Option<Vec<String>>,
    #[serde(default = "default_min_amount_for_name", deserialize_with = "lenient")]
    min_amount_for_name: String,
}

impl Default for RawOverlay {
    fn default() -> Self {
        RawOverlay {
            max_clients_per_lobby: default_clients_per_lobby(),
            max_clients_per_address: default_clients_per_address(),
            buyer_names: default_buyer_names(),
            blocked_words: None,
            min_amount_for_name: default_min_amount_for_name(),
        }
    }
}

fn default_clients_per_lobby() -> String {
    "200".to_owned()
}

fn default_buyer_names() -> String {
    "public".to_owned()
}

fn default_min_amount_for_name() -> String {
    "0".to_owned()
}

fn default_clients_per_address() -> String {
    "50".to_owned()
}

#[derive(Deserialize)]
struct RawHttp {
    #[serde(deserialize_with = "lenient")]
    bind: String,
    #[serde(deserialize_with = "lenient")]
    public_url: String,
}

#[derive(Deserialize)]
struct RawDatabase {
    #[serde(deserialize_with = "lenient")]
    url: String,
    #[serde(default = "default_channel", deserialize_with = "lenient")]
    channel: String,
}

/// The default `database.channel`. Notifications are scoped to one database, so
/// deployments on separate databases never hear each other with it; only two
/// deployments sharing one database need names of their own.
pub const DEFAULT_CHANNEL: &str = "cozykart_lobbies";
/// PostgreSQL identifiers are at most 63 bytes.
pub const CHANNEL_MAX_CHARS: usize = 63;

fn default_channel() -> String {
    DEFAULT_CHANNEL.to_owned()
}

/// A channel name: 1 to 63 lowercase letters, digits or `_`, not starting with
/// a digit (an identifier that needs no quoting anywhere).
fn channel_name(raw: &str) -> Result<String, ConfigError> {
    let name = raw.trim();
    let valid = !name.is_empty()
        && name.len() <= CHANNEL_MAX_CHARS
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(invalid(
            "database.channel",
            "must be 1 to 63 characters of a-z, 0-9 and _, not starting with a digit",
        ))
    }
}

#[derive(Deserialize, Default)]
struct RawDiscord {
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
}

/// `http.public_url` as shipped; left so, links follow the address actually bound.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Discord's REST API, version 10.
pub const DEFAULT_DISCORD_API_BASE: &str = "https://discord.com/api/v10";

fn default_api_base() -> String {
    DEFAULT_DISCORD_API_BASE.to_owned()
}

/// An `http://` or `https://` URL with a host, trailing slashes trimmed.
fn http_url(key: &str, text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim().trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|host| !host.is_empty())
                && !trimmed.contains(char::is_whitespace) =>
        {
            Ok(trimmed.to_owned())
        }
        _ => Err(invalid(key, format!("{text:?} is not an http(s) URL"))),
    }
}

/// `database.url`: a `sqlite:` or `postgres://` (`postgresql://`) URL.
fn database_url(text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim();
    // The text is never echoed: it may hold a password.
    let url = url::Url::parse(trimmed)
        .map_err(|error| invalid("database.url", format!("is not a valid URL ({error})")))?;
    if matches!(url.scheme(), "sqlite" | "postgres" | "postgresql") {
        Ok(trimmed.to_owned())
    } else {
        Err(invalid(
            "database.url",
            "must start with sqlite: or postgres://",
        ))
    }
}

fn default_max_lobbies_per_hour() -> String {
    "30".into()
}

fn default_max_lobbies() -> String {
    "50".to_owned()
}

/// A list of strings or numbers (guild ids fit neither TOML integers nor floats
/// safely everywhere, so both forms are read as text).
fn lenient_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Item(#[serde(deserialize_with = "lenient")] String);
    let items: Vec<Item> = Vec::deserialize(deserializer)?;
    Ok(items.into_iter().map(|Item(text)| text).collect())
}

#[derive(Deserialize, Default)]
struct RawAdmin {
    #[serde(default, deserialize_with = "lenient")]
    token: String,
}

#[derive(Deserialize)]
struct RawCommission {
    #[serde(deserialize_with = "lenient")]
    rate: String,
    #[serde(deserialize_with = "lenient")]
    max_racers: String,
    #[serde(deserialize_with = "lenient")]
    hold_days: String,
    #[serde(deserialize_with = "lenient")]
    payout_threshold: String,
    /// Currency code -> threshold in that currency's units.
    #[serde(default)]
    payout_thresholds: BTreeMap<String, Text>,
    #[serde(deserialize_with = "lenient")]
    untagged: String,
    #[serde(deserialize_with = "lenient")]
    base: String,
    #[serde(deserialize_with = "lenient")]
    max_window_minutes: String,
    #[serde(deserialize_with = "lenient")]
    max_delay_minutes: String,
}

#[derive(Deserialize)]
struct RawShop {
    #[serde(default, deserialize_with = "lenient")]
    provider: String,
    #[serde(default, deserialize_with = "lenient")]
    secret: String,
    #[serde(default, deserialize_with = "lenient")]
    previous_secret: String,
    #[serde(default, deserialize_with = "lenient")]
    guild_id: String,
    #[serde(default, deserialize_with = "lenient")]
    checkout_url: String,
    #[serde(default)]
    kofi_types: Option<Vec<String>>,
}

/// A scalar read as text by [`lenient`], where it is the value of a table.
#[derive(Deserialize)]
#[serde(transparent)]
struct Text(#[serde(deserialize_with = "lenient")] String);

/// Reads any scalar as text: environment values arrive typed by guesswork
/// (`0.20` would become a float), and money must never pass through a float.
fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Text;
    impl Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string, number or boolean")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            // Shortest text that reads back as this float: "0.2" for 0.2.
            Ok(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    deserializer.deserialize_any(Text)
}

/// `admin.token`: empty turns the admin API off; otherwise long enough to guard money.
fn admin_token(text: &str) -> Result<Option<String>, ConfigError> {
    let token = non_empty(text);
    match &token {
        Some(t) if t.chars().count() < ADMIN_TOKEN_MIN_CHARS => Err(invalid(
            "admin.token",
            format!("must be at least {ADMIN_TOKEN_MIN_CHARS} characters (or empty to turn the admin API off)"),
        )),
        _ => Ok(token),
    }
}

fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn number<T>(key: &str, text: &str, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let value: T = text
        .trim()
        .parse()
        .map_err(|_| invalid(key, format!("{text:?} is not a whole number")))?;
    if value > max {
        return Err(invalid(key, format!("{value} is above the limit {max}")));
    }
    Ok(value)
}

impl Config {
    /// Loads defaults, the `COZYKART_CONFIG` file if set, and the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Ok(path) = std::env::var("COZYKART_CONFIG") {
            if !Path::new(&path).exists() {
                return Err(invalid("COZYKART_CONFIG", format!("{path} does not exist")));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__"));
        Config::from_figment(figment)
    }

    /// Defaults plus the given TOML text (tests and tools).
    pub fn from_toml(extra: &str) -> Result<Config, ConfigError> {
        Config::from_figment(Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::string(extra)))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        keys::refuse_unknown::<Raw>(&figment)?;
        let raw: Raw = figment.extract().map_err(load_error)?;
        Config::validate(raw)
    }

    fn validate(raw: Raw) -> Result<Config, ConfigError> {
        let bind = bind_address(&raw.http.bind)?;
        let database_url = database_url(&raw.database.url)?;
        let public_key = non_empty(&raw.discord.public_key);
        if let Some(key) = &public_key {
            if key.len() != 64 || hex::decode(key).is_err() {
                return Err(invalid("discord.public_key", "must be 64 hex characters"));
            }
        }
        let guild_id = match non_empty(&raw.discord.guild_id) {
            Some(text) => Some(number("discord.guild_id", &text, u64::MAX)?),
            None => None,
        };
        let mut guilds = Vec::new();
        for text in &raw.discord.guilds {
            guilds.push(number::<u64>("discord.guilds", text, u64::MAX)?.to_string());
        }
        let max_lobbies_per_guild = number(
            "discord.max_lobbies_per_guild",
            &raw.discord.max_lobbies_per_guild,
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
            &raw.discord.max_lobbies_per_hour,
            MAX_LOBBIES_PER_GUILD_LIMIT,
        )?;
        if max_lobbies_per_hour == 0 {
            return Err(invalid(
                "discord.max_lobbies_per_hour",
                "must be at least 1",
            ));
        }
        let api_base = http_url("discord.api_base", &raw.discord.api_base)?;
        let commission = CommissionConfig::validate(raw.commission)?;
        let overlay = OverlayConfig {
            max_clients_per_lobby: number(
                "overlay.max_clients_per_lobby",
                &raw.overlay.max_clients_per_lobby,
                OVERLAY_CLIENTS_LIMIT,
            )?,
            max_clients_per_address: number(
                "overlay.max_clients_per_address",
                &raw.overlay.max_clients_per_address,
                OVERLAY_CLIENTS_LIMIT,
            )?,
            names: name_rules(&raw.overlay)?,
        };
        let mut shops = BTreeMap::new();
        for (name, shop) in raw.shops {
            shops.insert(name.clone(), ShopConfig::validate(name, shop)?);
        }
        Ok(Config {
            http: HttpConfig {
                bind,
                public_url: raw.http.public_url.trim().trim_end_matches('/').to_owned(),
            },
            database_url,
            database_channel: channel_name(&raw.database.channel)?,
            discord: DiscordConfig {
                public_key,
                bot_token: non_empty(&raw.discord.bot_token),
                admin_role: non_empty(&raw.discord.admin_role),
                guild_id,
                guilds,
                max_lobbies_per_guild,
                max_lobbies_per_hour,
                api_base,
            },
            admin_token: admin_token(&raw.admin.token)?,
            commission,
            overlay,
            shops,
            log: LogConfig {
                format: log_format(&raw.log.format)?,
            },
        })
    }
}

/// `overlay.buyer_names`, `overlay.blocked_words` and `overlay.min_amount_for_name`.
fn name_rules(raw: &RawOverlay) -> Result<crate::buyer_names::NameRules, ConfigError> {
    use crate::buyer_names::{words, NameMode, NameRules};
    let mode = NameMode::parse(&raw.buyer_names).ok_or_else(|| {
        invalid(
            "overlay.buyer_names",
            format!("{:?} is not public, initials or off", raw.buyer_names),
        )
    })?;
    let blocked = match &raw.blocked_words {
        None => words::default_words(),
        Some(list) => list
            .iter()
            .map(|word| {
                words::BlockedWord::parse(word)
                    .map_err(|e| invalid("overlay.blocked_words", format!("{word:?}: {e}")))
            })
            .collect::<Result<_, _>>()?,
    };
    let min_amount: rust_decimal::Decimal =
        raw.min_amount_for_name.trim().parse().map_err(|_| {
            invalid(
                "overlay.min_amount_for_name",
                "must be a decimal such as \"5.00\"",
            )
        })?;
    if min_amount.is_sign_negative() {
        return Err(invalid(
            "overlay.min_amount_for_name",
            "must not be negative",
        ));
    }
    Ok(NameRules {
        mode,
        blocked,
        min_amount,
    })
}

/// `commission.base`: `total` (today's pool) or `subtotal` (the goods alone).
fn commission_base(text: &str) -> Result<CommissionBase, ConfigError> {
    match text.trim() {
        "total" => Ok(CommissionBase::Total),
        "subtotal" => Ok(CommissionBase::Subtotal),
        other => Err(invalid(
            "commission.base",
            format!("{other:?} is not total or subtotal"),
        )),
    }
}

impl CommissionConfig {
    fn validate(raw: RawCommission) -> Result<Self, ConfigError> {
        let rate = Rate::parse(&raw.rate).map_err(|e| invalid("commission.rate", e))?;
        let max_racers = number("commission.max_racers", &raw.max_racers, MAX_RACERS_LIMIT)?;
        if max_racers == 0 {
            return Err(invalid("commission.max_racers", "must be at least 1"));
        }
        let payout_thresholds = payout_thresholds(&raw.payout_threshold, &raw.payout_thresholds)?;
        let untagged = match raw.untagged.trim() {
            "split" => UntaggedPolicy::Split,
            "latest" => UntaggedPolicy::Latest,
            "house" => UntaggedPolicy::House,
            other => {
                return Err(invalid(
                    "commission.untagged",
                    format!("{other:?} is not split, latest or house"),
                ))
            }
        };
        let base = commission_base(&raw.base)?;
        let max_window_minutes = number(
            "commission.max_window_minutes",
            &raw.max_window_minutes,
            WINDOW_MINUTES_LIMIT,
        )?;
        if max_window_minutes == 0 {
            return Err(invalid(
                "commission.max_window_minutes",
                "must be at least 1",
            ));
        }
        Ok(CommissionConfig {
            rate,
            max_racers,
            hold_days: number("commission.hold_days", &raw.hold_days, HOLD_DAYS_LIMIT)?,
            payout_thresholds,
            untagged,
            base,
            max_window_minutes,
            max_delay_minutes: number(
                "commission.max_delay_minutes",
                &raw.max_delay_minutes,
                DELAY_MINUTES_LIMIT,
            )?,
        })
    }
}

/// `commission.payout_threshold` (the default) and `[commission.payout_thresholds]`
/// (per currency, in its own units); the rule is [`PayoutThresholds`]'s.
fn payout_thresholds(
    default: &str,
    table: &BTreeMap<String, Text>,
) -> Result<PayoutThresholds, ConfigError> {
    let mut entries = BTreeMap::new();
    for (code, Text(amount)) in table {
        let key = format!("commission.payout_thresholds.{code}");
        let currency = Currency::parse(code).map_err(|e| invalid(&key, e))?;
        let amount = Money::parse(amount, currency).map_err(|e| invalid(&key, e))?;
        if amount.is_negative() {
            return Err(invalid(key, "must not be negative"));
        }
        if entries.insert(currency, amount).is_some() {
            return Err(invalid(key, format!("{currency} is given twice")));
        }
    }
    PayoutThresholds::new(default, entries.into_values())
        .map_err(|e| invalid("commission.payout_threshold", e))
}

impl ShopConfig {
    fn validate(name: String, raw: RawShop) -> Result<Self, ConfigError> {
        let key = |field: &str| format!("shops.{name}.{field}");
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name {
            return Err(invalid(
                format!("shops.{name}"),
                "shop names are 1-64 letters, digits, - or _",
            ));
        }
        let provider = Provider::parse(raw.provider.trim()).ok_or_else(|| {
            invalid(
                key("provider"),
                format!("{:?} is not stripe, shopify or kofi", raw.provider),
            )
        })?;
        let secrets: Vec<String> = [non_empty(&raw.secret), non_empty(&raw.previous_secret)]
            .into_iter()
            .flatten()
            .collect();
        if secrets.is_empty() {
            // A shop without a secret would accept forged sales: refuse to start.
            return Err(invalid(
                key("secret"),
                "is required (set it in the environment)",
            ));
        }
        Ok(ShopConfig {
            provider,
            secrets,
            guild_id: non_empty(&raw.guild_id),
            checkout_url: non_empty(&raw.checkout_url).map(|url| CheckoutUrl::parse(&url)),
            kofi_types: raw
                .kofi_types
                .unwrap_or_else(|| vec!["Shop Order".to_owned()]),
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.commission.rate.to_string(), "0.2");
        assert_eq!(config.commission.max_racers, 8);
        assert_eq!(config.commission.untagged, UntaggedPolicy::Split);
        assert_eq!(config.commission.base, CommissionBase::Total);
        assert!(config.shops.is_empty());
        assert!(config.admin_token.is_none());
        assert_eq!(config.discord.api_base, DEFAULT_DISCORD_API_BASE);
        assert_eq!(config.http.public_url, DEFAULT_PUBLIC_URL);
    }

    #[test]
    fn the_notification_channel_is_a_plain_identifier() {
        assert_eq!(
            Config::from_toml("").unwrap().database_channel,
            DEFAULT_CHANNEL
        );
        let named =
            Config::from_toml("[database]\nurl = \"sqlite::memory:\"\nchannel = \"kart_eu\"");
        assert_eq!(named.unwrap().database_channel, "kart_eu");
        for bad in ["", "Kart", "1kart", "kart-eu", "kart;drop", &"k".repeat(64)] {
            let toml = format!("[database]\nurl = \"sqlite::memory:\"\nchannel = \"{bad}\"");
            let error = Config::from_toml(&toml).unwrap_err().to_string();
            assert!(error.contains("database.channel"), "{bad}: {error}");
        }
    }

    #[test]
    fn discord_api_base_is_an_http_url_without_trailing_slash() {
        let local =
            Config::from_toml("[discord]\napi_base = \"http://127.0.0.1:9999/api/\"").unwrap();
        assert_eq!(local.discord.api_base, "http://127.0.0.1:9999/api");
        for bad in ["discord.com/api", "ftp://discord.com", "https://", ""] {
            let error = Config::from_toml(&format!("[discord]\napi_base = \"{bad}\"")).unwrap_err();
            assert!(
                error.to_string().contains("discord.api_base"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        let error = Config::from_toml("[commission]\nrate = \"1.5\"").unwrap_err();
        assert!(error.to_string().contains("commission.rate"), "{error}");
        let error = Config::from_toml("[commission]\nuntagged = \"all\"").unwrap_err();
        assert!(error.to_string().contains("commission.untagged"), "{error}");
        let error = Config::from_toml("[commission]\nbase = \"net\"").unwrap_err();
        assert!(error.to_string().contains("commission.base"), "{error}");
        let subtotal = Config::from_toml("[commission]\nbase = \"subtotal\"").unwrap();
        assert_eq!(subtotal.commission.base, CommissionBase::Subtotal);
        let error =
            Config::from_toml("[shops.main]\nprovider = \"paypal\"\nsecret = \"x\"").unwrap_err();
        assert!(error.to_string().contains("shops.main.provider"), "{error}");
        let error = Config::from_toml("[shops.main]\nprovider = \"stripe\"").unwrap_err();
        assert!(error.to_string().contains("shops.main.secret"), "{error}");
        let error = Config::from_toml("[http]\nbind = \"nowhere\"").unwrap_err();
        assert!(error.to_string().contains("http.bind"), "{error}");
        let error = Config::from_toml("[admin]\ntoken = \"short-token\"").unwrap_err();
        assert!(error.to_string().contains("admin.token"), "{error}");
        let error = Config::from_toml("[discord]\nguilds = [\"one\"]").unwrap_err();
        assert!(error.to_string().contains("discord.guilds"), "{error}");
        let error = Config::from_toml("[discord]\nmax_lobbies_per_guild = 0").unwrap_err();
        assert!(
            error.to_string().contains("discord.max_lobbies_per_guild"),
            "{error}"
        );
        let listed =
            Config::from_toml("[discord]\nguilds = [\"1100000000000000001\", 42]").unwrap();
        assert_eq!(listed.discord.guilds, ["1100000000000000001", "42"]);
        assert!(listed.discord.allows(Some("42")));
        assert!(!listed.discord.allows(Some("43")) && !listed.discord.allows(None));
        assert!(Config::from_toml("").unwrap().discord.allows(None));
        let long = Config::from_toml("[admin]\ntoken = \"0123456789abcdef01234567\"").unwrap();
        assert_eq!(
            long.admin_token.as_deref(),
            Some("0123456789abcdef01234567")
        );
    }

    #[test]
    fn http_bind_takes_a_host_name_or_an_address() {
        for good in [
            "localhost:8080",
            "0.0.0.0:80",
            "[::1]:9000",
            "kart.internal:0",
        ] {
            let config = Config::from_toml(&format!("[http]\nbind = \"{good}\"")).unwrap();
            assert_eq!(config.http.bind, good);
        }
        for bad in [
            "localhost",
            ":8080",
            "localhost:http",
            "::1:80",
            "kart host:80",
            "h:70000",
        ] {
            let error = Config::from_toml(&format!("[http]\nbind = \"{bad}\"")).unwrap_err();
            assert!(error.to_string().contains("http.bind"), "{bad}: {error}");
        }
    }

    #[test]
    fn unknown_keys_are_refused_with_the_nearest_known_one() {
        let error = Config::from_toml("[commission]\nrat = \"0.3\"").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown configuration key commission.rat; did you mean commission.rate?"
        );
        let error = Config::from_toml("[comission]\nrate = \"0.3\"").unwrap_err();
        assert!(
            error.to_string().contains("did you mean commission.rate?"),
            "{error}"
        );
    }

    #[test]
    fn log_format_is_text_or_json() {
        assert_eq!(Config::from_toml("").unwrap().log.format, LogFormat::Text);
        let json = Config::from_toml("[log]\nformat = \"json\"").unwrap();
        assert_eq!(json.log.format, LogFormat::Json);
        let error = Config::from_toml("[log]\nformat = \"xml\"").unwrap_err();
        assert!(error.to_string().contains("log.format"), "{error}");
    }

    #[test]
    fn payout_thresholds_are_per_currency() {
        let config = Config::from_toml(
            "[commission]\npayout_threshold = \"25.00\"\n\
             [commission.payout_thresholds]\nJPY = \"2000\"\nkwd = 20.5\n",
        )
        .unwrap();
        let thresholds = &config.commission.payout_thresholds;
        let threshold = |code| thresholds.for_currency(Currency::parse(code).unwrap());
        assert_eq!(threshold("JPY").to_string(), "2000 JPY");
        assert_eq!(threshold("KWD").to_string(), "20.500 KWD");
        assert_eq!(threshold("USD").to_string(), "25.00 USD");
        assert_eq!(threshold("KRW").to_string(), "2500 KRW");
        let defaults = Config::from_toml("").unwrap();
        let usd = Currency::parse("USD").unwrap();
        let default = defaults.commission.payout_thresholds.for_currency(usd);
        assert_eq!(default.to_string(), "20.00 USD");
    }

    #[test]
    fn bad_payout_thresholds_name_their_key() {
        let cases = [
            ("payout_threshold = \"-1\"", "commission.payout_threshold"),
            (
                "payout_threshold = \"20.005\"",
                "commission.payout_threshold",
            ),
            ("payout_threshold = \"lots\"", "commission.payout_threshold"),
            ("payout_thresholds = 5", "commission.payout_thresholds"),
            (
                "payout_thresholds = { XYZ = \"1\" }",
                "commission.payout_thresholds.XYZ",
            ),
            (
                "payout_thresholds = { JPY = \"20.5\" }",
                "commission.payout_thresholds.JPY",
            ),
            (
                "payout_thresholds = { KWD = \"-2.000\" }",
                "commission.payout_thresholds.KWD",
            ),
            (
                "payout_thresholds = { USD = [1] }",
                "commission.payout_thresholds.USD",
            ),
            (
                "payout_thresholds = { JPY = \"1\", jpy = \"2\" }",
                "commission.payout_thresholds.jpy",
            ),
        ];
        for (line, key) in cases {
            let error = Config::from_toml(&format!("[commission]\n{line}")).unwrap_err();
            match &error {
                ConfigError::Invalid { key: named, .. } => assert_eq!(named, key, "{error}"),
                other => panic!("{line}: {other}"),
            }
        }
    }

    #[test]
    fn shops_keep_current_and_previous_secret() {
        let config = Config::from_toml(
            "[shops.kofi]\nprovider = \"kofi\"\nsecret = \"new\"\nprevious_secret = \"old\"",
        )
        .unwrap();
        let shop = &config.shops["kofi"];
        assert_eq!(shop.secrets, vec!["new", "old"]);
        assert_eq!(shop.kofi_types, vec!["Shop Order"]);
    }
}
