//! Race commands: `/lobby create`, `/join`, `/leave`, `/start`, `/end`, `/pot`.

use actix::{Handler, Message};
use sea_orm::ActiveEnum;

use crate::discord::{Caller, Reply, ReplyEmbed};
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{store, LobbyState};
use crate::lobby::{End, Join, Leave, LobbyActor, LobbyError, LobbyView, Snapshot, Start};
use crate::services::Services;

use super::{lobby_title, plain, pot_text};

const RESTARTING: &str = "That lobby is restarting; try again in a moment.";

/// The lobby a command acts on: the one named by code or by name, else the
/// channel's; only ever one of the caller's guild (another guild's lobby reads as
/// no such lobby).
async fn target(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyEntry, Reply> {
    let in_guild = |entry: &LobbyEntry| entry.guild_id == caller.guild_id;
    match lobby {
        Some(key) => {
            let by_code = services.lobbies.find(&key).filter(in_guild);
            let found = match by_code {
                Some(entry) => Some(entry),
                None => named(services, caller, &key).await?.filter(in_guild),
            };
            found.ok_or_else(|| {
                Reply::refusal(format!("There is no lobby with the code `{}`.", plain(&key)))
            })
        }
        None => caller
            .channel_id
            .as_deref()
            .and_then(|channel| services.lobbies.in_channel(channel))
            .filter(in_guild)
            .ok_or_else(|| {
                Reply::refusal("There is no lobby in this channel. Create one with `/lobby create`, or name one with the `lobby` option.")
            }),
    }
}

/// The caller guild's newest lobby that is not closed and carries this name
/// (case-insensitive), else its newest closed one of that name.
async fn named(
    services: &Services,
    caller: &Caller,
    name: &str,
) -> Result<Option<LobbyEntry>, Reply> {
    let lobbies = store::lobbies_of_guild(&services.db, caller.guild_id.as_deref())
        .await
        .map_err(|error| {
            tracing::error!(?error, "lobby names not read");
            Reply::refusal("Could not look that lobby up; please try again.")
        })?;
    let same = |l: &&entity::lobby::Model| l.name.eq_ignore_ascii_case(name.trim());
    let best = lobbies
        .iter()
        .filter(same)
        .find(|l| l.state != LobbyState::Closed)
        .or_else(|| lobbies.iter().find(same));
    Ok(best.and_then(|l| services.lobbies.get(l.id)))
}

/// Suggestions for a `lobby` option: the caller guild's lobbies whose name or code
/// holds what was typed, racing first, then idle, then closed, newest first.
pub async fn lobby_choices(
    services: &Services,
    guild: Option<&str>,
    typed: &str,
) -> Vec<(String, String)> {
    let lobbies = match store::lobbies_of_guild(&services.db, guild).await {
        Ok(lobbies) => lobbies,
        Err(error) => {
            tracing::error!(?error, "lobby suggestions not read");
            return Vec::new();
        }
    };
    let typed = typed.to_lowercase();
    let mut matching: Vec<_> = lobbies
        .into_iter()
        .filter(|l| {
            l.name.to_lowercase().contains(&typed) || l.code.to_lowercase().contains(&typed)
        })
        .collect();
    let rank = |state: LobbyState| match state {
        LobbyState::Open => 0,
        LobbyState::Idle => 1,
        LobbyState::Closed => 2,
    };
    // Stable: newest first within each state, as read.
    matching.sort_by_key(|l| rank(l.state));
    matching
        .into_iter()
        .take(crate::discord::AUTOCOMPLETE_CHOICES_MAX)
        .map(|l| {
            let shown = format!("{} ({}, {})", l.name, l.code, l.state.to_value());
            (shown, l.code)
        })
        .collect()
}

pub(super) async fn view(entry: &LobbyEntry) -> Result<LobbyView, Reply> {
    entry
        .addr
        .send(Snapshot)
        .await
        .map_err(|_| Reply::refusal(RESTARTING))
}

/// Sends a change to the lobby; a refusal becomes the ephemeral reply saying why.
pub(super) async fn change<M, T>(entry: &LobbyEntry, message: M) -> Result<T, Reply>
where
    M: Message<Result = Result<T, LobbyError>> + Send + 'static,
    T: Send + 'static,
    LobbyActor: Handler<M>,
{
    match entry.addr.send(message).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(LobbyError::Database(detail))) => {
            tracing::error!(?detail, "lobby change failed");
            Err(Reply::refusal(
                "Could not save that change; please try again.",
            ))
        }
        Ok(Err(other)) => Err(Reply::refusal(format!("Refused: {other}."))),
        Err(_) => Err(Reply::refusal(RESTARTING)),
    }
}

/// The lobby whose race the caller wants to start or end, if they are its host
/// or an admin.
pub(super) async fn race_lobby(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
    verb: &str,
) -> Result<LobbyEntry, Reply> {
    let entry = target(services, caller, lobby).await?;
    let current = view(&entry).await?;
    if caller.is_admin || caller.user_id == current.host_id {
        Ok(entry)
    } else {
        Err(Reply::refusal(format!(
            "Only the lobby's host or an admin can {verb} the race."
        )))
    }
}

pub(super) fn reply(result: Result<Reply, Reply>) -> Reply {
    result.unwrap_or_else(|refusal| refusal)
}

pub async fn create(services: &Services, caller: &Caller, name: Option<String>) -> Reply {
    let Some(channel) = caller.channel_id.clone() else {
        return Reply::refusal("Lobbies live in a server channel; run `/lobby create` there.");
    };
    let name = name.unwrap_or_else(|| format!("{}'s lobby", caller.display_name));
    let at = services.clock.now();
    let created = services
        .lobbies
        .create(
            caller.guild_id.clone(),
            Some(channel),
            &caller.user_id,
            &name,
            at,
        )
        .await;
    let entry = match created {
        Ok(entry) => entry,
        Err(full @ LobbyError::GuildFull(_)) => return Reply::refusal(format!("Refused: {full}.")),
        Err(error) => {
            tracing::error!(?error, "lobby not created");
            return Reply::refusal("Could not create the lobby; please try again.");
        }
    };
    reply(view(&entry).await.map(|view| {
        Reply::public(format!(
            "Lobby {} is ready. Racers: `/join`. Host: `/start` when the race begins, `/end` when it is over.\nOverlay for OBS: {}/overlay/{}",
            lobby_title(&view),
            services.config.http.public_url,
            view.code
        ))
    }))
}

pub async fn join(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(
        async {
            let entry = target(services, caller, lobby).await?;
            let join = Join {
                discord_id: caller.user_id.clone(),
                display_name: crate::sale::clean_text(&caller.display_name),
                at: services.clock.now(),
            };
            let view = change(&entry, join).await?;
            Ok(Reply::public(format!(
                "{} joined {} ({}/{} racers).",
                plain(&caller.display_name),
                lobby_title(&view),
                view.racers.len(),
                services.config.commission.max_racers
            )))
        }
        .await,
    )
}

pub async fn leave(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(
        async {
            let entry = target(services, caller, lobby).await?;
            let leave = Leave {
                discord_id: caller.user_id.clone(),
                at: services.clock.now(),
            };
            let view = change(&entry, leave).await?;
            Ok(Reply::public(format!(
                "{} left {}.",
                plain(&caller.display_name),
                lobby_title(&view)
            )))
        }
        .await,
    )
}

pub async fn start(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(async {
        let entry = race_lobby(services, caller, lobby, "start").await?;
        let view = change(&entry, Start { at: services.clock.now() }).await?;
        let racers = if view.racers.is_empty() {
            "nobody yet (use `/join`)".to_owned()
        } else {
            let names: Vec<String> = view.racers.iter().map(|r| plain(&r.display_name)).collect();
            names.join(", ")
        };
        Ok(Reply::public(format!(
            "🏁 The race in {} is live! Every merch sale now boosts the racers' pot. Racers: {racers}.",
            lobby_title(&view)
        )))
    }
    .await)
}

pub async fn end(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(
        async {
            let entry = race_lobby(services, caller, lobby, "end").await?;
            let end = End {
                at: services.clock.now(),
                reason: "end",
            };
            let summary = change(&entry, end).await?;
            let name_of = |id: &str| {
                summary
                    .lobby
                    .racers
                    .iter()
                    .find(|r| r.discord_id == id)
                    .map_or_else(|| id.to_owned(), |r| plain(&r.display_name))
            };
            let mut embed = ReplyEmbed::new(format!("Race over: {}", plain(&summary.lobby.name)))
                .field("Sales", summary.totals.sales.to_string(), true)
                .field("Racer pool", pot_text(&summary.totals.pool), true);
            for (racer, share) in &summary.totals.shares {
                embed = embed.field(name_of(racer), pot_text(share), true);
            }
            Ok(Reply::public(format!(
                "🏆 The race in {} is over.",
                lobby_title(&summary.lobby)
            ))
            .with_embed(embed))
        }
        .await,
    )
}

pub async fn pot(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(
        async {
            let entry = target(services, caller, lobby).await?;
            let view = view(&entry).await?;
            Ok(Reply::public(format!(
                "Racers' pot in {} ({}): {}.",
                lobby_title(&view),
                view.state.to_value(),
                pot_text(&view.pot)
            )))
        }
        .await,
    )
}
