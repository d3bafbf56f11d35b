//! A race's summary (sales, racers' pool, each racer's share under the name they
//! raced with, even if they left since) for `/end`, the End button, `/pot` after a
//! race, and the announcement of a race that timed out.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::discord::{outbox, Reply, ReplyEmbed};
use crate::ledger::read::{self, RaceTotals, RaceWindow};
use crate::lobby::{store, LobbyView, RaceOver};
use crate::locale::Locale;
use crate::services::Services;

use super::{lobby_colour, lobby_title, plain, pot_text};

/// The names racers raced under; empty (ids shown) if they cannot be read.
async fn racer_names(services: &Services, lobby_id: i64) -> HashMap<String, String> {
    store::racer_names(&services.db, lobby_id)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(lobby = lobby_id, %error, "racer names not read for a summary");
            HashMap::new()
        })
}

/// `embed` with the race's sales, pool and one line per racer's share, in `locale`.
pub async fn with_summary(
    services: &Services,
    embed: ReplyEmbed,
    lobby_id: i64,
    totals: &RaceTotals,
    locale: Locale,
) -> ReplyEmbed {
    let names = racer_names(services, lobby_id).await;
    let shares: Vec<String> = totals
        .shares
        .iter()
        .map(|(racer, share)| {
            let id = racer.to_string();
            let name = names.get(&id).unwrap_or(&id);
            format!("{}: {}", plain(name), pot_text(locale, share))
        })
        .collect();
    let shares = if shares.is_empty() {
        locale.t("summary-no-shares", &[])
    } else {
        shares.join("\n")
    };
    embed
        .field(
            locale.t("summary-sales", &[]),
            totals.sales.to_string(),
            true,
        )
        .field(
            locale.t("summary-pool", &[]),
            pot_text(locale, &totals.pool),
            true,
        )
        .field(locale.t("summary-shares", &[]), shares, false)
}

/// The summary of a race that just ended, in the lobby's colour and `locale`.
pub async fn summary_embed(
    services: &Services,
    view: &LobbyView,
    totals: &RaceTotals,
    locale: Locale,
) -> ReplyEmbed {
    let title = locale.t("summary-title", &[("name", &plain(&view.name))]);
    let code = view.code.to_string();
    let embed = ReplyEmbed::new(title)
        .description(locale.t("summary-lobby", &[("code", &code)]))
        .colour(lobby_colour(&view.code));
    with_summary(services, embed, view.id.get(), totals, locale).await
}

/// The summary of the lobby's last finished race, if it ever raced (what `/pot`
/// shows once a race is over, also when no bot token could post it).
pub async fn last_race_embed(
    services: &Services,
    view: &LobbyView,
    locale: Locale,
) -> Option<ReplyEmbed> {
    let last = store::last_finished_race(&services.db, view.id.get()).await;
    let race = match last {
        Ok(race) => race?,
        Err(error) => {
            tracing::warn!(lobby = %view.id, %error, "last race not read");
            return None;
        }
    };
    let window = RaceWindow {
        lobby_id: view.id.get(),
        opened_at: race.opened_at,
        closed_at: Some(race.closed_at),
    };
    match read::race_totals(&services.db, window).await {
        Ok(totals) => Some(summary_embed(services, view, &totals, locale).await),
        Err(error) => {
            tracing::warn!(lobby = %view.id, %error, "last race's totals not read");
            None
        }
    }
}

/// Announces races that ended by time-out in their lobby's channel, one at a time,
/// until every lobby is gone. A race ended by `/end` or the End button is not
/// announced again: its answer already shows the summary in the channel.
pub async fn announce_races(services: Arc<Services>, mut races: mpsc::Receiver<RaceOver>) {
    while let Some(race) = races.recv().await {
        if race.reason == crate::domain::end::EndReason::Timeout {
            announce(&services, &race).await;
        }
    }
}

/// Queues the summary, in the guild's locale, in the Discord outbox and sends
/// it at once (the outbox tries again later if Discord does not take it);
/// without a bot token or a channel it is logged, and `/pot` shows it.
async fn announce(services: &Services, race: &RaceOver) {
    let (view, totals) = (&race.summary.lobby, &race.summary.totals);
    let (Some(rest), Some(channel)) = (&services.rest, &view.channel_id) else {
        tracing::info!(
            lobby = %view.id,
            sales = totals.sales,
            pool = %pot_text(Locale::En, &totals.pool),
            "race timed out; no bot token or channel to post its summary (/pot shows it)"
        );
        return;
    };
    let locale = services.guild_locales.of(view.guild_id).await;
    let minutes = services.config.commission.max_window_minutes;
    let text = locale.t(
        "race-timed-out",
        &[("lobby", &lobby_title(view)), ("minutes", &minutes)],
    );
    let embed = summary_embed(services, view, totals, locale).await;
    let message = Reply::public(text).with_embed(embed).to_channel_message();
    let now = services.clock.now();
    match outbox::enqueue(&services.db, *channel, Some(view.id.get()), message, now).await {
        Ok(post) => tracing::info!(lobby = %view.id, %channel, post, "race summary queued"),
        Err(error) => {
            tracing::error!(lobby = %view.id, %channel, %error, "race summary not queued (/pot shows it)");
            return;
        }
    }
    if let Err(error) = outbox::drain(&services.db, rest, now).await {
        tracing::warn!(lobby = %view.id, %error, "Discord outbox not drained; the periodic drain will");
    }
}
