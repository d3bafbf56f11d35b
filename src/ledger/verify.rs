//! Ledger audit: recomputes every balance from the journal and the allocations,
//! checks that each journal transaction sums to zero per currency, and reports
//! every difference. Used by `cozykart verify` and `GET /api/admin/ledger/verify`.

use std::collections::BTreeMap;

use entity::balance;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Statement};
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Difference {
    /// What disagrees: `unbalanced_transaction`, `racer_balance`, `paid_balance`,
    /// `pending_balance`, `allocations_vs_journal`.
    pub kind: &'static str,
    /// Account, racer or transaction concerned.
    pub subject: String,
    pub currency: String,
    /// Minor units the journal (or allocations) say.
    pub expected_minor: i64,
    /// Minor units the cache (or other side) holds.
    pub actual_minor: i64,
}

#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub differences: Vec<Difference>,
    /// How many journal transactions and balances were checked.
    pub transactions: i64,
    pub balances: usize,
}

async fn rows(db: &impl ConnectionTrait, sql: &str) -> Result<Vec<(String, String, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let result = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    result
        .iter()
        .map(|row| {
            Ok((
                row.try_get_by_index::<String>(0)?,
                row.try_get_by_index::<String>(1)?,
                row.try_get_by_index::<i64>(2)?,
            ))
        })
        .collect()
}

/// Runs every check; `ok` is true only when nothing differs.
pub async fn verify(db: &impl ConnectionTrait) -> Result<VerifyReport, DbErr> {
    let mut differences = Vec::new();

    let unbalanced = rows(
        db,
        "SELECT CAST(transaction_id AS TEXT), currency, CAST(SUM(amount_minor) AS BIGINT) \
         FROM journal_entries GROUP BY transaction_id, currency HAVING SUM(amount_minor) <> 0",
    )
    .await?;
    for (transaction, currency, sum) in unbalanced {
        differences.push(Difference {
            kind: "unbalanced_transaction",
            subject: transaction,
            currency,
            expected_minor: 0,
            actual_minor: sum,
        });
    }

    let accounts: BTreeMap<(String, String), i64> = rows(
        db,
        "SELECT account, currency, CAST(SUM(amount_minor) AS BIGINT) \
         FROM journal_entries GROUP BY account, currency",
    )
    .await?
    .into_iter()
    .map(|(account, currency, sum)| ((account, currency), sum))
    .collect();
    let allocated: BTreeMap<(String, String), i64> = rows(
        db,
        "SELECT discord_id, currency, CAST(SUM(amount_minor - reversed_minor) AS BIGINT) \
         FROM allocations GROUP BY discord_id, currency",
    )
    .await?
    .into_iter()
    .map(|(racer, currency, sum)| ((racer, currency), sum))
    .collect();
    let pending: BTreeMap<(String, String), i64> = rows(
        db,
        "SELECT discord_id, currency, CAST(SUM(amount_minor - reversed_minor) AS BIGINT) \
         FROM allocations WHERE status = 'pending' GROUP BY discord_id, currency",
    )
    .await?
    .into_iter()
    .map(|(racer, currency, sum)| ((racer, currency), sum))
    .collect();

    let balances = balance::Entity::find().all(db).await?;
    let mut seen = BTreeMap::new();
    for b in &balances {
        let key = (b.discord_id.clone(), b.currency.clone());
        seen.insert(key.clone(), ());
        let journal_racer =
            account_sum(&accounts, &super::racer_account(&b.discord_id), &b.currency);
        let journal_paid = account_sum(
            &accounts,
            &super::payouts_account(&b.discord_id),
            &b.currency,
        );
        let mut check = |kind, expected: i64, actual: i64| {
            if expected != actual {
                differences.push(Difference {
                    kind,
                    subject: b.discord_id.clone(),
                    currency: b.currency.clone(),
                    expected_minor: expected,
                    actual_minor: actual,
                });
            }
        };
        check(
            "racer_balance",
            journal_racer,
            b.available_minor + b.pending_minor,
        );
        check("paid_balance", journal_paid, b.paid_minor);
        check(
            "pending_balance",
            pending.get(&key).copied().unwrap_or(0),
            b.pending_minor,
        );
        check(
            "allocations_vs_journal",
            allocated.get(&key).copied().unwrap_or(0) - journal_paid,
            journal_racer,
        );
    }
    // A racer account in the journal with no balance row is a missing cache.
    for ((account, currency), sum) in &accounts {
        if let Some(racer) = account.strip_prefix("racer:") {
            if !seen.contains_key(&(racer.to_owned(), currency.clone())) && *sum != 0 {
                differences.push(Difference {
                    kind: "racer_balance",
                    subject: racer.to_owned(),
                    currency: currency.clone(),
                    expected_minor: *sum,
                    actual_minor: 0,
                });
            }
        }
    }

    let backend = db.get_database_backend();
    let transactions = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM journal_transactions",
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    Ok(VerifyReport {
        ok: differences.is_empty(),
        differences,
        transactions,
        balances: balances.len(),
    })
}

fn account_sum(accounts: &BTreeMap<(String, String), i64>, account: &str, currency: &str) -> i64 {
    accounts
        .get(&(account.to_owned(), currency.to_owned()))
        .copied()
        .unwrap_or(0)
}
