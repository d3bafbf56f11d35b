//! Lobbies: one [`LobbyActor`] per lobby owns its roster, window and live pot;
//! the [`LobbyRegistry`] creates, finds and rebuilds them. Overlay frames are
//! encoded once per event here and shared by every subscriber.

mod actor;
pub mod registry;

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

pub use actor::{
    CloseOverlays, Credit, End, Join, Leave, LobbyActor, OverlayFrame, Refunded, Snapshot, Start,
    Subscribe, Unsubscribe, WindowTick,
};
pub use registry::LobbyRegistry;

/// Characters of lobby codes: no 0/O, 1/I/L, so a viewer can read one off a stream.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LENGTH: usize = 4;
/// Most recent sales kept for the overlay snapshot.
pub const RECENT_SALES_MAX: usize = 5;
/// Longest lobby name kept.
pub const NAME_MAX_CHARS: usize = 64;

/// Times stored for windows and rosters are cut to milliseconds, so that every
/// engine stores and compares them the same way.
pub fn stored_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(3)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowState {
    Idle,
    Open,
    Closed,
}

impl WindowState {
    pub fn as_str(self) -> &'static str {
        match self {
            WindowState::Idle => "idle",
            WindowState::Open => "open",
            WindowState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> WindowState {
        match text {
            "open" => WindowState::Open,
            "closed" => WindowState::Closed,
            _ => WindowState::Idle,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RacerView {
    pub discord_id: String,
    pub display_name: String,
}

/// The public view of a lobby (`GET /api/lobbies/{lobby}`).
#[derive(Clone, Debug, Serialize)]
pub struct LobbyView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub guild_id: Option<String>,
    pub state: WindowState,
    pub racers: Vec<RacerView>,
    /// Current race's racer pool per currency, as decimal strings.
    pub pot: BTreeMap<String, String>,
    /// Discord id of the host (not shown publicly).
    #[serde(skip)]
    pub host_id: String,
    #[serde(skip)]
    pub channel_id: Option<String>,
    /// When the current window opened, if one is open.
    #[serde(skip)]
    pub opened_at: Option<DateTime<Utc>>,
}

/// What `/end` reports: the race's sales, pool and each racer's share.
#[derive(Clone, Debug)]
pub struct RaceSummary {
    pub lobby: LobbyView,
    pub sales: u32,
    pub pool: BTreeMap<String, String>,
    pub shares: Vec<(String, BTreeMap<String, String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LobbyError {
    #[error("the lobby is full ({0} racers)")]
    Full(usize),
    #[error("you are already on this lobby's roster")]
    AlreadyJoined,
    #[error("you are not on this lobby's roster")]
    NotJoined,
    #[error("the race is already running")]
    AlreadyOpen,
    #[error("no race is running in this lobby")]
    NotOpen,
    #[error("database error: {0}")]
    Database(String),
}

impl From<sea_orm::DbErr> for LobbyError {
    fn from(error: sea_orm::DbErr) -> Self {
        LobbyError::Database(error.to_string())
    }
}
