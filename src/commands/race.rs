//! Race commands: `/lobby create`, `/join`, `/leave`, `/start`, `/end`, `/pot`.

use sea_orm::ActiveEnum;

use crate::discord::{Caller, CardAction, Reply};
use crate::lobby::{End, Join, Leave, LobbyError, LobbyState, LobbyView, RaceSummary, Start};
use crate::services::Services;

use super::card::{card_embed, card_reply};
use super::lookup::{change, race_lobby, target, view};
use super::summary::{last_race_embed, summary_embed};
use super::{lobby_title, plain, pot_text};

pub(super) fn reply(result: Result<Reply, Reply>) -> Reply {
    result.unwrap_or_else(|refusal| refusal)
}

pub async fn create(services: &Services, caller: &Caller, name: Option<String>) -> Reply {
    let Some(channel) = caller.channel_id else {
        return Reply::refusal("Lobbies live in a server channel; run `/lobby create` there.");
    };
    let name = match name {
        Some(typed) => match crate::lobby::check_name(&typed) {
            Ok(name) => name,
            Err(why) => return Reply::refusal(format!("Refused: {why}.")),
        },
        None => format!("{}'s lobby", caller.display_name),
    };
    let at = services.clock.now();
    let created = services
        .lobbies
        .create(caller.guild_id, Some(channel), caller.user_id, &name, at)
        .await;
    let entry = match created {
        Ok(entry) => entry,
        Err(full @ (LobbyError::GuildFull(_) | LobbyError::TooManyThisHour(_))) => {
            return Reply::refusal(format!("Refused: {full}."))
        }
        Err(error) => {
            tracing::error!(?error, "lobby not created");
            return Reply::refusal("Could not create the lobby; please try again.");
        }
    };
    match view(&entry).await {
        Ok(view) => card_reply(services, &view, None).await,
        Err(refusal) => refusal,
    }
}

/// Puts the caller on a lobby's roster.
async fn joined(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyView, Reply> {
    let entry = target(services, caller, lobby).await?;
    let join = Join {
        discord_id: caller.user_id,
        display_name: crate::sale::clean_text(&caller.display_name),
        at: services.clock.now(),
    };
    change(&entry, join).await
}

/// Takes the caller off a lobby's roster.
async fn left(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyView, Reply> {
    let entry = target(services, caller, lobby).await?;
    let leave = Leave {
        discord_id: caller.user_id,
        at: services.clock.now(),
    };
    change(&entry, leave).await
}

/// Opens a lobby's window, if the caller is its host or an admin.
async fn started(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyView, Reply> {
    let entry = race_lobby(services, caller, lobby, "start").await?;
    change(
        &entry,
        Start {
            at: services.clock.now(),
        },
    )
    .await
}

/// Closes a lobby's window, if the caller is its host or an admin.
async fn ended(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<RaceSummary, Reply> {
    let entry = race_lobby(services, caller, lobby, "end").await?;
    let end = End {
        at: services.clock.now(),
        reason: crate::domain::end::EndReason::End,
    };
    change(&entry, end).await
}

/// A lobby card's button: the same change as its command, answered by updating the
/// card in place; a refusal is an ephemeral message and leaves the card as it was.
pub async fn press(
    services: &Services,
    caller: &Caller,
    code: String,
    action: CardAction,
) -> Reply {
    let lobby = Some(code);
    let updated = match action {
        CardAction::Join => joined(services, caller, lobby).await.map(|v| (v, None)),
        CardAction::Leave => left(services, caller, lobby).await.map(|v| (v, None)),
        CardAction::Start => started(services, caller, lobby).await.map(|v| (v, None)),
        CardAction::End => ended(services, caller, lobby)
            .await
            .map(|summary| (summary.lobby.clone(), Some(summary))),
    };
    match updated {
        Ok((view, summary)) => card_reply(services, &view, summary.as_ref())
            .await
            .updating_message(),
        Err(refusal) => refusal,
    }
}

pub async fn join(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(joined(services, caller, lobby).await.map(|view| {
        Reply::public(format!(
            "{} joined {} ({}/{} racers).",
            plain(&caller.display_name),
            lobby_title(&view),
            view.racers.len(),
            services.config.commission.max_racers
        ))
        .with_embed(card_embed(services, &view))
    }))
}

pub async fn leave(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(left(services, caller, lobby).await.map(|view| {
        Reply::public(format!(
            "{} left {}.",
            plain(&caller.display_name),
            lobby_title(&view)
        ))
        .with_embed(card_embed(services, &view))
    }))
}

pub async fn start(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    reply(started(services, caller, lobby).await.map(|view| {
        let racers = if view.racers.is_empty() {
            "nobody yet (use `/join`)".to_owned()
        } else {
            let names: Vec<String> = view.racers.iter().map(|r| plain(&r.display_name)).collect();
            names.join(", ")
        };
        Reply::public(format!(
            "🏁 The race in {} is live! Every merch sale now boosts the racers' pot. Racers: {racers}.",
            lobby_title(&view)
        ))
        .with_embed(card_embed(services, &view))
    }))
}

pub async fn end(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    match ended(services, caller, lobby).await {
        Ok(summary) => Reply::public(format!(
            "🏆 The race in {} is over.",
            lobby_title(&summary.lobby)
        ))
        .with_embed(summary_embed(services, &summary.lobby, &summary.totals).await),
        Err(refusal) => refusal,
    }
}

/// The racers' pot now; once the race is over, the last race's summary.
pub async fn pot(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    let view = match target(services, caller, lobby).await {
        Ok(entry) => match view(&entry).await {
            Ok(view) => view,
            Err(refusal) => return refusal,
        },
        Err(refusal) => return refusal,
    };
    let text = format!(
        "Racers' pot in {} ({}): {}.",
        lobby_title(&view),
        view.state.to_value(),
        pot_text(&view.pot)
    );
    let embed = match view.state {
        LobbyState::Open => None,
        LobbyState::Idle | LobbyState::Closed => last_race_embed(services, &view).await,
    };
    Reply::public(text).with_embed(embed.unwrap_or_else(|| card_embed(services, &view)))
}
