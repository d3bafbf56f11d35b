//! The registry's side of several processes sharing one PostgreSQL database:
//! changes published by any process reach the lobby's actor here (a lobby
//! another process created is read and started), everything is read again after
//! the listening connection was lost or when a process starts, and a committed
//! sale's or refund's event is numbered and published for every process.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;

use super::{load_seed, LobbyEntry, LobbyRegistry};
use crate::domain::ids::LobbyId;
use crate::ledger::RaceCredit;
use crate::lobby::bus::{Channel, NoticeSink};
use crate::lobby::change::{LobbyChange, Notice};
use crate::lobby::messages::{Apply, Credit, Refunded, Reload};
use crate::lobby::store;
use crate::lobby::timeline::OpenDuring;
use crate::lobby::{LobbyError, Timeline};
use crate::money::Money;

impl NoticeSink for LobbyRegistry {
    fn receive(&self, notice: Notice) -> BoxFuture<'_, ()> {
        Box::pin(LobbyRegistry::receive(self, notice))
    }

    fn reload_all(&self) -> BoxFuture<'_, ()> {
        Box::pin(LobbyRegistry::reload_all(self))
    }
}

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

    /// A process that starts asks every process to read the running races again:
    /// a process killed before it published a refund or a re-attribution it had
    /// committed leaves the others' pots off by it (a sale is published in the
    /// ledger's batch, with its commit), and this (or its replacement) starting
    /// again is when that is repaired. Only with a shared channel. Called before
    /// this process loads its lobbies (and after it subscribed): what it loads
    /// then counts these events already, and their notices are skipped here. (Made
    /// after loading, each event left this process's lobby one seq behind until
    /// its own notice came, and a credit applied at once meanwhile waited behind
    /// it, so a pot read right after a restart could miss the sale.)
    pub async fn announce_start(
        db: &DatabaseConnection,
        channel: &Channel,
    ) -> Result<(), LobbyError> {
        if !channel.is_shared() {
            return Ok(());
        }
        for lobby_id in store::racing_lobby_ids(db).await? {
            store::publish_reload(db, channel, lobby_id.get()).await?;
        }
        Ok(())
    }

    /// After a sale committed: tells the lobby what its race earned. On a single
    /// process the lobby decides whether its race counts the sale; with several,
    /// the database numbers the event (only if the lobby's latest race, running or
    /// just over, counts it) and publishes it to every process, this one included,
    /// also when the lobby's actor does not run here (another process may show it).
    pub async fn credit(&self, lobby_id: LobbyId, credit: Credit) {
        let entry = self.get(lobby_id);
        if !self.channel.is_shared() {
            if let Some(entry) = entry {
                entry.addr.do_send(credit);
            }
            return;
        }
        let change = LobbyChange::Sale {
            amount: credit.amount,
            pool_delta: credit.pool_delta,
            buyer: credit.buyer,
            at: credit.at,
            shares: credit.shares,
            sale_id: credit.sale_id,
        };
        self.publish_credit(lobby_id, entry, credit.sold_at, change)
            .await;
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

    /// After a sale committed whose credit of this lobby's race the ledger's batch
    /// published (several processes): the lobby here, if it runs here, applies it
    /// at once under the seq drawn (its own notice, arriving later, is skipped).
    /// On a single process, as [`Self::credit`].
    pub async fn credit_recorded(&self, credit: RaceCredit) {
        if !self.channel.is_shared() {
            return self.credit(credit.lobby_id, Credit::from(credit)).await;
        }
        let (Some(seq), Some(entry)) = (credit.seq, self.get(credit.lobby_id)) else {
            return;
        };
        let change = LobbyChange::sale(&credit);
        entry.addr.do_send(Apply { seq, change });
    }

    /// After a refund (or a re-attribution's loss) committed: as [`Self::credit`].
    pub async fn refunded(&self, lobby_id: LobbyId, pool_delta: Money, sold_at: DateTime<Utc>) {
        let entry = self.get(lobby_id);
        if !self.channel.is_shared() {
            if let Some(entry) = entry {
                entry.addr.do_send(Refunded {
                    pool_delta,
                    sold_at,
                });
            }
            return;
        }
        let change = LobbyChange::Refund { pool_delta };
        self.publish_credit(lobby_id, entry, sold_at, change).await;
    }

    /// Numbers and publishes a sale's or refund's event, then hands it to the
    /// lobby here at once if it runs here (its own notice, arriving later, is
    /// then skipped).
    async fn publish_credit(
        &self,
        lobby_id: LobbyId,
        entry: Option<LobbyEntry>,
        sold_at: DateTime<Utc>,
        change: LobbyChange,
    ) {
        let published = self
            .channel
            .publish_credit(&self.db, lobby_id.get(), sold_at, change.clone())
            .await;
        match (published, entry) {
            (Ok(Some(seq)), Some(entry)) => entry.addr.do_send(Apply { seq, change }),
            (Ok(_), _) => {}
            (Err(error), entry) => {
                tracing::warn!(lobby = %lobby_id, %error, "lobby event not published");
                if let Some(entry) = entry {
                    entry.addr.do_send(Reload);
                }
            }
        }
    }
}
