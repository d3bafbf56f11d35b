//! Read-only ledger queries for wallets, the admin API, leaderboards, the tax
//! export and what a lobby's race earned. Nothing here writes; every write goes
//! through the LedgerActor.
//!
//! Layout, one reader per file:
//! - `wallet`: a racer's balances, where they are held, and pending earnings;
//! - `allocations`: a racer's latest shares of sales;
//! - `sales`: sales as the admin API lists them;
//! - `leaderboard`: a guild's top earners per currency;
//! - `export`: the yearly payout export (CSV);
//! - `race`: which sales count for a race, what it earned, its latest sales.

mod allocations;
mod export;
mod leaderboard;
mod race;
mod sales;
mod wallet;

pub use allocations::{recent_allocations, AllocationView};
pub use export::export_csv;
pub use leaderboard::{earned_currencies, leaderboard, Earner};
pub use race::{race_totals, recent_sales, LobbySale, RaceTotals, RaceWindow};
pub use sales::{sales, SaleView};
pub use wallet::{
    balances, credit_codes, held, holdings, BalanceView, CreditCode, Held, Holding,
    CODES_LISTED_MAX,
};

use entity::allocation;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{ColumnTrait, DbErr};

use crate::domain::ids::{guild_column, GuildId};
use crate::money::{Currency, Money};

/// Which of a racer's wallets a read covers: one per guild they earned in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wallets {
    Every,
    /// The wallet of one guild (`None`: what was earned outside any guild).
    In(Option<GuildId>),
}

impl Wallets {
    /// The `guild_id` column's value to filter by, if any.
    fn guild_column(self) -> Option<String> {
        match self {
            Wallets::Every => None,
            Wallets::In(guild) => Some(guild_column(guild)),
        }
    }
}

/// Most rows any list query returns.
pub const LIST_LIMIT_MAX: u64 = 1_000;

/// An amount read from the ledger, in its currency's minor units.
fn money(minor: i64, currency: &str) -> Result<Money, DbErr> {
    let currency = Currency::parse(currency).map_err(|e| DbErr::Custom(e.to_string()))?;
    Money::from_minor(minor, currency).map_err(|e| DbErr::Custom(e.to_string()))
}

fn custom(error: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(error.to_string())
}

/// `CAST(.. AS BIGINT)`: PostgreSQL sums and counts BIGINTs as NUMERIC.
fn bigint(expr: impl Into<Expr>) -> Expr {
    Func::cast_as(expr, "BIGINT").into()
}

/// What a racer keeps of an allocation after refunds: `amount - reversed`.
fn net_minor() -> Expr {
    allocation::Column::AmountMinor
        .into_expr()
        .sub(allocation::Column::ReversedMinor.into_expr())
}
