//! The commission rate in force per guild: the configured `commission.rate`, until
//! a guild's admin sets another with `/commission`. This module owns the rates'
//! rows in `settings` and the copy the SalesRouter reads for every sale. With
//! several processes on one PostgreSQL database, a change is announced on the
//! lobby bus in the transaction that saves it, and every process reads the
//! rates again when it hears it (or after its listening connection was lost).

use std::collections::HashMap;
use std::sync::RwLock;

use entity::setting;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use crate::domain::ids::GuildId;
use crate::lobby::bus::Channel;
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
    /// Where a change is announced to the other processes.
    channel: Channel,
    /// `commission.rate`: the default until one is saved.
    configured: Rate,
    /// Rates in force; read by the SalesRouter for every sale.
    rates: RwLock<Rates>,
}

struct Rates {
    /// For guilds that never set their own, and sales across several guilds.
    default: Rate,
    by_guild: HashMap<GuildId, Rate>,
}

impl CommissionRates {
    /// The saved rates over `configured`; changes are announced on `channel`
    /// (subscribed to before this reads, so that none is missed).
    pub async fn load(
        db: DatabaseConnection,
        configured: Rate,
        channel: Channel,
    ) -> Result<Self, DbErr> {
        let rates = read(&db, configured).await?;
        Ok(CommissionRates {
            db,
            channel,
            configured,
            rates: RwLock::new(rates),
        })
    }

    /// Reads the saved rates again: another process changed one, or this one may
    /// have missed its announcement. On failure the rates in force stay.
    pub async fn reload(&self) {
        match read(&self.db, self.configured).await {
            Ok(rates) => *self.rates.write().unwrap_or_else(|p| p.into_inner()) = rates,
            Err(error) => tracing::warn!(%error, "could not read the commission rates again"),
        }
    }

    /// The rate for a sale of `guild`'s lobbies; `None`: the default.
    pub fn current(&self, guild: Option<GuildId>) -> Rate {
        let rates = self.rates.read().unwrap_or_else(|p| p.into_inner());
        guild
            .and_then(|g| rates.by_guild.get(&g))
            .copied()
            .unwrap_or(rates.default)
    }

    /// Persists `rate` for `guild` (`None`: the default) and announces it to
    /// the other processes in the same transaction, then puts it in force here
    /// for the next sale.
    pub async fn set(&self, guild: Option<GuildId>, rate: Rate) -> Result<(), DbErr> {
        let key = match guild {
            Some(guild) => format!("{GUILD_PREFIX}{guild}"),
            None => DEFAULT_KEY.to_owned(),
        };
        let tx = self.db.begin().await?;
        crate::db::settings::put(&tx, key, rate.value().to_string()).await?;
        self.channel.commit_settings(tx).await?;
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

/// The saved rates over `configured`. A saved value that no longer parses is
/// reported and left out.
async fn read(db: &DatabaseConnection, configured: Rate) -> Result<Rates, DbErr> {
    let saved = setting::Entity::find()
        .filter(setting::Column::Key.starts_with(DEFAULT_KEY))
        .all(db)
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
    Ok(rates)
}
