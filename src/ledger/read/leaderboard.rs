//! A guild's leaderboards: top earners per currency, and the currencies earned in.

use entity::{allocation, player};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr};
use serde::Serialize;

use super::{bigint, money, net_minor, LIST_LIMIT_MAX};
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
/// allocation, each with the name they last raced with: one query.
pub async fn leaderboard(
    db: &impl ConnectionTrait,
    guild: Option<GuildId>,
    currency: &str,
    limit: u64,
) -> Result<Vec<Earner>, DbErr> {
    let query = Query::select()
        .expr(allocation::Column::DiscordId.into_expr())
        .expr(allocation::Column::Currency.into_expr())
        .expr_as(bigint(Func::sum(net_minor())), "earned")
        .expr(player::Column::DisplayName.into_expr())
        .from(allocation::Entity)
        .left_join(
            player::Entity,
            Expr::col(player::Column::DiscordId.as_column_ref())
                .equals(allocation::Column::DiscordId.as_column_ref()),
        )
        .and_where(allocation::Column::GuildId.eq(guild_column(guild)))
        .and_where(allocation::Column::Currency.eq(currency))
        .group_by_col(allocation::Column::DiscordId.as_column_ref())
        .group_by_col(allocation::Column::Currency.as_column_ref())
        .group_by_col(player::Column::DisplayName.as_column_ref())
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
        .expr(allocation::Column::Currency.into_expr())
        .from(allocation::Entity)
        .and_where(allocation::Column::GuildId.eq(guild_column(guild)))
        .order_by(allocation::Column::Currency, Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect()
}
