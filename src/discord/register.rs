//! Slash-command definitions registered with Discord (guild-scoped or global). Option
//! names and types here are exactly what `command::parse_command` reads.

use serde_json::Value;
use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{CommandOptionType, InteractionContext};
use serenity::model::Permissions;

use super::command::{MAX_AMOUNT, MAX_CURRENCY, MAX_LOBBY_NAME, MAX_NAME, MAX_NOTE, MAX_WORD};

/// All fourteen commands: `/lobby create`, `/join`, `/leave`, `/start`, `/end`,
/// `/pot`, `/goal` (host or admin), `/overlay` (`test` and `hide` for the host or
/// an admin, `names`, `block` and `unblock` for admins), `/wallet`,
/// `/leaderboard`, `/cashout` (racers, where allowed), and the admin-only
/// `/payout`, `/payouts` and `/commission`.
/// Every command is guild-only: lobbies, pots and wallets belong to a server.
/// As Discord takes them: serialised, with every name and description in the
/// languages of [`super::locales`].
pub fn command_definitions() -> Vec<Value> {
    let english = english_definitions()
        .iter()
        .filter_map(|command| serde_json::to_value(command).ok())
        .collect();
    super::locales::localize(english)
}

/// The definitions in English, as built.
pub(super) fn english_definitions() -> Vec<CreateCommand> {
    let lobby_create = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "create",
        "Open a new race lobby in this channel, shown as a card with Join/Leave/Start/End buttons",
    )
    .add_sub_option(text("name", "Lobby name, e.g. Friday Cup", MAX_LOBBY_NAME));

    vec![
        guild_command("lobby", "Manage race lobbies").add_option(lobby_create),
        lobby_command(
            "join",
            "Join a lobby's roster: you share the racers' pot of its races",
        ),
        lobby_command(
            "leave",
            "Leave a lobby's roster: later sales no longer pay you",
        ),
        lobby_command(
            "start",
            "Host or admin: start the race; sales from now on fill the racers' pot",
        ),
        lobby_command(
            "end",
            "Host or admin: end the race and show its sales, pool and shares",
        ),
        lobby_command(
            "pot",
            "Show the racers' pot now, or the last race's summary once it is over",
        ),
        lobby_command(
            "goal",
            "Host or admin: set the race's goal, shown as a bar on the overlay",
        )
        .add_option(
            text(
                "amount",
                "Target pot as a decimal, e.g. 50.00 (0 clears it)",
                MAX_AMOUNT,
            )
            .required(true),
        )
        .add_option(
            text(
                "currency",
                "ISO 4217 code, e.g. EUR (default: the pot's currency, else USD)",
                MAX_CURRENCY,
            )
            .min_length(MAX_CURRENCY),
        ),
        overlay_command(),
        guild_command(
            "wallet",
            "Your earnings here per currency: available, pending (and when), paid",
        ),
        guild_command(
            "leaderboard",
            "Top earners on this server, ranked per currency",
        ),
        guild_command(
            "cashout",
            "Turn your available balance into store credit, where this server allows it",
        )
        .add_option(
            text(
                "currency",
                "ISO 4217 code, e.g. USD (default: your only currency with money available)",
                MAX_CURRENCY,
            )
            .min_length(MAX_CURRENCY),
        )
        .add_option(shop_option()),
        admin_command(
            "payout",
            "Pay a racer: store credit or a gift card from the shop, or record a payout made otherwise",
        )
            .add_option(
                CreateCommandOption::new(CommandOptionType::User, "user", "The racer you paid")
                    .required(true),
            )
            .add_option(
                text("amount", "Amount paid, as a decimal such as 20.00 (at most their available balance)", MAX_AMOUNT).required(true),
            )
            .add_option(
                text(
                    "currency",
                    "ISO 4217 code, e.g. USD (default: the racer's only currency)",
                    MAX_CURRENCY,
                )
                .min_length(MAX_CURRENCY),
            )
            .add_option(method_option())
            .add_option(text("note", "Note kept with the payout (for your records and tax export)", MAX_NOTE))
            .add_option(CreateCommandOption::new(
                CommandOptionType::Boolean,
                "force",
                crate::payout::FORCE_MEANS,
            ))
            .add_option(shop_option()),
        admin_command(
            "payouts",
            "Let racers cash out themselves with /cashout, and from what amount",
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::Boolean,
                "self_serve",
                "Whether racers may turn their available balance into store credit themselves",
            )
            .required(true),
        )
        .add_option(text(
            "minimum",
            "Smallest cash-out, e.g. 25.00 (never below the payout threshold)",
            MAX_AMOUNT,
        )),
        admin_command(
            "commission",
            "Set this server's commission rate; it applies from the next sale",
        ).add_option(
            text(
                "rate",
                "Share of each sale for racers, e.g. 0.20 = 20 %; applies to the next sale of this server",
                MAX_AMOUNT,
            )
            .required(true),
        ),
    ]
}

/// `/overlay`: the host's test alert and hide, the admins' buyer-name rules.
/// Open to every member (a host need not be an admin); the server checks who
/// may run each subcommand.
fn overlay_command() -> CreateCommand {
    let lobby = || {
        text(
            "lobby",
            "Lobby name or code (default: this channel's lobby); suggestions as you type",
            MAX_NAME,
        )
        .set_autocomplete(true)
    };
    let sub = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
    };
    let word = |description: &str| text("word", description, MAX_WORD).required(true);
    let mode = ["public", "initials", "off", "default"].into_iter().fold(
        text(
            "mode",
            "public: as given; initials: J. D.; off: someone; default: the server's setting",
            MAX_NAME,
        )
        .required(true),
        |option, mode| option.add_string_choice(mode, mode),
    );
    guild_command("overlay", "What the stream overlay shows")
        .add_option(
            sub(
                "test",
                "Host or admin: play a sample sale on the lobby's overlays; no money moves",
            )
            .add_sub_option(lobby()),
        )
        .add_option(
            sub(
                "hide",
                "Host or admin: take the latest sale's buyer name off every overlay",
            )
            .add_sub_option(lobby()),
        )
        .add_option(sub("names", "Admin: how overlays here show buyer names").add_sub_option(mode))
        .add_option(
            sub(
                "block",
                "Admin: buyer names with this word show as someone (* = any letters)",
            )
            .add_sub_option(word("Word or pattern, e.g. badword or bad*")),
        )
        .add_option(
            sub(
                "unblock",
                "Admin: stop blocking a word here (also one of the default list)",
            )
            .add_sub_option(word("Word or pattern as blocked")),
        )
}

fn guild_command(name: &str, description: &str) -> CreateCommand {
    CreateCommand::new(name)
        .description(description)
        .dm_permission(false)
        .contexts(vec![InteractionContext::Guild])
}

fn lobby_command(name: &str, description: &str) -> CreateCommand {
    guild_command(name, description).add_option(
        text(
            "lobby",
            "Lobby name or code (default: this channel's lobby); suggestions as you type",
            MAX_NAME,
        )
        .set_autocomplete(true),
    )
}

/// Hidden from members without Manage Server unless a server admin grants it;
/// the server still checks `Caller::is_admin` on every call.
fn admin_command(name: &str, description: &str) -> CreateCommand {
    guild_command(name, description).default_member_permissions(Permissions::MANAGE_GUILD)
}

/// `/payout`'s `method`: one choice per payout method, labelled as Discord shows it.
fn method_option() -> CreateCommandOption {
    crate::payout::METHODS.iter().fold(
        text(
            "method",
            "Store credit or a gift card from the shop, or manual: paid otherwise (default)",
            MAX_NAME,
        ),
        |option, (method, label)| option.add_string_choice(*label, method.as_str()),
    )
}

/// The shop that issues store credit or a gift card, when several could.
fn shop_option() -> CreateCommandOption {
    text(
        "shop",
        "The shop that issues the credit (when several could)",
        MAX_NAME,
    )
}

fn text(name: &str, description: &str, max: u16) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description).max_length(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definitions() -> Vec<Value> {
        command_definitions()
    }

    fn find<'a>(defs: &'a [Value], name: &str) -> &'a Value {
        defs.iter().find(|d| d["name"] == name).unwrap()
    }

    fn option<'a>(cmd: &'a Value, name: &str) -> &'a Value {
        cmd["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()
    }

    #[test]
    fn fourteen_guild_only_commands() {
        let defs = definitions();
        let names: Vec<&str> = defs.iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "lobby",
                "join",
                "leave",
                "start",
                "end",
                "pot",
                "goal",
                "overlay",
                "wallet",
                "leaderboard",
                "cashout",
                "payout",
                "payouts",
                "commission"
            ]
        );
        for d in &defs {
            let desc = d["description"].as_str().unwrap();
            assert!(!desc.is_empty() && desc.chars().count() <= 100, "{d}");
            assert_eq!(d["dm_permission"], false);
            assert_eq!(d["contexts"], serde_json::json!([0]));
        }
    }

    #[test]
    fn admin_commands_need_manage_guild() {
        let defs = definitions();
        let manage_guild = Permissions::MANAGE_GUILD.bits().to_string();
        assert_eq!(manage_guild, "32");
        for d in &defs {
            let admin = ["payout", "payouts", "commission"].contains(&d["name"].as_str().unwrap());
            let perms = d.get("default_member_permissions");
            if admin {
                assert_eq!(
                    perms.and_then(Value::as_str),
                    Some(manage_guild.as_str()),
                    "{d}"
                );
            } else {
                assert!(perms.is_none(), "{d}");
            }
        }
    }

    #[test]
    fn options_match_the_parser() {
        let defs = definitions();
        let create = option(find(&defs, "lobby"), "create");
        assert_eq!(create["type"], 1);
        assert_eq!(option(create, "name")["type"], 3);
        for name in ["join", "leave", "start", "end", "pot", "goal"] {
            let lobby = option(find(&defs, name), "lobby");
            assert_eq!(
                (lobby["type"].clone(), lobby["required"].clone()),
                (3.into(), false.into())
            );
        }
        let payout = find(&defs, "payout");
        assert_eq!(option(payout, "user")["type"], 6);
        assert_eq!(option(payout, "user")["required"], true);
        // Money is text, never a number option.
        assert_eq!(option(payout, "amount")["type"], 3);
        assert_eq!(option(payout, "amount")["required"], true);
        assert_eq!(option(payout, "force")["type"], 5);
        let force = option(payout, "force")["description"].as_str().unwrap();
        assert!(
            force.contains("threshold") && force.contains("never more"),
            "{force}"
        );
        let choices: Vec<&str> = option(payout, "method")["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect();
        assert_eq!(choices, ["gift_card", "store_credit", "manual"]);
        let goal = find(&defs, "goal");
        assert_eq!(option(goal, "amount")["type"], 3);
        assert_eq!(option(goal, "amount")["required"], true);
        assert_eq!(option(goal, "currency")["type"], 3);
        let overlay = find(&defs, "overlay");
        for sub in ["test", "hide"] {
            let lobby = option(option(overlay, sub), "lobby");
            assert_eq!(
                (lobby["type"].clone(), lobby["required"].clone()),
                (3.into(), false.into())
            );
        }
        for sub in ["block", "unblock"] {
            assert_eq!(option(option(overlay, sub), "word")["required"], true);
        }
        let modes: Vec<&str> = option(option(overlay, "names"), "mode")["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect();
        assert_eq!(modes, ["public", "initials", "off", "default"]);
        let rate = option(find(&defs, "commission"), "rate");
        assert_eq!(
            (rate["type"].clone(), rate["required"].clone()),
            (3.into(), true.into())
        );
        // Descriptions say what happens, not just what to type.
        let rate = rate["description"].as_str().unwrap();
        assert!(rate.contains("next sale of this server"), "{rate}");
        let create = create["description"].as_str().unwrap();
        assert!(create.contains("Join/Leave/Start/End"), "{create}");
    }
}
