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
//! - `job`, `commit`, `actor`, each using the ones before it: a request as a
//!   queued job, the group commit that writes a batch of jobs in one transaction,
//!   and the LedgerActor that queues them.
//! - `read` (queries) and `verify` (the audit) sit beside the writes and change
//!   nothing.

mod actor;
mod bulk;
mod commit;
mod job;
mod journal;
mod maturing;
mod payouts;
pub mod read;
mod refunds;
mod sales;
pub mod verify;

use chrono::{DateTime, Utc};

pub use actor::{
    ArbiterGuard, LedgerActor, LedgerHandle, Mature, RecordPayout, RecordRefund, RecordSale,
    BATCH_MAX, IN_FLIGHT_MAX,
};

use crate::money::{Money, MoneyError};
use crate::sale::{RefundEvent, SaleEvent};

/// Journal account of the house (keeps residues and unattributed pools).
pub const HOUSE: &str = "house";

pub fn racer_account(discord_id: &str) -> String {
    format!("racer:{discord_id}")
}

pub fn payouts_account(discord_id: &str) -> String {
    format!("payouts:{discord_id}")
}

/// One racer's share of a sale, through one lobby.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub lobby_id: i64,
    /// The lobby's guild (`''` outside any guild): whose wallet the share goes to.
    pub guild_id: String,
    pub discord_id: String,
    pub amount: Money,
}

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
    pub tagged_lobby: Option<i64>,
}

/// Per-lobby money moved by a sale or refund, for overlays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LobbyDelta {
    pub lobby_id: i64,
    /// Positive for a sale, negative for a clawback.
    pub amount: Money,
    /// When the sale it concerns was paid: only the race it belongs to shows it.
    pub sold_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaleOutcome {
    Recorded {
        sale_id: i64,
        /// Refunds that had arrived before the sale and were applied with it.
        early_refunds: Vec<LobbyDelta>,
    },
    /// The event or the sale was already recorded; nothing changed.
    Duplicate { sale_id: Option<i64> },
    /// A tagged twin of an untagged sale already recorded: the sale's allocations
    /// were moved to the tagged lobby's racers.
    Reattributed {
        sale_id: i64,
        /// Per lobby, what it lost (negative) or gained (positive).
        deltas: Vec<LobbyDelta>,
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

/// How a payout reached the racer; stored as `payouts.method`.
pub use entity::sea_orm_active_enums::PayoutMethod;

#[derive(Clone, Debug)]
pub struct PayoutRequest {
    /// The guild whose balance pays (`''` outside any guild).
    pub guild_id: String,
    pub discord_id: String,
    pub amount: Money,
    pub method: PayoutMethod,
    pub note: Option<String>,
    /// Allows a payout below the threshold.
    pub force: bool,
    /// Who asked (Discord id of the admin, or `api`).
    pub requested_by: String,
    /// The payout threshold in the payout's currency.
    pub threshold: Money,
    pub at: DateTime<Utc>,
    /// A payout already recorded under this key is answered again, not paid twice
    /// (`interaction:<id>` for `/payout`, `api:<Idempotency-Key>` for the admin API).
    pub idempotency_key: Option<String>,
}

impl PayoutRequest {
    /// A digest of what is paid (guild, racer, amount, currency, method, note,
    /// force), kept beside the idempotency key: the same key with another request
    /// is refused rather than answered with the first payout. Who asked, when and
    /// the threshold in force are not part of it: a retry may differ in those.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new();
        let note = self.note.as_deref().unwrap_or("");
        for part in [
            self.guild_id.as_str(),
            self.discord_id.as_str(),
            &self.amount.minor().to_string(),
            self.amount.currency().code(),
            self.method.as_str(),
            &note.len().to_string(),
            note,
            if self.force { "force" } else { "" },
        ] {
            // Each part ends with a byte no part holds, so parts cannot run together.
            digest.update(part.as_bytes());
            digest.update([0xff]);
        }
        hex::encode(digest.finalize())
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
