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
    maturing, payouts, refunds, sales, LedgerError, LobbyDelta, PayoutRecord, PayoutRequest,
    Publish, RefundOutcome, RefundRecord, SaleOutcome, SaleRecord, Settlement,
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

/// Settle a reserved payout: paid out, or given back (once, whoever asks).
#[derive(Message)]
#[rtype(result = "Result<PayoutRecord, LedgerError>")]
pub struct SettlePayout(pub Settlement);

/// Make pending allocations whose hold ended by `now` available.
#[derive(Message)]
#[rtype(result = "Result<usize, LedgerError>")]
pub struct Mature(pub DateTime<Utc>);

/// Answered once every job queued before it has committed (graceful shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;

/// Answered at once when the actor is alive and not stuck in a batch (`/readyz`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Ping;

/// Stops the actor; the handle starts a new one on the next request (the restart
/// path, exercised by tests; nothing in the server sends it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Halt;

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

    fn outcome_mut(answer: &mut SaleOutcome) -> Option<&mut SaleOutcome> {
        Some(answer)
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

    fn clawbacks_mut(answer: &mut RefundOutcome) -> Vec<&mut LobbyDelta> {
        match answer {
            RefundOutcome::Applied { deltas, .. } => deltas.iter_mut().collect(),
            _ => Vec::new(),
        }
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

impl Write for SettlePayout {
    type Output = PayoutRecord;

    fn write<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<PayoutRecord, LedgerError>> {
        Box::pin(payouts::settle_payout(tx, &self.0))
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
    /// Publishes each batch's race credits before its commit (several processes
    /// on one database); `None` on a single process.
    publisher: Option<Arc<dyn Publish>>,
}

impl LedgerActor {
    pub fn new(db: DatabaseConnection, clock: Clock, publisher: Option<Arc<dyn Publish>>) -> Self {
        LedgerActor {
            db,
            queue: Vec::new(),
            flush_scheduled: false,
            clock,
            publisher,
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
        let (db, publisher) = (self.db.clone(), self.publisher.clone());
        ctx.wait(write_batch(db, publisher, batch).into_actor(self));
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

impl Handler<Ping> for LedgerActor {
    type Result = ();

    fn handle(&mut self, _: Ping, _: &mut Context<Self>) {}
}

impl Handler<Halt> for LedgerActor {
    type Result = ();

    fn handle(&mut self, _: Halt, ctx: &mut Context<Self>) {
        tracing::warn!("ledger actor halted");
        ctx.stop();
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

/// How long `/readyz` waits for the ledger to answer before calling it down.
pub const PING_DEADLINE: Duration = Duration::from_secs(2);

/// The way the rest of the server talks to the ledger: counts what is in flight,
/// refuses new work past [`IN_FLIGHT_MAX`] instead of queueing without bound, and
/// starts a new actor when the running one has stopped.
#[derive(Clone)]
pub struct LedgerHandle {
    inner: Arc<Inner>,
}

struct Inner {
    /// The running actor; replaced when it has stopped.
    running: std::sync::RwLock<Running>,
    /// Jobs sent and not yet answered, by every clone of the handle.
    in_flight: AtomicUsize,
    /// What a new actor is started with.
    db: DatabaseConnection,
    clock: Clock,
    publisher: Option<Arc<dyn Publish>>,
}

struct Running {
    addr: Addr<LedgerActor>,
    /// The actor's thread; stopped when it is replaced or the handle goes.
    _arbiter: ArbiterGuard,
}

impl Running {
    /// Starts the LedgerActor on a thread (arbiter) of its own, so that building
    /// and decoding its batches never waits behind request handling.
    fn start(db: DatabaseConnection, clock: Clock, publisher: Option<Arc<dyn Publish>>) -> Running {
        let arbiter = Arbiter::new();
        let addr = LedgerActor::start_in_arbiter(&arbiter.handle(), move |_| {
            LedgerActor::new(db, clock, publisher)
        });
        Running {
            addr,
            _arbiter: ArbiterGuard(arbiter),
        }
    }
}

/// Stops an arbiter's thread when dropped.
pub struct ArbiterGuard(pub Arbiter);

impl Drop for ArbiterGuard {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Counts one job in flight until dropped, also when the caller's future is
/// dropped before the answer came.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl LedgerHandle {
    /// The ledger of a single process: nothing to publish.
    pub fn start(db: DatabaseConnection, clock: Clock) -> Self {
        Self::start_publishing(db, clock, None)
    }

    /// The ledger, publishing each batch's race credits with `publisher` inside
    /// the batch (several processes on one database).
    pub fn start_publishing(
        db: DatabaseConnection,
        clock: Clock,
        publisher: Option<Arc<dyn Publish>>,
    ) -> Self {
        let running = Running::start(db.clone(), clock.clone(), publisher.clone());
        LedgerHandle {
            inner: Arc::new(Inner {
                running: std::sync::RwLock::new(running),
                in_flight: AtomicUsize::new(0),
                db,
                clock,
                publisher,
            }),
        }
    }

    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::Relaxed)
    }

    fn addr(&self) -> Addr<LedgerActor> {
        let running = self.inner.running.read().unwrap_or_else(|p| p.into_inner());
        running.addr.clone()
    }

    /// Starts a new actor if the running one has stopped; what it had queued was
    /// answered `Stopped` (503: providers deliver again, and idempotency holds).
    fn restart_if_stopped(&self) {
        let mut running = self
            .inner
            .running
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if !running.addr.connected() {
            tracing::error!("ledger actor had stopped; starting a new one");
            let inner = &self.inner;
            *running = Running::start(
                inner.db.clone(),
                inner.clock.clone(),
                inner.publisher.clone(),
            );
        }
    }

    async fn ask<M>(&self, message: M) -> Result<M::Result, LedgerError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        LedgerActor: Handler<M>,
    {
        let before = self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
        let _counted = InFlight(&self.inner.in_flight);
        if before >= IN_FLIGHT_MAX {
            return Err(LedgerError::Saturated);
        }
        let answer = self.addr().send(message).await;
        answer.map_err(|_| {
            self.restart_if_stopped();
            LedgerError::Stopped
        })
    }

    /// Whether the ledger answers within [`PING_DEADLINE`] (`/readyz`).
    pub async fn is_up(&self) -> bool {
        let answered = tokio::time::timeout(PING_DEADLINE, self.addr().send(Ping)).await;
        if matches!(answered, Ok(Err(_))) {
            self.restart_if_stopped();
        }
        matches!(answered, Ok(Ok(())))
    }

    /// Stops the running actor (see [`Halt`]).
    pub async fn halt(&self) {
        let _ = self.addr().send(Halt).await;
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

    pub async fn settle_payout(&self, settlement: Settlement) -> Result<PayoutRecord, LedgerError> {
        self.ask(SettlePayout(settlement)).await?
    }

    pub async fn mature(&self, now: DateTime<Utc>) -> Result<usize, LedgerError> {
        self.ask(Mature(now)).await?
    }

    /// Waits until everything queued so far has committed.
    pub async fn drain(&self) {
        let _ = self.addr().send(Drain).await;
    }
}
