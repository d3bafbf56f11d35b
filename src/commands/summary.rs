//! A race's summary (sales, racers' pool, each racer's share under the name they
//! raced with, even if they left since) for `/end`, the End button, `/pot` after a
//! race, and the announcement of a race that timed out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, TransactionTrait};
use tokio::sync::mpsc;

use crate::discord::{outbox, Reply, ReplyEmbed};
use crate::domain::end::EndReason;
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

/// How long a timed-out race's summary stays owed to its channel: one whose
/// post was not queued when the race closed (the process stopped, or its
/// database failed, in between) is queued by a later sweep within this time,
/// never later (a day-old summary would only confuse the channel).
pub const ANNOUNCE_WITHIN: Duration = Duration::from_secs(24 * 60 * 60);

/// Announces the races that time out in the lobby's channel, for as long as the
/// server runs: at each time-out, at start-up and every [`outbox::DRAIN_EVERY`],
/// every owed summary is queued ([`announce_owed`]). A race ended by `/end` or
/// the End button is not announced: its answer already shows the summary.
pub async fn announce_races(services: Arc<Services>, mut races: mpsc::Receiver<RaceOver>) {
    let mut every = tokio::time::interval(outbox::DRAIN_EVERY);
    loop {
        tokio::select! {
            race = races.recv() => match race {
                None => return,
                Some(race) if race.reason != EndReason::Timeout => continue,
                Some(race) if services.rest.is_none() => {
                    let (lobby, totals) = (&race.summary.lobby, &race.summary.totals);
                    tracing::info!(
                        lobby = %lobby.id,
                        sales = totals.sales,
                        pool = %pot_text(Locale::En, &totals.pool),
                        "race timed out; no bot token to post its summary (/pot shows it)"
                    );
                    continue;
                }
                Some(_) => {}
            },
            _ = every.tick() => {}
        }
        if let Err(error) = announce_owed(&services).await {
            tracing::warn!(%error, "owed race summaries not read; the next sweep will");
        }
    }
}

/// Queues the summary of every race that timed out within [`ANNOUNCE_WITHIN`]
/// and is not announced yet, each in the guild's locale, in the Discord outbox,
/// then sends them; answers how many this call queued. Each is marked announced
/// in the transaction that queues it, so that two sweeps (or processes) queue it
/// once. Without a bot token nothing is queued (`/pot` shows the summary); a
/// lobby without a channel is marked announced with nothing to post.
pub async fn announce_owed(services: &Services) -> Result<usize, DbErr> {
    let Some(rest) = &services.rest else {
        return Ok(0);
    };
    let now = services.clock.now();
    let since = now - chrono::Duration::from_std(ANNOUNCE_WITHIN).unwrap_or_default();
    let mut queued = 0;
    for (row, window) in store::owed_announcements(&services.db, since).await? {
        match announce(services, &row, &window, now).await {
            Ok(true) => queued += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(lobby = row.id, window = window.id, %error, "race summary not queued; the next sweep will");
            }
        }
    }
    if queued > 0 {
        if let Err(error) = outbox::drain(&services.db, rest, now).await {
            tracing::warn!(%error, "Discord outbox not drained; the periodic drain will");
        }
    }
    Ok(queued)
}

/// Queues one timed-out race's summary; `false` when another sweep did, or when
/// its lobby has no channel (marked announced all the same).
async fn announce(
    services: &Services,
    row: &entity::lobby::Model,
    window: &entity::lobby_window::Model,
    now: DateTime<Utc>,
) -> Result<bool, OwedError> {
    let view = LobbyView::at_rest(row, Vec::new())?;
    let Some(channel) = view.channel_id else {
        tracing::info!(lobby = %view.id, "race timed out in a lobby of no channel (/pot shows it)");
        store::mark_announced(&services.db, window.id, now).await?;
        return Ok(false);
    };
    let race = RaceWindow {
        lobby_id: row.id,
        opened_at: window.opened_at,
        closed_at: window.closed_at,
    };
    let totals = read::race_totals(&services.db, race).await?;
    let locale = services.guild_locales.of(view.guild_id).await;
    let minutes = services.config.commission.max_window_minutes;
    let text = locale.t(
        "race-timed-out",
        &[("lobby", &lobby_title(&view)), ("minutes", &minutes)],
    );
    let embed = summary_embed(services, &view, &totals, locale).await;
    let message = Reply::public(text).with_embed(embed).to_channel_message();
    let tx = services.db.begin().await?;
    if !store::mark_announced(&tx, window.id, now).await? {
        return Ok(false);
    }
    let post = outbox::enqueue(&tx, channel, Some(row.id), message, now).await?;
    tx.commit().await?;
    tracing::info!(lobby = %view.id, %channel, post, "race summary queued");
    Ok(true)
}

/// Why an owed summary could not be queued this time.
#[derive(Debug, thiserror::Error)]
enum OwedError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Outbox(#[from] outbox::OutboxError),
    #[error("the stored lobby has a bad id: {0}")]
    BadId(#[from] crate::domain::ids::BadId),
}
