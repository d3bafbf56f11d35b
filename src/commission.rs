//! The commission rate in force per guild: the configured `commission.rate`, until
//! a guild's admin sets another with `/commission`. This module owns the rates'
//! rows in `settings` and the copy the SalesRouter reads for every sale.

use std::collections::HashMap;
use std::sync::RwLock;

use entity::setting;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::domain::ids::GuildId;
use crate::money::Rate;

/// Key of the deployment-wide rate in `settings` (what `/commission` set before
/// each guild had its own; it stays the default of guilds that never set one).
const DEFAULT_KEY: &str = "commission.rate";
/// Prefix of a guild's own rate: `commission.rate.<guild id>`.
const GUILD_PREFIX: &str = "commission.rate.";

/// Loads, persists and serves the commission rates.
pub struct CommissionRates {
    /// Where a change is persisted before it takes effect.
    db: DatabaseConnection,
    /// Rates in force; read by the SalesRouter for every sale.
    rates: RwLock<Rates>,
}

struct Rates {
    /// For guilds that never set their own, and sales across several guilds.
    default: Rate,
    by_guild: HashMap<GuildId, Rate>,
}

impl CommissionRates {
    /// The saved rates over `configured`. A saved value that no longer parses is
    /// reported and left out.
    pub async fn load(db: DatabaseConnection, configured: Rate) -> Result<Self, DbErr> {
        let saved = setting::Entity::find()
            .filter(setting::Column::Key.starts_with(DEFAULT_KEY))
            .all(&db)
            .await?;
        let mut rates = Rates {
            default: configured,
            by_guild: HashMap::new(),
        };
        for row in saved {
            let rate = match Rate::parse(&row.value) {
                Ok(rate) => rate,
                Err(error) => {
                    tracing::warn!(key = %row.key, %error, "saved commission rate is invalid; ignored");
                    continue;
                }
            };
            match row.key.strip_prefix(GUILD_PREFIX).map(str::parse) {
                Some(Ok(guild)) => {
                    rates.by_guild.insert(guild, rate);
                }
                Some(Err(error)) => {
                    tracing::warn!(key = %row.key, %error, "saved commission rate of no guild; ignored");
                }
                None if row.key == DEFAULT_KEY => rates.default = rate,
                None => {}
            }
        }
        Ok(CommissionRates {
            db,
            rates: RwLock::new(rates),
        })
    }

    /// The rate for a sale of `guild`'s lobbies; `None`: the default.
    pub fn current(&self, guild: Option<GuildId>) -> Rate {
        let rates = self.rates.read().unwrap_or_else(|p| p.into_inner());
        guild
            .and_then(|g| rates.by_guild.get(&g))
            .copied()
            .unwrap_or(rates.default)
    }

    /// Persists `rate` for `guild` (`None`: the default), then puts it in force
    /// for the next sale.
    pub async fn set(&self, guild: Option<GuildId>, rate: Rate) -> Result<(), DbErr> {
        let key = match guild {
            Some(guild) => format!("{GUILD_PREFIX}{guild}"),
            None => DEFAULT_KEY.to_owned(),
        };
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key),
            value: Set(rate.value().to_string()),
        })
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_column(setting::Column::Value)
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        let mut rates = self.rates.write().unwrap_or_else(|p| p.into_inner());
        match guild {
            Some(guild) => {
                rates.by_guild.insert(guild, rate);
            }
            None => rates.default = rate,
        }
        Ok(())
    }
}
