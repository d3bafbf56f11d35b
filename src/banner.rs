//! What `cozykart serve` prints once it listens: where, on which database, which
//! of its doors are open, and the operator's next step.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::config::Config;

/// The banner, a few lines of plain text (no colour: it may go to a file).
pub fn banner(config: &Config, address: SocketAddr) -> String {
    let url = &config.http.public_url;
    let on_off = |on: bool, detail: String, why_off: &str| {
        if on {
            format!("on   {detail}")
        } else {
            format!("off  ({why_off})")
        }
    };
    let discord = &config.discord;
    let shops: Vec<String> = config
        .shops
        .values()
        .map(|shop| format!("{} ({})", shop.name, shop.provider.as_str()))
        .collect();
    let rows = [
        ("address", format!("{url} (listening on {address})")),
        ("database", crate::db::display_url(&config.database_url)),
        (
            "Discord endpoint",
            on_off(
                discord.public_key.is_some(),
                format!("{url}/discord/interactions"),
                "discord.public_key is empty",
            ),
        ),
        (
            "Discord gateway",
            match crate::discord::GatewayStatus::of(discord).shards() {
                Ok(shards) => on_off(true, format!("shards {shards}"), ""),
                Err(why) => on_off(false, String::new(), why),
            },
        ),
        (
            "shops",
            on_off(
                !shops.is_empty(),
                shops.join(", "),
                "no [shops.<name>] table",
            ),
        ),
        (
            "admin API",
            on_off(
                config.admin_token.is_some(),
                format!("{url}/api/admin"),
                "admin.token is empty",
            ),
        ),
    ];
    let mut text = String::from("Cozy-Kart is serving.\n");
    for (name, value) in rows {
        let _ = writeln!(text, "  {name:<17}{}", value.trim_end());
    }
    text.push_str(&next_step(config));
    text
}

/// What to do next: with nothing connected, the demo and the going-live guide;
/// with Discord connected, the first lobby.
fn next_step(config: &Config) -> String {
    let discord = config.discord.public_key.is_some() || config.discord.bot_token.is_some();
    if discord {
        format!(
            "Next: run /lobby create in your Discord server and add the overlay link on its \
             card to OBS; this server's page is {}/",
            config.http.public_url
        )
    } else {
        "Next: nothing is connected yet. Watch a race with simulated sales: `cozykart demo` \
         (`cargo run --release -- demo`). To connect Discord and a shop, follow \"Going live\" \
         in README.md."
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_server_points_at_the_demo_and_going_live() {
        let config = Config::from_toml("").unwrap();
        let text = banner(&config, "127.0.0.1:8080".parse().unwrap());
        assert!(text.contains("http://127.0.0.1:8080"), "{text}");
        assert!(text.contains("sqlite://cozykart.db?mode=rwc"), "{text}");
        assert!(text.contains("Discord gateway  off"), "{text}");
        assert!(
            text.contains("cozykart demo") && text.contains("Going live"),
            "{text}"
        );
    }

    #[test]
    fn configured_parts_are_on_and_passwords_hidden() {
        let config = Config::from_toml(
            "[database]\nurl = \"postgres://kart:s3cret@db/cozykart\"\n\
             [admin]\ntoken = \"0123456789abcdef01234567\"\n\
             [discord]\npublic_key = \"0000000000000000000000000000000000000000000000000000000000000000\"\n\
             [shops.main]\nprovider = \"stripe\"\nsecret = \"whsec_x\"",
        )
        .unwrap();
        let text = banner(&config, "0.0.0.0:8080".parse().unwrap());
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("postgres://kart:***@db/cozykart"), "{text}");
        assert!(
            text.contains("shops            on   main (stripe)"),
            "{text}"
        );
        assert!(text.contains("admin API        on"), "{text}");
        assert!(text.contains("/lobby create"), "{text}");
        let sharded =
            Config::from_toml("[discord]\nbot_token = \"t\"\nshards = \"2-3/4\"").unwrap();
        let text = banner(&sharded, "0.0.0.0:8080".parse().unwrap());
        assert!(
            text.contains("Discord gateway  on   shards 2-3/4"),
            "{text}"
        );
        let rest_only = Config::from_toml("[discord]\nbot_token = \"t\"\ngateway = false").unwrap();
        let text = banner(&rest_only, "0.0.0.0:8080".parse().unwrap());
        assert!(text.contains("REST only"), "{text}");
    }
}
