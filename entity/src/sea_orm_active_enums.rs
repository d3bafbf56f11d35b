//! Statuses and kinds stored as text columns (`VARCHAR`, no database enum type), in
//! sea-orm-cli's layout: one enum per concept, its stored text in `string_value`.
//! Reading a row whose text is not listed here fails rather than guessing.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// `allocations.status`: held until `available_at`, then payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "allocation_status"
)]
pub enum AllocationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "available")]
    Available,
}

/// `journal_transactions.kind`: what a balanced money movement records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "journal_kind"
)]
pub enum JournalKind {
    #[sea_orm(string_value = "sale")]
    Sale,
    #[sea_orm(string_value = "refund")]
    Refund,
    #[sea_orm(string_value = "payout")]
    Payout,
    /// A sale's allocations moved to the lobby its tagged twin delivery names.
    #[sea_orm(string_value = "reattribution")]
    Reattribution,
    /// Available money set aside while a shop's API issues it as store credit.
    #[sea_orm(string_value = "reservation")]
    Reservation,
    /// A reservation given back: the shop's API refused to issue it.
    #[sea_orm(string_value = "release")]
    Release,
}

/// `payouts.method`: how a payout reached the racer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "payout_method"
)]
pub enum PayoutMethod {
    #[sea_orm(string_value = "gift_card")]
    GiftCard,
    #[sea_orm(string_value = "store_credit")]
    StoreCredit,
    #[sea_orm(string_value = "manual")]
    Manual,
}

/// `payouts.state`: where a payout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "payout_state"
)]
pub enum PayoutState {
    /// Paid out (recorded, or issued and confirmed).
    #[sea_orm(string_value = "paid")]
    Paid,
    /// Set aside while a shop's API issues it.
    #[sea_orm(string_value = "reserved")]
    Reserved,
    /// The shop's API refused; the amount went back to the racer.
    #[sea_orm(string_value = "released")]
    Released,
}

/// `processed_events.kind`: what a handled delivery turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "processed_event_kind"
)]
pub enum ProcessedEventKind {
    #[sea_orm(string_value = "sale")]
    Sale,
    #[sea_orm(string_value = "duplicate")]
    Duplicate,
    #[sea_orm(string_value = "refund")]
    Refund,
}

/// The shop platform that reported an event (`sales`, `sale_refs`,
/// `processed_events`, `refunds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "provider"
)]
pub enum Provider {
    #[sea_orm(string_value = "stripe")]
    Stripe,
    #[sea_orm(string_value = "shopify")]
    Shopify,
    #[sea_orm(string_value = "kofi")]
    Kofi,
}

/// `refunds.kind`: how a refund states its amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "refund_kind"
)]
pub enum RefundKind {
    /// Running total refunded on the sale so far (Stripe `amount_refunded`).
    #[sea_orm(string_value = "cumulative")]
    Cumulative,
    /// This refund alone (Shopify refund, Stripe dispute).
    #[sea_orm(string_value = "incremental")]
    Incremental,
}

/// `refunds.status`: whether a refund reached its sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "refund_status"
)]
pub enum RefundStatus {
    /// Its sale is not known yet.
    #[sea_orm(string_value = "waiting")]
    Waiting,
    #[sea_orm(string_value = "applied")]
    Applied,
    /// Kept for the record but not applied (e.g. another currency than the sale).
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

/// A lobby's window state (`lobbies.state`): `Idle -> Open -> Closed`, re-openable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum LobbyState {
    #[sea_orm(string_value = "idle")]
    Idle,
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "closed")]
    Closed,
}

/// `discord_outbox.state`: where a post the bot makes by itself stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    enum_name = "outbox_state"
)]
pub enum OutboxState {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "abandoned")]
    Abandoned,
}
