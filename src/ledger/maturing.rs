//! Maturing: allocations whose hold has passed move from pending to available,
//! on the allocation rows and on the racers' cached balances together, all that
//! are due on every pass.

use chrono::{DateTime, Utc};
use entity::allocation;
use entity::sea_orm_active_enums::AllocationStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::journal::{self, BalanceChanges};
use super::LedgerError;
use crate::money::Currency;

/// Moves every allocation whose hold has passed by `now` from pending to
/// available, in one set-based update conditioned on still being pending (so a
/// row matured by another writer meanwhile is not counted twice), and moves the
/// same money from pending to available on the racers' balances; returns how many.
/// With several processes on one PostgreSQL database, one matures at a time: a
/// pass that finds another process's pass under way (its advisory lock) skips.
pub(super) async fn mature(
    tx: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<usize, LedgerError> {
    if !crate::db::try_duty(tx, crate::db::Duty::Maturing).await? {
        return Ok(0);
    }
    let matured = allocation::Entity::update_many()
        .col_expr(
            allocation::Column::Status,
            Expr::value(AllocationStatus::Available),
        )
        .filter(allocation::Column::Status.eq(AllocationStatus::Pending))
        .filter(allocation::Column::AvailableAt.lte(now))
        .exec_with_returning(tx)
        .await?;
    if matured.is_empty() {
        return Ok(0);
    }
    let mut changes = BalanceChanges::new();
    for row in &matured {
        let currency = Currency::parse(&row.currency)?;
        let net = row.amount_minor - row.reversed_minor;
        let change = changes
            .entry((
                row.guild_id.clone(),
                row.discord_id.clone(),
                currency.code(),
            ))
            .or_default();
        change.pending -= net;
        change.available += net;
    }
    journal::bump_balances(tx, &changes).await?;
    Ok(matured.len())
}
