//! Maturing: allocations whose hold has passed move from pending to available,
//! on the allocation rows and on the racers' cached balances together.

use chrono::{DateTime, Utc};
use entity::allocation;
use entity::sea_orm_active_enums::AllocationStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::journal::{self, BalanceChanges};
use super::LedgerError;
use crate::money::Currency;

/// Most allocations matured in one transaction; the rest wait for the next tick.
pub const MATURE_BATCH_MAX: u64 = 10_000;
/// Allocation ids per `UPDATE ... WHERE id IN (...)`.
const IDS_PER_UPDATE: usize = 500;

/// Moves allocations whose hold has passed by `now` from pending to available;
/// returns how many.
pub(super) async fn mature(
    tx: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<usize, LedgerError> {
    let due = allocation::Entity::find()
        .filter(allocation::Column::Status.eq(AllocationStatus::Pending))
        .filter(allocation::Column::AvailableAt.lte(now))
        .limit(MATURE_BATCH_MAX)
        .all(tx)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut changes = BalanceChanges::new();
    for row in &due {
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
    for ids in due.chunks(IDS_PER_UPDATE) {
        allocation::Entity::update_many()
            .col_expr(
                allocation::Column::Status,
                Expr::value(AllocationStatus::Available),
            )
            .filter(allocation::Column::Id.is_in(ids.iter().map(|r| r.id)))
            .exec(tx)
            .await?;
    }
    journal::bump_balances(tx, &changes).await?;
    Ok(due.len())
}
