//! Ledger throughput on SQLite (WAL, synchronous=FULL), 8 racers per sale:
//! the naive design (one transaction per sale, one statement per racer) against
//! the LedgerActor's group commit, and the storage limit (a plain batched insert
//! loop). Prints sales recorded per second.
//!
//! `cargo bench --bench ledger` (set `BENCH_SALES` to change the count).

use std::time::Instant;

use chrono::Utc;
use cozykart::clock::Clock;
use cozykart::ledger::{LedgerHandle, SaleRecord};
use cozykart::money::{Currency, Money};
use sea_orm::DatabaseConnection;

// This bench runs on SQLite only; the PostgreSQL loops serve the load generator.
#[allow(dead_code)]
#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/records.rs"]
mod records;

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

/// A migrated SQLite database in `dir`: its URL and an open pool.
async fn database(dir: &tempfile::TempDir, name: &str) -> (String, DatabaseConnection) {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let db = cozykart::db::connect(&url).await.expect("connect");
    cozykart::db::migrate(&db).await.expect("migrate");
    (url, db)
}

/// Every sale sent to the LedgerActor at once; it batches what is queued.
async fn group_commit(db: DatabaseConnection, sales: usize) -> f64 {
    let ledger = LedgerHandle::start(db, Clock::system());
    let racers: Vec<String> = (0..RACERS).map(|r| format!("racer{r}")).collect();
    let racers = &racers;
    let started = Instant::now();
    let results = futures_util::future::join_all((0..sales).map(|i| {
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
        let (naive_url, naive_db) = database(&dir, "naive.db").await;
        drop(naive_db);
        let naive_rate = baseline::sqlite::naive(&naive_url, sales, RACERS).await;
        let (limit_url, limit_db) = database(&dir, "limit.db").await;
        drop(limit_db);
        let limit_rate = baseline::sqlite::limit(&limit_url, sales, RACERS).await;
        let (_, actor_db) = database(&dir, "actor.db").await;
        let actor_rate = group_commit(actor_db, sales).await;
        println!(
            "{{\"bench\":\"ledger\",\"engine\":\"sqlite\",\"synchronous\":\"full\",\"racers_per_sale\":{RACERS},\
             \"sales\":{sales},\"naive_sales_per_s\":{naive_rate:.0},\"group_commit_sales_per_s\":{actor_rate:.0},\
             \"limit_sales_per_s\":{limit_rate:.0},\"ours_over_naive\":{:.2},\"ours_over_limit\":{:.2}}}",
            actor_rate / naive_rate,
            actor_rate / limit_rate
        );
    });
}
