//! Money in a notice's payload: `{"currency":"USD","minor":2500}`, exact. The
//! change carries [`Money`] and [`Pot`]; they become currency codes and integer
//! minor units only here, as the payload is written, and are checked again as it
//! is read (an unknown currency or an amount out of range is not a notice).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::ids::UserId;
use crate::money::{Currency, Money, Pot};

/// One amount as the payload holds it.
#[derive(Serialize, Deserialize)]
struct Wire {
    currency: String,
    minor: i64,
}

impl From<Money> for Wire {
    fn from(money: Money) -> Self {
        Wire {
            currency: money.currency().code().to_owned(),
            minor: money.minor(),
        }
    }
}

impl Wire {
    fn money<E: serde::de::Error>(self) -> Result<Money, E> {
        Currency::parse(&self.currency)
            .and_then(|currency| Money::from_minor(self.minor, currency))
            .map_err(E::custom)
    }
}

/// `#[serde(with)]` for a [`Money`].
pub mod money {
    use super::*;

    pub fn serialize<S: Serializer>(money: &Money, serializer: S) -> Result<S::Ok, S::Error> {
        Wire::from(*money).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        Wire::deserialize(deserializer)?.money()
    }
}

/// `#[serde(with)]` for an optional [`Money`] (`null` for none).
pub mod optional_money {
    use super::*;

    pub fn serialize<S: Serializer>(
        money: &Option<Money>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        money.map(Wire::from).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Money>, D::Error> {
        Option::<Wire>::deserialize(deserializer)?
            .map(Wire::money)
            .transpose()
    }
}

/// `#[serde(with)]` for racers' shares: `[["<discord id>", {amount}], …]`.
pub mod shares {
    use super::*;

    pub fn serialize<S: Serializer>(
        shares: &[(UserId, Money)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            shares
                .iter()
                .map(|(discord_id, share)| (discord_id, Wire::from(*share))),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(UserId, Money)>, D::Error> {
        Vec::<(UserId, Wire)>::deserialize(deserializer)?
            .into_iter()
            .map(|(discord_id, share)| Ok((discord_id, share.money()?)))
            .collect()
    }
}

/// `#[serde(with)]` for a [`Pot`]: its amounts as a list, one per currency.
pub mod pot {
    use super::*;

    pub fn serialize<S: Serializer>(pot: &Pot, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(pot.iter().map(Wire::from))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Pot, D::Error> {
        let mut pot = Pot::new();
        for amount in Vec::<Wire>::deserialize(deserializer)? {
            pot.add(amount.money()?).map_err(D::Error::custom)?;
        }
        Ok(pot)
    }
}
