//! A guild's leaderboards: top earners per currency, and the currencies earned in.

use entity::{balance, player};
use sea_orm::sea_query::{Expr, ExprTrait as _, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr};
use serde::Serialize;

use super::{bigint, money, LIST_LIMIT_MAX};
use crate::domain::ids::{guild_column, GuildId};
use crate::money::Money;

/// One line of a leaderboard: a racer's net earnings in one currency.
#[derive(Debug, Serialize, Clone)]
pub struct Earner {
    pub discord_id: String,
    pub display_name: String,
    #[serde(with = "crate::money::serde_amount")]
    pub earned: Money,
}

/// Top earners of one guild in one currency (units are never mixed), by net
/// allocation, each with the name they last raced with: one query. Read from the
/// balances, which hold the same sum per racer (a racer's pending, available,
/// reserved and paid money are what the allocations gave, net of refunds; `verify`
/// checks the balances against the journal), so that no index of the allocations
/// by guild is written with every sale for it.
pub async fn leaderboard(
    db: &impl ConnectionTrait,
    guild: Option<GuildId>,
    currency: &str,
    limit: u64,
) -> Result<Vec<Earner>, DbErr> {
    let query = Query::select()
        .expr(balance::Column::DiscordId.into_expr())
        .expr(balance::Column::Currency.into_expr())
        .expr_as(bigint(earned_minor()), "earned")
        .expr(player::Column::DisplayName.into_expr())
        .from(balance::Entity)
        .left_join(
            player::Entity,
            Expr::col(player::Column::DiscordId.as_column_ref())
                .equals(balance::Column::DiscordId.as_column_ref()),
        )
        .and_where(balance::Column::GuildId.eq(guild_column(guild)))
        .and_where(balance::Column::Currency.eq(currency))
        .order_by("earned", Order::Desc)
        .limit(Ord::min(limit, LIST_LIMIT_MAX))
        .to_owned();
    let rows = db.query_all(&query).await?;
    let mut earners = Vec::with_capacity(rows.len());
    for row in rows {
        let discord_id: String = row.try_get_by_index(0)?;
        let currency: String = row.try_get_by_index(1)?;
        let earned: i64 = row.try_get_by_index(2)?;
        let display_name: Option<String> = row.try_get_by_index(3)?;
        earners.push(Earner {
            display_name: display_name.unwrap_or_else(|| discord_id.clone()),
            discord_id,
            earned: money(earned, &currency)?,
        });
    }
    Ok(earners)
}

/// The currencies a guild's racers have earned in, for a leaderboard per currency.
pub async fn earned_currencies(
    db: &impl ConnectionTrait,
    guild: Option<GuildId>,
) -> Result<Vec<String>, DbErr> {
    let query = Query::select()
        .distinct()
        .expr(balance::Column::Currency.into_expr())
        .from(balance::Entity)
        .and_where(balance::Column::GuildId.eq(guild_column(guild)))
        .order_by(balance::Column::Currency, Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect()
}

/// Everything a racer's allocations gave them, net of refunds, from their balance:
/// pending, available, reserved and paid out.
fn earned_minor() -> Expr {
    balance::Column::PendingMinor
        .into_expr()
        .add(balance::Column::AvailableMinor.into_expr())
        .add(balance::Column::ReservedMinor.into_expr())
        .add(balance::Column::PaidMinor.into_expr())
}
