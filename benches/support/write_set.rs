//! What one sale writes, counted by the engine itself around a run of the ledger:
//! rows inserted and updated per table, index entries, and bytes logged.
//!
//! - PostgreSQL: `pg_stat_user_tables` (rows inserted, updated, updated without
//!   touching an index: HOT), the indexes of each table from `pg_index`, and the
//!   WAL position before and after (`pg_wal_lsn_diff`). An insert adds one entry
//!   to every index of its table, an update that is not HOT too.
//! - SQLite: rows counted per table (the database starts empty), indexes from
//!   `sqlite_master` (a composite primary key is an index of its own; an integer
//!   one is the table itself), and the bytes the process wrote meanwhile
//!   (`/proc/self/io`: the WAL and SQLite's checkpoints into the file). An update
//!   that changes no indexed column, as the balance upserts, touches no index.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{json, Value};

/// Tables a sale can write.
const TABLES: [&str; 7] = [
    "sales",
    "sale_refs",
    "processed_events",
    "allocations",
    "journal_transactions",
    "journal_entries",
    "balances",
];

/// One table's counters at one moment.
#[derive(Clone, Copy, Default)]
struct Table {
    inserted: i64,
    updated: i64,
    /// Updates that touched no index (PostgreSQL's heap-only tuples).
    hot: i64,
    indexes: i64,
}

/// The counters of every table.
pub struct Snapshot(BTreeMap<&'static str, Table>);

async fn one_i64(db: &DatabaseConnection, sql: String) -> i64 {
    let backend = db.get_database_backend();
    db.query_one_raw(Statement::from_string(backend, sql))
        .await
        .expect("counter query")
        .expect("one row")
        .try_get_by_index::<i64>(0)
        .expect("integer")
}

/// Bytes this process has passed to `write` and its kin.
fn written_by_process() -> i64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("wchar: ").map(str::to_owned))
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The counters now. On PostgreSQL, call it some seconds after the writers went
/// idle: a backend reports its counters at most once a second, and when idle
/// within ten.
pub async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    let mut tables = BTreeMap::new();
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    for name in TABLES {
        let table = if postgres {
            let stat = |column: &str| {
                format!(
                    "SELECT COALESCE((SELECT {column} FROM pg_stat_user_tables \
                     WHERE relname = '{name}'), 0)::bigint"
                )
            };
            Table {
                inserted: one_i64(db, stat("n_tup_ins")).await,
                updated: one_i64(db, stat("n_tup_upd")).await,
                hot: one_i64(db, stat("n_tup_hot_upd")).await,
                indexes: one_i64(
                    db,
                    format!(
                        "SELECT count(*)::bigint FROM pg_index \
                         WHERE indrelid = '\"{name}\"'::regclass"
                    ),
                )
                .await,
            }
        } else {
            Table {
                inserted: one_i64(db, format!("SELECT count(*) FROM \"{name}\"")).await,
                updated: 0,
                hot: 0,
                indexes: one_i64(
                    db,
                    format!(
                        "SELECT count(*) FROM sqlite_master \
                         WHERE type = 'index' AND tbl_name = '{name}'"
                    ),
                )
                .await,
            }
        };
        tables.insert(name, table);
    }
    Snapshot(tables)
}

/// Bytes logged so far: PostgreSQL's WAL position, or what this process wrote.
pub async fn logged(db: &DatabaseConnection) -> i64 {
    if db.get_database_backend() == DbBackend::Postgres {
        let sql = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint";
        one_i64(db, sql.into()).await
    } else {
        written_by_process()
    }
}

/// Per sale between two snapshots, as one JSON object; `bytes` logged meanwhile.
pub fn per_sale(before: &Snapshot, after: &Snapshot, bytes: i64, sales: usize) -> Value {
    let per = |n: i64| (n as f64 / sales as f64 * 100.0).round() / 100.0;
    let (mut inserted, mut updated, mut entries) = (json!({}), json!({}), json!({}));
    let (mut rows_total, mut entries_total) = (0, 0);
    for (name, a) in &after.0 {
        let b = before.0.get(name).copied().unwrap_or_default();
        let ins = a.inserted - b.inserted;
        let upd = a.updated - b.updated;
        let not_hot = upd - (a.hot - b.hot);
        let index_entries = (ins + not_hot) * a.indexes;
        rows_total += ins + upd;
        entries_total += index_entries;
        inserted[name] = per(ins).into();
        if upd > 0 {
            updated[name] = per(upd).into();
        }
        entries[name] = per(index_entries).into();
    }
    json!({
        "rows_per_sale": per(rows_total),
        "index_entries_per_sale": per(entries_total),
        "bytes_logged_per_sale": per(bytes),
        "inserted": inserted,
        "updated": updated,
        "index_entries": entries,
    })
}
