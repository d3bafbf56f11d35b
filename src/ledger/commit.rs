//! Group commit: one batch of jobs, one database transaction. The batch's sales
//! are written set-wise first (if that fails, the transaction starts again and
//! each sale gets a savepoint of its own); every other job runs in a savepoint
//! of its own, so one failure cannot take unrelated jobs with it, and is retried
//! once on a database error. Jobs are answered only after the commit; if the
//! commit fails, each is tried again alone.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use super::job::Queued;
use super::{sales, LedgerError, Publish, RaceEvent, SaleRecord};

/// What publishes a batch's race credits, if anything does.
type Publisher<'a> = Option<&'a dyn Publish>;

/// Longest one batch's transaction may take before it is abandoned (rolled back,
/// every job answered [`LedgerError::TimedOut`], which callers see as 503): a
/// stuck database must not hold every webhook forever. Far above a healthy
/// batch (tens of milliseconds).
pub const BATCH_DEADLINE: Duration = Duration::from_secs(20);

/// Writes one batch: one transaction, answers after commit. If the commit itself
/// fails, each job is tried again alone and answered after its own commit. A
/// panic while writing is caught: the transaction is dropped (rolled back), the
/// batch's callers get `Stopped` (503, so providers deliver again), and the actor
/// goes on with the next batch.
pub(super) async fn write_batch(
    db: DatabaseConnection,
    publisher: Option<std::sync::Arc<dyn Publish>>,
    jobs: Vec<Box<dyn Queued>>,
) {
    let started = Instant::now();
    let size = jobs.len();
    let written = AssertUnwindSafe(write_jobs(&db, publisher.as_deref(), jobs))
        .catch_unwind()
        .await;
    if written.is_err() {
        tracing::error!(
            jobs = size,
            "ledger batch panicked; its jobs were answered 503"
        );
    }
    tracing::debug!(
        jobs = size,
        elapsed_us = started.elapsed().as_micros() as u64,
        "ledger batch committed"
    );
    metrics::histogram!("cozykart_ledger_batch_size").record(size as f64);
    metrics::histogram!("cozykart_ledger_commit_seconds").record(started.elapsed().as_secs_f64());
}

async fn write_jobs(
    db: &DatabaseConnection,
    publisher: Publisher<'_>,
    mut jobs: Vec<Box<dyn Queued>>,
) {
    match try_batch(db, publisher, &mut jobs).await {
        Ok(()) => jobs.into_iter().for_each(|job| job.reply()),
        Err(LedgerError::TimedOut) => {
            tracing::error!(
                jobs = jobs.len(),
                "ledger batch passed its deadline; rolled back"
            );
            for mut job in jobs {
                job.fail(LedgerError::TimedOut);
                job.reply();
            }
        }
        Err(error) => {
            tracing::warn!(error = ?error.to_string(), jobs = jobs.len(), "ledger batch failed; retrying each job alone");
            for mut job in jobs {
                if let Err(error) = try_batch(db, publisher, std::slice::from_mut(&mut job)).await {
                    job.fail(error);
                }
                job.reply();
            }
        }
    }
}

/// [`write_transaction`] within [`BATCH_DEADLINE`].
async fn try_batch(
    db: &DatabaseConnection,
    publisher: Publisher<'_>,
    jobs: &mut [Box<dyn Queued>],
) -> Result<(), LedgerError> {
    tokio::time::timeout(BATCH_DEADLINE, write_transaction(db, publisher, jobs))
        .await
        .unwrap_or(Err(LedgerError::TimedOut))
}

/// The batch's sales set-wise (or, if that fails, in a new transaction one by
/// one in savepoints), then every other job in a savepoint of its own, then the
/// publication of the races' events, then the commit; each job keeps its result. On SQLite the transaction takes the write
/// lock at `BEGIN IMMEDIATE`, so it never fails halfway to upgrade a read lock.
async fn write_transaction(
    db: &DatabaseConnection,
    publisher: Publisher<'_>,
    jobs: &mut [Box<dyn Queued>],
) -> Result<(), LedgerError> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let started = Instant::now();
    let mut tx = db.begin_with_options(options).await?;
    let begun = started.elapsed();
    let done = match record_sales_together(&tx, jobs).await {
        Ok(done) => done,
        Err(error) => {
            // Nothing else was written yet: start the transaction again.
            tracing::warn!(error = ?error.to_string(), "set-wise sale batch failed; recording one by one");
            tx.rollback().await?;
            tx = db.begin_with_options(options).await?;
            vec![false; jobs.len()]
        }
    };
    for (job, done) in jobs.iter_mut().zip(done) {
        if !done {
            run_in_savepoint(&tx, job.as_mut()).await;
        }
    }
    if let Some(publisher) = publisher {
        publish_events(&tx, publisher, jobs).await?;
    }
    let written = started.elapsed();
    tx.commit().await?;
    tracing::debug!(
        begin_us = begun.as_micros() as u64,
        written_us = written.as_micros() as u64,
        committed_us = started.elapsed().as_micros() as u64,
        "ledger transaction"
    );
    Ok(())
}

/// Writes every sale of the batch set-wise, first in its transaction (so with
/// no savepoint: two round trips less per batch); returns which jobs it
/// answered. If it fails (a concurrent duplicate on another instance, say), no
/// job is answered and the caller rolls the transaction back; each sale then
/// runs alone in its own savepoint of a new one.
async fn record_sales_together(
    tx: &DatabaseTransaction,
    jobs: &mut [Box<dyn Queued>],
) -> Result<Vec<bool>, LedgerError> {
    let mut done = vec![false; jobs.len()];
    let (indices, records): (Vec<usize>, Vec<&SaleRecord>) = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| job.sale().map(|record| (i, record)))
        .unzip();
    if records.len() < 2 {
        return Ok(done);
    }
    let outcomes = sales::record_sales(tx, &records).await?;
    for (i, outcome) in indices.into_iter().zip(outcomes) {
        jobs[i].recorded(outcome);
        done[i] = true;
    }
    Ok(done)
}

/// Runs one job inside a savepoint; a database failure is retried once in a fresh
/// savepoint (a concurrent duplicate on PostgreSQL then reads as a duplicate).
async fn run_in_savepoint(tx: &DatabaseTransaction, job: &mut dyn Queued) {
    for _attempt in 0..2 {
        let savepoint = match tx.begin().await {
            Ok(savepoint) => savepoint,
            Err(error) => return job.fail(error.into()),
        };
        let error = match job.run(&savepoint).await {
            Ok(()) => {
                if let Err(error) = savepoint.commit().await {
                    job.fail(error.into());
                }
                return;
            }
            Err(error) => error,
        };
        if let Err(error) = savepoint.rollback().await {
            return job.fail(error.into());
        }
        if !matches!(error, LedgerError::Database(_)) {
            return;
        }
    }
}

/// Publishes the batch's lobby events in its transaction (the race credits of
/// its new and re-attributed sales, then what its refunds and re-attributions
/// took back) and writes each one's event number back where it came from. The
/// publisher locks the lobbies' rows in id order (until the commit), so two
/// processes' batches cannot deadlock on them; one lobby's events keep the
/// batch's order.
async fn publish_events(
    tx: &DatabaseTransaction,
    publisher: &dyn Publish,
    jobs: &mut [Box<dyn Queued>],
) -> Result<(), LedgerError> {
    let mut events = Vec::new();
    for (job, queued) in jobs.iter_mut().enumerate() {
        if let Some(recorded) = queued.credits_mut() {
            for (n, credit) in recorded.iter().enumerate() {
                events.push((Place::Credit(job, n), RaceEvent::Credit(credit.clone())));
            }
        }
        for (n, delta) in queued.clawbacks_mut().into_iter().enumerate() {
            events.push((Place::Clawback(job, n), RaceEvent::Clawback(delta.clone())));
        }
    }
    if events.is_empty() {
        return Ok(());
    }
    events.sort_by_key(|(_, event)| event.lobby_id());
    let (places, events): (Vec<_>, Vec<_>) = events.into_iter().unzip();
    let seqs = publisher.publish(tx, &events).await?;
    for (place, seq) in places.into_iter().zip(seqs) {
        match place {
            Place::Credit(job, n) => {
                if let Some(credit) = jobs[job].credits_mut().and_then(|c| c.get_mut(n)) {
                    credit.seq = seq;
                }
            }
            Place::Clawback(job, n) => {
                if let Some(delta) = jobs[job].clawbacks_mut().into_iter().nth(n) {
                    delta.seq = seq;
                }
            }
        }
    }
    Ok(())
}

/// Where a published event came from: its job, and its place among the job's
/// credits or clawbacks.
enum Place {
    Credit(usize, usize),
    Clawback(usize, usize),
}
