//! Read-only ledger queries for wallets, the admin API, leaderboards, the tax
//! export and what a lobby's race earned. Nothing here writes; every write goes
//! through the LedgerActor.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use entity::{allocation, balance, payout, player, sale};
use sea_orm::sea_query::{Expr, Func, Order, Query, SelectStatement};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use crate::money::{Currency, Money, Pot};

/// Most rows any list query returns.
pub const LIST_LIMIT_MAX: u64 = 1_000;

fn money(minor: i64, currency: &str) -> Result<Money, DbErr> {
    let currency = Currency::parse(currency).map_err(|e| DbErr::Custom(e.to_string()))?;
    Money::from_minor(minor, currency).map_err(|e| DbErr::Custom(e.to_string()))
}

#[derive(Debug, Serialize, Clone)]
pub struct BalanceView {
    /// Whose wallet (`''` for lobbies outside any guild).
    pub guild_id: String,
    pub currency: String,
    #[serde(with = "crate::money::serde_amount")]
    pub available: Money,
    #[serde(with = "crate::money::serde_amount")]
    pub pending: Money,
    #[serde(with = "crate::money::serde_amount")]
    pub paid: Money,
}

/// A racer's balances, in every guild or in one, by guild then currency.
pub async fn balances(
    db: &impl ConnectionTrait,
    discord_id: &str,
    guild: Option<&str>,
) -> Result<Vec<BalanceView>, DbErr> {
    let mut query = balance::Entity::find().filter(balance::Column::DiscordId.eq(discord_id));
    if let Some(guild) = guild {
        query = query.filter(balance::Column::GuildId.eq(guild));
    }
    query
        .order_by_asc(balance::Column::GuildId)
        .order_by_asc(balance::Column::Currency)
        .all(db)
        .await?
        .into_iter()
        .map(|b| {
            Ok(BalanceView {
                available: money(b.available_minor, &b.currency)?,
                pending: money(b.pending_minor, &b.currency)?,
                paid: money(b.paid_minor, &b.currency)?,
                guild_id: b.guild_id,
                currency: b.currency,
            })
        })
        .collect()
}

/// A balance a racer holds: in which guild's wallet, in which currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    pub guild_id: String,
    pub currency: Currency,
}

/// Where a racer holds balances: each guild and currency.
pub async fn holdings(db: &impl ConnectionTrait, discord_id: &str) -> Result<Vec<Holding>, DbErr> {
    Ok(balances(db, discord_id, None)
        .await?
        .into_iter()
        .map(|b| Holding {
            currency: b.available.currency(),
            guild_id: b.guild_id,
        })
        .collect())
}

#[derive(Debug, Serialize, Clone)]
pub struct AllocationView {
    pub sale_id: i64,
    pub lobby_id: i64,
    pub guild_id: String,
    /// What the racer keeps of it after refunds.
    #[serde(with = "crate::money::serde_amount")]
    pub amount: Money,
    pub currency: String,
    /// `pending`, `available` or `reversed` (refunded in full).
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A racer's latest shares, in every guild or in one.
pub async fn recent_allocations(
    db: &impl ConnectionTrait,
    discord_id: &str,
    guild: Option<&str>,
    limit: u64,
) -> Result<Vec<AllocationView>, DbErr> {
    let mut query = allocation::Entity::find().filter(allocation::Column::DiscordId.eq(discord_id));
    if let Some(guild) = guild {
        query = query.filter(allocation::Column::GuildId.eq(guild));
    }
    query
        .order_by_desc(allocation::Column::Id)
        .limit(limit.min(LIST_LIMIT_MAX))
        .all(db)
        .await?
        .into_iter()
        .map(|a| {
            let net = a.amount_minor - a.reversed_minor;
            let status = if net == 0 && a.amount_minor > 0 {
                "reversed".to_owned()
            } else {
                a.status.to_value()
            };
            Ok(AllocationView {
                sale_id: a.sale_id,
                lobby_id: a.lobby_id,
                guild_id: a.guild_id,
                amount: money(net, &a.currency)?,
                currency: a.currency,
                status,
                created_at: a.created_at,
            })
        })
        .collect()
}

#[derive(Debug, Serialize, Clone)]
pub struct SaleView {
    pub id: i64,
    pub provider: String,
    pub shop: String,
    pub lobby_ids: Vec<i64>,
    #[serde(with = "crate::money::serde_amount")]
    pub amount: Money,
    pub currency: String,
    #[serde(with = "crate::money::serde_amount")]
    pub commission_pool: Money,
    pub sold_at: DateTime<Utc>,
    /// Amount of the sale refunded so far.
    #[serde(with = "crate::money::serde_amount")]
    pub refunded: Money,
}

/// Newest sales first, optionally only those credited to one lobby.
pub async fn sales(
    db: &impl ConnectionTrait,
    lobby_id: Option<i64>,
    limit: u64,
) -> Result<Vec<SaleView>, DbErr> {
    let mut query = sale::Entity::find().order_by_desc(sale::Column::Id);
    if let Some(lobby_id) = lobby_id {
        let ids: Vec<i64> = allocation::Entity::find()
            .select_only()
            .column(allocation::Column::SaleId)
            .filter(allocation::Column::LobbyId.eq(lobby_id))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        query = query.filter(sale::Column::Id.is_in(ids));
    }
    let rows = query.limit(limit.min(LIST_LIMIT_MAX)).all(db).await?;
    let sale_ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let pairs: Vec<(i64, i64)> = allocation::Entity::find()
        .select_only()
        .column(allocation::Column::SaleId)
        .column(allocation::Column::LobbyId)
        .filter(allocation::Column::SaleId.is_in(sale_ids))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut lobbies: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (sale_id, lobby_id) in pairs {
        lobbies.entry(sale_id).or_default().push(lobby_id);
    }
    rows.into_iter()
        .map(|s| {
            let mut lobby_ids = lobbies.remove(&s.id).unwrap_or_default();
            lobby_ids.sort_unstable();
            Ok(SaleView {
                id: s.id,
                provider: s.provider.to_value(),
                shop: s.shop,
                lobby_ids,
                amount: money(s.amount_minor, &s.currency)?,
                commission_pool: money(s.pool_minor, &s.currency)?,
                refunded: money(s.refunded_minor, &s.currency)?,
                currency: s.currency,
                sold_at: s.sold_at,
            })
        })
        .collect()
}

/// One line of a leaderboard: a racer's net earnings in one currency.
#[derive(Debug, Serialize, Clone)]
pub struct Earner {
    pub discord_id: String,
    pub display_name: String,
    #[serde(with = "crate::money::serde_amount")]
    pub earned: Money,
}

/// Top earners of one guild in one currency (units are never mixed), by net allocation.
pub async fn leaderboard(
    db: &impl ConnectionTrait,
    guild: &str,
    currency: &str,
    limit: u64,
) -> Result<Vec<Earner>, DbErr> {
    let query = Query::select()
        .expr(allocation::Column::DiscordId.into_expr())
        .expr(allocation::Column::Currency.into_expr())
        .expr_as(bigint(Func::sum(net_minor())), "earned")
        .from(allocation::Entity)
        .and_where(allocation::Column::GuildId.eq(guild))
        .and_where(allocation::Column::Currency.eq(currency))
        .group_by_col(allocation::Column::DiscordId.as_column_ref())
        .group_by_col(allocation::Column::Currency.as_column_ref())
        .order_by("earned", Order::Desc)
        .limit(limit.min(LIST_LIMIT_MAX))
        .to_owned();
    let rows = db.query_all(&query).await?;
    let mut earners = Vec::with_capacity(rows.len());
    for row in rows {
        let discord_id: String = row.try_get_by_index(0)?;
        let currency: String = row.try_get_by_index(1)?;
        let earned: i64 = row.try_get_by_index(2)?;
        let display_name = player::Entity::find_by_id(discord_id.clone())
            .one(db)
            .await?
            .map_or_else(|| discord_id.clone(), |p| p.display_name);
        earners.push(Earner {
            discord_id,
            display_name,
            earned: money(earned, &currency)?,
        });
    }
    Ok(earners)
}

/// Per-guild, per-racer, per-currency payout totals for one calendar year (UTC),
/// as CSV for tax work:
/// `guild_id,discord_id,display_name,currency,payouts,total_paid,first_paid_at,last_paid_at`.
pub async fn export_csv(db: &impl ConnectionTrait, year: i32) -> Result<String, DbErr> {
    let start = Utc
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| DbErr::Custom(format!("year {year} is out of range")))?;
    let end = Utc
        .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| DbErr::Custom(format!("year {year} is out of range")))?;
    let rows = payout::Entity::find()
        .filter(payout::Column::CreatedAt.gte(start))
        .filter(payout::Column::CreatedAt.lt(end))
        .order_by_asc(payout::Column::Id)
        .all(db)
        .await?;
    struct Line {
        count: u32,
        total: i64,
        first: DateTime<Utc>,
        last: DateTime<Utc>,
    }
    let mut lines: BTreeMap<(String, String, String), Line> = BTreeMap::new();
    for p in rows {
        debug_assert_eq!(p.created_at.year(), year);
        let line = lines
            .entry((p.guild_id.clone(), p.discord_id.clone(), p.currency.clone()))
            .or_insert(Line {
                count: 0,
                total: 0,
                first: p.created_at,
                last: p.created_at,
            });
        line.count += 1;
        line.total += p.amount_minor;
        line.first = line.first.min(p.created_at);
        line.last = line.last.max(p.created_at);
    }
    let mut csv = String::from(
        "guild_id,discord_id,display_name,currency,payouts,total_paid,first_paid_at,last_paid_at\n",
    );
    for ((guild_id, discord_id, currency), line) in lines {
        let name = player::Entity::find_by_id(discord_id.clone())
            .one(db)
            .await?
            .map_or_else(String::new, |p| p.display_name);
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}",
            csv_field(&guild_id),
            csv_field(&discord_id),
            csv_field(&name),
            currency,
            line.count,
            money(line.total, &currency)?.amount(),
            line.first.to_rfc3339(),
            line.last.to_rfc3339()
        );
    }
    Ok(csv)
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(text: &str) -> String {
    let mut text = text.to_owned();
    if text.starts_with(['=', '+', '-', '@']) {
        text.insert(0, '\'');
    }
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

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
    /// By Discord id.
    pub shares: BTreeMap<String, Pot>,
}

/// `CAST(.. AS BIGINT)`: PostgreSQL sums and counts BIGINTs as NUMERIC.
fn bigint(expr: impl Into<Expr>) -> Expr {
    Func::cast_as(expr, "BIGINT").into()
}

/// What a racer keeps of an allocation after refunds: `amount - reversed`.
fn net_minor() -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    allocation::Column::AmountMinor
        .into_expr()
        .sub(allocation::Column::ReversedMinor.into_expr())
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

/// Earnings still held in one currency, and when they become available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// All that is held (net of refunds).
    pub amount: Money,
    /// When the first of it becomes available, and how much then.
    pub next_at: DateTime<Utc>,
    pub next_amount: Money,
    /// When the last of it becomes available.
    pub last_at: DateTime<Utc>,
}

/// A racer's held (pending) earnings in one guild, per currency code.
pub async fn held(
    db: &impl ConnectionTrait,
    discord_id: &str,
    guild: &str,
) -> Result<BTreeMap<String, Held>, DbErr> {
    use entity::sea_orm_active_enums::AllocationStatus;
    let pending = allocation::Entity::find()
        .filter(allocation::Column::DiscordId.eq(discord_id))
        .filter(allocation::Column::GuildId.eq(guild))
        .filter(allocation::Column::Status.eq(AllocationStatus::Pending))
        .order_by_asc(allocation::Column::AvailableAt)
        .limit(LIST_LIMIT_MAX)
        .all(db)
        .await?;
    let mut held: BTreeMap<String, Held> = BTreeMap::new();
    for row in pending {
        let net = money(row.amount_minor - row.reversed_minor, &row.currency)?;
        if net.is_zero() {
            continue;
        }
        let at = row.available_at;
        match held.get_mut(&row.currency) {
            None => {
                let first = Held {
                    amount: net,
                    next_at: at,
                    next_amount: net,
                    last_at: at,
                };
                held.insert(row.currency, first);
            }
            Some(h) => {
                h.amount = h.amount.checked_add(net).map_err(custom)?;
                if at == h.next_at {
                    h.next_amount = h.next_amount.checked_add(net).map_err(custom)?;
                }
                h.last_at = at;
            }
        }
    }
    Ok(held)
}

fn custom(error: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(error.to_string())
}

/// The currencies a guild's racers have earned in, for a leaderboard per currency.
pub async fn earned_currencies(
    db: &impl ConnectionTrait,
    guild: &str,
) -> Result<Vec<String>, DbErr> {
    let query = Query::select()
        .distinct()
        .expr(allocation::Column::Currency.into_expr())
        .from(allocation::Entity)
        .and_where(allocation::Column::GuildId.eq(guild))
        .order_by(allocation::Column::Currency, Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect()
}
