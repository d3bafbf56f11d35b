//! The tax export: per-guild, per-racer, per-currency payout totals for one
//! calendar year (UTC), as CSV, read with one query.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use entity::sea_orm_active_enums::PayoutState;
use entity::{payout, player};
use sea_orm::sea_query::{Expr, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr};

use super::{custom, money};

/// The export's columns, in order.
const EXPORT_HEADER: [&str; 9] = [
    "guild_id",
    "discord_id",
    "display_name",
    "currency",
    "payouts",
    "total_paid",
    "first_paid_at",
    "last_paid_at",
    "codes",
];

/// One line of the export: a racer's payouts in one guild and currency.
struct PayoutLine {
    display_name: String,
    count: u32,
    total_minor: i64,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    /// Store-credit codes issued, masked but for their last four characters.
    codes: Vec<String>,
}

/// Per-guild, per-racer, per-currency payout totals for one calendar year (UTC),
/// as CSV for tax work:
/// `guild_id,discord_id,display_name,currency,payouts,total_paid,first_paid_at,last_paid_at,codes`
/// (only what was paid: a reservation in flight or released is not a payout).
pub async fn export_csv(db: &impl ConnectionTrait, year: i32) -> Result<String, DbErr> {
    let year_start = |year: i32| {
        Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
            .single()
            .ok_or_else(|| DbErr::Custom(format!("year {year} is out of range")))
    };
    let (start, end) = (year_start(year)?, year_start(year + 1)?);
    let query = payouts_with_names(start, end);
    let mut lines: BTreeMap<(String, String, String), PayoutLine> = BTreeMap::new();
    for row in db.query_all(&query).await? {
        let guild_id: String = row.try_get_by_index(0)?;
        let discord_id: String = row.try_get_by_index(1)?;
        let currency: String = row.try_get_by_index(2)?;
        let amount_minor: i64 = row.try_get_by_index(3)?;
        let paid_at: DateTime<Utc> = row.try_get_by_index(4)?;
        let display_name: Option<String> = row.try_get_by_index(5)?;
        let code: Option<String> = row.try_get_by_index(6)?;
        debug_assert_eq!(paid_at.year(), year);
        let line = lines
            .entry((guild_id, discord_id, currency))
            .or_insert_with(|| PayoutLine {
                display_name: display_name.unwrap_or_default(),
                count: 0,
                total_minor: 0,
                first: paid_at,
                last: paid_at,
                codes: Vec::new(),
            });
        line.codes
            .extend(code.as_deref().map(crate::ledger::masked_code));
        line.count += 1;
        line.total_minor += amount_minor;
        line.first = line.first.min(paid_at);
        line.last = line.last.max(paid_at);
    }
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(EXPORT_HEADER).map_err(custom)?;
    for ((guild_id, discord_id, currency), line) in lines {
        let total = money(line.total_minor, &currency)?.amount().to_string();
        csv.write_record([
            defused(&guild_id).as_str(),
            defused(&discord_id).as_str(),
            defused(&line.display_name).as_str(),
            currency.as_str(),
            line.count.to_string().as_str(),
            total.as_str(),
            line.first.to_rfc3339().as_str(),
            line.last.to_rfc3339().as_str(),
            line.codes.join(" ").as_str(),
        ])
        .map_err(custom)?;
    }
    let bytes = csv.into_inner().map_err(custom)?;
    String::from_utf8(bytes).map_err(custom)
}

/// Every payout made in `[start, end)` with its racer's name, oldest first: one
/// query, however many racers.
fn payouts_with_names(start: DateTime<Utc>, end: DateTime<Utc>) -> SelectStatement {
    use sea_orm::sea_query::ExprTrait as _;
    Query::select()
        .exprs(
            [
                payout::Column::GuildId,
                payout::Column::DiscordId,
                payout::Column::Currency,
                payout::Column::AmountMinor,
                payout::Column::CreatedAt,
            ]
            .map(|column| column.into_expr()),
        )
        .expr(player::Column::DisplayName.into_expr())
        .expr(payout::Column::Code.into_expr())
        .from(payout::Entity)
        .left_join(
            player::Entity,
            Expr::col(player::Column::DiscordId.as_column_ref())
                .equals(payout::Column::DiscordId.as_column_ref()),
        )
        .and_where(payout::Column::CreatedAt.gte(start))
        .and_where(payout::Column::CreatedAt.lt(end))
        .and_where(payout::Column::State.eq(PayoutState::Paid))
        .order_by(payout::Column::Id.as_column_ref(), Order::Asc)
        .to_owned()
}

/// A text field as a spreadsheet may open it: one that would start a formula
/// (`=`, `+`, `-`, `@`) is prefixed with `'`. Quoting is the CSV writer's.
fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_start_a_formula_are_defused() {
        assert_eq!(defused("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defused("@kart"), "'@kart");
        assert_eq!(defused("Ann, \"the\" racer"), "Ann, \"the\" racer");
    }
}
