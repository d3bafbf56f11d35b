//! A queued ledger request: what to write, and the caller waiting for the result.
//! Every request type implements [`Write`] and is queued as one [`Job`]; the
//! LedgerActor holds jobs type-erased as `Box<dyn Queued>`, the group commit runs
//! each in a savepoint of the batch's transaction and answers only after commit.

use futures_util::future::BoxFuture;
use sea_orm::DatabaseTransaction;
use tokio::sync::oneshot;

use super::{LedgerError, LobbyDelta, RaceCredit, SaleOutcome, SaleRecord};

/// A request the ledger writes as one job of a batch. (`pub` only because the
/// actor's generic handler names it; this module is private to the ledger.)
pub trait Write: Send + Sync + 'static {
    type Output: Send + 'static;

    /// Writes the request inside `tx`. May run more than once: in a fresh
    /// savepoint after a database error, or alone when its batch failed to commit.
    fn write<'a>(
        &'a self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<Self::Output, LedgerError>>;

    /// The sale this request records, if it is one, and how an outcome becomes
    /// its answer: the group commit writes a batch's sales together.
    fn sale(&self) -> Option<(&SaleRecord, FromSaleOutcome<Self::Output>)> {
        None
    }

    /// The sale outcome inside an answer of this request, if it records a sale:
    /// the batch writes in it the event numbers it published.
    fn outcome_mut(_answer: &mut Self::Output) -> Option<&mut SaleOutcome> {
        None
    }

    /// The money of races an answer of this request moved after the fact
    /// (refunds, re-attributions): the batch publishes it as it does credits.
    fn clawbacks_mut(answer: &mut Self::Output) -> Vec<&mut LobbyDelta> {
        match Self::outcome_mut(answer) {
            Some(SaleOutcome::Recorded { early_refunds, .. }) => early_refunds.iter_mut().collect(),
            Some(SaleOutcome::Reattributed { losses, .. }) => losses.iter_mut().collect(),
            _ => Vec::new(),
        }
    }
}

/// Turns a sale's outcome into the answer of the request that recorded the sale.
pub type FromSaleOutcome<T> = fn(SaleOutcome) -> T;

/// What the caller of a queued job waits on.
pub(super) type Answer<T> = oneshot::Receiver<Result<T, LedgerError>>;

pub(super) struct Job<W: Write> {
    /// The request; kept until the answer, as it may be written again.
    request: W,
    /// The last run's result, held back until the batch committed.
    result: Option<Result<W::Output, LedgerError>>,
    /// The caller; a caller that gave up has dropped its receiver.
    reply: oneshot::Sender<Result<W::Output, LedgerError>>,
}

impl<W: Write> Job<W> {
    pub(super) fn new(request: W) -> (Self, Answer<W::Output>) {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            request,
            result: None,
            reply,
        };
        (job, answer)
    }
}

/// A job whatever its request and answer types, as the actor's queue holds it.
pub(super) trait Queued: Send {
    /// Writes the request in `tx` and keeps the result for the reply; returns a
    /// copy of the error, if any, so that the savepoint can be rolled back.
    fn run<'a>(&'a mut self, tx: &'a DatabaseTransaction)
        -> BoxFuture<'a, Result<(), LedgerError>>;

    /// The sale this job records, if it is one (see [`Write::sale`]).
    fn sale(&self) -> Option<&SaleRecord>;

    /// Keeps the outcome of this job's sale, written with the batch's others.
    fn recorded(&mut self, outcome: SaleOutcome);

    /// The race credits of the sale this job recorded or re-attributed (none if
    /// it did neither, or failed), for the batch to publish.
    fn credits_mut(&mut self) -> Option<&mut Vec<RaceCredit>>;

    /// The money of races this job moved after the fact (see
    /// [`Write::clawbacks_mut`]); none if it failed.
    fn clawbacks_mut(&mut self) -> Vec<&mut LobbyDelta>;

    /// Replaces the kept result by `error` (its savepoint or batch failed).
    fn fail(&mut self, error: LedgerError);

    /// Sends the kept result to the caller; only after the batch committed.
    fn reply(self: Box<Self>);
}

impl<W: Write> Queued for Job<W> {
    fn run<'a>(
        &'a mut self,
        tx: &'a DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(), LedgerError>> {
        Box::pin(async move {
            let result = self.request.write(tx).await;
            let ran = result.as_ref().map(|_| ()).map_err(LedgerError::clone);
            self.result = Some(result);
            ran
        })
    }

    fn sale(&self) -> Option<&SaleRecord> {
        self.request.sale().map(|(record, _)| record)
    }

    fn recorded(&mut self, outcome: SaleOutcome) {
        debug_assert!(self.request.sale().is_some(), "only a sale job is recorded");
        if let Some((_, answer)) = self.request.sale() {
            self.result = Some(Ok(answer(outcome)));
        }
    }

    fn credits_mut(&mut self) -> Option<&mut Vec<RaceCredit>> {
        let answer = self.result.as_mut()?.as_mut().ok()?;
        match W::outcome_mut(answer)? {
            SaleOutcome::Recorded { credits, .. } | SaleOutcome::Reattributed { credits, .. } => {
                Some(credits)
            }
            SaleOutcome::Duplicate { .. } => None,
        }
    }

    fn clawbacks_mut(&mut self) -> Vec<&mut LobbyDelta> {
        match self.result.as_mut() {
            Some(Ok(answer)) => W::clawbacks_mut(answer),
            _ => Vec::new(),
        }
    }

    fn fail(&mut self, error: LedgerError) {
        self.result = Some(Err(error));
    }

    fn reply(self: Box<Self>) {
        let Job { result, reply, .. } = *self;
        debug_assert!(result.is_some(), "a job is run or failed before its reply");
        let result = result.unwrap_or_else(|| Err(LedgerError::Database("job never ran".into())));
        // A caller that gave up (dropped its receiver) needs no answer.
        let _ = reply.send(result);
    }
}
