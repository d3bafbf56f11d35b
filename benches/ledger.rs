//! Ledger throughput on SQLite (WAL, synchronous=FULL), 8 racers per sale:
//! the naive design (one transaction per sale, one statement per racer) against
//! the LedgerActor's group commit, and the storage limit (a plain batched insert
//! loop). Prints sales recorded per second, then what a sale writes (rows, index
//! entries, bytes logged) as the engine counts it, on SQLite and, with
//! `BENCH_POSTGRES` set to an admin URL, on PostgreSQL (in a database of its own,
//! dropped afterwards).
//!
//! `cargo bench --bench ledger` (set `BENCH_SALES` to change the count).

use std::time::Instant;

use futures_util::FutureExt;

use chrono::Utc;
use cozykart::clock::Clock;
use cozykart::ledger::{LedgerHandle, SaleRecord};
use cozykart::money::{Currency, Money};
use sea_orm::DatabaseConnection;

// The baselines here are SQLite's; of the PostgreSQL module only its `database`.
#[allow(dead_code)]
#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/records.rs"]
mod records;
#[path = "support/write_set.rs"]
mod write_set;

const RACERS: usize = 8;

/// Sale `i`: $22.49 split among the same eight racers, held 14 days.
fn record(i: usize, racers: &[String]) -> SaleRecord {
    let amount = Money::parse("22.49", Currency::parse("USD").expect("USD")).expect("amount");
    let sale_id = format!("pi_{i}");
    records::sale_record(
        &format!("evt_{i}"),
        &sale_id,
        amount,
        racers,
        14,
        Utc::now(),
    )
}

/// A migrated SQLite database in `dir`: its URL.
async fn database(dir: &tempfile::TempDir, name: &str) -> String {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let db = cozykart::db::connect(&url).await.expect("connect");
    cozykart::db::migrate(&db).await.expect("migrate");
    url
}

/// Sales `first..first + sales` through a LedgerActor of its own, all sent at
/// once; it batches what is queued.
async fn group_commit_from(db: DatabaseConnection, first: usize, sales: usize) -> f64 {
    let ledger = LedgerHandle::start(db, Clock::system());
    let racers: Vec<String> = (0..RACERS)
        .map(|r| (1_100_000_000_000_000_001_u64 + r as u64).to_string())
        .collect();
    let racers = &racers;
    let started = Instant::now();
    let results = futures_util::future::join_all((first..first + sales).map(|i| {
        let ledger = ledger.clone();
        async move { ledger.record_sale(record(i, racers)).await }
    }))
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(results.iter().all(Result::is_ok), "every sale recorded");
    sales as f64 / elapsed
}

fn main() {
    let sales: usize = std::env::var("BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    actix_web::rt::System::new().block_on(async move {
        let dir = tempfile::tempdir().expect("temporary directory");
        let naive_url = database(&dir, "naive.db").await;
        let naive_rate = baseline::sqlite::naive(&naive_url, sales, RACERS).await;
        let limit_url = database(&dir, "limit.db").await;
        let limit_rate = baseline::sqlite::limit(&limit_url, sales, RACERS).await;
        let naive_c_url = database(&dir, "naive_c.db").await;
        let naive_c_rate = baseline::sqlite::c_library::naive(&naive_c_url, sales, RACERS);
        let limit_c_url = database(&dir, "limit_c.db").await;
        let limit_c_rate = baseline::sqlite::c_library::limit(&limit_c_url, sales, RACERS);
        let actor_url = database(&dir, "actor.db").await;
        let actor_db = cozykart::db::connect(&actor_url).await.expect("connect");
        let actor_rate = group_commit_from(actor_db, 0, sales).await;
        println!(
            "{}",
            serde_json::json!({
                "bench": "ledger",
                "engine": "sqlite",
                "synchronous": "full",
                "racers_per_sale": RACERS,
                "sales": sales,
                "group_commit_sales_per_s": actor_rate.round(),
                "naive_sales_per_s": naive_rate.round(),
                "limit_sales_per_s": limit_rate.round(),
                "naive_c_sales_per_s": naive_c_rate.round(),
                "limit_c_sales_per_s": limit_c_rate.round(),
                "ours_over_naive": actor_rate / naive_rate,
                "ours_over_limit": actor_rate / limit_rate,
                "ours_over_naive_c": actor_rate / naive_c_rate,
                "ours_over_limit_c": actor_rate / limit_c_rate,
            })
        );
        let counter = cozykart::db::connect(&actor_url).await.expect("connect");
        write_set_report(
            &counter,
            || async {
                let db = cozykart::db::connect(&actor_url).await.expect("connect");
                group_commit_from(db, sales, sales).await;
            },
            sales,
        )
        .await;
        if let Ok(admin) = std::env::var("BENCH_POSTGRES") {
            postgres_write_set(&admin, sales).await;
        }
    });
}

/// Prints what `sales` more sales written by `run` added, as the engine counts it.
async fn write_set_report<F, Fut>(counter: &DatabaseConnection, run: F, sales: usize)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let before = write_set::snapshot(counter).await;
    let logged = write_set::logged(counter).await;
    run().await;
    let bytes = write_set::logged(counter).await - logged;
    let postgres = counter.get_database_backend() == sea_orm::DbBackend::Postgres;
    if postgres {
        settle().await;
    }
    let after = write_set::snapshot(counter).await;
    let mut line = write_set::per_sale(&before, &after, bytes, sales);
    line["bench"] = "write_set".into();
    line["engine"] = if postgres { "postgres" } else { "sqlite" }.into();
    line["sales"] = sales.into();
    println!("{line}");
}

/// The write set on PostgreSQL, in a database of this run's own.
async fn postgres_write_set(admin: &str, sales: usize) {
    use sea_orm::ConnectionTrait;
    let name = format!("cozykart_bench_{}", std::process::id());
    let url = baseline::postgres::database(admin, &name).await;
    let db = cozykart::db::connect(&url).await.expect("connect");
    cozykart::db::migrate(&db).await.expect("migrate");
    // A first run warms the tables and the statements; the second is counted.
    group_commit_from(db.clone(), 0, sales).await;
    settle().await;
    let counter = cozykart::db::connect(&url).await.expect("connect");
    write_set_report(
        &counter,
        || group_commit_from(db, sales, sales).map(drop),
        sales,
    )
    .await;
    drop(counter);
    let server = sea_orm::Database::connect(admin).await.expect("PostgreSQL");
    let _ = server
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
}

/// Waits until every PostgreSQL backend has reported its counters: each does
/// within ten seconds of going idle.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
}
