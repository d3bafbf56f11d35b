//! Race commands: `/lobby create`, `/join`, `/leave`, `/start`, `/end`, `/pot`.

use crate::discord::{Caller, CardAction, Reply};
use crate::lobby::{End, Join, Leave, LobbyError, LobbyState, LobbyView, RaceSummary, Start};
use crate::services::Services;

use super::card::{card_embed, card_reply};
use super::lookup::{change, hosted_lobby, target, view};
use super::summary::{last_race_embed, summary_embed};
use super::{lobby_title, plain, pot_text, refusal};

pub(super) fn reply(result: Result<Reply, Reply>) -> Reply {
    result.unwrap_or_else(|refusal| refusal)
}

pub async fn create(services: &Services, caller: &Caller, name: Option<String>) -> Reply {
    let locale = caller.locale;
    let Some(channel) = caller.channel_id else {
        return Reply::refusal(locale.t("lobby-needs-channel", &[]));
    };
    let name = match name {
        Some(typed) => match crate::lobby::check_name(&typed) {
            Ok(name) => name,
            Err(why) => return refused(caller, refusal::lobby_name(locale, why)),
        },
        None => locale.t("lobby-default-name", &[("name", &caller.display_name)]),
    };
    let at = services.clock.now();
    let created = services
        .lobbies
        .create(caller.guild_id, Some(channel), caller.user_id, &name, at)
        .await;
    let entry = match created {
        Ok(entry) => entry,
        Err(full @ (LobbyError::GuildFull(_) | LobbyError::TooManyThisHour(_))) => {
            return refused(caller, refusal::lobby(locale, &full))
        }
        Err(error) => {
            tracing::error!(?error, "lobby not created");
            return Reply::refusal(locale.t("lobby-not-created", &[]));
        }
    };
    match view(&entry, locale).await {
        Ok(view) => card_reply(services, &view, None, locale).await,
        Err(refusal) => refusal,
    }
}

/// "Refused: …." in the caller's language.
pub(super) fn refused(caller: &Caller, reason: String) -> Reply {
    Reply::refusal(caller.locale.t("refused", &[("reason", &reason)]))
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
    change(&entry, join, caller.locale).await
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
    change(&entry, leave, caller.locale).await
}

/// Opens a lobby's window, if the caller is its host or an admin.
async fn started(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyView, Reply> {
    let entry = hosted_lobby(services, caller, lobby, "host-only-start").await?;
    let start = Start {
        at: services.clock.now(),
    };
    change(&entry, start, caller.locale).await
}

/// Closes a lobby's window, if the caller is its host or an admin.
async fn ended(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<RaceSummary, Reply> {
    let entry = hosted_lobby(services, caller, lobby, "host-only-end").await?;
    let end = End {
        at: services.clock.now(),
        reason: crate::domain::end::EndReason::End,
    };
    change(&entry, end, caller.locale).await
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
        Ok((view, summary)) => card_reply(services, &view, summary.as_ref(), caller.locale)
            .await
            .updating_message(),
        Err(refusal) => refusal,
    }
}

pub async fn join(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    let locale = caller.locale;
    reply(joined(services, caller, lobby).await.map(|view| {
        let text = locale.t(
            "race-joined",
            &[
                ("name", &plain(&caller.display_name)),
                ("lobby", &lobby_title(&view)),
                ("count", &view.racers.len()),
                ("max", &services.config.commission.max_racers),
            ],
        );
        Reply::public(text).with_embed(card_embed(services, &view, locale))
    }))
}

pub async fn leave(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    let locale = caller.locale;
    reply(left(services, caller, lobby).await.map(|view| {
        let text = locale.t(
            "race-left",
            &[
                ("name", &plain(&caller.display_name)),
                ("lobby", &lobby_title(&view)),
            ],
        );
        Reply::public(text).with_embed(card_embed(services, &view, locale))
    }))
}

pub async fn start(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    let locale = caller.locale;
    reply(started(services, caller, lobby).await.map(|view| {
        let racers = if view.racers.is_empty() {
            locale.t("race-nobody-yet", &[])
        } else {
            let names: Vec<String> = view.racers.iter().map(|r| plain(&r.display_name)).collect();
            names.join(", ")
        };
        let text = locale.t(
            "race-started",
            &[("lobby", &lobby_title(&view)), ("racers", &racers)],
        );
        Reply::public(text).with_embed(card_embed(services, &view, locale))
    }))
}

pub async fn end(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    let locale = caller.locale;
    match ended(services, caller, lobby).await {
        Ok(summary) => {
            let text = locale.t("race-ended", &[("lobby", &lobby_title(&summary.lobby))]);
            let embed = summary_embed(services, &summary.lobby, &summary.totals, locale).await;
            Reply::public(text).with_embed(embed)
        }
        Err(refusal) => refusal,
    }
}

/// The racers' pot now; once the race is over, the last race's summary.
pub async fn pot(services: &Services, caller: &Caller, lobby: Option<String>) -> Reply {
    let locale = caller.locale;
    let view = match target(services, caller, lobby).await {
        Ok(entry) => match view(&entry, locale).await {
            Ok(view) => view,
            Err(refusal) => return refusal,
        },
        Err(refusal) => return refusal,
    };
    let state = locale.t(
        match view.state {
            LobbyState::Open => "lobby-state-open",
            LobbyState::Idle => "lobby-state-idle",
            LobbyState::Closed => "lobby-state-closed",
        },
        &[],
    );
    let text = locale.t(
        "pot-now",
        &[
            ("lobby", &lobby_title(&view)),
            ("state", &state),
            ("pot", &pot_text(locale, &view.pot)),
        ],
    );
    let embed = match view.state {
        LobbyState::Open => None,
        LobbyState::Idle | LobbyState::Closed => last_race_embed(services, &view, locale).await,
    };
    Reply::public(text).with_embed(embed.unwrap_or_else(|| card_embed(services, &view, locale)))
}
