//! Read-only ledger queries for wallets, the admin API, leaderboards and the tax
//! export. Nothing here writes; every write goes through the LedgerActor.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use entity::{allocation, balance, payout, player, sale};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde::Serialize;

use crate::money::{Currency, Money};

/// Most rows any list query returns.
pub const LIST_LIMIT_MAX: u64 = 1_000;

fn money(minor: i64, currency: &str) -> Result<Money, DbErr> {
    let currency = Currency::parse(currency).map_err(|e| DbErr::Custom(e.to_string()))?;
    Money::from_minor(minor, currency).map_err(|e| DbErr::Custom(e.to_string()))
}

#[derive(Debug, Serialize, Clone)]
pub struct BalanceView {
    pub currency: String,
    #[serde(with = "crate::money::serde_amount")]
    pub available: Money,
    #[serde(with = "crate::money::serde_amount")]
    pub pending: Money,
    #[serde(with = "crate::money::serde_amount")]
    pub paid: Money,
}

pub async fn balances(
    db: &impl ConnectionTrait,
    discord_id: &str,
) -> Result<Vec<BalanceView>, DbErr> {
    balance::Entity::find()
        .filter(balance::Column::DiscordId.eq(discord_id))
        .order_by_asc(balance::Column::Currency)
        .all(db)
        .await?
        .into_iter()
        .map(|b| {
            Ok(BalanceView {
                available: money(b.available_minor, &b.currency)?,
                pending: money(b.pending_minor, &b.currency)?,
                paid: money(b.paid_minor, &b.currency)?,
                currency: b.currency,
            })
        })
        .collect()
}

#[derive(Debug, Serialize, Clone)]
pub struct AllocationView {
    pub sale_id: i64,
    pub lobby_id: i64,
    /// What the racer keeps of it after refunds.
    #[serde(with = "crate::money::serde_amount")]
    pub amount: Money,
    pub currency: String,
    /// `pending`, `available` or `reversed` (refunded in full).
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub async fn recent_allocations(
    db: &impl ConnectionTrait,
    discord_id: &str,
    limit: u64,
) -> Result<Vec<AllocationView>, DbErr> {
    allocation::Entity::find()
        .filter(allocation::Column::DiscordId.eq(discord_id))
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

/// Top earners over the given lobbies (a guild's), by net allocation.
pub async fn leaderboard(
    db: &impl ConnectionTrait,
    lobby_ids: &[i64],
    limit: u64,
) -> Result<Vec<Earner>, DbErr> {
    if lobby_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = lobby_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT a.discord_id, a.currency, CAST(SUM(a.amount_minor - a.reversed_minor) AS BIGINT) AS earned \
         FROM allocations a WHERE a.lobby_id IN ({ids}) \
         GROUP BY a.discord_id, a.currency ORDER BY earned DESC LIMIT {}",
        limit.min(LIST_LIMIT_MAX)
    );
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
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

/// Per-racer, per-currency payout totals for one calendar year (UTC), as CSV for
/// tax work: `discord_id,display_name,currency,payouts,total_paid,first_paid_at,last_paid_at`.
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
    let mut lines: BTreeMap<(String, String), Line> = BTreeMap::new();
    for p in rows {
        debug_assert_eq!(p.created_at.year(), year);
        let line = lines
            .entry((p.discord_id.clone(), p.currency.clone()))
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
        "discord_id,display_name,currency,payouts,total_paid,first_paid_at,last_paid_at\n",
    );
    for ((discord_id, currency), line) in lines {
        let name = player::Entity::find_by_id(discord_id.clone())
            .one(db)
            .await?
            .map_or_else(String::new, |p| p.display_name);
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{}",
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
