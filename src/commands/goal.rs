//! `/goal amount [currency] [lobby]`: the host (or an admin) sets the pot the race
//! aims for; the overlay shows a progress bar toward it. `0` clears it.

use rust_decimal::Decimal;

use crate::discord::{Caller, Reply};
use crate::lobby::SetGoal;
use crate::money::{Currency, Money};
use crate::services::Services;

use super::lobby_title;
use super::lookup::{change, hosted_lobby, view};
use super::race::reply;

/// Used when no currency is named and the pot holds none or several.
const DEFAULT_CURRENCY: &str = "USD";

pub async fn goal(
    services: &Services,
    caller: &Caller,
    amount: &str,
    currency: Option<String>,
    lobby: Option<String>,
) -> Reply {
    let locale = caller.locale;
    reply(
        async {
            let entry = hosted_lobby(services, caller, lobby, "host-only-goal").await?;
            let current = view(&entry, locale).await?;
            let currency = match currency {
                Some(code) => Currency::parse(&code.trim().to_ascii_uppercase()).map_err(|_| {
                    let code = super::code_span(&code);
                    Reply::refusal(locale.t("goal-bad-currency", &[("code", &code)]))
                })?,
                None => only_currency(&current.pot)
                    .or(current.goal.map(Money::currency))
                    .map_or_else(|| Currency::parse(DEFAULT_CURRENCY), Ok)
                    .map_err(|_| Reply::refusal(locale.t("goal-no-currency", &[])))?,
            };
            let goal = parse_goal(amount, currency).map_err(|()| {
                let code = currency.code();
                Reply::refusal(locale.t("goal-bad-amount", &[("currency", &code)]))
            })?;
            let view = change(&entry, SetGoal { goal }, locale).await?;
            let lobby = lobby_title(&view);
            Ok(Reply::public(match goal {
                Some(goal) => locale.t(
                    "goal-set",
                    &[("lobby", &lobby), ("money", &locale.money(goal))],
                ),
                None => locale.t("goal-cleared", &[("lobby", &lobby)]),
            }))
        }
        .await,
    )
}

/// The pot's currency when it holds exactly one.
pub(super) fn only_currency(pot: &crate::money::Pot) -> Option<Currency> {
    let mut currencies = pot.iter().map(Money::currency);
    match (currencies.next(), currencies.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// A positive amount in the currency's minor unit, or `None` for zero (clear);
/// refused (with the sentence `goal-bad-amount`) otherwise.
fn parse_goal(amount: &str, currency: Currency) -> Result<Option<Money>, ()> {
    let goal = Money::parse(amount, currency).map_err(|_| ())?;
    if goal.amount() < Decimal::ZERO {
        return Err(());
    }
    Ok((!goal.is_zero()).then_some(goal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_parse_exactly() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            parse_goal("50", eur)
                .unwrap()
                .map(|m| m.amount().to_string()),
            Some("50.00".into())
        );
        assert_eq!(parse_goal("0", eur).unwrap(), None);
        for bad in ["-5", "abc", "1.234", ""] {
            assert!(parse_goal(bad, eur).is_err(), "{bad}");
        }
    }
}
