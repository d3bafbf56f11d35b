//! What this process's gateway does, for `/readyz` and the log: off (and why),
//! or the shards it runs (`discord.shards`) with each one's connection stage as
//! the gateway last reported it. Several processes split the shards between them
//! by each naming its own range; the HTTP interactions endpoint needs none.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::config::{DiscordConfig, Shards};

/// Why the gateway is off, as `/readyz` and the log say it.
const NO_TOKEN: &str = "discord.bot_token is empty";
const REST_ONLY: &str = "discord.gateway is false: the bot token serves REST only";

pub struct GatewayStatus {
    /// `Err`: off, and why.
    mode: Result<Shards, &'static str>,
    /// Each shard's connection stage (`connecting`, `connected`, …), by shard id.
    stages: Mutex<BTreeMap<u32, String>>,
}

impl GatewayStatus {
    /// What the configuration asks of this process.
    pub fn of(discord: &DiscordConfig) -> Self {
        let mode = match (&discord.bot_token, discord.gateway) {
            (None, _) => Err(NO_TOKEN),
            (Some(_), false) => Err(REST_ONLY),
            (Some(_), true) => Ok(discord.shards),
        };
        GatewayStatus {
            mode,
            stages: Mutex::new(BTreeMap::new()),
        }
    }

    /// The shards to run, or why there are none.
    pub fn shards(&self) -> Result<Shards, &'static str> {
        self.mode
    }

    /// A shard's connection stage changed.
    pub fn record(&self, shard: u32, stage: &str) {
        let mut stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        stages.insert(shard, stage.to_owned());
    }

    /// `/readyz`'s `gateway` object: `{"state": "off", "why": …}`, or the shards
    /// asked for and each running one's stage (none yet while it starts).
    pub fn report(&self) -> Value {
        match self.mode {
            Err(why) => json!({"state": "off", "why": why}),
            Ok(shards) => {
                let stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
                let running: serde_json::Map<String, Value> = stages
                    .iter()
                    .map(|(shard, stage)| (shard.to_string(), json!(stage)))
                    .collect();
                let connected = !stages.is_empty() && stages.values().all(|s| s == "connected");
                json!({
                    "state": if connected { "connected" } else { "starting" },
                    "shards": shards.to_string(),
                    "running": running,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> DiscordConfig {
        crate::config::Config::from_toml(&format!("[discord]\n{extra}"))
            .unwrap()
            .discord
    }

    #[test]
    fn shards_are_auto_or_a_range_within_their_total() {
        assert_eq!("auto".parse(), Ok(Shards::Auto));
        assert_eq!(
            " 2-3/8 ".parse(),
            Ok(Shards::Range {
                first: 2,
                last: 3,
                total: 8
            })
        );
        assert_eq!("0-0/1".parse::<Shards>().unwrap().to_string(), "0-0/1");
        for bad in [
            "",
            "3",
            "0-1",
            "1-0/4",
            "0-4/4",
            "0-0/0",
            "a-b/c",
            "-1-2/4",
            "0-1/70000",
        ] {
            assert!(bad.parse::<Shards>().is_err(), "{bad:?}");
        }
        let error = crate::config::Config::from_toml("[discord]\nshards = \"0-4/4\"").unwrap_err();
        assert!(error.to_string().contains("discord.shards"), "{error}");
        let error = crate::config::Config::from_toml("[discord]\ngateway = \"yes\"").unwrap_err();
        assert!(error.to_string().contains("discord.gateway"), "{error}");
    }

    #[test]
    fn the_report_says_why_it_is_off_or_how_each_shard_stands() {
        let off = GatewayStatus::of(&config(""));
        assert_eq!(off.report(), json!({"state": "off", "why": NO_TOKEN}));
        let rest_only = GatewayStatus::of(&config("bot_token = \"t\"\ngateway = false"));
        assert_eq!(rest_only.shards(), Err(REST_ONLY));
        let two = GatewayStatus::of(&config("bot_token = \"t\"\nshards = \"0-1/4\""));
        assert_eq!(
            two.report(),
            json!({"state": "starting", "shards": "0-1/4", "running": {}})
        );
        two.record(0, "connected");
        two.record(1, "identifying");
        assert_eq!(
            two.report()["running"],
            json!({"0": "connected", "1": "identifying"})
        );
        assert_eq!(two.report()["state"], "starting");
        two.record(1, "connected");
        assert_eq!(two.report()["state"], "connected");
    }
}
