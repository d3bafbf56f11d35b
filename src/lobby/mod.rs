//! Lobbies: one [`LobbyActor`] per lobby owns its roster, window and live pot;
//! the [`LobbyRegistry`] creates, finds and rebuilds them; [`store`] is the one
//! reader and writer of the lobby tables. Overlay frames are encoded once per
//! event by the lobby and shared by every subscriber.

mod actor;
pub mod bus;
pub mod change;
pub mod checkout_links;
mod entry;
mod fanout;
pub mod following;
mod messages;
mod race_over;
pub mod registry;
mod roster;
mod seed;
pub mod store;
pub mod timeline;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::ids::{BadId, ChannelId, GuildId, LobbyCode, LobbyId, UserId};
use crate::ledger::read::RaceTotals;
use crate::money::Pot;

pub use crate::protocol::OverlayFrame;
pub use actor::LobbyActor;
pub use entity::sea_orm_active_enums::LobbyState;
pub use entry::{LobbyEntry, LobbyIdentity};
pub use messages::{
    Apply, CloseOverlays, Credit, End, HideLatestName, Join, Leave, Refunded, Reload,
    RetireIfQuiet, SendTestSale, SetGoal, Snapshot, Start, Subscribe, Unsubscribe, WindowTick,
};
pub use race_over::{RaceOver, RaceOverSink, RACE_OVER_QUEUE};
pub use registry::LobbyRegistry;
pub use timeline::Timeline;

/// Most recent sales kept for the overlay snapshot.
pub const RECENT_SALES_MAX: usize = 5;
/// Longest lobby name: it must fit the card's title and the overlay's header.
pub const NAME_MAX_CHARS: usize = 40;

/// Why a lobby name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a lobby name holds no control or text-direction characters")]
    Control,
    #[error("a lobby name is 1 to {NAME_MAX_CHARS} characters")]
    Length,
}

/// A lobby name as a host typed it, checked: 1 to [`NAME_MAX_CHARS`] characters
/// (surrounding blanks aside), no control characters and no bidirectional
/// overrides or isolates (which would turn the card's text around).
pub fn check_name(text: &str) -> Result<String, NameError> {
    let name = text.trim();
    let steers = |c: char| {
        c.is_control()
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if name.chars().any(steers) {
        return Err(NameError::Control);
    }
    let length = name.chars().count();
    if length == 0 || length > NAME_MAX_CHARS {
        return Err(NameError::Length);
    }
    Ok(name.to_owned())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RacerView {
    pub discord_id: UserId,
    pub display_name: String,
}

/// The public view of a lobby (`GET /api/lobbies/{lobby}`).
#[derive(Clone, Debug, Serialize)]
pub struct LobbyView {
    pub id: LobbyId,
    pub code: LobbyCode,
    pub name: String,
    pub guild_id: Option<GuildId>,
    pub state: LobbyState,
    pub racers: Vec<RacerView>,
    /// Current race's racer pool per currency.
    pub pot: Pot,
    /// Discord id of the host (not shown publicly).
    #[serde(skip)]
    pub host_id: UserId,
    #[serde(skip)]
    pub channel_id: Option<ChannelId>,
    /// When the current window opened, if one is open.
    #[serde(skip)]
    pub opened_at: Option<DateTime<Utc>>,
    /// The pot the host aims for (`/goal`), if set.
    #[serde(skip)]
    pub goal: Option<crate::money::Money>,
}

impl LobbyView {
    /// A lobby as the database has it, with no race running (no pot): what the
    /// lists show of a closed lobby whose actor does not run.
    pub fn at_rest(
        row: &entity::lobby::Model,
        roster: Vec<entity::roster_membership::Model>,
    ) -> Result<Self, BadId> {
        let identity = LobbyIdentity::of_row(row)?;
        let racers = roster
            .into_iter()
            .map(|m| {
                Ok(RacerView {
                    discord_id: m.discord_id.parse()?,
                    display_name: m.display_name,
                })
            })
            .collect::<Result<_, BadId>>()?;
        Ok(LobbyView {
            id: identity.id,
            code: identity.code,
            name: row.name.clone(),
            guild_id: identity.guild_id,
            state: row.state,
            racers,
            pot: Pot::new(),
            host_id: identity.host_id,
            channel_id: identity.channel_id,
            opened_at: None,
            goal: None,
        })
    }
}

/// What `/end` reports: the lobby after the race, and the race's sales, pool and
/// each racer's share.
#[derive(Clone, Debug)]
pub struct RaceSummary {
    pub lobby: LobbyView,
    pub totals: RaceTotals,
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
    #[error("this server already has {0} lobbies that are not closed; end a race first")]
    GuildFull(usize),
    #[error("this server created {0} lobbies within the last hour; try again later")]
    TooManyThisHour(usize),
    #[error("database error: {0}")]
    Database(String),
    /// The drawn code was taken meanwhile (its unique index); the registry draws again.
    #[error("that lobby code is taken")]
    CodeTaken,
    #[error("this race has no sale with a buyer name to hide")]
    NoNameToHide,
}

impl From<sea_orm::DbErr> for LobbyError {
    fn from(error: sea_orm::DbErr) -> Self {
        LobbyError::Database(error.to_string())
    }
}

/// A stored row holding text that is no id: the database is not as we wrote it.
impl From<BadId> for LobbyError {
    fn from(error: BadId) -> Self {
        LobbyError::Database(format!("stored {error}"))
    }
}
