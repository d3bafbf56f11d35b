//! The registry's side of several processes sharing one PostgreSQL database:
//! changes published by any process reach the lobby's actor here (a lobby
//! another process created is read and started), everything is read again after
//! the listening connection was lost or when a process starts, and a committed
//! sale's or refund's event is numbered and published for every process.

use chrono::{DateTime, Utc};

use super::{load_seed, LobbyEntry, LobbyRegistry};
use crate::lobby::change::{LobbyChange, Notice, WireMoney};
use crate::lobby::messages::{Apply, Credit, Refunded, Reload};
use crate::lobby::store;
use crate::lobby::LobbyError;
use crate::money::Money;

impl LobbyRegistry {
    /// A change published by any process: to the lobby's actor, which applies it
    /// in seq order; a lobby not known here (created by another process) is read
    /// from the database and started.
    pub async fn receive(&self, notice: Notice) {
        if let Some(entry) = self.get(notice.lobby) {
            if notice.change != LobbyChange::Created {
                entry.addr.do_send(Apply {
                    seq: notice.seq,
                    change: notice.change,
                });
            }
            return;
        }
        self.learn(notice.lobby).await;
    }

    /// Reads a lobby another process created and starts its actor.
    async fn learn(&self, lobby_id: i64) {
        match load_seed(&self.db, lobby_id).await {
            Ok(Some(seed)) => {
                self.spawn(seed);
            }
            Ok(None) => tracing::warn!(lobby = lobby_id, "notice for a lobby that is gone"),
            Err(error) => tracing::warn!(lobby = lobby_id, %error, "could not read a new lobby"),
        }
    }

    /// After the listening connection was lost: every running lobby is read
    /// again, and those not closed that do not run here (created or reopened
    /// meanwhile) are started.
    pub async fn reload_all(&self) {
        metrics::counter!("cozykart_lobby_reloads_total").increment(1);
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
    /// a process killed before it published a sale it had committed leaves the
    /// others' pots short of it, and this (or its replacement) starting again is
    /// when that is repaired. Only with a shared channel.
    pub async fn announce_start(&self) -> Result<(), LobbyError> {
        if !self.channel.is_shared() {
            return Ok(());
        }
        for lobby_id in store::racing_lobby_ids(&self.db).await? {
            store::publish_reload(&self.db, &self.channel, lobby_id).await?;
        }
        Ok(())
    }

    /// After a sale committed: tells the lobby what its race earned. On a single
    /// process the lobby decides whether its race covers the sale; with several,
    /// the database numbers the event (only if the running race covers it) and
    /// publishes it to every process, this one included.
    pub async fn credit(&self, lobby_id: i64, credit: Credit) {
        let Some(entry) = self.get(lobby_id) else {
            return;
        };
        if !self.channel.is_shared() {
            entry.addr.do_send(credit);
            return;
        }
        let change = LobbyChange::Sale {
            amount: WireMoney::from(credit.amount),
            pool_delta: WireMoney::from(credit.pool_delta),
            buyer: credit.buyer,
            at: credit.at,
            shares: crate::lobby::actor::wire_shares(&credit.shares),
            sale_id: credit.sale_id,
        };
        self.publish_credit(entry, credit.sold_at, change).await;
    }

    /// After a refund (or a re-attribution's loss) committed: as [`Self::credit`].
    pub async fn refunded(&self, lobby_id: i64, pool_delta: Money, sold_at: DateTime<Utc>) {
        let Some(entry) = self.get(lobby_id) else {
            return;
        };
        if !self.channel.is_shared() {
            entry.addr.do_send(Refunded {
                pool_delta,
                sold_at,
            });
            return;
        }
        let change = LobbyChange::Refund {
            pool_delta: WireMoney::from(pool_delta),
        };
        self.publish_credit(entry, sold_at, change).await;
    }

    /// Numbers and publishes a sale's or refund's event, then hands it to the
    /// lobby here at once (its own notice, arriving later, is then skipped).
    async fn publish_credit(&self, entry: LobbyEntry, sold_at: DateTime<Utc>, change: LobbyChange) {
        let published = self
            .channel
            .publish_credit(&self.db, entry.id, sold_at, change.clone())
            .await;
        match published {
            Ok(Some(seq)) => entry.addr.do_send(Apply { seq, change }),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(lobby = entry.id, %error, "lobby event not published");
                entry.addr.do_send(Reload);
            }
        }
    }
}
