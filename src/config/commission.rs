//! `[commission]`: the racers' rate and how many share it, holds, payout
//! thresholds, untagged sales, the pool's base and the window limits.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::values::{lenient, number, Text};
use super::{invalid, ConfigError};
use crate::money::{Currency, Money, PayoutThresholds, Rate};
use crate::sale::CommissionBase;

pub use crate::domain::shares::UntaggedPolicy;

#[derive(Clone, Debug)]
pub struct CommissionConfig {
    pub rate: Rate,
    pub max_racers: usize,
    pub hold_days: u32,
    /// Payouts below their currency's threshold need `force`.
    pub payout_thresholds: PayoutThresholds,
    pub untagged: UntaggedPolicy,
    /// What the pool is a share of: the whole amount, or the goods alone.
    pub base: CommissionBase,
    pub max_window_minutes: u32,
    pub max_delay_minutes: u32,
}

/// Limits on configured values, so that a typo cannot make the server absurd.
pub const MAX_RACERS_LIMIT: usize = 64;
pub const HOLD_DAYS_LIMIT: u32 = 365;
pub const WINDOW_MINUTES_LIMIT: u32 = 24 * 60;
pub const DELAY_MINUTES_LIMIT: u32 = 30 * 24 * 60;

#[derive(Deserialize)]
pub(super) struct RawCommission {
    #[serde(deserialize_with = "lenient")]
    rate: String,
    #[serde(deserialize_with = "lenient")]
    max_racers: String,
    #[serde(deserialize_with = "lenient")]
    hold_days: String,
    #[serde(deserialize_with = "lenient")]
    payout_threshold: String,
    /// Currency code -> threshold in that currency's units.
    #[serde(default)]
    payout_thresholds: BTreeMap<String, Text>,
    #[serde(deserialize_with = "lenient")]
    untagged: String,
    #[serde(deserialize_with = "lenient")]
    base: String,
    #[serde(deserialize_with = "lenient")]
    max_window_minutes: String,
    #[serde(deserialize_with = "lenient")]
    max_delay_minutes: String,
}

/// `commission.base`: `total` (today's pool) or `subtotal` (the goods alone).
fn commission_base(text: &str) -> Result<CommissionBase, ConfigError> {
    match text.trim() {
        "total" => Ok(CommissionBase::Total),
        "subtotal" => Ok(CommissionBase::Subtotal),
        other => Err(invalid(
            "commission.base",
            format!("{other:?} is not total or subtotal"),
        )),
    }
}

impl CommissionConfig {
    pub(super) fn validate(raw: RawCommission) -> Result<Self, ConfigError> {
        let rate = Rate::parse(&raw.rate).map_err(|e| invalid("commission.rate", e))?;
        let max_racers = number("commission.max_racers", &raw.max_racers, MAX_RACERS_LIMIT)?;
        if max_racers == 0 {
            return Err(invalid("commission.max_racers", "must be at least 1"));
        }
        let payout_thresholds = payout_thresholds(&raw.payout_threshold, &raw.payout_thresholds)?;
        let untagged = match raw.untagged.trim() {
            "split" => UntaggedPolicy::Split,
            "latest" => UntaggedPolicy::Latest,
            "house" => UntaggedPolicy::House,
            other => {
                return Err(invalid(
                    "commission.untagged",
                    format!("{other:?} is not split, latest or house"),
                ))
            }
        };
        let base = commission_base(&raw.base)?;
        let max_window_minutes = number(
            "commission.max_window_minutes",
            &raw.max_window_minutes,
            WINDOW_MINUTES_LIMIT,
        )?;
        if max_window_minutes == 0 {
            return Err(invalid(
                "commission.max_window_minutes",
                "must be at least 1",
            ));
        }
        Ok(CommissionConfig {
            rate,
            max_racers,
            hold_days: number("commission.hold_days", &raw.hold_days, HOLD_DAYS_LIMIT)?,
            payout_thresholds,
            untagged,
            base,
            max_window_minutes,
            max_delay_minutes: number(
                "commission.max_delay_minutes",
                &raw.max_delay_minutes,
                DELAY_MINUTES_LIMIT,
            )?,
        })
    }
}

/// `commission.payout_threshold` (the default) and `[commission.payout_thresholds]`
/// (per currency, in its own units); the rule is [`PayoutThresholds`]'s.
fn payout_thresholds(
    default: &str,
    table: &BTreeMap<String, Text>,
) -> Result<PayoutThresholds, ConfigError> {
    let mut entries = BTreeMap::new();
    for (code, Text(amount)) in table {
        let key = format!("commission.payout_thresholds.{code}");
        let currency = Currency::parse(code).map_err(|e| invalid(&key, e))?;
        let amount = Money::parse(amount, currency).map_err(|e| invalid(&key, e))?;
        if amount.is_negative() {
            return Err(invalid(key, "must not be negative"));
        }
        if entries.insert(currency, amount).is_some() {
            return Err(invalid(key, format!("{currency} is given twice")));
        }
    }
    PayoutThresholds::new(default, entries.into_values())
        .map_err(|e| invalid("commission.payout_threshold", e))
}
