//! The ledger: every change of money. [`LedgerActor`] is its only writer; it
//! group-commits what arrives together and answers only after the commit.
//!
//! Layers, from the bottom; each uses only the layers below it (and the shared
//! types here):
//! - `bulk`, under everything: multi-row inserts whose statement text does not
//!   depend on the row count (PostgreSQL `UNNEST` arrays).
//! - `journal`, the base: the one balanced-journal writer, the balance-cache
//!   upsert and the processed-event marks.
//! - `sales`, `refunds`, `payouts`, `maturing`: one file per kind of money change,
//!   built on the base and never on each other, save one way: `sales` hands its
//!   new sales to `refunds`, which applies the refunds that waited for them.
//! - `publish`: what a batch's sales credit each lobby's race, and the hook
//!   (implemented by the lobby bus) that publishes it inside the batch.
//! - `job`, `commit`, `actor`, each using the ones before it: a request as a
//!   queued job, the group commit that writes a batch of jobs in one transaction
//!   and publishes its credits before committing, and the LedgerActor that
//!   queues them.
//! - `read` (queries) and `verify` (the audit) sit beside the writes and change
//!   nothing.

mod actor;
mod bulk;
mod commit;
mod job;
mod journal;
mod maturing;
mod payouts;
mod publish;
pub mod read;
mod refunds;
mod sales;
pub mod verify;

use chrono::{DateTime, Utc};

pub use publish::{Publish, RaceCredit, RaceEvent};

pub use actor::{
    ArbiterGuard, LedgerActor, LedgerHandle, Mature, RecordPayout, RecordRefund, RecordSale,
    SettlePayout, BATCH_MAX, IN_FLIGHT_MAX,
};

use crate::domain::ids::{BadId, LobbyId, UserId};
use crate::money::{Money, MoneyError, PayoutThresholds};
use crate::sale::{RefundEvent, SaleEvent};

/// Journal account of the house (keeps residues and unattributed pools).
pub const HOUSE: &str = "house";

/// A racer's journal account; `racer` is a [`UserId`] or one as stored.
pub fn racer_account(racer: impl std::fmt::Display) -> String {
    format!("racer:{racer}")
}

/// What was paid out to a racer; `racer` as for [`racer_account`].
pub fn payouts_account(racer: impl std::fmt::Display) -> String {
    format!("payouts:{racer}")
}

/// What is set aside for a racer while a shop's API issues it as store credit;
/// `racer` as for [`racer_account`].
pub fn reserved_account(racer: impl std::fmt::Display) -> String {
    format!("reserved:{racer}")
}

pub use crate::domain::shares::Share;
pub use payouts::record as payout_record;

/// A sale with its attribution decided, ready to be written.
#[derive(Clone, Debug)]
pub struct SaleRecord {
    pub sale: SaleEvent,
    /// Provider time clamped to `[received_at - max_delay, received_at]`.
    pub sold_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub pool: Money,
    /// Shares summing to at most `pool`; the rest stays with the house.
    pub shares: Vec<Share>,
    /// Days before the shares become available (`0` = at once).
    pub hold_days: u32,
    /// The lobby the sale's tag names, when its window was open at the sale's
    /// time: such a twin of an untagged sale already recorded re-attributes it.
    pub tagged_lobby: Option<LobbyId>,
}

/// Per-lobby money moved by a sale or refund, for overlays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LobbyDelta {
    pub lobby_id: LobbyId,
    /// Positive for a sale, negative for a clawback.
    pub amount: Money,
    /// When the sale it concerns was paid: only the race it belongs to shows it.
    pub sold_at: DateTime<Utc>,
    /// The lobby event's number, drawn and published in the batch that moved
    /// the money (as [`RaceCredit::seq`]).
    pub seq: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaleOutcome {
    Recorded {
        sale_id: i64,
        /// Refunds that had arrived before the sale and were applied with it.
        early_refunds: Vec<LobbyDelta>,
        /// What each earning lobby's race is credited, with the event number the
        /// batch published it under (several processes on one database).
        credits: Vec<RaceCredit>,
    },
    /// The event or the sale was already recorded; nothing changed.
    Duplicate { sale_id: Option<i64> },
    /// A tagged twin of an untagged sale already recorded: the sale's allocations
    /// were moved to the tagged lobby's racers.
    Reattributed {
        sale_id: i64,
        /// What each lobby that lost its part lost (negative).
        losses: Vec<LobbyDelta>,
        /// What each lobby that gained is credited, with its event number, as
        /// for a recorded sale.
        credits: Vec<RaceCredit>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    Applied {
        sale_id: i64,
        /// Part of the sale newly counted as refunded.
        refunded: Money,
        deltas: Vec<LobbyDelta>,
    },
    /// The sale is not known yet: kept, and applied when the sale arrives.
    Waiting,
    Duplicate,
    /// Kept for the record but not applied (e.g. another currency than the sale).
    Rejected {
        reason: String,
    },
}

pub use crate::domain::payout::{PayoutMethod, PayoutOrder};

/// Who asked for a payout; stored as `payouts.created_by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    /// An admin, by `/payout`.
    Admin(UserId),
    /// The admin API.
    Api,
    /// The racer themselves, by `/cashout`.
    Racer(UserId),
}

impl Requester {
    /// The stored text: the admin's Discord id, `api`, or `racer:<id>`.
    pub fn stored(self) -> String {
        match self {
            Requester::Admin(user) => user.to_string(),
            Requester::Api => "api".to_owned(),
            Requester::Racer(user) => format!("racer:{user}"),
        }
    }
}

/// A payout order as the ledger records it: the order, who asked, the rule in
/// force and the key that makes a retry pay once.
#[derive(Clone, Debug)]
pub struct PayoutRequest {
    pub order: PayoutOrder,
    pub requested_by: Requester,
    /// The payout threshold in the payout's currency.
    pub threshold: Money,
    pub at: DateTime<Utc>,
    /// A payout already recorded under this key is answered again, not paid twice
    /// (`interaction:<id>` for `/payout`, `api:<Idempotency-Key>` for the admin API).
    pub idempotency_key: Option<String>,
    /// Store credit a shop's API issues: the amount is reserved, not paid, until
    /// [`Settlement`]; `None`: paid (recorded) at once.
    pub issue: Option<CreditIssue>,
}

/// Which shop issues a payout as store credit, and the code it issues it under
/// (chosen before the reservation, so that every retry asks for the same object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditIssue {
    pub shop: String,
    pub code: String,
}

/// How a reserved payout ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// The provider issued it: paid out.
    Confirm { provider_ref: String, code: String },
    /// The provider refused (or had nothing for it): the amount goes back.
    Release { reason: String },
}

/// A reserved payout's end, as the ledger writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub payout_id: i64,
    pub outcome: Settle,
    pub at: DateTime<Utc>,
}

impl PayoutRequest {
    /// The request for `order`, with the threshold `thresholds` set for its currency.
    pub fn new(
        order: PayoutOrder,
        requested_by: Requester,
        thresholds: &PayoutThresholds,
        at: DateTime<Utc>,
        idempotency_key: Option<String>,
    ) -> Self {
        let threshold = thresholds.for_currency(order.amount.currency());
        PayoutRequest {
            order,
            requested_by,
            threshold,
            at,
            idempotency_key,
            issue: None,
        }
    }

    /// The same request, issued as store credit by `issue.shop`'s API.
    pub fn issuing(self, issue: CreditIssue) -> Self {
        PayoutRequest {
            issue: Some(issue),
            ..self
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PayoutRecord {
    pub id: i64,
    pub guild_id: String,
    pub discord_id: String,
    #[serde(with = "crate::money::serde_amount")]
    pub amount: Money,
    pub currency: String,
    pub method: String,
    pub note: Option<String>,
    pub forced: bool,
    pub created_at: DateTime<Utc>,
    /// `paid`; `reserved` while a shop's API issues it; `released` if it refused.
    pub state: String,
    /// The shop that issues it as store credit.
    pub shop: Option<String>,
    /// The code the racer redeems: shown in full to the racer only; every other
    /// view (the admin API, the export) shows its last four characters.
    #[serde(serialize_with = "serialize_masked")]
    pub code: Option<String>,
    /// What the provider said when it refused.
    pub failure: Option<String>,
}

impl PayoutRecord {
    pub fn is_paid(&self) -> bool {
        self.state == "paid"
    }

    pub fn is_reserved(&self) -> bool {
        self.state == "reserved"
    }
}

/// A code as admins see it: `•••• ••••-AB12`, its last four characters only.
pub fn masked_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("••••{tail}")
}

fn serialize_masked<S: serde::Serializer>(
    code: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match code {
        Some(code) => serializer.serialize_some(&masked_code(code)),
        None => serializer.serialize_none(),
    }
}

/// A payout refused by a money rule; the text is shown to the admin.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayoutRefusal {
    #[error("payout must be a positive amount")]
    NotPositive,
    #[error("{requested} is more than the available balance of {available}")]
    OverAvailable { requested: Money, available: Money },
    #[error("{requested} is below the payout threshold of {threshold}; pass force to pay anyway")]
    BelowThreshold { requested: Money, threshold: Money },
    /// The idempotency key was used before with another request; nothing was paid.
    #[error("this idempotency key was already used for another payout request; nothing was paid")]
    KeyReused,
}

impl PayoutRefusal {
    /// Machine-readable rule name for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            PayoutRefusal::NotPositive => "amount_not_positive",
            PayoutRefusal::OverAvailable { .. } => "over_available",
            PayoutRefusal::BelowThreshold { .. } => "below_threshold",
            PayoutRefusal::KeyReused => "idempotency_key_reused",
        }
    }
}

/// Operating errors of the ledger (the database failed, or it is overloaded).
#[derive(Clone, Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("database error: {0}")]
    Database(String),
    #[error("ledger is saturated")]
    Saturated,
    #[error("ledger has stopped")]
    Stopped,
    /// A batch took longer than its deadline and was rolled back.
    #[error("ledger batch took longer than its deadline")]
    TimedOut,
    #[error("invalid money: {0}")]
    Money(#[from] MoneyError),
    #[error("payout refused: {0}")]
    Payout(#[from] PayoutRefusal),
}

/// A stored row holding text that is no id: the database is not as we wrote it.
impl From<BadId> for LedgerError {
    fn from(error: BadId) -> Self {
        LedgerError::Database(format!("stored {error}"))
    }
}

impl From<sea_orm::DbErr> for LedgerError {
    fn from(error: sea_orm::DbErr) -> Self {
        match error {
            // No connection free in time: overload, which the caller retries later.
            sea_orm::DbErr::ConnectionAcquire(_) => LedgerError::Saturated,
            other => LedgerError::Database(other.to_string()),
        }
    }
}

/// Refund events handed to the ledger with their receipt time.
#[derive(Clone, Debug)]
pub struct RefundRecord {
    pub refund: RefundEvent,
    pub received_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn money(text: &str, code: &str) -> Money {
        Money::parse(text, Currency::parse(code).unwrap()).unwrap()
    }

    fn order(amount: Money) -> PayoutOrder {
        PayoutOrder {
            guild: None,
            racer: "42".parse().unwrap(),
            amount,
            method: PayoutMethod::Manual,
            note: None,
            force: false,
            shop: None,
        }
    }

    #[test]
    fn the_request_carries_the_threshold_of_its_currency() {
        let thresholds = PayoutThresholds::new("20.00", [money("2000", "JPY")]).unwrap();
        let admin = Requester::Admin("7".parse().unwrap());
        let jpy = PayoutRequest::new(
            order(money("500", "JPY")),
            admin,
            &thresholds,
            Utc::now(),
            None,
        );
        assert_eq!(jpy.threshold, money("2000", "JPY"));
        let usd = PayoutRequest::new(
            order(money("5.00", "USD")),
            Requester::Api,
            &thresholds,
            Utc::now(),
            None,
        );
        assert_eq!(usd.threshold, money("20.00", "USD"));
        assert_eq!(
            (admin.stored(), Requester::Api.stored()),
            ("7".to_owned(), "api".to_owned())
        );
    }
}
