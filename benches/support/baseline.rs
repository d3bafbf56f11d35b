//! The two baselines every throughput figure is compared with, writing the same
//! rows a sale needs (the sale, one allocation per racer, the racers' balances):
//! - naive: one transaction per sale, one statement per row (the design replaced);
//! - limit: the plainest batched loop, 100 sales per transaction, multi-row inserts
//!   (what the storage engine can do).

use std::time::Instant;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait, Value};

/// Sales per transaction of the storage-limit loop.
pub const LIMIT_BATCH: usize = 100;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// The baselines are plain hand-written SQL with `?` placeholders, numbered
/// `$1, $2, ...` for PostgreSQL.
fn sql(db: &DatabaseConnection, text: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let mut numbered = String::with_capacity(text.len() + 8);
    let mut n = 0;
    for c in text.chars() {
        if c == '?' && backend == sea_orm::DbBackend::Postgres {
            n += 1;
            numbered.push_str(&format!("${n}"));
        } else {
            numbered.push(c);
        }
    }
    Statement::from_sql_and_values(backend, numbered, values)
}

/// One transaction per sale; one INSERT per row and one upsert per balance.
pub async fn naive(db: &DatabaseConnection, sales: usize, racers: usize) -> f64 {
    let started = Instant::now();
    for i in 0..sales {
        let tx = db.begin().await.expect("begin");
        let at = now();
        let insert = sql(
            db,
            "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
             refunded_minor, sold_at, received_at, buyer_public) VALUES ('stripe', 'naive', ?, 2249, 'USD', 449, 0, ?, ?, false)",
            vec![format!("naive_{i}").into(), at.into(), at.into()],
        );
        tx.execute_raw(insert).await.expect("sale");
        for r in 0..racers {
            tx.execute_raw(sql(
                db,
                "INSERT INTO allocations (sale_id, lobby_id, guild_id, discord_id, currency, amount_minor, \
                 reversed_minor, status, available_at, created_at) VALUES (?, 1, 'g', ?, 'USD', 56, 0, 'pending', ?, ?)",
                vec![(i as i64).into(), format!("naive{r}").into(), at.into(), at.into()],
            ))
            .await
            .expect("allocation");
            tx.execute_raw(sql(
                db,
                "INSERT INTO balances (guild_id, discord_id, currency, available_minor, pending_minor, paid_minor) \
                 VALUES ('g', ?, 'USD', 0, 56, 0) ON CONFLICT (guild_id, discord_id, currency) DO UPDATE \
                 SET pending_minor = balances.pending_minor + excluded.pending_minor",
                vec![format!("naive{r}").into()],
            ))
            .await
            .expect("balance");
        }
        tx.commit().await.expect("commit");
    }
    sales as f64 / started.elapsed().as_secs_f64()
}

/// 100 sales per transaction: one multi-row INSERT for the sales, one for their
/// allocations, one balance upsert per racer.
pub async fn limit(db: &DatabaseConnection, sales: usize, racers: usize) -> f64 {
    let started = Instant::now();
    let mut i = 0;
    while i < sales {
        let n = LIMIT_BATCH.min(sales - i);
        let tx = db.begin().await.expect("begin");
        let at = now();
        let mut values: Vec<Value> = Vec::new();
        let rows: Vec<&str> = (0..n)
            .map(|k| {
                values.extend([format!("limit_{}", i + k).into(), at.into(), at.into()]);
                "('stripe', 'limit', ?, 2249, 'USD', 449, 0, ?, ?, false)"
            })
            .collect();
        tx.execute_raw(sql(
            db,
            &format!(
                "INSERT INTO sales (provider, shop, provider_sale_id, amount_minor, currency, pool_minor, \
                 refunded_minor, sold_at, received_at, buyer_public) VALUES {}",
                rows.join(",")
            ),
            values,
        ))
        .await
        .expect("sales");
        let mut values: Vec<Value> = Vec::new();
        let mut rows = Vec::new();
        for k in 0..n {
            for r in 0..racers {
                values.extend([
                    ((i + k) as i64).into(),
                    format!("limit{r}").into(),
                    at.into(),
                    at.into(),
                ]);
                rows.push("(?, 1, 'g', ?, 'USD', 56, 0, 'pending', ?, ?)");
            }
        }
        tx.execute_raw(sql(
            db,
            &format!(
                "INSERT INTO allocations (sale_id, lobby_id, guild_id, discord_id, currency, amount_minor, \
                 reversed_minor, status, available_at, created_at) VALUES {}",
                rows.join(",")
            ),
            values,
        ))
        .await
        .expect("allocations");
        for r in 0..racers {
            tx.execute_raw(sql(
                db,
                "INSERT INTO balances (guild_id, discord_id, currency, available_minor, pending_minor, paid_minor) \
                 VALUES ('g', ?, 'USD', 0, ?, 0) ON CONFLICT (guild_id, discord_id, currency) DO UPDATE \
                 SET pending_minor = balances.pending_minor + excluded.pending_minor",
                vec![format!("limit{r}").into(), (56 * n as i64).into()],
            ))
            .await
            .expect("balance");
        }
        tx.commit().await.expect("commit");
        i += n;
    }
    sales as f64 / started.elapsed().as_secs_f64()
}
