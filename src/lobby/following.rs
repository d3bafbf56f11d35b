//! Which lobby a host or a channel runs now, for overlays that follow one
//! (`/overlay/host/{id}`, `/overlay/channel/{id}`): a lobby becomes its host's and
//! its channel's current lobby when it is created or its race starts, and every
//! overlay following either is told at once, so that one browser source serves
//! every race. Shared by the registry, the lobby actors and the overlay sessions.

use std::collections::HashMap;
use std::sync::Mutex;

use actix::prelude::*;

use super::entry::LobbyEntry;
use crate::domain::ids::{ChannelId, LobbyId, UserId};

/// Most overlays one host or channel may have following it.
pub const FOLLOWERS_MAX_PER_KEY: usize = 256;

/// What an overlay follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FollowKey {
    Host(UserId),
    Channel(ChannelId),
}

impl FollowKey {
    /// A key from a URL's two segments (`host`, a user id; `channel`, a channel id).
    pub fn parse(kind: &str, id: &str) -> Option<FollowKey> {
        match kind {
            "host" => id.parse().ok().map(FollowKey::Host),
            "channel" => id.parse().ok().map(FollowKey::Channel),
            _ => None,
        }
    }
}

/// Told to a following overlay.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub enum FollowNews {
    /// Its host's or channel's lobby is now this one.
    Moved(LobbyEntry),
    /// The server is going away: close the socket (the page reconnects).
    Close,
}

#[derive(Default)]
struct State {
    /// The lobby each host and channel runs now.
    current: HashMap<FollowKey, LobbyEntry>,
    /// Overlay sessions by what they follow, then by session id.
    followers: HashMap<FollowKey, HashMap<u64, Recipient<FollowNews>>>,
}

/// The current lobby per host and channel, and who follows them.
#[derive(Default)]
pub struct Following {
    state: Mutex<State>,
}

/// Why an overlay could not follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{FOLLOWERS_MAX_PER_KEY} overlays already follow this host or channel")]
pub struct TooManyFollowers;

impl Following {
    /// `entry` is now the lobby of its host (and channel, if it has one); their
    /// followers move to it.
    pub fn moved(&self, entry: &LobbyEntry) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let keys = [
            Some(FollowKey::Host(entry.host_id)),
            entry.channel_id.map(FollowKey::Channel),
        ];
        for key in keys.into_iter().flatten() {
            let changed = state.current.get(&key).map(|e| e.id) != Some(entry.id);
            state.current.insert(key, entry.clone());
            if !changed {
                continue;
            }
            if let Some(followers) = state.followers.get_mut(&key) {
                followers.retain(|_, recipient| {
                    recipient.try_send(FollowNews::Moved(entry.clone())).is_ok()
                });
            }
        }
    }

    /// A lobby whose actor stopped (closed, at rest) is no host's or channel's
    /// lobby now: their overlays wait for the next one.
    pub fn forget(&self, lobby_id: LobbyId) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.current.retain(|_, entry| entry.id != lobby_id);
    }

    /// The lobby `key` runs now, if any.
    pub fn current(&self, key: &FollowKey) -> Option<LobbyEntry> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.current.get(key).cloned()
    }

    /// Starts following `key`; answers its lobby now, if it has one.
    pub fn follow(
        &self,
        key: &FollowKey,
        session_id: u64,
        recipient: Recipient<FollowNews>,
    ) -> Result<Option<LobbyEntry>, TooManyFollowers> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let followers = state.followers.entry(*key).or_default();
        if followers.len() >= FOLLOWERS_MAX_PER_KEY {
            return Err(TooManyFollowers);
        }
        followers.insert(session_id, recipient);
        Ok(state.current.get(key).cloned())
    }

    /// Tells every following overlay to close, and forgets them (graceful stop).
    pub fn close_all(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for (_, followers) in state.followers.drain() {
            for (_, recipient) in followers {
                let _ = recipient.try_send(FollowNews::Close);
            }
        }
    }

    pub fn unfollow(&self, key: &FollowKey, session_id: u64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(followers) = state.followers.get_mut(key) {
            followers.remove(&session_id);
            if followers.is_empty() {
                state.followers.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_snowflakes() {
        assert_eq!(
            FollowKey::parse("host", "1100000000000000041"),
            Some(FollowKey::Host("1100000000000000041".parse().unwrap()))
        );
        assert_eq!(
            FollowKey::parse("channel", "42"),
            Some(FollowKey::Channel("42".parse().unwrap()))
        );
        for (kind, id) in [
            ("host", ""),
            ("host", "12a"),
            ("guild", "1"),
            ("channel", "123456789012345678901"),
            ("channel", "0"),
        ] {
            assert_eq!(FollowKey::parse(kind, id), None, "{kind} {id}");
        }
    }
}
