//! Database connection: SQLite (WAL, `synchronous=FULL`, so a 2xx means the sale
//! survives a crash) or PostgreSQL, and the migrations that run at start-up.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

pub mod nodelay;
pub mod settings;

/// How long a SQLite writer waits for another connection's lock before failing.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pool size: SQLite has one writer anyway; PostgreSQL gets a few more for readers.
pub const SQLITE_MAX_CONNECTIONS: u32 = 4;
pub const POSTGRES_MAX_CONNECTIONS: u32 = 16;

/// Whether `url` names a SQLite database (`sqlite:`), by its scheme.
pub fn is_sqlite(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| url.scheme() == "sqlite")
}

/// Page cache per SQLite connection (negative: KiB, as SQLite spells it).
pub const SQLITE_CACHE_KIB: i64 = -65_536;
/// Bytes of the database file SQLite may map into memory for reading.
pub const SQLITE_MMAP_BYTES: i64 = 256 * 1024 * 1024;

/// Connections of the ledger's own pool: it writes one batch at a time, and must
/// never queue behind readers for a connection.
pub const LEDGER_CONNECTIONS: u32 = 2;

/// Opens the shared pool (readers, lobbies) with the engine's durability settings.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let max = if is_sqlite(url) {
        SQLITE_MAX_CONNECTIONS
    } else {
        POSTGRES_MAX_CONNECTIONS
    };
    connect_with(url, max).await
}

/// Opens a pool of at most `max_connections` with the engine's durability settings.
pub async fn connect_with(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    Database::connect(pool_options(url, max_connections)).await
}

/// The options of a pool of at most `max_connections` on `url`'s engine.
fn pool_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    options.max_connections(max_connections);
    if is_sqlite(url) {
        // sqlx pings a pooled connection before lending it, to find one whose
        // server hung up. A SQLite file cannot hang up, and on SQLite the ping is
        // a round trip to the connection's worker thread: one more per ledger
        // batch and per read, for nothing.
        options.test_before_acquire(false);
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .create_if_missing(true)
                // Pages of the ledger's indexes stay in memory instead of being
                // copied in from the file on every batch.
                .pragma("cache_size", SQLITE_CACHE_KIB.to_string())
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                .pragma("temp_store", "memory")
        });
    } else {
        // A statement's plan is made for the values of each execution. sqlx
        // prepares statements once per connection, and PostgreSQL's default
        // soon keeps one generic plan for good: made while a new deployment's
        // tables are empty it scans them whole, and the ledger's look-ups of
        // events and references then slow down as the tables grow (a sequential
        // scan of `processed_events` on every batch until autovacuum's ANALYZE).
        options.map_sqlx_postgres_opts(|opts| {
            opts.options([("plan_cache_mode", "force_custom_plan")])
        });
        let url = url.to_owned();
        options.map_sqlx_postgres_pool_opts(move |pool| nodelay::on_each_connection(pool, &url));
    }
    options
}

/// Connects the shared pool and applies pending migrations (start-up and CLI).
pub async fn open(url: &str) -> anyhow::Result<DatabaseConnection> {
    use anyhow::Context;
    let db = connect(url)
        .await
        .context("connecting to the database (database.url)")?;
    migrate(&db).await.context("running migrations")?;
    Ok(db)
}

/// Connects to a database that must already exist (`verify`, `export`): a
/// SQLite file that is not there is refused, never created, so that a command
/// run in the wrong directory cannot report on an empty database it just made.
pub async fn open_existing(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file(url) {
        if !std::path::Path::new(&path).exists() {
            let directory = std::env::current_dir()
                .map(|dir| format!(" (from {})", dir.display()))
                .unwrap_or_default();
            anyhow::bail!(
                "the SQLite database {path}{directory} does not exist (database.url = {}); \
                 this command reads an existing database and never creates one: run it \
                 where the server runs, or set database.url (COZYKART__DATABASE__URL)",
                display_url(url)
            );
        }
    }
    open(url).await
}

/// The database URL as it may be shown: a password, in the address or in the
/// query (`password=`), replaced by `***`.
pub fn display_url(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some(HIDDEN));
    }
    if parsed.query_pairs().any(|(key, _)| key == "password") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if key == "password" {
                    HIDDEN.into()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers a trivial query (readiness probe).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// What a PostgreSQL advisory lock guards when several processes share one
/// database: one process at a time does it, the others skip it this turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// Moving held earnings to available (the ledger's maturing pass).
    Maturing,
    /// Closing one lobby's window left open too long (the id is the lobby's).
    WindowTimeout(i64),
    /// Creating a lobby of one guild, so that its cap is counted by one at a time.
    LobbyCreation,
    /// Deleting claimed interactions older than an interaction token lives.
    InteractionPruning,
    /// Deleting Discord posts sent or given up on a while ago.
    OutboxPruning,
}

impl Duty {
    /// The lock's 64-bit key: the duty in the top 16 bits, its subject below.
    fn key(self) -> i64 {
        const SUBJECT_BITS: u32 = 48;
        let (class, subject) = match self {
            Duty::Maturing => (0x4b01_i64, 0),
            Duty::WindowTimeout(lobby_id) => (0x4b02, lobby_id),
            Duty::LobbyCreation => (0x4b03, 0),
            Duty::InteractionPruning => (0x4b04, 0),
            Duty::OutboxPruning => (0x4b05, 0),
        };
        (class << SUBJECT_BITS) | (subject & ((1 << SUBJECT_BITS) - 1))
    }
}

/// Takes a duty's advisory lock for the rest of the transaction `tx`, if no other
/// transaction holds it; answers whether this one does. SQLite has one writer at
/// a time and one process, so there it is always taken.
pub async fn try_duty(tx: &impl ConnectionTrait, duty: Duty) -> Result<bool, DbErr> {
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(true);
    }
    let statement = sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT pg_try_advisory_xact_lock($1)",
        [duty.key().into()],
    );
    let row = tx.query_one_raw(statement).await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<bool>(0)?,
        None => false,
    })
}

/// Waits for a duty's advisory lock for the rest of the transaction `tx`.
pub async fn wait_for_duty(tx: &impl ConnectionTrait, duty: Duty) -> Result<(), DbErr> {
    if tx.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let statement = sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [duty.key().into()],
    );
    tx.execute_raw(statement).await?;
    Ok(())
}

/// Held by the one `cozykart serve` of a SQLite database for as long as it runs:
/// SQLite deployments are single-process (lobbies and the ledger's ordering live in
/// that process's memory), so a second server on the same file refuses to start
/// instead of serving from a memory that the first one's writes never reach. The
/// operating system releases the lock when the process ends, even by `kill -9`.
pub struct SingleProcessLock {
    /// The open lock file; closing it releases the lock.
    _file: Option<std::fs::File>,
}

/// The lock file's name beside the database file.
pub const SQLITE_LOCK_SUFFIX: &str = ".serve-lock";

impl SingleProcessLock {
    /// Takes the lock of a SQLite file database; PostgreSQL and in-memory SQLite
    /// need none (several processes on one PostgreSQL database is supported).
    pub fn acquire(url: &str) -> anyhow::Result<SingleProcessLock> {
        use anyhow::Context;
        let Some(path) = sqlite_file(url) else {
            return Ok(SingleProcessLock { _file: None });
        };
        let lock_path = format!("{path}{SQLITE_LOCK_SUFFIX}");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening the lock file {lock_path}"))?;
        match file.try_lock() {
            Ok(()) => Ok(SingleProcessLock { _file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "another cozykart server is already using the SQLite database {path} \
                 (database.url): SQLite serves one process only; stop the other one, or \
                 run several processes on PostgreSQL (see docs/several-processes.md)"
            ),
            Err(std::fs::TryLockError::Error(error)) => {
                Err(error).with_context(|| format!("locking {lock_path}"))
            }
        }
    }
}

/// The file of a SQLite URL (`sqlite://path?mode=rwc`, `sqlite:path`), `None` for
/// an in-memory database or another engine. The path is read as sqlx reads it:
/// everything between `sqlite://` (or `sqlite:`) and the query, percent-decoded.
fn sqlite_file(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() != "sqlite"
        || parsed
            .query_pairs()
            .any(|pair| pair == ("mode".into(), "memory".into()))
    {
        return None;
    }
    // `sqlite://dir/k.db` reads `dir` as the host; the file is host and path together.
    let encoded = format!("{}{}", parsed.host_str().unwrap_or_default(), parsed.path());
    let path = percent_encoding::percent_decode_str(&encoded)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!path.is_empty() && !path.starts_with(":memory:")).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_are_found_in_their_urls() {
        assert_eq!(
            sqlite_file("sqlite://cozykart.db?mode=rwc").as_deref(),
            Some("cozykart.db")
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/k.db").as_deref(),
            Some("/tmp/k.db")
        );
        assert_eq!(
            sqlite_file("sqlite://data/Kart%20EU.db").as_deref(),
            Some("data/Kart EU.db")
        );
        assert_eq!(sqlite_file("sqlite:k.db").as_deref(), Some("k.db"));
        assert_eq!(sqlite_file("sqlite://?mode=memory"), None);
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://p@h/db"), None);
    }

    #[test]
    fn shown_urls_never_carry_a_password() {
        assert_eq!(
            display_url("postgres://kart:s3cret@db.internal:5432/cozykart"),
            "postgres://kart:***@db.internal:5432/cozykart"
        );
        assert_eq!(
            display_url("postgres://kart@db/cozykart?password=s3cret&sslmode=require"),
            "postgres://kart@db/cozykart?password=***&sslmode=require"
        );
        assert_eq!(
            display_url("sqlite://cozykart.db?mode=rwc"),
            "sqlite://cozykart.db?mode=rwc"
        );
    }

    #[test]
    fn only_connections_that_can_lose_their_server_are_pinged_before_use() {
        let sqlite = pool_options("sqlite://k.db?mode=rwc", LEDGER_CONNECTIONS);
        assert!(!sqlite.get_test_before_acquire());
        let postgres = pool_options("postgres://kart@db/cozykart", LEDGER_CONNECTIONS);
        assert!(postgres.get_test_before_acquire());
    }

    #[actix_web::test]
    async fn a_missing_sqlite_file_is_refused_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let error = open_existing(&url).await.err().unwrap().to_string();
        assert!(error.contains("does not exist"), "{error}");
        assert!(!path.exists());
    }

    #[test]
    fn a_second_server_on_one_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("k.db").display());
        let first = SingleProcessLock::acquire(&url).unwrap();
        let error = SingleProcessLock::acquire(&url).err().unwrap().to_string();
        assert!(error.contains("another cozykart server"), "{error}");
        drop(first);
        assert!(SingleProcessLock::acquire(&url).is_ok());
    }
}
