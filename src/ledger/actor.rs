//! LedgerActor: the one writer of money. Messages queue up while a batch commits;
//! the next flush writes everything queued in one database transaction (group
//! commit), each job inside its own savepoint so that one failure cannot take
//! unrelated jobs with it, and answers every job only after the commit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::oneshot;

use super::{
    write, LedgerError, PayoutRecord, PayoutRequest, RefundOutcome, RefundRecord, SaleOutcome,
    SaleRecord,
};
use crate::clock::Clock;

/// Most jobs written in one transaction: bounds transaction time and memory.
pub const BATCH_MAX: usize = 512;
/// Most jobs queued or in flight before callers are told to come back later
/// (the webhook edge turns this into 503 + `Retry-After`).
pub const IN_FLIGHT_MAX: usize = 8_192;
/// How often pending allocations whose hold has passed are made available.
pub const MATURE_EVERY: Duration = Duration::from_secs(60);

/// Record a sale with its allocations (idempotent on event and sale ids).
#[derive(Message)]
#[rtype(result = "Result<SaleOutcome, LedgerError>")]
pub struct RecordSale(pub SaleRecord);

/// Record a refund: proportional clawback now, or kept until its sale arrives.
#[derive(Message)]
#[rtype(result = "Result<RefundOutcome, LedgerError>")]
pub struct RecordRefund(pub RefundRecord);

/// Pay available money out to a racer, after the payout rules.
#[derive(Message)]
#[rtype(result = "Result<PayoutRecord, LedgerError>")]
pub struct RecordPayout(pub PayoutRequest);

/// Make pending allocations whose hold ended by `now` available.
#[derive(Message)]
#[rtype(result = "Result<usize, LedgerError>")]
pub struct Mature(pub DateTime<Utc>);

/// Answered once every job queued before it has committed (graceful shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;

/// Write what is queued (sent by the actor to itself).
#[derive(Message)]
#[rtype(result = "()")]
struct Flush;

enum Job {
    Sale(
        SaleRecord,
        oneshot::Sender<Result<SaleOutcome, LedgerError>>,
    ),
    Refund(
        RefundRecord,
        oneshot::Sender<Result<RefundOutcome, LedgerError>>,
    ),
    Payout(
        PayoutRequest,
        oneshot::Sender<Result<PayoutRecord, LedgerError>>,
    ),
    Mature(DateTime<Utc>, oneshot::Sender<Result<usize, LedgerError>>),
    Barrier(oneshot::Sender<()>),
}

/// A job's answer, held until the transaction commits.
enum Answer {
    Sale(Result<SaleOutcome, LedgerError>),
    Refund(Result<RefundOutcome, LedgerError>),
    Payout(Result<PayoutRecord, LedgerError>),
    Mature(Result<usize, LedgerError>),
    Barrier,
}

impl Answer {
    fn failed_in_database(&self) -> bool {
        let error = match self {
            Answer::Sale(Err(e)) => Some(e),
            Answer::Refund(Err(e)) => Some(e),
            Answer::Payout(Err(e)) => Some(e),
            Answer::Mature(Err(e)) => Some(e),
            _ => None,
        };
        matches!(error, Some(LedgerError::Database(_)))
    }

    fn is_err(&self) -> bool {
        matches!(
            self,
            Answer::Sale(Err(_))
                | Answer::Refund(Err(_))
                | Answer::Payout(Err(_))
                | Answer::Mature(Err(_))
        )
    }
}

impl Job {
    async fn run(&self, tx: &DatabaseTransaction) -> Answer {
        match self {
            Job::Sale(record, _) => Answer::Sale(write::record_sale(tx, record).await),
            Job::Refund(record, _) => Answer::Refund(write::record_refund(tx, record).await),
            Job::Payout(request, _) => Answer::Payout(write::record_payout(tx, request).await),
            Job::Mature(now, _) => Answer::Mature(write::mature(tx, *now).await),
            Job::Barrier(_) => Answer::Barrier,
        }
    }

    /// The answer that reports `error` for this job.
    fn failure(&self, error: LedgerError) -> Answer {
        match self {
            Job::Sale(..) => Answer::Sale(Err(error)),
            Job::Refund(..) => Answer::Refund(Err(error)),
            Job::Payout(..) => Answer::Payout(Err(error)),
            Job::Mature(..) => Answer::Mature(Err(error)),
            Job::Barrier(_) => Answer::Barrier,
        }
    }

    fn reply(self, answer: Answer) {
        // A caller that gave up (dropped its receiver) needs no answer.
        let _ = match (self, answer) {
            (Job::Sale(_, tx), Answer::Sale(r)) => tx.send(r).map_err(drop),
            (Job::Refund(_, tx), Answer::Refund(r)) => tx.send(r).map_err(drop),
            (Job::Payout(_, tx), Answer::Payout(r)) => tx.send(r).map_err(drop),
            (Job::Mature(_, tx), Answer::Mature(r)) => tx.send(r).map_err(drop),
            (Job::Barrier(tx), _) => tx.send(()).map_err(drop),
            _ => unreachable!("answers are built from their own job"),
        };
    }
}

/// Runs one job inside a savepoint; a database failure is retried once in a fresh
/// savepoint (a concurrent duplicate on PostgreSQL then reads as a duplicate).
async fn run_in_savepoint(tx: &DatabaseTransaction, job: &Job) -> Answer {
    let mut answer = Answer::Barrier;
    for _attempt in 0..2 {
        let savepoint = match tx.begin().await {
            Ok(savepoint) => savepoint,
            Err(error) => return job.failure(error.into()),
        };
        answer = job.run(&savepoint).await;
        if !answer.is_err() {
            return match savepoint.commit().await {
                Ok(()) => answer,
                Err(error) => job.failure(error.into()),
            };
        }
        let retry = answer.failed_in_database();
        if let Err(error) = savepoint.rollback().await {
            return job.failure(error.into());
        }
        if !retry {
            break;
        }
    }
    answer
}

/// Writes one batch: one transaction, one savepoint per job, answers after commit.
/// If the commit itself fails, each job is tried again alone.
async fn write_batch(db: DatabaseConnection, jobs: Vec<Job>) {
    let started = Instant::now();
    let size = jobs.len();
    match try_batch(&db, &jobs).await {
        Ok(answers) => {
            for (job, answer) in jobs.into_iter().zip(answers) {
                job.reply(answer);
            }
        }
        Err(error) => {
            tracing::warn!(%error, jobs = size, "ledger batch failed; retrying each job alone");
            for job in jobs {
                let answer = match try_batch(&db, std::slice::from_ref(&job)).await {
                    Ok(mut answers) => answers.pop().unwrap_or(Answer::Barrier),
                    Err(error) => job.failure(error),
                };
                job.reply(answer);
            }
        }
    }
    tracing::debug!(
        jobs = size,
        elapsed_us = started.elapsed().as_micros() as u64,
        "ledger batch committed"
    );
    metrics::histogram!("cozykart_ledger_batch_size").record(size as f64);
    metrics::histogram!("cozykart_ledger_commit_seconds").record(started.elapsed().as_secs_f64());
}

async fn try_batch(db: &DatabaseConnection, jobs: &[Job]) -> Result<Vec<Answer>, LedgerError> {
    let tx = db.begin().await?;
    let mut answers: Vec<Option<Answer>> = Vec::with_capacity(jobs.len());
    answers.resize_with(jobs.len(), || None);
    record_sales_together(&tx, jobs, &mut answers).await;
    for (job, answer) in jobs.iter().zip(answers.iter_mut()) {
        if answer.is_none() {
            *answer = Some(run_in_savepoint(&tx, job).await);
        }
    }
    tx.commit().await?;
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or(Answer::Barrier))
        .collect())
}

/// Writes every sale of the batch set-wise in one savepoint. If that fails (a
/// concurrent duplicate on another instance, say), the sales are left unanswered
/// and each then runs alone in its own savepoint.
async fn record_sales_together(
    tx: &DatabaseTransaction,
    jobs: &[Job],
    answers: &mut [Option<Answer>],
) {
    let sales: Vec<(usize, &SaleRecord)> = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| match job {
            Job::Sale(record, _) => Some((i, record)),
            _ => None,
        })
        .collect();
    if sales.len() < 2 {
        return;
    }
    let Ok(savepoint) = tx.begin().await else {
        return;
    };
    let records: Vec<&SaleRecord> = sales.iter().map(|(_, r)| *r).collect();
    match super::batch::record_sales(&savepoint, &records).await {
        Ok(outcomes) => {
            if savepoint.commit().await.is_ok() {
                for ((i, _), outcome) in sales.iter().zip(outcomes) {
                    answers[*i] = Some(Answer::Sale(Ok(outcome)));
                }
            }
        }
        Err(error) => {
            tracing::warn!(%error, sales = sales.len(), "set-wise sale batch failed; recording one by one");
            let _ = savepoint.rollback().await;
        }
    }
}

pub struct LedgerActor {
    /// Pool the batches write through; read by nothing else in the actor.
    db: DatabaseConnection,
    /// Jobs waiting for the next flush, in arrival order.
    queue: Vec<Job>,
    /// Whether a `Flush` is already on its way, so only one is queued at a time.
    flush_scheduled: bool,
    /// Source of "now" for maturing holds.
    clock: Clock,
}

impl LedgerActor {
    pub fn new(db: DatabaseConnection, clock: Clock) -> Self {
        LedgerActor {
            db,
            queue: Vec::new(),
            flush_scheduled: false,
            clock,
        }
    }

    fn enqueue(&mut self, job: Job, ctx: &mut Context<Self>) {
        self.queue.push(job);
        if !self.flush_scheduled {
            self.flush_scheduled = true;
            ctx.notify(Flush);
        }
    }
}

impl Actor for LedgerActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(IN_FLIGHT_MAX);
        ctx.run_interval(MATURE_EVERY, |actor, ctx| {
            let (tx, _rx) = oneshot::channel();
            let now = actor.clock.now();
            actor.enqueue(Job::Mature(now, tx), ctx);
        });
    }
}

impl Handler<Flush> for LedgerActor {
    type Result = ();

    fn handle(&mut self, _: Flush, ctx: &mut Context<Self>) {
        self.flush_scheduled = false;
        let take = self.queue.len().min(BATCH_MAX);
        let batch: Vec<Job> = self.queue.drain(..take).collect();
        if !self.queue.is_empty() {
            self.flush_scheduled = true;
            ctx.notify(Flush);
        }
        if batch.is_empty() {
            return;
        }
        // `wait` holds the mailbox until the batch committed: messages arriving
        // meanwhile queue up and form the next batch.
        ctx.wait(write_batch(self.db.clone(), batch).into_actor(self));
    }
}

macro_rules! queued_handler {
    ($message:ty, $answer:ty, $job:expr) => {
        impl Handler<$message> for LedgerActor {
            type Result = ResponseFuture<Result<$answer, LedgerError>>;

            fn handle(&mut self, message: $message, ctx: &mut Context<Self>) -> Self::Result {
                let (tx, rx) = oneshot::channel();
                self.enqueue($job(message.0, tx), ctx);
                Box::pin(async move { rx.await.unwrap_or(Err(LedgerError::Stopped)) })
            }
        }
    };
}

queued_handler!(RecordSale, SaleOutcome, Job::Sale);
queued_handler!(RecordRefund, RefundOutcome, Job::Refund);
queued_handler!(RecordPayout, PayoutRecord, Job::Payout);
queued_handler!(Mature, usize, Job::Mature);

impl Handler<Drain> for LedgerActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.enqueue(Job::Barrier(tx), ctx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

/// The way the rest of the server talks to the ledger: counts what is in flight
/// and refuses new work past [`IN_FLIGHT_MAX`] instead of queueing without bound.
#[derive(Clone)]
pub struct LedgerHandle {
    addr: Addr<LedgerActor>,
    in_flight: Arc<AtomicUsize>,
    /// The ledger's thread; stopped when the last handle goes.
    _arbiter: Arc<ArbiterGuard>,
}

/// Stops an arbiter's thread when dropped.
pub struct ArbiterGuard(pub Arbiter);

impl Drop for ArbiterGuard {
    fn drop(&mut self) {
        self.0.stop();
    }
}

impl LedgerHandle {
    /// Starts the LedgerActor on a thread (arbiter) of its own, so that building
    /// and decoding its batches never waits behind request handling.
    pub fn start(db: DatabaseConnection, clock: Clock) -> Self {
        let arbiter = Arbiter::new();
        let addr =
            LedgerActor::start_in_arbiter(&arbiter.handle(), move |_| LedgerActor::new(db, clock));
        LedgerHandle {
            addr,
            in_flight: Arc::new(AtomicUsize::new(0)),
            _arbiter: Arc::new(ArbiterGuard(arbiter)),
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    async fn ask<M>(&self, message: M) -> Result<M::Result, LedgerError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        LedgerActor: Handler<M>,
    {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let answer = if before >= IN_FLIGHT_MAX {
            Err(LedgerError::Saturated)
        } else {
            self.addr
                .send(message)
                .await
                .map_err(|_| LedgerError::Stopped)
        };
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        answer
    }

    pub async fn record_sale(&self, record: SaleRecord) -> Result<SaleOutcome, LedgerError> {
        self.ask(RecordSale(record)).await?
    }

    pub async fn record_refund(&self, record: RefundRecord) -> Result<RefundOutcome, LedgerError> {
        self.ask(RecordRefund(record)).await?
    }

    pub async fn record_payout(&self, request: PayoutRequest) -> Result<PayoutRecord, LedgerError> {
        self.ask(RecordPayout(request)).await?
    }

    pub async fn mature(&self, now: DateTime<Utc>) -> Result<usize, LedgerError> {
        self.ask(Mature(now)).await?
    }

    /// Waits until everything queued so far has committed.
    pub async fn drain(&self) {
        let _ = self.addr.send(Drain).await;
    }
}
