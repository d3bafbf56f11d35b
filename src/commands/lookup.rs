//! Finding the lobby a command or button acts on (by code, name or channel, only
//! ever in the caller's guild), suggestions for `lobby` options, and sending a
//! lobby a change with its refusal turned into the reply that says why.

use actix::{Handler, Message};
use sea_orm::ActiveEnum;

use crate::discord::{Caller, Reply};
use crate::domain::ids::GuildId;
use crate::lobby::registry::LobbyEntry;
use crate::lobby::{store, LobbyState};
use crate::lobby::{LobbyActor, LobbyError, LobbyView, Snapshot};
use crate::locale::Locale;
use crate::services::Services;

use super::{code_span, refusal};

/// The lobby a command acts on: the one named by code or by name, else the
/// channel's; only ever one of the caller's guild (another guild's lobby reads as
/// no such lobby).
pub(super) async fn target(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
) -> Result<LobbyEntry, Reply> {
    let in_guild = |entry: &LobbyEntry| entry.guild_id == caller.guild_id;
    let locale = caller.locale;
    let unreadable = |error| unread(error, locale);
    match lobby {
        Some(key) => {
            let by_code = services
                .lobbies
                .find(&key)
                .await
                .map_err(unreadable)?
                .filter(in_guild);
            let found = match by_code {
                Some(entry) => Some(entry),
                None => named(services, caller, &key).await?.filter(in_guild),
            };
            found.ok_or_else(|| {
                Reply::refusal(locale.t("lobby-no-code", &[("code", &code_span(&key))]))
            })
        }
        None => {
            let in_channel = match caller.channel_id {
                Some(channel) => services
                    .lobbies
                    .in_channel(channel)
                    .await
                    .map_err(unreadable)?,
                None => None,
            };
            in_channel
                .filter(in_guild)
                .ok_or_else(|| Reply::refusal(locale.t("lobby-none-in-channel", &[])))
        }
    }
}

/// The refusal when lobbies could not be read.
fn unread(error: LobbyError, locale: Locale) -> Reply {
    tracing::error!(?error, "lobby not read");
    Reply::refusal(locale.t("lobby-unread", &[]))
}

/// The caller guild's newest lobby that is not closed and carries this name
/// (case-insensitive), else its newest closed one of that name.
async fn named(
    services: &Services,
    caller: &Caller,
    name: &str,
) -> Result<Option<LobbyEntry>, Reply> {
    let locale = caller.locale;
    let lobbies = store::lobbies_of_guild(&services.db, caller.guild_id)
        .await
        .map_err(|error| {
            tracing::error!(?error, "lobby names not read");
            Reply::refusal(locale.t("lobby-unread", &[]))
        })?;
    let same = |l: &&entity::lobby::Model| l.name.eq_ignore_ascii_case(name.trim());
    let best = lobbies
        .iter()
        .filter(same)
        .find(|l| l.state != LobbyState::Closed)
        .or_else(|| lobbies.iter().find(same));
    match best {
        Some(l) => match store::lobby_id(l.id) {
            Ok(id) => services
                .lobbies
                .wake(id)
                .await
                .map_err(|error| unread(error, locale)),
            Err(error) => Err(unread(error.into(), locale)),
        },
        None => Ok(None),
    }
}

/// Suggestions for a `lobby` option: the caller guild's lobbies whose name or code
/// holds what was typed, racing first, then idle, then closed, newest first.
pub async fn lobby_choices(
    services: &Services,
    guild: Option<GuildId>,
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

/// The lobby as it stands; refused in `locale` while its actor restarts.
pub(super) async fn view(entry: &LobbyEntry, locale: Locale) -> Result<LobbyView, Reply> {
    entry
        .addr
        .send(Snapshot)
        .await
        .map_err(|_| Reply::refusal(locale.t("lobby-restarting", &[])))
}

/// Sends a change to the lobby; a refusal becomes the ephemeral reply saying
/// why, in `locale`.
pub(super) async fn change<M, T>(entry: &LobbyEntry, message: M, locale: Locale) -> Result<T, Reply>
where
    M: Message<Result = Result<T, LobbyError>> + Send + 'static,
    T: Send + 'static,
    LobbyActor: Handler<M>,
{
    match entry.addr.send(message).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(LobbyError::Database(detail))) => {
            tracing::error!(?detail, "lobby change failed");
            Err(Reply::refusal(locale.t("change-unsaved", &[])))
        }
        Ok(Err(other)) => {
            let reason = refusal::lobby(locale, &other);
            Err(Reply::refusal(locale.t("refused", &[("reason", &reason)])))
        }
        Err(_) => Err(Reply::refusal(locale.t("lobby-restarting", &[]))),
    }
}

/// The lobby named (or the channel's), if the caller is its host or an admin
/// (to start, end or set the goal of its race, or act on its overlays); else the
/// refusal `refusal_id` (a message of the reply catalogues).
pub(super) async fn hosted_lobby(
    services: &Services,
    caller: &Caller,
    lobby: Option<String>,
    refusal_id: &str,
) -> Result<LobbyEntry, Reply> {
    let entry = target(services, caller, lobby).await?;
    let current = view(&entry, caller.locale).await?;
    if caller.is_admin || caller.user_id == current.host_id {
        Ok(entry)
    } else {
        Err(Reply::refusal(caller.locale.t(refusal_id, &[])))
    }
}
