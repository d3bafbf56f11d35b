//! Pot: money per currency (a race's live pot, its pool, one racer's share),
//! kept as [`Money`] and written as `{"USD": "5.00"}` only when serialized.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{Currency, Money, MoneyError};

/// Amounts in several currencies, at most one per currency, in currency-code order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pot(BTreeMap<Currency, Money>);

impl Pot {
    pub fn new() -> Self {
        Pot::default()
    }

    /// Adds an amount (negative for a clawback) to its currency's total. A sum past
    /// [`super::AMOUNT_MAX`] is refused and leaves the pot as it was.
    pub fn add(&mut self, amount: Money) -> Result<(), MoneyError> {
        let currency = amount.currency();
        let total = self.get(currency).unwrap_or_else(|| Money::zero(currency));
        self.0.insert(currency, total.checked_add(amount)?);
        Ok(())
    }

    /// The total in one currency, if anything was added in it.
    pub fn get(&self, currency: Currency) -> Option<Money> {
        self.0.get(&currency).copied()
    }

    /// Each currency's total, in currency-code order.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.values().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// `{"USD": "5.00", "JPY": "600"}`: each amount as the decimal string of its
/// currency's minor unit, never a float.
impl Serialize for Pot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for money in self.iter() {
            map.serialize_entry(money.currency().code(), &money.amount().to_string())?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount: &str, code: &str) -> Money {
        Money::parse(amount, Currency::parse(code).unwrap()).unwrap()
    }

    #[test]
    fn adds_per_currency_and_serializes_decimal_strings() {
        let mut pot = Pot::new();
        assert!(pot.is_empty());
        pot.add(money("4.50", "USD")).unwrap();
        pot.add(money("600", "JPY")).unwrap();
        pot.add(money("0.60", "USD")).unwrap();
        pot.add(money("-1.00", "USD")).unwrap();
        assert_eq!(
            pot.get(Currency::parse("USD").unwrap()),
            Some(money("4.10", "USD"))
        );
        assert_eq!(
            serde_json::to_value(&pot).unwrap(),
            serde_json::json!({"JPY": "600", "USD": "4.10"})
        );
        let order: Vec<&str> = pot.iter().map(|m| m.currency().code()).collect();
        assert_eq!(order, ["JPY", "USD"]);
        pot.clear();
        assert_eq!(serde_json::to_string(&pot).unwrap(), "{}");
    }

    #[test]
    fn a_sum_out_of_range_leaves_the_pot_alone() {
        let usd = Currency::parse("USD").unwrap();
        let most = Money::new(crate::money::AMOUNT_MAX.into(), usd).unwrap();
        let mut pot = Pot::new();
        pot.add(most).unwrap();
        assert!(pot.add(money("0.01", "USD")).is_err());
        assert_eq!(pot.get(usd), Some(most));
    }
}
