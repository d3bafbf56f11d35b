//! Ledger audit: recomputes every balance from the journal and the allocations,
//! checks that each journal transaction sums to zero per currency, and reports
//! every difference. Used by `cozykart verify` and `GET /api/admin/ledger/verify`.

use std::collections::BTreeMap;

use entity::balance;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Statement};
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Difference {
    /// What disagrees: `unbalanced_transaction`, `racer_balance`, `paid_balance`
    /// and `reserved_balance` (journal against balances over guilds),
    /// `pending_balance`, `paid_balance`, `reserved_balance` and `guild_balance`
    /// (one guild's balance against its allocations and payouts).
    pub kind: &'static str,
    /// Transaction, racer, or `racer@guild` concerned.
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

/// Rows of a query selecting `N` text keys and then one sum, as (keys, sum).
async fn sums<const N: usize>(
    db: &impl ConnectionTrait,
    sql: &str,
) -> Result<Vec<([String; N], i64)>, DbErr> {
    let backend = db.get_database_backend();
    let result = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    result
        .iter()
        .map(|row| {
            let mut keys: [String; N] = std::array::from_fn(|_| String::new());
            for (i, key) in keys.iter_mut().enumerate() {
                *key = row.try_get_by_index::<String>(i)?;
            }
            Ok((keys, row.try_get_by_index::<i64>(N)?))
        })
        .collect()
}

/// Sums keyed by (guild, racer, currency) from a query selecting those and a sum.
async fn per_guild(
    db: &impl ConnectionTrait,
    sql: &str,
) -> Result<BTreeMap<(String, String, String), i64>, DbErr> {
    Ok(sums::<3>(db, sql)
        .await?
        .into_iter()
        .map(|([guild, racer, currency], sum)| ((guild, racer, currency), sum))
        .collect())
}

/// Runs every check; `ok` is true only when nothing differs.
pub async fn verify(db: &impl ConnectionTrait) -> Result<VerifyReport, DbErr> {
    let mut differences = Vec::new();

    let unbalanced = sums::<2>(
        db,
        "SELECT CAST(transaction_id AS TEXT), currency, CAST(SUM(amount_minor) AS BIGINT) \
         FROM journal_entries GROUP BY transaction_id, currency HAVING SUM(amount_minor) <> 0",
    )
    .await?;
    for ([transaction, currency], sum) in unbalanced {
        differences.push(Difference {
            kind: "unbalanced_transaction",
            subject: transaction,
            currency,
            expected_minor: 0,
            actual_minor: sum,
        });
    }

    let accounts: BTreeMap<(String, String), i64> = sums::<2>(
        db,
        "SELECT account, currency, CAST(SUM(amount_minor) AS BIGINT) \
         FROM journal_entries GROUP BY account, currency",
    )
    .await?
    .into_iter()
    .map(|([account, currency], sum)| ((account, currency), sum))
    .collect();
    // Per guild, racer and currency: what the allocations and payouts say.
    let allocated = per_guild(
        db,
        "SELECT guild_id, discord_id, currency, CAST(SUM(amount_minor - reversed_minor) AS BIGINT) \
         FROM allocations GROUP BY guild_id, discord_id, currency",
    )
    .await?;
    let pending = per_guild(
        db,
        "SELECT guild_id, discord_id, currency, CAST(SUM(amount_minor - reversed_minor) AS BIGINT) \
         FROM allocations WHERE status = 'pending' GROUP BY guild_id, discord_id, currency",
    )
    .await?;
    let paid = per_guild(
        db,
        "SELECT guild_id, discord_id, currency, CAST(SUM(amount_minor) AS BIGINT) \
         FROM payouts WHERE state = 'paid' GROUP BY guild_id, discord_id, currency",
    )
    .await?;
    // Set aside while a shop's API issues store credit.
    let reserved = per_guild(
        db,
        "SELECT guild_id, discord_id, currency, CAST(SUM(amount_minor) AS BIGINT) \
         FROM payouts WHERE state = 'reserved' GROUP BY guild_id, discord_id, currency",
    )
    .await?;

    let balances = balance::Entity::find().all(db).await?;
    // Per racer and currency, summed over guilds: what the journal must hold.
    let mut held: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for b in &balances {
        let key = (b.guild_id.clone(), b.discord_id.clone(), b.currency.clone());
        let total = held
            .entry((b.discord_id.clone(), b.currency.clone()))
            .or_default();
        total.0 += b.available_minor + b.pending_minor;
        total.1 += b.paid_minor;
        total.2 += b.reserved_minor;
        let got = |map: &BTreeMap<_, i64>| map.get(&key).copied().unwrap_or(0);
        let subject = format!("{}@{}", b.discord_id, b.guild_id);
        for (kind, expected, actual) in [
            ("pending_balance", got(&pending), b.pending_minor),
            ("paid_balance", got(&paid), b.paid_minor),
            ("reserved_balance", got(&reserved), b.reserved_minor),
            (
                "guild_balance",
                got(&allocated) - got(&paid) - got(&reserved),
                b.available_minor + b.pending_minor,
            ),
        ] {
            if expected != actual {
                differences.push(Difference {
                    kind,
                    subject: subject.clone(),
                    currency: b.currency.clone(),
                    expected_minor: expected,
                    actual_minor: actual,
                });
            }
        }
    }
    // A guild's allocations or payouts with no balance row are a missing cache.
    let cached: std::collections::HashSet<(&str, &str, &str)> = balances
        .iter()
        .map(|b| {
            (
                b.guild_id.as_str(),
                b.discord_id.as_str(),
                b.currency.as_str(),
            )
        })
        .collect();
    for key in allocated.keys().chain(paid.keys()).chain(reserved.keys()) {
        let has_row = cached.contains(&(key.0.as_str(), key.1.as_str(), key.2.as_str()));
        let got = |map: &BTreeMap<_, i64>| map.get(key).copied().unwrap_or(0);
        let net = got(&allocated) - got(&paid) - got(&reserved);
        if !has_row && net != 0 {
            differences.push(Difference {
                kind: "guild_balance",
                subject: format!("{}@{}", key.1, key.0),
                currency: key.2.clone(),
                expected_minor: net,
                actual_minor: 0,
            });
        }
    }
    // The journal's racer and payouts accounts against the balances over guilds.
    let mut racers: Vec<(String, String)> = held.keys().cloned().collect();
    for (account, currency) in accounts.keys() {
        if let Some(racer) = account.strip_prefix("racer:") {
            racers.push((racer.to_owned(), currency.clone()));
        }
    }
    racers.sort();
    racers.dedup();
    for (racer, currency) in racers {
        let (balance, paid_total, reserved_total) = held
            .get(&(racer.clone(), currency.clone()))
            .copied()
            .unwrap_or((0, 0, 0));
        let journal = |account: String| account_sum(&accounts, &account, &currency);
        for (kind, expected, actual) in [
            (
                "racer_balance",
                journal(super::racer_account(&racer)),
                balance,
            ),
            (
                "paid_balance",
                journal(super::payouts_account(&racer)),
                paid_total,
            ),
            (
                "reserved_balance",
                journal(super::reserved_account(&racer)),
                reserved_total,
            ),
        ] {
            if expected != actual {
                differences.push(Difference {
                    kind,
                    subject: racer.clone(),
                    currency: currency.clone(),
                    expected_minor: expected,
                    actual_minor: actual,
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
