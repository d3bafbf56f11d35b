//! Configuration: `config/default.toml`, then the file named by `COZYKART_CONFIG`,
//! then `COZYKART__SECTION__KEY` environment variables. Raw values are parsed once
//! into typed settings here; an invalid value stops start-up naming its key.
//!
//! Layout: `values` reads raw values (any scalar as text, whole numbers under a
//! limit); each section has its file with its raw form, its typed settings and
//! their validation (`http`, `database`, `discord`, `admin`, `commission`,
//! `overlay`, `shops`, `log`); `keys` refuses unknown keys.

mod admin;
mod commission;
mod database;
mod discord;
mod http;
mod keys;
mod log;
mod overlay;
mod shops;
mod values;

use std::collections::BTreeMap;
use std::path::Path;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;

pub use admin::ADMIN_TOKEN_MIN_CHARS;
pub use commission::{
    CommissionConfig, UntaggedPolicy, DELAY_MINUTES_LIMIT, HOLD_DAYS_LIMIT, MAX_RACERS_LIMIT,
    WINDOW_MINUTES_LIMIT,
};
pub use database::{CHANNEL_MAX_CHARS, DEFAULT_CHANNEL};
pub use discord::{DiscordConfig, Shards, DEFAULT_DISCORD_API_BASE, MAX_LOBBIES_PER_GUILD_LIMIT};
pub use http::{HttpConfig, DEFAULT_PUBLIC_URL};
pub use log::{LogConfig, LogFormat};
pub use overlay::{OverlayConfig, OVERLAY_CLIENTS_LIMIT};
pub use shops::{CreditApi, ShopConfig, STRIPE_API_BASE};

/// Prefix of the environment variables that set keys (`COZYKART__SECTION__KEY`).
pub const ENV_PREFIX: &str = "COZYKART__";

/// The defaults, compiled in so that the binary runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

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

#[derive(Deserialize)]
struct Raw {
    http: http::RawHttp,
    database: database::RawDatabase,
    #[serde(default)]
    discord: discord::RawDiscord,
    #[serde(default)]
    admin: admin::RawAdmin,
    commission: commission::RawCommission,
    #[serde(default)]
    overlay: overlay::RawOverlay,
    #[serde(default)]
    shops: BTreeMap<String, shops::RawShop>,
    #[serde(default)]
    log: log::RawLog,
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

    /// Each section in turn; the first invalid value stops it, naming its key.
    fn validate(raw: Raw) -> Result<Config, ConfigError> {
        let http = HttpConfig::validate(raw.http)?;
        let database_url = database::database_url(&raw.database.url)?;
        let discord = DiscordConfig::validate(raw.discord)?;
        let commission = CommissionConfig::validate(raw.commission)?;
        let overlay = OverlayConfig::validate(raw.overlay)?;
        let mut shops = BTreeMap::new();
        for (name, shop) in raw.shops {
            shops.insert(name.clone(), ShopConfig::validate(name, shop)?);
        }
        Ok(Config {
            http,
            database_url,
            database_channel: database::channel_name(&raw.database.channel)?,
            discord,
            admin_token: admin::admin_token(&raw.admin.token)?,
            commission,
            overlay,
            shops,
            log: LogConfig::validate(raw.log)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::sale::CommissionBase;

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
        let guild = |n: u64| crate::domain::ids::GuildId::try_from(n).unwrap();
        assert_eq!(
            listed.discord.guilds,
            [guild(1_100_000_000_000_000_001), guild(42)]
        );
        assert!(listed.discord.allows(Some(guild(42))));
        assert!(!listed.discord.allows(Some(guild(43))) && !listed.discord.allows(None));
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

    #[test]
    fn store_credit_credentials_are_each_providers_own_and_come_together() {
        use super::shops::CreditApi;
        let shop = |provider: &str, extra: &str| {
            Config::from_toml(&format!(
                "[shops.s]\nprovider = \"{provider}\"\nsecret = \"x\"\n{extra}"
            ))
        };
        let stripe = shop("stripe", "api_key = \"rk_test_1\"").unwrap();
        match &stripe.shops["s"].credit {
            Some(CreditApi::Stripe { api_key, api_base }) => {
                assert_eq!(api_key, "rk_test_1");
                assert_eq!(api_base.as_str(), "https://api.stripe.com/");
            }
            other => panic!("{other:?}"),
        }
        let debug = format!("{:?}", stripe.shops["s"].credit);
        assert!(
            !debug.contains("rk_test_1"),
            "secrets stay out of logs: {debug}"
        );
        let shopify = shop(
            "shopify",
            "admin_url = \"https://kart.myshopify.com\"\nadmin_token = \"shpat_1\"",
        )
        .unwrap();
        assert!(matches!(
            shopify.shops["s"].credit,
            Some(CreditApi::Shopify { .. })
        ));
        assert!(shop("stripe", "").unwrap().shops["s"].credit.is_none());
        for (provider, extra, key) in [
            ("stripe", "admin_token = \"t\"", "shops.s.admin_token"),
            ("shopify", "api_key = \"k\"", "shops.s.api_key"),
            ("kofi", "api_key = \"k\"", "shops.s.api_key"),
            (
                "stripe",
                "api_base = \"http://127.0.0.1:9\"",
                "shops.s.api_key",
            ),
            (
                "stripe",
                "api_key = \"k\"\napi_base = \"ftp://x\"",
                "shops.s.api_base",
            ),
            (
                "shopify",
                "admin_url = \"https://k.myshopify.com\"",
                "shops.s.admin_token",
            ),
            ("shopify", "admin_token = \"t\"", "shops.s.admin_url"),
        ] {
            match shop(provider, extra).unwrap_err() {
                ConfigError::Invalid { key: named, .. } => assert_eq!(named, key, "{extra}"),
                other => panic!("{extra}: {other}"),
            }
        }
    }
}
