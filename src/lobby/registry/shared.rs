//! The registry's side of several processes sharing one PostgreSQL database:
//! changes published by any process reach the lobby's actor here (a lobby
//! another process created is read and started), everything is read again after
//! the listening connection was lost, and the lobby here applies at once the
//! events of money a ledger batch of this process numbered and published.

use chrono::{DateTime, Utc};

use super::{load_seed, LobbyRegistry};
use crate::domain::ids::LobbyId;
use crate::ledger::{LobbyDelta, RaceCredit};
use crate::lobby::change::{LobbyChange, Notice};
use crate::lobby::messages::{Apply, Credit, Refunded, Reload};
use crate::lobby::store;
use crate::lobby::timeline::OpenDuring;
use crate::lobby::{LobbyError, Timeline};

impl LobbyRegistry {
    /// A change published by any process: to the lobby's actor, which applies it
    /// in seq order; a lobby not known here (created by another process) is read
    /// from the database and started.
    pub async fn receive(&self, notice: Notice) {
        let Ok(lobby_id) = LobbyId::try_from(notice.lobby) else {
            tracing::warn!(lobby = notice.lobby, "notice for no lobby id; ignored");
            return;
        };
        if let Some(entry) = self.get(lobby_id) {
            if notice.change != LobbyChange::Created {
                entry.addr.do_send(Apply {
                    seq: notice.seq,
                    change: notice.change,
                });
            }
            return;
        }
        self.learn(lobby_id).await;
    }

    /// Reads a lobby that does not run here (another process created it, or it
    /// was at rest here while another process changed it) and starts its actor,
    /// with its window and roster history read again for attribution: the change
    /// that named it is already in what was read, so no actor here applied it.
    async fn learn(&self, lobby_id: LobbyId) {
        let since = self.timeline.horizon(self.clock.now());
        let read = async {
            let history = store::history_since(&self.db, since, Some(lobby_id.get())).await?;
            let seed = load_seed(&self.db, lobby_id).await?;
            Ok::<_, LobbyError>(seed.map(|seed| (seed, history)))
        };
        match read.await {
            Ok(Some((seed, history))) => {
                self.spawn_with_history(seed, Some(history));
            }
            Ok(None) => tracing::warn!(lobby = %lobby_id, "notice for a lobby that is gone"),
            Err(error) => tracing::warn!(lobby = %lobby_id, %error, "could not read a lobby"),
        }
    }

    /// After the listening connection was lost (and this process subscribed
    /// again): the attribution history of every lobby is read again and merged
    /// into memory before this returns (what other processes changed meanwhile;
    /// rows only ever gain an end, so a merge cannot undo a change made here
    /// since), every running lobby is read again, and those not closed that do
    /// not run here (created or reopened meanwhile) are started.
    pub async fn reload_all(&self) {
        metrics::counter!("cozykart_lobby_reloads_total").increment(1);
        let since = self.timeline.horizon(self.clock.now());
        match store::history_since(&self.db, since, None).await {
            Ok((windows, stints)) => self.timeline.load(windows, stints),
            Err(error) => tracing::warn!(%error, "could not read the lobbies' history again"),
        }
        for entry in self.all() {
            entry.addr.do_send(Reload);
        }
        match store::lobby_ids_not_closed(&self.db).await {
            Ok(ids) => {
                for id in ids {
                    if self.get(id).is_none() {
                        self.learn(id).await;
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "could not list lobbies to reload"),
        }
    }

    /// The windows open during the second of `sold_at`, with their racers then
    /// (see [`Timeline::open_during_second`]), for attributing a sale. From memory,
    /// unless this process is deaf to the others: while its listening connection
    /// is down, a race another process started or a racer who joined there is
    /// missing from memory until the reload that follows the reconnection, so the
    /// history is read from the database instead (slower, and right).
    pub async fn open_during_second(
        &self,
        sold_at: DateTime<Utc>,
        only: Option<LobbyId>,
    ) -> Result<Vec<OpenDuring>, LobbyError> {
        if self.channel.listening() != Some(false) {
            return Ok(self.timeline.open_during_second(sold_at, only));
        }
        metrics::counter!("cozykart_attributions_read_from_database_total").increment(1);
        let since = sold_at - chrono::Duration::seconds(1);
        let (windows, stints) =
            store::history_since(&self.db, since, only.map(LobbyId::get)).await?;
        let read = Timeline::new(self.config.commission.max_delay_minutes);
        read.load(windows, stints);
        Ok(read.open_during_second(sold_at, only))
    }

    /// After a sale committed: tells the lobby, if it runs here, what its race
    /// earned. On a single process the lobby decides whether its race counts the
    /// sale. With several, the ledger's batch published the credit (numbered only
    /// if the lobby's latest race counts it) to every process, this one included;
    /// the lobby here applies it at once under the seq drawn (its own notice,
    /// arriving later, is skipped).
    pub fn credit_recorded(&self, credit: RaceCredit) {
        let Some(entry) = self.get(credit.lobby_id) else {
            return;
        };
        if !self.channel.is_shared() {
            entry.addr.do_send(Credit::from(credit));
        } else if let Some(seq) = credit.seq {
            let change = LobbyChange::sale(&credit);
            entry.addr.do_send(Apply { seq, change });
        }
    }

    /// After a refund or a re-attribution committed: tells the lobby, if it runs
    /// here, what its race lost, as [`Self::credit_recorded`] does a sale's
    /// credit.
    pub fn clawed_back(&self, delta: &LobbyDelta) {
        let Some(entry) = self.get(delta.lobby_id) else {
            return;
        };
        if !self.channel.is_shared() {
            entry.addr.do_send(Refunded {
                pool_delta: delta.amount,
                sold_at: delta.sold_at,
            });
        } else if let Some(seq) = delta.seq {
            let change = LobbyChange::clawback(delta);
            entry.addr.do_send(Apply { seq, change });
        }
    }
}
