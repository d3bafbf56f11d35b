//! Ledger throughput on SQLite (WAL, synchronous=FULL), 8 racers per sale:
//! the naive design (one transaction per sale, one statement per racer) against
//! the LedgerActor's group commit. Prints sales recorded per second.
//!
//! `cargo bench --bench ledger` (set `BENCH_SALES` to change the count).

use std::time::Instant;

use chrono::Utc;
use cozykart::clock::Clock;
use cozykart::ledger::{LedgerHandle, SaleRecord, Share};
use cozykart::money::{Currency, Money, Rate};
use cozykart::sale::{Buyer, Provider, SaleEvent};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

const RACERS: usize = 8;

fn record(i: usize) -> SaleRecord {
    let currency = Currency::parse("USD").expect("USD");
    let amount = Money::parse("22.49", currency).expect("amount");
    let pool = amount.commission(Rate::parse("0.20").expect("rate"));
    let sale_id = format!("pi_{i}");
    let shares = pool
        .split(RACERS, &sale_id)
        .into_iter()
        .enumerate()
        .map(|(r, amount)| Share {
            lobby_id: 1,
            discord_id: format!("racer{r}"),
            amount,
        })
        .collect();
    SaleRecord {
        sale: SaleEvent {
            provider: Provider::Stripe,
            shop: "main".into(),
            event_id: format!("evt_{i}"),
            sale_id,
            refs: vec![],
            amount,
            sold_at: Utc::now(),
            lobby_tag: None,
            discount_codes: vec![],
            buyer: Buyer::default(),
        },
        sold_at: Utc::now(),
        received_at: Utc::now(),
        pool,
        shares,
        hold_days: 14,
    }
}

async fn database(dir: &tempfile::TempDir, name: &str) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let db = cozykart::db::connect(&url).await.expect("connect");
    cozykart::db::migrate(&db).await.expect("migrate");
    db
}

/// One transaction per sale; one INSERT per row and one UPDATE per balance.
async fn naive(db: &DatabaseConnection, sales: usize) -> f64 {
    let backend = db.get_database_backend();
    let started = Instant::now();
    for i in 0..sales {
        let r = record(i);
        let tx = db.begin().await.expect("begin");
        let now = Utc::now().to_rfc3339();
        let insert = Statement::from_sql_and_values(
            backend,
            "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
             refunded_minor, sold_at, received_at, buyer_public) VALUES (?, ?, ?, ?, 'USD', ?, 0, ?, ?, false)",
            [
                "stripe".into(),
                "main".into(),
                r.sale.sale_id.clone().into(),
                r.sale.amount.minor().into(),
                r.pool.minor().into(),
                now.clone().into(),
                now.clone().into(),
            ],
        );
        let sale_id = tx.execute_raw(insert).await.expect("sale").last_insert_id() as i64;
        for share in &r.shares {
            let minor = share.amount.minor();
            tx.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO allocations (sale_id, lobby_id, discord_id, currency, amount_minor, \
                 reversed_minor, status, available_at, created_at) VALUES (?, 1, ?, 'USD', ?, 0, 'pending', ?, ?)",
                [sale_id.into(), share.discord_id.clone().into(), minor.into(), now.clone().into(), now.clone().into()],
            ))
            .await
            .expect("allocation");
            tx.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO balances (discord_id, currency, available_minor, pending_minor, paid_minor) \
                 VALUES (?, 'USD', 0, ?, 0) ON CONFLICT (discord_id, currency) DO UPDATE \
                 SET pending_minor = balances.pending_minor + excluded.pending_minor",
                [share.discord_id.clone().into(), minor.into()],
            ))
            .await
            .expect("balance");
        }
        tx.commit().await.expect("commit");
    }
    sales as f64 / started.elapsed().as_secs_f64()
}

/// Every sale sent to the LedgerActor at once; it batches what is queued.
async fn group_commit(db: DatabaseConnection, sales: usize) -> f64 {
    let ledger = LedgerHandle::start(db, Clock::system());
    let started = Instant::now();
    let results = futures_util::future::join_all((0..sales).map(|i| {
        let ledger = ledger.clone();
        async move { ledger.record_sale(record(i)).await }
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
        let naive_db = database(&dir, "naive.db").await;
        let naive_rate = naive(&naive_db, sales).await;
        let actor_db = database(&dir, "actor.db").await;
        let actor_rate = group_commit(actor_db, sales).await;
        println!(
            "{{\"bench\":\"ledger\",\"engine\":\"sqlite\",\"synchronous\":\"full\",\"racers_per_sale\":{RACERS},\
             \"sales\":{sales},\"naive_sales_per_s\":{naive_rate:.0},\"group_commit_sales_per_s\":{actor_rate:.0},\
             \"ratio\":{:.2}}}",
            actor_rate / naive_rate
        );
    });
}
