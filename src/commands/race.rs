//! Race commands: `/lobby create`, `/join`, `/leave`, `/start`, `/end`, `/pot`.

use crate::discord::{Caller, Reply, ReplyEmbed};
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{End, Join, Leave, LobbyError, LobbyView, Snapshot, Start};
use crate::startup::AppState;

use super::{lobby_title, plain, pot_text};

/// The lobby a command acts on: the named one, else the channel's.
fn target(state: &AppState, caller: &Caller, lobby: Option<String>) -> Result<LobbyEntry, Reply> {
    match lobby {
        Some(key) => state
            .lobbies
            .find(&key)
            .ok_or_else(|| Reply::refusal(format!("There is no lobby with the code `{}`.", plain(&key)))),
        None => caller
            .channel_id
            .as_deref()
            .and_then(|channel| state.lobbies.in_channel(channel))
            .ok_or_else(|| {
                Reply::refusal("There is no lobby in this channel. Create one with `/lobby create`, or name one with the `lobby` option.")
            }),
    }
}

async fn view(entry: &LobbyEntry) -> Result<LobbyView, Reply> {
    entry
        .addr
        .send(Snapshot)
        .await
        .map_err(|_| Reply::refusal("That lobby is restarting; try again in a moment."))
}

fn refusal(error: LobbyError) -> Reply {
    match error {
        LobbyError::Database(detail) => {
            tracing::error!(%detail, "lobby change failed");
            Reply::refusal("Could not save that change; please try again.")
        }
        other => Reply::refusal(format!("Refused: {other}.")),
    }
}

fn may_run_race(caller: &Caller, view: &LobbyView) -> bool {
    caller.is_admin || caller.user_id == view.host_id
}

pub async fn create(state: &AppState, caller: &Caller, name: Option<String>) -> Reply {
    let Some(channel) = caller.channel_id.clone() else {
        return Reply::refusal("Lobbies live in a server channel; run `/lobby create` there.");
    };
    let name = name.unwrap_or_else(|| format!("{}'s lobby", caller.display_name));
    let created = state
        .lobbies
        .create(
            caller.guild_id.clone(),
            Some(channel),
            &caller.user_id,
            &name,
            state.clock.now(),
        )
        .await;
    match created {
        Ok(entry) => match view(&entry).await {
            Ok(view) => Reply::public(format!(
                "Lobby {} is ready. Racers: `/join`. Host: `/start` when the race begins, `/end` when it is over.\nOverlay for OBS: {}/overlay/{}",
                lobby_title(&view),
                state.config.http.public_url,
                view.code
            )),
            Err(reply) => reply,
        },
        Err(error) => refusal(error),
    }
}

pub async fn join(state: &AppState, caller: &Caller, lobby: Option<String>) -> Reply {
    let entry = match target(state, caller, lobby) {
        Ok(entry) => entry,
        Err(reply) => return reply,
    };
    let join = Join {
        discord_id: caller.user_id.clone(),
        display_name: crate::sale::clean_text(&caller.display_name),
        at: state.clock.now(),
    };
    match entry.addr.send(join).await {
        Ok(Ok(view)) => Reply::public(format!(
            "{} joined {} ({}/{} racers).",
            plain(&caller.display_name),
            lobby_title(&view),
            view.racers.len(),
            state.config.commission.max_racers
        )),
        Ok(Err(error)) => refusal(error),
        Err(_) => Reply::refusal("That lobby is restarting; try again in a moment."),
    }
}

pub async fn leave(state: &AppState, caller: &Caller, lobby: Option<String>) -> Reply {
    let entry = match target(state, caller, lobby) {
        Ok(entry) => entry,
        Err(reply) => return reply,
    };
    let leave = Leave {
        discord_id: caller.user_id.clone(),
        at: state.clock.now(),
    };
    match entry.addr.send(leave).await {
        Ok(Ok(view)) => Reply::public(format!(
            "{} left {}.",
            plain(&caller.display_name),
            lobby_title(&view)
        )),
        Ok(Err(error)) => refusal(error),
        Err(_) => Reply::refusal("That lobby is restarting; try again in a moment."),
    }
}

pub async fn start(state: &AppState, caller: &Caller, lobby: Option<String>) -> Reply {
    let entry = match target(state, caller, lobby) {
        Ok(entry) => entry,
        Err(reply) => return reply,
    };
    let current = match view(&entry).await {
        Ok(view) => view,
        Err(reply) => return reply,
    };
    if !may_run_race(caller, &current) {
        return Reply::refusal("Only the lobby's host or an admin can start the race.");
    }
    match entry
        .addr
        .send(Start {
            at: state.clock.now(),
        })
        .await
    {
        Ok(Ok(view)) => {
            Reply::public(format!(
            "🏁 The race in {} is live! Every merch sale now boosts the racers' pot. Racers: {}.",
            lobby_title(&view),
            if view.racers.is_empty() {
                "nobody yet (use `/join`)".to_owned()
            } else {
                view.racers.iter().map(|r| plain(&r.display_name)).collect::<Vec<_>>().join(", ")
            }
        ))
        }
        Ok(Err(error)) => refusal(error),
        Err(_) => Reply::refusal("That lobby is restarting; try again in a moment."),
    }
}

pub async fn end(state: &AppState, caller: &Caller, lobby: Option<String>) -> Reply {
    let entry = match target(state, caller, lobby) {
        Ok(entry) => entry,
        Err(reply) => return reply,
    };
    let current = match view(&entry).await {
        Ok(view) => view,
        Err(reply) => return reply,
    };
    if !may_run_race(caller, &current) {
        return Reply::refusal("Only the lobby's host or an admin can end the race.");
    }
    let end = End {
        at: state.clock.now(),
        reason: "end",
    };
    match entry.addr.send(end).await {
        Ok(Ok(summary)) => {
            let name_of = |id: &str| {
                summary
                    .lobby
                    .racers
                    .iter()
                    .find(|r| r.discord_id == id)
                    .map_or_else(|| id.to_owned(), |r| plain(&r.display_name))
            };
            let mut embed = ReplyEmbed::new(format!("Race over: {}", plain(&summary.lobby.name)))
                .field("Sales", summary.sales.to_string(), true)
                .field("Racer pool", pot_text(&summary.pool), true);
            for (racer, amounts) in &summary.shares {
                embed = embed.field(name_of(racer), pot_text(amounts), true);
            }
            Reply::public(format!(
                "🏆 The race in {} is over.",
                lobby_title(&summary.lobby)
            ))
            .with_embed(embed)
        }
        Ok(Err(error)) => refusal(error),
        Err(_) => Reply::refusal("That lobby is restarting; try again in a moment."),
    }
}

pub async fn pot(state: &AppState, caller: &Caller, lobby: Option<String>) -> Reply {
    let entry = match target(state, caller, lobby) {
        Ok(entry) => entry,
        Err(reply) => return reply,
    };
    match view(&entry).await {
        Ok(view) => Reply::public(format!(
            "Racers' pot in {} ({}): {}.",
            lobby_title(&view),
            view.state.as_str(),
            pot_text(&view.pot)
        )),
        Err(reply) => reply,
    }
}
