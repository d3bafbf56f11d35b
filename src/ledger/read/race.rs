//! A lobby's race as the ledger reads it: which sales were paid during it
//! (`RaceWindow`), what it earned (`race_totals`) and its latest sales
//! (`recent_sales`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{allocation, sale};
use sea_orm::sea_query::{Expr, Func, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr};

use super::{bigint, custom, money, net_minor};
use crate::domain::ids::UserId;
use crate::money::{Money, Pot};

/// One race of a lobby, for the reads of what it earned. Which sales it counts is
/// the domain's one rule ([`crate::domain::race`]): a sale paid in the same second
/// as `/start` or `/end` counts, whatever the sub-seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaceWindow {
    pub lobby_id: i64,
    pub opened_at: DateTime<Utc>,
    /// `None` while the race runs. Every sale time is clamped to its receipt, so
    /// none lies in the future: an open race needs no upper bound.
    pub closed_at: Option<DateTime<Utc>>,
}

impl RaceWindow {
    /// Whether a sale stamped `sold_at` was paid during this race: the domain's
    /// one rule ([`crate::domain::race`]).
    pub fn covers(&self, sold_at: DateTime<Utc>) -> bool {
        self.span().counts(sold_at)
    }

    fn span(&self) -> crate::domain::race::Span {
        crate::domain::race::Span {
            from: self.opened_at,
            to: self.closed_at,
        }
    }

    /// `allocations` of this lobby joined to their `sales`, for sales paid during the race.
    fn allocations(&self) -> SelectStatement {
        use sea_orm::sea_query::ExprTrait as _;
        // The rule as bounds on the sale's time, from the one place it is written.
        let bounds = self.span().sold_bounds();
        Query::select()
            .from(allocation::Entity)
            .inner_join(
                sale::Entity,
                Expr::col(sale::Column::Id.as_column_ref())
                    .equals(allocation::Column::SaleId.as_column_ref()),
            )
            .and_where(allocation::Column::LobbyId.eq(self.lobby_id))
            .and_where(sale::Column::SoldAt.gte(bounds.from))
            .and_where_option(bounds.until.map(|until| sale::Column::SoldAt.lt(until)))
            .to_owned()
    }
}

/// What a race earned: its sales, the racers' pool and each racer's share of it,
/// net of refunds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaceTotals {
    pub sales: u32,
    pub pool: Pot,
    pub shares: BTreeMap<UserId, Pot>,
}

/// A race's totals from the ledger's allocations for sales paid during it.
pub async fn race_totals(db: &impl ConnectionTrait, race: RaceWindow) -> Result<RaceTotals, DbErr> {
    let per_racer = race
        .allocations()
        .expr(allocation::Column::DiscordId.into_expr())
        .expr(allocation::Column::Currency.into_expr())
        .expr(bigint(Func::sum(net_minor())))
        .group_by_col(allocation::Column::DiscordId.as_column_ref())
        .group_by_col(allocation::Column::Currency.as_column_ref())
        .to_owned();
    let mut totals = RaceTotals::default();
    for row in db.query_all(&per_racer).await? {
        let racer: String = row.try_get_by_index(0)?;
        let racer: UserId = racer.parse().map_err(custom)?;
        let currency: String = row.try_get_by_index(1)?;
        let Ok(share) = money(row.try_get_by_index(2)?, &currency) else {
            continue;
        };
        let pot = totals.shares.entry(racer).or_default();
        if pot.add(share).is_err() || totals.pool.add(share).is_err() {
            tracing::warn!(lobby = race.lobby_id, %currency, "race total out of range; left out");
        }
    }
    let count = race
        .allocations()
        .expr(bigint(Func::count_distinct(
            allocation::Column::SaleId.into_expr(),
        )))
        .to_owned();
    if let Some(row) = db.query_one(&count).await? {
        totals.sales = u32::try_from(row.try_get_by_index::<i64>(0)?).unwrap_or(u32::MAX);
    }
    Ok(totals)
}

/// A sale as credited to one lobby: its amount, that lobby's part of the pool,
/// and the buyer's name if they allowed it on stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LobbySale {
    /// Named by a `sale_updated` frame when its buyer's name is taken off.
    pub sale_id: i64,
    pub amount: Money,
    pub pool_delta: Money,
    pub buyer: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// The last `limit` sales credited to a lobby during a race, newest first, so a
/// lobby rebuilt mid-race keeps its overlay's sales list.
pub async fn recent_sales(
    db: &impl ConnectionTrait,
    race: RaceWindow,
    limit: u64,
) -> Result<Vec<LobbySale>, DbErr> {
    let listed = [
        sale::Column::AmountMinor,
        sale::Column::Currency,
        sale::Column::BuyerName,
        sale::Column::BuyerPublic,
        sale::Column::ReceivedAt,
    ];
    let query = race
        .allocations()
        .exprs(listed.map(|column| column.into_expr()))
        .expr(bigint(Func::sum(
            allocation::Column::AmountMinor.into_expr(),
        )))
        .expr(sale::Column::Id.into_expr())
        .group_by_col(sale::Column::Id.as_column_ref())
        .group_by_columns(listed.map(|column| column.as_column_ref()))
        .order_by(sale::Column::Id.as_column_ref(), Order::Desc)
        .limit(limit)
        .to_owned();
    let mut recent = Vec::new();
    for row in db.query_all(&query).await? {
        let currency: String = row.try_get_by_index(1)?;
        let (Ok(amount), Ok(pool_delta)) = (
            money(row.try_get_by_index(0)?, &currency),
            money(row.try_get_by_index(5)?, &currency),
        ) else {
            continue;
        };
        let name: Option<String> = row.try_get_by_index(2)?;
        let public: bool = row.try_get_by_index(3)?;
        recent.push(LobbySale {
            sale_id: row.try_get_by_index(6)?,
            amount,
            pool_delta,
            buyer: name.filter(|_| public),
            received_at: row.try_get_by_index(4)?,
        });
    }
    Ok(recent)
}

#[cfg(test)]
mod race_tests {
    use chrono::TimeZone;
    use sea_orm::DbBackend;

    use super::*;

    fn race(closed_after_ms: Option<i64>) -> RaceWindow {
        let opened_at = Utc.with_ymd_and_hms(2025, 10, 9, 9, 21, 0).unwrap()
            + chrono::Duration::milliseconds(700);
        RaceWindow {
            lobby_id: 3,
            opened_at,
            closed_at: closed_after_ms.map(|ms| opened_at + chrono::Duration::milliseconds(ms)),
        }
    }

    #[test]
    fn a_sale_in_the_second_of_start_or_end_counts() {
        let second = |s: u32| Utc.with_ymd_and_hms(2025, 10, 9, 9, 21, s).unwrap();
        let running = race(None);
        assert!(!running.covers(second(0) - chrono::Duration::seconds(1)));
        assert!(
            running.covers(second(0)),
            "[S, S+1) overlaps a start at S + 0.7"
        );
        assert!(running.covers(second(59)));
        let over = race(Some(10_000)); // closed at second 10 + 0.7
        assert!(over.covers(second(10)));
        // A receipt time in the same second, after the close (a clamped time).
        assert!(over.covers(second(10) + chrono::Duration::milliseconds(900)));
        assert!(!over.covers(second(11)));
        // Before the start, in its second: counts; a second earlier: does not.
        assert!(running.covers(second(0) + chrono::Duration::milliseconds(100)));
    }

    #[test]
    fn race_sales_are_read_through_one_join() {
        let sql = DbBackend::Sqlite
            .build(&race(Some(10_000)).allocations())
            .to_string();
        assert_eq!(
            sql,
            r#"SELECT  FROM "allocations" INNER JOIN "sales" ON "sales"."id" = "allocations"."sale_id" WHERE "allocations"."lobby_id" = 3 AND "sales"."sold_at" >= '2025-10-09 09:21:00.000000 +00:00' AND "sales"."sold_at" < '2025-10-09 09:21:11.000000 +00:00'"#
        );
        let sql = DbBackend::Postgres
            .build(&race(None).allocations())
            .to_string();
        assert!(
            sql.ends_with(r#""sales"."sold_at" >= '2025-10-09 09:21:00.000000 +00:00'"#),
            "{sql}"
        );
    }
}
