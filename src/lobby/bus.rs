//! The lobby bus: how every process sharing one PostgreSQL database learns each
//! lobby's committed changes. A change is published with `pg_notify` on the
//! deployment's channel inside the transaction that commits it (so it is sent
//! exactly when, and only if, it commits); each process `LISTEN`s on a dedicated
//! connection of its own ([`Listener`], not from the pool) and hands every notice
//! to the registry. On SQLite (one process) there is no bus: [`Channel::none`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sea_orm::sea_query::{ArrayType, Value};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement};
use sqlx::pool::PoolOptions;
use sqlx::postgres::PgListener;

use super::change::{LobbyChange, Notice, PAYLOAD_MAX_BYTES};
use crate::ledger::{Publish, RaceEvent};

/// The notice that tells every process the saved settings changed (a guild's
/// commission rate): they read them again. Not a lobby's notice.
const SETTINGS_CHANGED: &str = r#"{"settings":"changed"}"#;

/// How long the listener waits before trying again after its connection failed.
pub const LISTEN_RETRY: Duration = Duration::from_secs(1);

/// The deployment's notification channel, `None` on SQLite; shared by every
/// publisher and the listener.
#[derive(Clone, Debug, Default)]
pub struct Channel {
    name: Option<Arc<str>>,
    /// Whether the listening connection is up; read by `/readyz`.
    listening: Arc<AtomicBool>,
}

impl Channel {
    /// No bus: a single process (SQLite), which numbers events in memory.
    pub fn none() -> Self {
        Channel::default()
    }

    pub fn named(name: &str) -> Self {
        Channel {
            name: Some(name.into()),
            listening: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether lobby events are numbered and shared through the database.
    pub fn is_shared(&self) -> bool {
        self.name.is_some()
    }

    /// `None` without a bus; else whether the listening connection is up.
    pub fn listening(&self) -> Option<bool> {
        self.name
            .as_ref()
            .map(|_| self.listening.load(Ordering::Relaxed))
    }

    /// Publishes a change committed (or about to be) in transaction `tx`.
    pub async fn publish(
        &self,
        tx: &impl ConnectionTrait,
        lobby: i64,
        seq: u64,
        change: LobbyChange,
    ) -> Result<(), DbErr> {
        if self
            .notify(tx, Notice { lobby, seq, change }.payload())
            .await?
        {
            metrics::counter!("cozykart_lobby_notifications_sent_total").increment(1);
        }
        Ok(())
    }

    /// Commits `tx`, a change of a guild's saved settings, telling every
    /// process in it that the settings changed (they read them again).
    pub async fn commit_settings(&self, tx: DatabaseTransaction) -> Result<(), DbErr> {
        self.notify(&tx, SETTINGS_CHANGED.to_owned()).await?;
        tx.commit().await
    }

    /// Sends `payload` on the channel when `tx` commits; `false` without a bus.
    async fn notify(&self, tx: &impl ConnectionTrait, payload: String) -> Result<bool, DbErr> {
        let Some(name) = &self.name else {
            return Ok(false);
        };
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [name.to_string().into(), payload.into()],
        );
        tx.execute_raw(statement).await?;
        Ok(true)
    }
}

/// The ledger publishes each batch's lobby events through the bus, inside the
/// batch's transaction: a change of money and its lobby event commit together.
/// Two statements whatever the batch's size: the lobbies' rows are locked in id
/// order (two processes' batches cannot deadlock on them), then one statement
/// numbers every event that the lobby's latest race, running or just over,
/// counts (the domain's rule, as bounds on its window) and sends its notice.
impl Publish for Channel {
    fn publish<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
        events: &'a [RaceEvent],
    ) -> BoxFuture<'a, Result<Vec<Option<u64>>, DbErr>> {
        Box::pin(async move {
            let mut seqs = vec![None; events.len()];
            let Some(name) = &self.name else {
                return Ok(seqs);
            };
            if events.is_empty() {
                return Ok(seqs);
            }
            let lobbies: Vec<i64> = events.iter().map(|e| e.lobby_id().get()).collect();
            let lock = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id FROM lobbies WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                [array(lobbies.iter().copied().map(Value::from).collect())],
            );
            tx.query_all_raw(lock).await?;
            let column = |value: fn(&RaceEvent) -> Value| array(events.iter().map(value).collect());
            let statement = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "WITH c AS ( \
                   SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::text[]) \
                     WITH ORDINALITY AS c(lobby, opened_before, closed_not_before, change, n)), \
                 counted AS ( \
                   SELECT c.* FROM c JOIN lobby_windows w ON w.id = ( \
                       SELECT MAX(id) FROM lobby_windows WHERE lobby_id = c.lobby) \
                   WHERE w.opened_at < c.opened_before \
                     AND (w.closed_at IS NULL OR w.closed_at >= c.closed_not_before)), \
                 numbered AS ( \
                   SELECT counted.*, row_number() OVER (PARTITION BY lobby ORDER BY n) AS k, \
                     count(*) OVER (PARTITION BY lobby) AS total FROM counted), \
                 bumped AS ( \
                   UPDATE lobbies l SET seq = l.seq + t.total \
                   FROM (SELECT DISTINCT lobby, total FROM numbered) t \
                   WHERE l.id = t.lobby RETURNING l.id, l.seq AS last) \
                 SELECT numbered.n, bumped.last - numbered.total + numbered.k AS seq, \
                   pg_notify($5, json_build_object('lobby', numbered.lobby, \
                     'seq', bumped.last - numbered.total + numbered.k, \
                     'change', numbered.change::json)::text) \
                 FROM numbered JOIN bumped ON bumped.id = numbered.lobby",
                [
                    column(|e| e.lobby_id().get().into()),
                    column(|e| crate::domain::race::opened_before(e.sold_at()).into()),
                    column(|e| crate::domain::race::closed_not_before(e.sold_at()).into()),
                    column(|e| numbered_change(e.lobby_id().get(), LobbyChange::of(e)).into()),
                    name.to_string().into(),
                ],
            );
            for row in tx.query_all_raw(statement).await? {
                let n: i64 = row.try_get_by_index(0)?;
                let seq: i64 = row.try_get_by_index(1)?;
                if let Some(slot) = usize::try_from(n - 1).ok().and_then(|i| seqs.get_mut(i)) {
                    *slot = Some(seq.max(0) as u64);
                    metrics::counter!("cozykart_lobby_notifications_sent_total").increment(1);
                }
            }
            Ok(seqs)
        })
    }
}

/// A PostgreSQL array of `values`, typed by its first (text when empty).
fn array(values: Vec<Value>) -> Value {
    let ty = values.first().map_or(ArrayType::String, Value::array_type);
    Value::Array(ty, Some(Box::new(values)))
}

/// What `json_build_object` writes beyond the compact notice: a space on each
/// side of its three `:` and after its two `,`.
const NUMBERED_NOTICE_SPACES: usize = 8;

/// The JSON of a change that the database numbers as it publishes it: the
/// change, or `Reload` when the notice carrying it (with the largest seq, as the
/// database writes it) would not fit.
fn numbered_change(lobby: i64, change: LobbyChange) -> String {
    let largest = Notice {
        lobby,
        seq: u64::MAX,
        change,
    };
    let fits = serde_json::to_string(&largest)
        .is_ok_and(|text| text.len() + NUMBERED_NOTICE_SPACES <= PAYLOAD_MAX_BYTES);
    let change = if fits {
        largest.change
    } else {
        LobbyChange::Reload
    };
    serde_json::to_string(&change).unwrap_or_else(|_| r#"{"kind":"reload"}"#.to_owned())
}

/// Where the listener hands what it hears (the registry and the settings): each
/// lobby's notice in commit order, that the saved settings changed, and "read
/// everything again" after notices may have been lost. The bus knows no more of
/// the lobbies than this.
pub trait NoticeSink: Send + Sync + 'static {
    fn receive(&self, notice: Notice) -> BoxFuture<'_, ()>;
    fn settings_changed(&self) -> BoxFuture<'_, ()>;
    fn reload_all(&self) -> BoxFuture<'_, ()>;
}

/// The listening connection, subscribed before the lobbies are loaded so that no
/// change committed meanwhile is missed (a notice older than what was loaded is
/// recognised by its seq and skipped).
pub struct Listener {
    listener: PgListener,
    channel: Channel,
    /// Where to connect again after an error the listener does not recover from.
    url: String,
}

impl Listener {
    /// Opens the dedicated connection and subscribes to the channel, which then
    /// reads as listening.
    pub async fn connect(url: &str, channel: &Channel) -> Result<Listener, sqlx::Error> {
        let listener = Listener::subscribe(url, channel).await?;
        channel.listening.store(true, Ordering::Relaxed);
        Ok(listener)
    }

    /// Opens the dedicated connection and subscribes to the channel.
    async fn subscribe(url: &str, channel: &Channel) -> Result<Listener, sqlx::Error> {
        let Some(name) = &channel.name else {
            return Err(sqlx::Error::Configuration("no channel to listen on".into()));
        };
        // PgListener::connect's own pool of one, with TCP_NODELAY on its connection.
        let pool = crate::db::nodelay::on_each_connection(
            PoolOptions::new()
                .max_connections(1)
                .max_lifetime(None)
                .idle_timeout(None),
            url,
        )
        .connect(url)
        .await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        // The pool lives as long as the listener and is never closed on its own.
        listener.ignore_pool_close_event(true);
        listener.listen(name).await?;
        Ok(Listener {
            listener,
            channel: channel.clone(),
            url: url.to_owned(),
        })
    }

    /// Runs [`Self::run`] on a thread of its own until the guard is dropped (the
    /// application stops): the listening connection is then closed inside its
    /// own runtime, whatever becomes of the server's.
    pub fn spawn(self, sink: Arc<dyn NoticeSink>) -> std::io::Result<ListenerGuard> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("cozykart-lobby-listener".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        _ = self.run(sink) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(ListenerGuard {
            stop: Some(stop),
            _thread: thread,
        })
    }

    /// Hands every notice to the sink, in the order PostgreSQL delivered them
    /// (commit order). When the connection is lost, notices sent meanwhile are
    /// gone: the channel reads as not listening (attribution then reads the
    /// database), a fresh connection subscribes again, every lobby is read again,
    /// and only then does the channel read as listening.
    pub async fn run(mut self, sink: Arc<dyn NoticeSink>) {
        loop {
            let lost = match self.listener.try_recv().await {
                Ok(Some(notification)) if notification.payload() == SETTINGS_CHANGED => {
                    sink.settings_changed().await;
                    continue;
                }
                Ok(Some(notification)) => {
                    metrics::counter!("cozykart_lobby_notifications_received_total").increment(1);
                    match Notice::parse(notification.payload()) {
                        Some(notice) => sink.receive(notice).await,
                        None => tracing::warn!("unreadable lobby notice ignored"),
                    }
                    continue;
                }
                // sqlx's listener reports a lost connection it would reconnect by
                // itself on the next call; it is replaced here instead, so that
                // the reload comes after the new subscription.
                Ok(None) => "connection closed".to_owned(),
                Err(error) => error.to_string(),
            };
            self.channel.listening.store(false, Ordering::Relaxed);
            tracing::warn!(error = %lost, "lobby listener lost its connection; subscribing again");
            self = Listener::subscribe_again(&self.url, &self.channel).await;
            // Subscribed before reading: nothing committed from now on is missed.
            sink.reload_all().await;
            self.channel.listening.store(true, Ordering::Relaxed);
        }
    }

    /// A fresh listening connection, tried at once and then every
    /// [`LISTEN_RETRY`] until it is up; the channel reads as not listening
    /// until the caller says otherwise.
    async fn subscribe_again(url: &str, channel: &Channel) -> Listener {
        loop {
            match Listener::subscribe(url, channel).await {
                Ok(fresh) => return fresh,
                Err(error) => {
                    tracing::warn!(%error, "lobby listener cannot subscribe yet; retrying");
                    tokio::time::sleep(LISTEN_RETRY).await;
                }
            }
        }
    }
}

/// Stops the listener's thread when dropped.
pub struct ListenerGuard {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _thread: std::thread::JoinHandle<()>,
}

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
