//! Store credit from Discord: the answer to a payout however it ended (shared
//! with `/payout`), a racer's own `/cashout`, and the admins' `/payouts` switch.

use crate::cashout::Paid;
use crate::credit::{self, CreditRefusal, Route, SelfServe};
use crate::discord::{Caller, Reply};
use crate::domain::payout::{PayoutMethod, PayoutOrder};
use crate::ledger::read::{self, Wallets};
use crate::ledger::{LedgerError, PayoutRecord, PayoutRequest, Requester};
use crate::money::Currency;
use crate::services::Services;

use super::plain;

/// How `order` is paid: refused before anything is reserved when no shop can
/// issue it as asked.
pub(super) async fn route(services: &Services, order: &PayoutOrder) -> Result<Route, Refused> {
    Ok(credit::choose(
        &services.credit,
        order.guild,
        order.method,
        order.shop.as_deref(),
        order.amount.currency(),
    )
    .await?)
}

/// Pays `order` the way `route` says, keyed by the caller's interaction.
pub(super) async fn pay(
    services: &Services,
    caller: &Caller,
    order: PayoutOrder,
    route: Route,
    requested_by: Requester,
) -> Result<Paid, Refused> {
    let request = PayoutRequest::new(
        order,
        requested_by,
        &services.config.commission.payout_thresholds,
        services.clock.now(),
        caller.interaction_id.map(|id| format!("interaction:{id}")),
    );
    Ok(crate::cashout::pay(services, request, route).await?)
}

/// Why a payout paid nothing.
pub(super) enum Refused {
    Credit(CreditRefusal),
    Ledger(LedgerError),
}

impl From<CreditRefusal> for Refused {
    fn from(refusal: CreditRefusal) -> Self {
        Refused::Credit(refusal)
    }
}

impl From<LedgerError> for Refused {
    fn from(error: LedgerError) -> Self {
        Refused::Ledger(error)
    }
}

/// The answer to a payout that ran: public when something was paid (it never
/// shows a code), ephemeral when nothing was.
pub(super) fn paid_reply(paid: &Paid, racer_name: &str) -> Reply {
    let name = plain(racer_name);
    match paid {
        Paid::Recorded(record) => Reply::public(format!(
            "🎉 Congratulations {name}! You were paid {} ({}), recorded as paid by other means.",
            record.amount,
            record.method.replace('_', " ")
        )),
        Paid::Issued(record) => Reply::public(format!(
            "🎉 Congratulations {name}! You were paid {} as {} from {}: the code is in your DMs and in `/wallet`.",
            record.amount,
            credit_kind(record),
            plain(record.shop.as_deref().unwrap_or("the shop"))
        )),
        Paid::Released(record) => Reply::refusal(format!(
            "Nothing was paid: {} did not issue the {}: {}. The balance is as it was; try again later.",
            plain(record.shop.as_deref().unwrap_or("the shop")),
            credit_kind(record),
            plain(record.failure.as_deref().unwrap_or("no reason given"))
        )),
        Paid::InFlight(record) => Reply::refusal(format!(
            "That payout of {} is still being issued; the racer gets the code by DM and in `/wallet` once the shop answers.",
            record.amount
        )),
    }
}

fn credit_kind(record: &PayoutRecord) -> &'static str {
    if record.method == PayoutMethod::GiftCard.as_str() {
        "gift card"
    } else {
        "store credit"
    }
}

/// The refusal of a payout that paid nothing.
pub(super) fn refused_reply(refused: Refused) -> Reply {
    match refused {
        Refused::Credit(refusal) => {
            Reply::refusal(format!("Refused: {}.", plain(&refusal.to_string())))
        }
        Refused::Ledger(LedgerError::Payout(refusal)) => {
            Reply::refusal(format!("Refused: {refusal}."))
        }
        Refused::Ledger(error) => {
            tracing::error!(%error, "payout failed");
            Reply::refusal("The ledger is not answering right now; please try again.")
        }
    }
}

/// `/cashout`: the caller turns their whole available balance in one currency
/// into store credit, where the guild's admins allow it and from the guild's
/// minimum (at least the deployment's payout threshold).
pub async fn cashout(
    services: &Services,
    caller: &Caller,
    currency: Option<String>,
    shop: Option<String>,
) -> Reply {
    let rule = match SelfServe::load(&services.db, caller.guild_id).await {
        Ok(rule) => rule,
        Err(error) => return super::wallet::unavailable(error),
    };
    if !rule.self_serve {
        return Reply::refusal(
            "Cashing out yourself is off on this server; an admin pays racers with `/payout` (or turns it on with `/payouts self_serve:true`).",
        );
    }
    let balances =
        match read::balances(&services.db, caller.user_id, Wallets::In(caller.guild_id)).await {
            Ok(balances) => balances,
            Err(error) => return super::wallet::unavailable(error),
        };
    let with_money: Vec<_> = balances
        .iter()
        .filter(|b| b.available.is_positive())
        .collect();
    let balance = match currency.as_deref().map(Currency::parse) {
        Some(Err(error)) => return Reply::refusal(format!("Refused: {}.", plain(&error.to_string()))),
        Some(Ok(currency)) => with_money.iter().find(|b| b.available.currency() == currency),
        None => match with_money.as_slice() {
            [only] => Some(only),
            [] => None,
            _ => {
                return Reply::refusal(
                    "You have money available in several currencies; say which with the `currency` option.",
                )
            }
        },
    };
    let Some(balance) = balance else {
        return Reply::refusal("You have nothing available to cash out here yet.");
    };
    let minimum = rule.minimum_in(
        &services.config.commission.payout_thresholds,
        balance.available.currency(),
    );
    if balance.available.minor() < minimum.minor() {
        return Reply::refusal(format!(
            "You can cash out from {minimum}; you have {} available.",
            balance.available
        ));
    }
    let order = PayoutOrder {
        guild: caller.guild_id,
        racer: caller.user_id,
        amount: balance.available,
        method: PayoutMethod::StoreCredit,
        note: Some("/cashout".to_owned()),
        // The guild's minimum was checked here; the ledger's threshold is the
        // deployment's, which the minimum is at least.
        force: true,
        shop,
    };
    let route = match route(services, &order).await {
        // A racer alone never records a payout as paid by other means.
        Ok(Route::Record) => {
            return Reply::refusal("No shop issues store credit on this server yet; ask an admin.")
        }
        Ok(route) => route,
        Err(refused) => return refused_reply(refused),
    };
    match pay(
        services,
        caller,
        order,
        route,
        Requester::Racer(caller.user_id),
    )
    .await
    {
        Ok(paid) => paid_reply(&paid, &caller.display_name),
        Err(refused) => refused_reply(refused),
    }
}

/// `/payouts self_serve:<bool> [minimum]` (admin): whether racers may cash out
/// themselves here, and the guild's minimum.
pub async fn payouts(
    services: &Services,
    caller: &Caller,
    self_serve: bool,
    minimum: Option<String>,
) -> Reply {
    if !caller.is_admin {
        return Reply::refusal("Only admins can change how racers are paid here.");
    }
    let minimum = match minimum.as_deref().map(credit::check_minimum).transpose() {
        Ok(minimum) => minimum,
        Err(refusal) => return Reply::refusal(format!("Refused: {}.", plain(&refusal))),
    };
    let rule = SelfServe {
        self_serve,
        minimum,
    };
    if let Err(error) = rule.save(&services.db, caller.guild_id).await {
        return super::wallet::unavailable(error);
    }
    let shops = services.credit.serving(caller.guild_id);
    let mut text = if self_serve {
        match &rule.minimum {
            Some(minimum) => format!("Racers can now `/cashout` their available balance here, from {minimum} (or the payout threshold, if higher)."),
            None => "Racers can now `/cashout` their available balance here, from the payout threshold.".to_owned(),
        }
    } else {
        "Cashing out is now for admins only here (`/payout`).".to_owned()
    };
    if self_serve && shops.is_empty() {
        text.push_str(" No shop can issue store credit here yet: give one its API credentials (README, Going live).");
    }
    Reply::ephemeral(text)
}
