//! The two baselines every throughput figure is compared with: the plainest code
//! that writes the same rows a sale needs (the sale, one allocation per racer,
//! the racers' balances) straight through a database driver (prepared statements;
//! no ORM, no actors), on the same engine and disk, with the same durability
//! settings as the server (SQLite: WAL, `synchronous=FULL`). SQLite's go through
//! sqlx and through the C library (rusqlite); PostgreSQL's through tokio-postgres,
//! which sets `TCP_NODELAY` (sqlx 0.9.0 does not):
//! - naive: one transaction per sale, one statement per row (the design replaced);
//! - limit: 100 sales per transaction, multi-row inserts (what the engine can do).

use std::time::Instant;

use sea_orm::sqlx::{self, Connection};

/// Sales per transaction of the storage-limit loop.
pub const LIMIT_BATCH: usize = 100;

const SALE: &str = "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
     refunded_minor, sold_at, received_at, buyer_public) VALUES ('stripe', 'plain', $1, 2249, 'USD', 449, 0, $2, $2, false) \
     RETURNING id";
const ALLOCATION: &str = "INSERT INTO allocations (sale_id, lobby_id, guild_id, discord_id, currency, amount_minor, \
     reversed_minor, status, available_at, created_at) VALUES ($1, 1, 'g', $2, 'USD', 56, 0, 'pending', $3, $3)";
const BALANCE: &str = "INSERT INTO balances (guild_id, discord_id, currency, available_minor, pending_minor, paid_minor) \
     VALUES ('g', $1, 'USD', 0, $2, 0) ON CONFLICT (guild_id, discord_id, currency) DO UPDATE \
     SET pending_minor = balances.pending_minor + excluded.pending_minor";

/// `VALUES` rows of `n` placeholders each, numbered from `$1`: `($1, $2), ($3, $4)`.
fn rows(count: usize, per_row: usize, template: impl Fn(&[String]) -> String) -> String {
    (0..count)
        .map(|r| {
            let params: Vec<String> = (1..=per_row)
                .map(|p| format!("${}", r * per_row + p))
                .collect();
            template(&params)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The baselines through sqlx (SQLite).
macro_rules! plain_loops {
    ($connection:ty) => {
        /// One transaction per sale; one prepared INSERT per row and one upsert per
        /// balance. Answers sales per second.
        pub async fn naive(url: &str, sales: usize, racers: usize) -> f64 {
            let mut db = open(url).await;
            let names: Vec<String> = (0..racers).map(|r| format!("naive{r}")).collect();
            let started = Instant::now();
            for i in 0..sales {
                let at = chrono::Utc::now();
                let mut tx = db.begin().await.expect("begin");
                let (sale_id,): (i64,) = sqlx::query_as(SALE)
                    .bind(format!("naive_{i}"))
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await
                    .expect("sale");
                for name in &names {
                    sqlx::query(ALLOCATION)
                        .bind(sale_id)
                        .bind(name)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .expect("allocation");
                    sqlx::query(BALANCE)
                        .bind(name)
                        .bind(56_i64)
                        .execute(&mut *tx)
                        .await
                        .expect("balance");
                }
                tx.commit().await.expect("commit");
            }
            sales as f64 / started.elapsed().as_secs_f64()
        }

        /// [`LIMIT_BATCH`] sales per transaction: one multi-row INSERT for the sales,
        /// one for their allocations, one balance upsert per racer.
        pub async fn limit(url: &str, sales: usize, racers: usize) -> f64 {
            let mut db = open(url).await;
            let names: Vec<String> = (0..racers).map(|r| format!("limit{r}")).collect();
            let started = Instant::now();
            let mut i = 0;
            while i < sales {
                let n = LIMIT_BATCH.min(sales - i);
                let at = chrono::Utc::now();
                let mut tx = db.begin().await.expect("begin");
                let sql = format!(
                    "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
                     refunded_minor, sold_at, received_at, buyer_public) VALUES {} RETURNING id",
                    rows(n, 2, |p| format!("('stripe', 'plain', {}, 2249, 'USD', 449, 0, {}, {1}, false)", p[0], p[1]))
                );
                let mut insert = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
                for k in 0..n {
                    insert = insert.bind(format!("limit_{}", i + k)).bind(at);
                }
                let ids = insert.fetch_all(&mut *tx).await.expect("sales");
                let sql = format!(
                    "INSERT INTO allocations (sale_id, lobby_id, guild_id, discord_id, currency, amount_minor, \
                     reversed_minor, status, available_at, created_at) VALUES {}",
                    rows(n * racers, 3, |p| format!("({}, 1, 'g', {}, 'USD', 56, 0, 'pending', {}, {2})", p[0], p[1], p[2]))
                );
                let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (sale_id,) in &ids {
                    for name in &names {
                        insert = insert.bind(*sale_id).bind(name).bind(at);
                    }
                }
                insert.execute(&mut *tx).await.expect("allocations");
                for name in &names {
                    sqlx::query(BALANCE)
                        .bind(name)
                        .bind(56 * n as i64)
                        .execute(&mut *tx)
                        .await
                        .expect("balance");
                }
                tx.commit().await.expect("commit");
                i += n;
            }
            sales as f64 / started.elapsed().as_secs_f64()
        }

        async fn open(url: &str) -> $connection {
            <$connection>::connect_with(&options(url)).await.expect("baseline database")
        }
    };
}

/// SQLite with the server's settings (`cozykart::db`): WAL, `synchronous=FULL`,
/// the same page cache and memory map.
pub mod sqlite {
    use super::*;
    use sea_orm::sqlx::sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous,
    };

    fn options(url: &str) -> SqliteConnectOptions {
        use std::str::FromStr;
        SqliteConnectOptions::from_str(url)
            .expect("sqlite url")
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .pragma("cache_size", cozykart::db::SQLITE_CACHE_KIB.to_string())
            .pragma("mmap_size", cozykart::db::SQLITE_MMAP_BYTES.to_string())
    }

    plain_loops!(SqliteConnection);

    /// The C library through its thinnest binding (rusqlite: prepared statements,
    /// same pragmas, same file kind); no driver thread, no async.
    pub mod c_library {
        use std::time::Instant;

        use rusqlite::{params, Connection};

        use super::super::{rows, ALLOCATION, BALANCE, LIMIT_BATCH, SALE};

        fn open(url: &str) -> Connection {
            let path = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .expect("path");
            let db = Connection::open(path).expect("baseline database");
            db.execute_batch(&format!(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size={}; PRAGMA mmap_size={};",
                cozykart::db::SQLITE_CACHE_KIB,
                cozykart::db::SQLITE_MMAP_BYTES
            ))
            .expect("pragmas");
            db
        }

        fn now() -> String {
            chrono::Utc::now().to_rfc3339()
        }

        /// One transaction per sale, one prepared statement per row.
        pub fn naive(url: &str, sales: usize, racers: usize) -> f64 {
            let mut db = open(url);
            let names: Vec<String> = (0..racers).map(|r| format!("naive{r}")).collect();
            let started = Instant::now();
            for i in 0..sales {
                let at = now();
                let tx = db.transaction().expect("begin");
                let sale_id: i64 = tx
                    .prepare_cached(SALE)
                    .and_then(|mut s| s.query_row(params![format!("naive_{i}"), at], |r| r.get(0)))
                    .expect("sale");
                for name in &names {
                    tx.prepare_cached(ALLOCATION)
                        .and_then(|mut s| s.execute(params![sale_id, name, at]))
                        .expect("allocation");
                    tx.prepare_cached(BALANCE)
                        .and_then(|mut s| s.execute(params![name, 56_i64]))
                        .expect("balance");
                }
                tx.commit().expect("commit");
            }
            sales as f64 / started.elapsed().as_secs_f64()
        }

        /// [`LIMIT_BATCH`] sales per transaction, multi-row inserts.
        pub fn limit(url: &str, sales: usize, racers: usize) -> f64 {
            let mut db = open(url);
            let names: Vec<String> = (0..racers).map(|r| format!("limit{r}")).collect();
            let started = Instant::now();
            let mut i = 0;
            while i < sales {
                let n = LIMIT_BATCH.min(sales - i);
                let at = now();
                let tx = db.transaction().expect("begin");
                let sql = format!(
                    "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
                     refunded_minor, sold_at, received_at, buyer_public) VALUES {} RETURNING id",
                    rows(n, 2, |p| format!("('stripe', 'plain', {}, 2249, 'USD', 449, 0, {}, {1}, false)", p[0], p[1]))
                );
                let keys: Vec<String> = (0..n).map(|k| format!("limit_{}", i + k)).collect();
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
                for key in &keys {
                    values.push(key);
                    values.push(&at);
                }
                let ids: Vec<i64> = {
                    let mut insert = tx.prepare_cached(&sql).expect("sales");
                    let ids = insert
                        .query_map(values.as_slice(), |r| r.get(0))
                        .expect("sales")
                        .collect::<Result<_, _>>()
                        .expect("ids");
                    ids
                };
                let sql = format!(
                    "INSERT INTO allocations (sale_id, lobby_id, guild_id, discord_id, currency, amount_minor, \
                     reversed_minor, status, available_at, created_at) VALUES {}",
                    rows(n * racers, 3, |p| format!("({}, 1, 'g', {}, 'USD', 56, 0, 'pending', {}, {2})", p[0], p[1], p[2]))
                );
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
                for sale_id in &ids {
                    for name in &names {
                        values.push(sale_id);
                        values.push(name);
                        values.push(&at);
                    }
                }
                tx.prepare_cached(&sql)
                    .and_then(|mut s| s.execute(values.as_slice()))
                    .expect("allocations");
                for name in &names {
                    tx.prepare_cached(BALANCE)
                        .and_then(|mut s| s.execute(params![name, 56 * n as i64]))
                        .expect("balance");
                }
                tx.commit().expect("commit");
                i += n;
            }
            sales as f64 / started.elapsed().as_secs_f64()
        }
    }
}

/// PostgreSQL as configured on the machine (the server's pool changes nothing),
/// through tokio-postgres: it sets `TCP_NODELAY` on its sockets, which sqlx 0.9.0
/// does not, so these loops measure plain code and not the delayed ACK.
pub mod postgres {
    use std::collections::hash_map::Entry;
    use std::collections::HashMap;
    use std::time::Instant;

    use tokio_postgres::types::ToSql;
    use tokio_postgres::{Client, NoTls, Statement};

    use super::{rows, ALLOCATION, BALANCE, LIMIT_BATCH, SALE};

    async fn open(url: &str) -> Client {
        let (client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .expect("baseline database");
        actix_web::rt::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("baseline connection: {error}");
            }
        });
        client
    }

    /// A new, empty database `name` on the server of `admin` (dropped first if a
    /// run before left it); answers its URL.
    pub async fn database(admin: &str, name: &str) -> String {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(admin).await.expect("PostgreSQL");
        let _ = db
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .await;
        db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
        // The admin URL with its database name replaced, its query (`?host=/run/...`
        // for a Unix socket) kept.
        let (path, query) = admin
            .split_once('?')
            .map_or((admin, None), |(p, q)| (p, Some(q)));
        let base = path.rsplit_once('/').map_or(path, |(b, _)| b);
        match query {
            Some(query) => format!("{base}/{name}?{query}"),
            None => format!("{base}/{name}"),
        }
    }

    /// One transaction per sale; one prepared INSERT per row and one upsert per
    /// balance. Answers sales per second.
    pub async fn naive(url: &str, sales: usize, racers: usize) -> f64 {
        let mut db = open(url).await;
        let names: Vec<String> = (0..racers).map(|r| format!("naive{r}")).collect();
        let sale = db.prepare(SALE).await.expect("sale");
        let allocation = db.prepare(ALLOCATION).await.expect("allocation");
        let balance = db.prepare(BALANCE).await.expect("balance");
        let started = Instant::now();
        for i in 0..sales {
            let at = chrono::Utc::now();
            let tx = db.transaction().await.expect("begin");
            let sale_id: i64 = tx
                .query_one(&sale, &[&format!("naive_{i}"), &at])
                .await
                .expect("sale")
                .get(0);
            for name in &names {
                tx.execute(&allocation, &[&sale_id, name, &at])
                    .await
                    .expect("allocation");
                tx.execute(&balance, &[name, &56_i64])
                    .await
                    .expect("balance");
            }
            tx.commit().await.expect("commit");
        }
        sales as f64 / started.elapsed().as_secs_f64()
    }

    /// [`LIMIT_BATCH`] sales per transaction: one multi-row INSERT for the sales,
    /// one for their allocations, one balance upsert per racer; each statement
    /// prepared once per batch size (as sqlx caches them).
    pub async fn limit(url: &str, sales: usize, racers: usize) -> f64 {
        let mut db = open(url).await;
        let names: Vec<String> = (0..racers).map(|r| format!("limit{r}")).collect();
        let balance = db.prepare(BALANCE).await.expect("balance");
        let mut prepared: HashMap<usize, (Statement, Statement)> = HashMap::new();
        let started = Instant::now();
        let mut i = 0;
        while i < sales {
            let n = LIMIT_BATCH.min(sales - i);
            if let Entry::Vacant(vacant) = prepared.entry(n) {
                let sales_sql = format!(
                    "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
                     refunded_minor, sold_at, received_at, buyer_public) VALUES {} RETURNING id",
                    rows(n, 2, |p| format!("('stripe', 'plain', {}, 2249, 'USD', 449, 0, {}, {1}, false)", p[0], p[1]))
                );
                let allocations_sql = format!(
                    "INSERT INTO allocations (sale_id, lobby_id, guild_id, discord_id, currency, amount_minor, \
                     reversed_minor, status, available_at, created_at) VALUES {}",
                    rows(n * racers, 3, |p| format!("({}, 1, 'g', {}, 'USD', 56, 0, 'pending', {}, {2})", p[0], p[1], p[2]))
                );
                let statements = (
                    db.prepare(&sales_sql).await.expect("sales"),
                    db.prepare(&allocations_sql).await.expect("allocations"),
                );
                vacant.insert(statements);
            }
            let (insert_sales, insert_allocations) = &prepared[&n];
            let at = chrono::Utc::now();
            let tx = db.transaction().await.expect("begin");
            let keys: Vec<String> = (0..n).map(|k| format!("limit_{}", i + k)).collect();
            let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(2 * n);
            for key in &keys {
                values.push(key);
                values.push(&at);
            }
            let ids: Vec<i64> = tx
                .query(insert_sales, &values)
                .await
                .expect("sales")
                .iter()
                .map(|row| row.get(0))
                .collect();
            let mut values: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(3 * n * racers);
            for sale_id in &ids {
                for name in &names {
                    values.push(sale_id);
                    values.push(name);
                    values.push(&at);
                }
            }
            tx.execute(insert_allocations, &values)
                .await
                .expect("allocations");
            let added = 56 * n as i64;
            for name in &names {
                tx.execute(&balance, &[name, &added])
                    .await
                    .expect("balance");
            }
            tx.commit().await.expect("commit");
            i += n;
        }
        sales as f64 / started.elapsed().as_secs_f64()
    }
}
