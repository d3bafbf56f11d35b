//! Whether a guild's racers may cash out themselves (`/cashout`), and from what
//! amount: set by its admins with `/payouts`, kept in `settings` under
//! `cashout:<guild>` as `{"self_serve": bool, "minimum": "25.00"}`.

use entity::setting;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{guild_column, GuildId};
use crate::money::{Currency, Money, PayoutThresholds};

/// A guild's rule for `/cashout`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfServe {
    /// Racers may turn their available balance into store credit themselves.
    pub self_serve: bool,
    /// The guild's own minimum, written like `commission.payout_threshold` (a
    /// two-decimal amount read in each currency's units); above the deployment's
    /// threshold it raises it, below it changes nothing.
    #[serde(default)]
    pub minimum: Option<String>,
}

fn key(guild: Option<GuildId>) -> String {
    format!("cashout:{}", guild_column(guild))
}

impl SelfServe {
    /// The guild's rule; off when never set (or unreadable, which is logged).
    pub async fn load(db: &impl ConnectionTrait, guild: Option<GuildId>) -> Result<Self, DbErr> {
        let Some(row) = setting::Entity::find_by_id(key(guild)).one(db).await? else {
            return Ok(SelfServe::default());
        };
        Ok(serde_json::from_str(&row.value).unwrap_or_else(|error| {
            tracing::warn!(guild = ?guild, %error, "unreadable /cashout setting; self-serve is off");
            SelfServe::default()
        }))
    }

    pub async fn save(
        &self,
        db: &impl ConnectionTrait,
        guild: Option<GuildId>,
    ) -> Result<(), DbErr> {
        let value = serde_json::to_string(self).map_err(|e| DbErr::Custom(e.to_string()))?;
        crate::db::settings::put(db, key(guild), value).await
    }

    /// The smallest cash-out in `currency`: the deployment's payout threshold, or
    /// the guild's minimum where that is larger.
    pub fn minimum_in(&self, deployment: &PayoutThresholds, currency: Currency) -> Money {
        let threshold = deployment.for_currency(currency);
        let own = self
            .minimum
            .as_deref()
            .and_then(|text| PayoutThresholds::new(text, []).ok())
            .map(|own| own.for_currency(currency));
        match own {
            Some(own) if own.minor() > threshold.minor() => own,
            _ => threshold,
        }
    }
}

/// A guild minimum as typed, checked the way the deployment's threshold is.
pub fn check_minimum(text: &str) -> Result<String, String> {
    let text = text.trim();
    PayoutThresholds::new(text, [])
        .map(|_| text.to_owned())
        .map_err(|error| {
            format!(
                "`{}` is not a minimum: {error}",
                text.chars().take(32).collect::<String>()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_larger_of_the_deployments_threshold_and_the_guilds_minimum() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let deployment = PayoutThresholds::new("20.00", []).unwrap();
        let off = SelfServe::default();
        assert_eq!(off.minimum_in(&deployment, usd).minor(), 2000);
        let higher = SelfServe {
            self_serve: true,
            minimum: Some("50.00".into()),
        };
        assert_eq!(higher.minimum_in(&deployment, usd).minor(), 5000);
        assert_eq!(higher.minimum_in(&deployment, jpy).minor(), 5000);
        let lower = SelfServe {
            self_serve: true,
            minimum: Some("5".into()),
        };
        assert_eq!(lower.minimum_in(&deployment, usd).minor(), 2000);
        assert!(check_minimum("ten").is_err());
        assert!(check_minimum("-1").is_err());
        assert_eq!(check_minimum(" 25.00 ").unwrap(), "25.00");
    }
}
