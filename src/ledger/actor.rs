//! LedgerActor: the one writer of money. Messages queue up as jobs while a batch
//! commits; the next flush hands up to [`BATCH_MAX`] of them to the group commit
//! (`commit`), which writes them in one database transaction and answers every
//! job only after it committed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::commit::write_batch;
use super::job::{Answer, FromSaleOutcome, Job, Queued, Write};
use super::{
    maturing, payouts, refunds, sales, LedgerError, PayoutRecord, PayoutRequest, RefundOutcome,
    RefundRecord, SaleOutcome, SaleRecord,
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

/// A request that writes nothing: answered once every job queued before it
/// has committed (what [`Drain`] waits for).
struct Barrier;

impl Write for RecordSale {
    type Output = SaleOutcome;

    fn write<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<SaleOutcome, LedgerError>> {
        Box::pin(sales::record_sale(tx, &self.0))
    }

    fn sale(&self) -> Option<(&SaleRecord, FromSaleOutcome<SaleOutcome>)> {
        Some((&self.0, |outcome| outcome))
    }
}

impl Write for RecordRefund {
    type Output = RefundOutcome;

    fn write<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<RefundOutcome, LedgerError>> {
        Box::pin(refunds::record_refund(tx, &self.0))
    }
}

impl Write for RecordPayout {
    type Output = PayoutRecord;

    fn write<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<PayoutRecord, LedgerError>> {
        Box::pin(payouts::record_payout(tx, &self.0))
    }
}

impl Write for Mature {
    type Output = usize;

    fn write<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<usize, LedgerError>> {
        Box::pin(maturing::mature(tx, self.0))
    }
}

impl Write for Barrier {
    type Output = ();

    fn write<'a>(&'a self, _: &'a DatabaseTransaction) -> BoxFuture<'a, Result<(), LedgerError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Write what is queued (sent by the actor to itself).
#[derive(Message)]
#[rtype(result = "()")]
struct Flush;

pub struct LedgerActor {
    /// Pool the batches write through; read by nothing else in the actor.
    db: DatabaseConnection,
    /// Jobs waiting for the next flush, in arrival order.
    queue: Vec<Box<dyn Queued>>,
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

    /// Queues `request` for the next batch; its answer comes after the commit.
    fn enqueue<W: Write>(&mut self, request: W, ctx: &mut Context<Self>) -> Answer<W::Output> {
        let (job, answer) = Job::new(request);
        self.queue.push(Box::new(job));
        if !self.flush_scheduled {
            self.flush_scheduled = true;
            ctx.notify(Flush);
        }
        answer
    }
}

impl Actor for LedgerActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(IN_FLIGHT_MAX);
        ctx.run_interval(MATURE_EVERY, |actor, ctx| {
            // Nobody waits for the periodic run's answer.
            let now = actor.clock.now();
            drop(actor.enqueue(Mature(now), ctx));
        });
    }
}

impl Handler<Flush> for LedgerActor {
    type Result = ();

    fn handle(&mut self, _: Flush, ctx: &mut Context<Self>) {
        self.flush_scheduled = false;
        let take = self.queue.len().min(BATCH_MAX);
        let batch: Vec<Box<dyn Queued>> = self.queue.drain(..take).collect();
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

/// Every request that is a [`Write`] is queued as a job and answered after its commit.
impl<W> Handler<W> for LedgerActor
where
    W: Write + Message<Result = Result<<W as Write>::Output, LedgerError>>,
{
    type Result = ResponseFuture<Result<W::Output, LedgerError>>;

    fn handle(&mut self, request: W, ctx: &mut Context<Self>) -> Self::Result {
        let answer = self.enqueue(request, ctx);
        Box::pin(async move { answer.await.unwrap_or(Err(LedgerError::Stopped)) })
    }
}

impl Handler<Drain> for LedgerActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, ctx: &mut Context<Self>) -> Self::Result {
        let answer = self.enqueue(Barrier, ctx);
        Box::pin(async move {
            let _ = answer.await;
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
