//! What a lobby actor is started from: the lobby as persisted, with the pot,
//! shares and last sales of its running race (or, closed, of its last race),
//! read in one snapshot so that its seq, rows and totals agree.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::roster::Racer;
use super::store::{self, StoredLobby};
use super::{LobbyError, LobbyIdentity, LobbyState, RECENT_SALES_MAX};
use crate::domain::ids::{LobbyId, UserId};
use crate::domain::race::Span;
use crate::ledger::read::{self, LobbySale, RaceWindow};
use crate::money::Pot;

/// What a lobby is rebuilt from: its rows, and the pot and last sales of its
/// running race (or, closed, of its last race) from the ledger.
pub struct LobbySeed {
    /// The lobby's ids, parsed from its row.
    pub identity: LobbyIdentity,
    pub stored: StoredLobby,
    /// The roster now, its ids parsed.
    pub(super) roster: Vec<Racer>,
    pub pot: Pot,
    /// Newest first.
    pub recent: Vec<LobbySale>,
    /// Each racer's share of the race.
    pub shares: BTreeMap<UserId, Pot>,
    /// The last race, when it is over and the pot is its own: a sale it still
    /// counts (paid in the second of `/end`, delivered after it) is added.
    pub finished: Option<Span>,
}

impl LobbySeed {
    /// A lobby with no race running: an empty pot and no sales to show. A row
    /// holding text that is no id is refused.
    pub fn at_rest(stored: StoredLobby) -> Result<Self, LobbyError> {
        Ok(LobbySeed {
            identity: LobbyIdentity::of_row(&stored.row)?,
            roster: stored
                .roster
                .iter()
                .cloned()
                .map(Racer::try_from)
                .collect::<Result<_, _>>()?,
            stored,
            pot: Pot::new(),
            recent: Vec::new(),
            shares: BTreeMap::new(),
            finished: None,
        })
    }
}

/// A persisted lobby with the pot and last sales of its running race, or, when
/// it is closed, of its last race (what its overlay showed before the restart).
pub async fn seed(db: &impl ConnectionTrait, stored: StoredLobby) -> Result<LobbySeed, LobbyError> {
    let (race, finished) = match stored.window {
        Some(window) => (
            RaceWindow {
                lobby_id: stored.row.id,
                opened_at: window.opened_at,
                closed_at: None,
            },
            None,
        ),
        None if stored.row.state == LobbyState::Closed => {
            let Some(last) = store::last_finished_race(db, stored.row.id).await? else {
                return LobbySeed::at_rest(stored);
            };
            let span = crate::domain::race::Span {
                from: last.opened_at,
                to: Some(last.closed_at),
            };
            let race = RaceWindow {
                lobby_id: stored.row.id,
                opened_at: last.opened_at,
                closed_at: Some(last.closed_at),
            };
            (race, Some(span))
        }
        None => return LobbySeed::at_rest(stored),
    };
    let totals = read::race_totals(db, race).await?;
    let mut recent = read::recent_sales(db, race, RECENT_SALES_MAX as u64).await?;
    let hidden = store::hidden_names(db, stored.row.id).await?;
    for sale in recent.iter_mut().filter(|s| hidden.contains(&s.sale_id)) {
        sale.buyer = None;
    }
    Ok(LobbySeed {
        pot: totals.pool,
        recent,
        shares: totals.shares,
        finished,
        ..LobbySeed::at_rest(stored)?
    })
}

/// One lobby as the database has it now, read in one snapshot (PostgreSQL:
/// repeatable read), so that its seq, rows and race totals agree.
pub async fn load_seed(
    db: &DatabaseConnection,
    lobby_id: LobbyId,
) -> Result<Option<LobbySeed>, LobbyError> {
    let isolation = (db.get_database_backend() == sea_orm::DbBackend::Postgres)
        .then_some(sea_orm::IsolationLevel::RepeatableRead);
    let tx = db.begin_with_config(isolation, None).await?;
    let loaded = match store::load_one(&tx, lobby_id.get()).await? {
        Some(stored) => Some(seed(&tx, stored).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(loaded)
}
