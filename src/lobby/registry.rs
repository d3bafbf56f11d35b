//! LobbyRegistry: creates lobbies (unique public codes), finds them by id, code
//! or channel, and rebuilds every LobbyActor from the database at start-up,
//! including those whose window was open. All lobby actors run on one arbiter.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use entity::{lobby, lobby_window, roster_membership};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection,
    DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use super::actor::{race_totals, recent_sales, LobbySeed};
use super::{
    stored_time, LobbyActor, LobbyError, WindowState, CODE_ALPHABET, CODE_LENGTH, NAME_MAX_CHARS,
};
use crate::clock::Clock;
use crate::config::Config;

/// Attempts at drawing an unused code before giving up.
const CODE_ATTEMPTS: usize = 32;

#[derive(Clone)]
pub struct LobbyEntry {
    pub id: i64,
    pub code: String,
    pub guild_id: Option<String>,
    pub addr: Addr<LobbyActor>,
}

#[derive(Default)]
struct Index {
    by_id: HashMap<i64, LobbyEntry>,
    by_code: HashMap<String, i64>,
    /// Latest lobby created in each channel.
    by_channel: HashMap<String, i64>,
}

pub struct LobbyRegistry {
    index: RwLock<Index>,
    db: DatabaseConnection,
    clock: Clock,
    config: Arc<Config>,
    /// Where every LobbyActor runs, independent of HTTP workers.
    arbiter: ArbiterHandle,
    /// Keeps the arbiter's thread alive as long as the registry.
    _arbiter: Arbiter,
}

impl LobbyRegistry {
    /// Rebuilds every lobby from the database.
    pub async fn load(
        db: DatabaseConnection,
        clock: Clock,
        config: Arc<Config>,
    ) -> Result<Arc<Self>, LobbyError> {
        let arbiter = Arbiter::new();
        let registry = Arc::new(LobbyRegistry {
            index: RwLock::new(Index::default()),
            db: db.clone(),
            clock,
            config,
            arbiter: arbiter.handle(),
            _arbiter: arbiter,
        });
        let rows = lobby::Entity::find()
            .order_by_asc(lobby::Column::Id)
            .all(&db)
            .await?;
        for row in rows {
            let window = lobby_window::Entity::find()
                .filter(lobby_window::Column::LobbyId.eq(row.id))
                .filter(lobby_window::Column::ClosedAt.is_null())
                .order_by_desc(lobby_window::Column::Id)
                .one(&db)
                .await?
                .map(|w| (w.id, w.opened_at));
            let roster = roster_membership::Entity::find()
                .filter(roster_membership::Column::LobbyId.eq(row.id))
                .filter(roster_membership::Column::LeftAt.is_null())
                .order_by_asc(roster_membership::Column::Id)
                .all(&db)
                .await?;
            let (pot, recent) = match window {
                Some((_, opened_at)) => (
                    race_totals(&db, row.id, opened_at, None).await?.pool,
                    recent_sales(&db, row.id, opened_at).await?,
                ),
                None => (BTreeMap::new(), Default::default()),
            };
            if window.is_some() {
                metrics::gauge!("cozykart_open_lobbies").increment(1.0);
            }
            registry.spawn(LobbySeed {
                row,
                window,
                roster,
                pot,
                recent,
            });
        }
        Ok(registry)
    }

    /// The checkout link of a lobby: the first matching shop's URL plus the code.
    pub fn checkout_url(&self, guild_id: Option<&str>, code: &str) -> Option<String> {
        self.config
            .shops
            .values()
            .filter(|shop| shop.guild_id.is_none() || shop.guild_id.as_deref() == guild_id)
            .find_map(|shop| shop.checkout_url.as_ref())
            .map(|url| format!("{url}{code}"))
    }

    fn spawn(&self, seed: LobbySeed) -> LobbyEntry {
        let row = seed.row.clone();
        let checkout = self.checkout_url(row.guild_id.as_deref(), &row.code);
        let (db, clock) = (self.db.clone(), self.clock.clone());
        let commission = &self.config.commission;
        let (max_racers, max_window) = (commission.max_racers, commission.max_window_minutes);
        let addr = LobbyActor::start_in_arbiter(&self.arbiter, move |_| {
            LobbyActor::new(seed, db, clock, max_racers, max_window, checkout)
        });
        let entry = LobbyEntry {
            id: row.id,
            code: row.code.clone(),
            guild_id: row.guild_id.clone(),
            addr,
        };
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        index.by_code.insert(row.code.clone(), row.id);
        if let Some(channel) = &row.channel_id {
            index.by_channel.insert(channel.clone(), row.id);
        }
        index.by_id.insert(row.id, entry.clone());
        entry
    }

    /// Creates a lobby with a fresh unique code and starts its actor.
    pub async fn create(
        &self,
        guild_id: Option<String>,
        channel_id: Option<String>,
        host_id: &str,
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
        let mut last_error = None;
        for _ in 0..CODE_ATTEMPTS {
            let code = random_code();
            if self.find(&code).is_some() {
                continue;
            }
            let inserted = lobby::ActiveModel {
                id: NotSet,
                code: Set(code),
                name: Set(name.clone()),
                guild_id: Set(guild_id.clone()),
                channel_id: Set(channel_id.clone()),
                host_id: Set(host_id.to_owned()),
                state: Set(WindowState::Idle.as_str().to_owned()),
                created_at: Set(stored_time(at)),
            }
            .insert(&self.db)
            .await;
            match inserted {
                Ok(row) => {
                    let seed = LobbySeed {
                        row,
                        window: None,
                        roster: Vec::new(),
                        pot: BTreeMap::new(),
                        recent: Default::default(),
                    };
                    return Ok(self.spawn(seed));
                }
                // Another instance took the code at the same time: draw again.
                Err(error @ DbErr::Query(_)) | Err(error @ DbErr::Exec(_)) => {
                    last_error = Some(error)
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(last_error.map_or_else(
            || LobbyError::Database("no free lobby code".into()),
            Into::into,
        ))
    }

    /// A lobby by numeric id or (case-insensitive) code.
    pub fn find(&self, key: &str) -> Option<LobbyEntry> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let key = key.trim().trim_start_matches('#');
        if let Ok(id) = key.parse::<i64>() {
            if let Some(entry) = index.by_id.get(&id) {
                return Some(entry.clone());
            }
        }
        let id = index.by_code.get(&key.to_ascii_uppercase())?;
        index.by_id.get(id).cloned()
    }

    pub fn get(&self, id: i64) -> Option<LobbyEntry> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.by_id.get(&id).cloned()
    }

    /// The lobby created most recently in a channel.
    pub fn in_channel(&self, channel_id: &str) -> Option<LobbyEntry> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let id = index.by_channel.get(channel_id)?;
        index.by_id.get(id).cloned()
    }

    /// Closes every overlay socket, so that a graceful stop need not wait for them.
    pub async fn close_overlays(&self) {
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

fn random_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}
