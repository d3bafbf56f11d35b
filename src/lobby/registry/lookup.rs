//! Finding a lobby: by id, by code, by what names either, by channel. What is
//! running answers from the index without a read; a lobby at rest is read from
//! the database and its actor started (woken), except by [`LobbyRegistry::get`]
//! and [`LobbyRegistry::find_running`], which only look.

use super::{load_seed, LobbyEntry, LobbyRegistry};
use crate::domain::ids::{ChannelId, LobbyCode, LobbyId, LobbyKey};
use crate::lobby::store;
use crate::lobby::LobbyError;

impl LobbyRegistry {
    /// A lobby by numeric id or (case-insensitive) code; one at rest is started.
    /// Text that names no lobby finds none.
    pub async fn find(&self, key: &str) -> Result<Option<LobbyEntry>, LobbyError> {
        match key.parse::<LobbyKey>() {
            Ok(LobbyKey::Id(id)) => self.wake(id).await,
            Ok(LobbyKey::Code(code)) => self.find_code(&code).await,
            Err(_) => Ok(None),
        }
    }

    /// A lobby by its code only, never by id: a sale's tag such as `#4827` must
    /// not reach lobby number 4827. One at rest is started.
    pub async fn find_code(&self, code: &LobbyCode) -> Result<Option<LobbyEntry>, LobbyError> {
        if let Some(entry) = self.running(&LobbyKey::Code(code.clone())) {
            return Ok(Some(entry));
        }
        match store::lobby_id_by_code(&self.db, code).await? {
            Some(id) => self.wake(id).await,
            None => Ok(None),
        }
    }

    /// A lobby whose actor runs here, by id or code; nothing is read or started.
    pub fn find_running(&self, key: &str) -> Option<LobbyEntry> {
        self.running(&key.parse().ok()?)
    }

    fn running(&self, key: &LobbyKey) -> Option<LobbyEntry> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let id = match key {
            LobbyKey::Id(id) => *id,
            LobbyKey::Code(code) => *index.by_code.get(code)?,
        };
        index.by_id.get(&id).cloned()
    }

    /// Whether a running lobby holds this code (a fresh code is checked by the
    /// database's unique index as well).
    pub(super) fn code_runs(&self, code: &LobbyCode) -> bool {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.by_code.contains_key(code)
    }

    /// A lobby whose actor runs now, by id (what is credited, shown or changed
    /// while it races needs no database read).
    pub fn get(&self, id: LobbyId) -> Option<LobbyEntry> {
        self.running(&LobbyKey::Id(id))
    }

    /// A lobby by id, its actor started from the database if it is at rest.
    pub async fn wake(&self, id: LobbyId) -> Result<Option<LobbyEntry>, LobbyError> {
        if let Some(entry) = self.get(id) {
            return Ok(Some(entry));
        }
        Ok(load_seed(&self.db, id).await?.map(|seed| self.spawn(seed)))
    }

    /// The lobby created most recently in a channel.
    pub async fn in_channel(&self, channel: ChannelId) -> Result<Option<LobbyEntry>, LobbyError> {
        let id = {
            let index = self.index.read().unwrap_or_else(|p| p.into_inner());
            index.by_channel.get(&channel).copied()
        };
        match id {
            Some(id) => self.wake(id).await,
            None => Ok(None),
        }
    }
}
