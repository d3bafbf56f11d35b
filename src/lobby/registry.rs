//! LobbyRegistry: creates lobbies (unique public codes), finds them by id, code
//! or channel, and rebuilds every lobby that is not closed from the database at
//! start-up, including those whose window was open. A closed lobby's actor stops
//! after [`RETIRE_AFTER`] at rest, and is started again from the database when
//! something names it, so memory holds the lobbies in use, not every lobby ever. With several processes on one
//! PostgreSQL database it also takes every published change ([`super::bus`]) to
//! the lobby's actor, starting one for a lobby another process created. All
//! lobby actors run on one arbiter.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::DatabaseConnection;

mod lookup;
mod shared;

pub use super::entry::LobbyEntry;
use super::seed::{load_seed, seed};

use super::actor::LobbySettings;
use super::bus::Channel;
use super::checkout_links::CheckoutLinks;
use super::following::Following;
use super::seed::LobbySeed;
use super::store::{self, NewLobby, StoredLobby};
use super::timeline::Timeline;
use super::{LobbyActor, LobbyError, RaceOverSink, NAME_MAX_CHARS};
use crate::buyer_names::BuyerNames;
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::ids::{ChannelId, GuildId, LobbyCode, LobbyId, UserId};

/// Attempts at drawing an unused code before giving up.
const CODE_ATTEMPTS: usize = 32;
/// A lobby's window and roster history as read from the database.
type History = (
    Vec<entity::lobby_window::Model>,
    Vec<entity::roster_membership::Model>,
);

/// How long a closed lobby with no overlay and no change keeps its actor.
pub const RETIRE_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// How often closed lobbies are checked for retirement.
pub const RETIRE_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Default)]
struct Index {
    by_id: HashMap<LobbyId, LobbyEntry>,
    by_code: HashMap<LobbyCode, LobbyId>,
    /// Latest lobby created in each channel, running or not (one id per channel).
    by_channel: HashMap<ChannelId, LobbyId>,
}

pub struct LobbyRegistry {
    index: RwLock<Index>,
    /// Window and roster history for attribution, fed by the lobby actors.
    timeline: Arc<Timeline>,
    db: DatabaseConnection,
    clock: Clock,
    config: Arc<Config>,
    /// The lobby each host and channel runs now; moved by creation and `/start`.
    following: Arc<Following>,
    /// Where lobby changes are published; shared with every lobby actor.
    channel: Channel,
    /// Held while a lobby is created, so that a guild's cap is checked and used
    /// by one creation at a time.
    creating: tokio::sync::Mutex<()>,
    /// Handed to every lobby: where it reports a race that ended.
    race_over: RaceOverSink,
    /// Buyer names as overlays show them; shared with every lobby actor.
    names: Arc<BuyerNames>,
    /// Where every LobbyActor runs, independent of HTTP workers.
    arbiter: ArbiterHandle,
    /// Keeps the arbiter's thread alive as long as the registry.
    /// Stops the lobbies' thread when the registry goes.
    _arbiter: crate::ledger::ArbiterGuard,
}

impl LobbyRegistry {
    /// Rebuilds every lobby from the database; each reports its ended races to
    /// `race_over`. With a shared `channel`, the caller subscribes to it first,
    /// so that no change committed meanwhile is missed.
    pub async fn load(
        db: DatabaseConnection,
        clock: Clock,
        config: Arc<Config>,
        race_over: RaceOverSink,
        channel: Channel,
    ) -> Result<Arc<Self>, LobbyError> {
        let arbiter = Arbiter::new();
        let timeline = Arc::new(Timeline::new(config.commission.max_delay_minutes));
        let (windows, stints) =
            store::history_since(&db, timeline.horizon(clock.now()), None).await?;
        timeline.load(windows, stints);
        let names = Arc::new(BuyerNames::load(config.overlay.names.clone(), &db).await?);
        let registry = Arc::new(LobbyRegistry {
            index: RwLock::new(Index::default()),
            timeline,
            db: db.clone(),
            clock,
            config,
            following: Arc::new(Following::default()),
            channel,
            creating: tokio::sync::Mutex::new(()),
            race_over,
            names,
            arbiter: arbiter.handle(),
            _arbiter: crate::ledger::ArbiterGuard(arbiter),
        });
        let newest = store::newest_per_channel(&db).await?;
        registry
            .index
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .by_channel = newest.into_iter().collect();
        let mut racing = Vec::new();
        for stored in store::load_not_closed(&db).await? {
            let opened_at = stored.window.map(|w| w.opened_at);
            let seed = seed(&db, stored).await?;
            let entry = registry.spawn(seed);
            // By id: each host's and channel's newest lobby, then the latest race.
            registry.following.moved(&entry);
            if let Some(opened_at) = opened_at {
                racing.push((opened_at, entry));
            }
        }
        racing.sort_by_key(|(opened_at, entry)| (*opened_at, entry.id));
        for (_, entry) in &racing {
            registry.following.moved(entry);
        }
        actix_web::rt::spawn(retire_forever(Arc::downgrade(&registry)));
        Ok(registry)
    }

    /// Stops the actors of closed lobbies at rest for [`RETIRE_AFTER`]; answers
    /// how many stopped. Runs every [`RETIRE_CHECK_EVERY`].
    pub async fn retire_quiet(&self) -> usize {
        let now = self.clock.now();
        let quiet = chrono::Duration::from_std(RETIRE_AFTER).unwrap_or_default();
        let mut retired = 0;
        for entry in self.all() {
            let asked = entry.addr.send(super::RetireIfQuiet { now, quiet }).await;
            if matches!(asked, Ok(true) | Err(_)) {
                self.forget(&entry);
                retired += 1;
            }
        }
        retired
    }

    /// Forgets a lobby whose actor stopped (if the index still holds that actor).
    fn forget(&self, entry: &LobbyEntry) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        if index
            .by_id
            .get(&entry.id)
            .is_some_and(|e| e.addr == entry.addr)
        {
            index.by_id.remove(&entry.id);
            index.by_code.remove(&entry.code);
        }
        drop(index);
        self.following.forget(entry.id);
    }

    /// How many lobby actors run now.
    pub fn running_count(&self) -> usize {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.by_id.len()
    }

    /// The lobby each host and channel runs now, and the overlays following them.
    pub fn following(&self) -> &Arc<Following> {
        &self.following
    }

    /// The buyer-name rules in force (the `/overlay` commands change a guild's).
    pub fn buyer_names(&self) -> &Arc<BuyerNames> {
        &self.names
    }

    /// The bus lobby changes are published on.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// Starts a lobby's actor, unless it runs already (a lobby this process
    /// created and learned from its own notice at the same time).
    fn spawn(&self, seed: LobbySeed) -> LobbyEntry {
        self.spawn_with_history(seed, None)
    }

    /// [`Self::spawn`], and, when this starts the actor (none ran), the lobby's
    /// window and roster history read with the seed goes to the timeline first: no
    /// actor here applied those changes. If an actor runs already, it fed the
    /// timeline itself, and a history read earlier must not replace what it added.
    fn spawn_with_history(&self, seed: LobbySeed, history: Option<History>) -> LobbyEntry {
        let lobby = seed.identity.clone();
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = index.by_id.get(&lobby.id) {
            return entry.clone();
        }
        if let Some((windows, stints)) = history {
            self.timeline.reload_lobby(lobby.id, windows, stints, &[]);
        }
        if seed.stored.window.is_some() {
            metrics::gauge!("cozykart_open_lobbies").increment(1.0);
        }
        let links = CheckoutLinks::new(&self.config.shops);
        let settings = LobbySettings {
            max_racers: self.config.commission.max_racers,
            max_window_minutes: self.config.commission.max_window_minutes,
            checkout_url: links.checkout_url(lobby.guild_id, &lobby.code),
            timeline: self.timeline.clone(),
            race_over: self.race_over.clone(),
            kofi: links.takes_kofi(lobby.guild_id),
            following: self.following.clone(),
            channel: self.channel.clone(),
            names: self.names.clone(),
        };
        let (db, clock) = (self.db.clone(), self.clock.clone());
        let addr = LobbyActor::start_in_arbiter(&self.arbiter, move |_| {
            LobbyActor::new(seed, db, clock, settings)
        });
        let entry = LobbyEntry::new(&lobby, addr);
        index.by_code.insert(lobby.code.clone(), lobby.id);
        if let Some(channel) = lobby.channel_id {
            // A lobby woken by its code may be older than the channel's newest.
            let newest = index.by_channel.entry(channel).or_insert(lobby.id);
            *newest = (*newest).max(lobby.id);
        }
        index.by_id.insert(lobby.id, entry.clone());
        entry
    }

    /// Creates a lobby with a fresh unique code and starts its actor.
    pub async fn create(
        &self,
        guild_id: Option<GuildId>,
        channel_id: Option<ChannelId>,
        host_id: UserId,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<LobbyEntry, LobbyError> {
        let name: String = crate::sale::clean_text(name)
            .chars()
            .take(NAME_MAX_CHARS)
            .collect();
        let name = if name.is_empty() {
            "Kart Lobby".to_owned()
        } else {
            name
        };
        let _one_at_a_time = self.creating.lock().await;
        let caps = store::GuildCaps {
            not_closed: self.config.discord.max_lobbies_per_guild,
            per_hour: self.config.discord.max_lobbies_per_hour,
        };
        for _ in 0..CODE_ATTEMPTS {
            let code = random_code();
            if self.code_runs(&code) {
                continue;
            }
            let new = NewLobby {
                code: &code,
                name: &name,
                guild_id,
                channel_id,
                host_id,
                at,
            };
            match store::create_lobby(&self.db, &self.channel, new, caps).await {
                Ok(row) => {
                    let stored = StoredLobby {
                        row,
                        window: None,
                        roster: Vec::new(),
                    };
                    let entry = self.spawn(LobbySeed::at_rest(stored)?);
                    self.following.moved(&entry);
                    return Ok(entry);
                }
                // Another instance took the code at the same time: draw again.
                Err(LobbyError::CodeTaken) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(LobbyError::Database("no free lobby code".into()))
    }

    /// Closes every overlay socket, so that a graceful stop need not wait for them.
    pub async fn close_overlays(&self) {
        self.following.close_all();
        let lobbies = self.all();
        futures_util::future::join_all(lobbies.iter().map(|l| l.addr.send(super::CloseOverlays)))
            .await;
    }

    /// Every lobby, by id.
    pub fn all(&self) -> Vec<LobbyEntry> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let mut entries: Vec<_> = index.by_id.values().cloned().collect();
        entries.sort_by_key(|e| e.id);
        entries
    }
}

/// Stops closed lobbies at rest, every [`RETIRE_CHECK_EVERY`], for as long as the
/// registry lives.
async fn retire_forever(registry: std::sync::Weak<LobbyRegistry>) {
    crate::clock::every(RETIRE_CHECK_EVERY, || async {
        let Some(registry) = registry.upgrade() else {
            return false;
        };
        let retired = registry.retire_quiet().await;
        if retired > 0 {
            tracing::debug!(retired, "closed lobbies at rest stopped");
        }
        true
    })
    .await
}

/// A fresh code, drawn at random.
fn random_code() -> LobbyCode {
    let mut rng = rand::thread_rng();
    LobbyCode::generate(|len| rng.gen_range(0..len))
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_codes_are_codes_and_never_ids() {
        // 8 of the 31 characters are digits: about 1 draw in 240 is digits only.
        for _ in 0..20_000 {
            let code = super::random_code();
            assert!(code.as_str().parse::<i64>().is_err(), "{code}");
            assert_eq!(
                code.as_str().parse::<super::LobbyCode>().as_ref(),
                Ok(&code)
            );
        }
    }
}
