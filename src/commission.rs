//! The commission rate in force: the configured `commission.rate`, until an admin
//! sets another with `/commission`. This module owns the rate's row in `settings`
//! and the copy the SalesRouter reads for every sale.

use std::sync::RwLock;

use entity::setting;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};

use crate::money::Rate;

/// Key of the rate's row in `settings`.
const RATE_SETTING: &str = "commission.rate";

/// Loads, persists and serves the commission rate. Every guild shares one rate
/// today; the calls take the guild so that callers need not change when each
/// guild gets its own.
pub struct CommissionRates {
    /// Where a change is persisted before it takes effect.
    db: DatabaseConnection,
    /// The rate in force; read by the SalesRouter for every sale.
    current: RwLock<Rate>,
}

impl CommissionRates {
    /// The rate saved by `/commission`, else `configured`. A saved value that no
    /// longer parses is reported and the configured rate used.
    pub async fn load(db: DatabaseConnection, configured: Rate) -> Result<Self, DbErr> {
        let saved = setting::Entity::find_by_id(RATE_SETTING.to_owned())
            .one(&db)
            .await?;
        let current = match saved.map(|s| Rate::parse(&s.value).map_err(|e| (s.value, e))) {
            Some(Ok(rate)) => rate,
            Some(Err((text, error))) => {
                tracing::warn!(%text, %error, "saved commission rate is invalid; using commission.rate");
                configured
            }
            None => configured,
        };
        Ok(CommissionRates {
            db,
            current: RwLock::new(current),
        })
    }

    /// The rate for a sale of `guild`'s lobbies.
    pub fn current(&self, _guild: Option<&str>) -> Rate {
        *self.current.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Persists `rate`, then puts it in force for the next sale.
    pub async fn set(&self, _guild: Option<&str>, rate: Rate) -> Result<(), DbErr> {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(RATE_SETTING.to_owned()),
            value: Set(rate.value().to_string()),
        })
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_column(setting::Column::Value)
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = rate;
        Ok(())
    }
}
