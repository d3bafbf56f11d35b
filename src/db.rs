//! Database connection: SQLite (WAL, `synchronous=FULL`, so a 2xx means the sale
//! survives a crash) or PostgreSQL, and the migrations that run at start-up.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

/// How long a SQLite writer waits for another connection's lock before failing.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pool size: SQLite has one writer anyway; PostgreSQL gets a few more for readers.
pub const SQLITE_MAX_CONNECTIONS: u32 = 4;
pub const POSTGRES_MAX_CONNECTIONS: u32 = 16;

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
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
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30));
    options.max_connections(max_connections);
    if is_sqlite(url) {
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
    }
    Database::connect(options).await
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

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers a trivial query (readiness probe).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}
