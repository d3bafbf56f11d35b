//! Store credit from Discord: the answer to a payout however it ended (shared
//! with `/payout`), a racer's own `/cashout`, and the admins' `/payouts` switch.

use crate::cashout::Paid;
use crate::credit::{self, CreditRefusal, Route, SelfServe};
use crate::discord::{Caller, Reply};
use crate::domain::payout::{PayoutMethod, PayoutOrder};
use crate::ledger::read::{self, Wallets};
use crate::ledger::{LedgerError, PayoutRecord, PayoutRequest, Requester};
use crate::locale::{Arg, Locale};
use crate::money::Currency;
use crate::services::Services;

use super::race::refused;
use super::wallet::unavailable;
use super::{plain, refusal};

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

/// The answer to a payout that ran, in `locale`: public when something was paid
/// (it never shows a code), ephemeral when nothing was.
pub(super) fn paid_reply(paid: &Paid, racer_name: &str, locale: Locale) -> Reply {
    let name = plain(racer_name);
    let shop = |record: &PayoutRecord| match record.shop.as_deref() {
        Some(shop) => plain(shop),
        None => locale.t("the-shop", &[]),
    };
    match paid {
        Paid::Recorded(record) => {
            let args: [(&str, &dyn Arg); 3] = [
                ("name", &name),
                ("money", &locale.money(record.amount)),
                ("method", &method_name(&record.method, locale)),
            ];
            Reply::public(locale.t("paid-recorded", &args))
        }
        Paid::Issued(record) => {
            let args: [(&str, &dyn Arg); 4] = [
                ("name", &name),
                ("money", &locale.money(record.amount)),
                ("kind", &credit_kind(record, locale)),
                ("shop", &shop(record)),
            ];
            Reply::public(locale.t("paid-issued", &args))
        }
        Paid::Released(record) => {
            let reason = match record.failure.as_deref() {
                Some(failure) => plain(failure),
                None => locale.t("no-reason", &[]),
            };
            let args: [(&str, &dyn Arg); 3] = [
                ("shop", &shop(record)),
                ("kind", &credit_kind(record, locale)),
                ("reason", &reason),
            ];
            Reply::refusal(locale.t("paid-released", &args))
        }
        Paid::InFlight(record) => {
            Reply::refusal(locale.t("paid-in-flight", &[("money", &locale.money(record.amount))]))
        }
    }
}

fn credit_kind(record: &PayoutRecord, locale: Locale) -> String {
    if record.method == PayoutMethod::GiftCard.as_str() {
        locale.t("method-gift-card", &[])
    } else {
        locale.t("method-store-credit", &[])
    }
}

/// A payout method as stored (`gift_card`) for people.
fn method_name(method: &str, locale: Locale) -> String {
    match PayoutMethod::parse(method) {
        Some(PayoutMethod::GiftCard) => locale.t("method-gift-card", &[]),
        Some(PayoutMethod::StoreCredit) => locale.t("method-store-credit", &[]),
        Some(PayoutMethod::Manual) => locale.t("method-manual", &[]),
        None => method.replace('_', " "),
    }
}

/// The refusal of a payout that paid nothing, in `locale`.
pub(super) fn refused_reply(refused: Refused, locale: Locale) -> Reply {
    let refusal = |reason: String| Reply::refusal(locale.t("refused", &[("reason", &reason)]));
    match refused {
        Refused::Credit(why) => refusal(plain(&refusal::credit(locale, &why))),
        Refused::Ledger(LedgerError::Payout(why)) => refusal(refusal::payout(locale, &why)),
        Refused::Ledger(error) => {
            tracing::error!(%error, "payout failed");
            Reply::refusal(locale.t("ledger-unavailable", &[]))
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
    let locale = caller.locale;
    let rule = match SelfServe::load(&services.db, caller.guild_id).await {
        Ok(rule) => rule,
        Err(error) => return unavailable(error, locale),
    };
    if !rule.self_serve {
        return Reply::refusal(locale.t("cashout-off", &[]));
    }
    let balances =
        match read::balances(&services.db, caller.user_id, Wallets::In(caller.guild_id)).await {
            Ok(balances) => balances,
            Err(error) => return unavailable(error, locale),
        };
    let with_money: Vec<_> = balances
        .iter()
        .filter(|b| b.available.is_positive())
        .collect();
    let balance = match currency.as_deref().map(Currency::parse) {
        Some(Err(error)) => return refused(caller, plain(&refusal::money(locale, &error))),
        Some(Ok(currency)) => with_money
            .iter()
            .find(|b| b.available.currency() == currency),
        None => match with_money.as_slice() {
            [only] => Some(only),
            [] => None,
            _ => return Reply::refusal(locale.t("cashout-several", &[])),
        },
    };
    let Some(balance) = balance else {
        return Reply::refusal(locale.t("cashout-nothing", &[]));
    };
    let minimum = rule.minimum_in(
        &services.config.commission.payout_thresholds,
        balance.available.currency(),
    );
    if balance.available.minor() < minimum.minor() {
        return Reply::refusal(locale.t(
            "cashout-below",
            &[
                ("minimum", &locale.money(minimum)),
                ("available", &locale.money(balance.available)),
            ],
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
        Ok(Route::Record) => return Reply::refusal(locale.t("cashout-no-shop", &[])),
        Ok(route) => route,
        Err(why) => return refused_reply(why, locale),
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
        Ok(paid) => paid_reply(&paid, &caller.display_name, locale),
        Err(why) => refused_reply(why, locale),
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
    let locale = caller.locale;
    if !caller.is_admin {
        return Reply::refusal(locale.t("payouts-admin-only", &[]));
    }
    let minimum = match minimum.as_deref().map(credit::check_minimum).transpose() {
        Ok(minimum) => minimum,
        // The threshold's own words: English in every locale.
        Err(why) => return refused(caller, plain(&why)),
    };
    let rule = SelfServe {
        self_serve,
        minimum,
    };
    if let Err(error) = rule.save(&services.db, caller.guild_id).await {
        return unavailable(error, locale);
    }
    let shops = services.credit.serving(caller.guild_id);
    let mut text = match (self_serve, &rule.minimum) {
        (true, Some(minimum)) => locale.t("payouts-on-from", &[("minimum", minimum)]),
        (true, None) => locale.t("payouts-on", &[]),
        (false, _) => locale.t("payouts-off", &[]),
    };
    if self_serve && shops.is_empty() {
        text.push(' ');
        text.push_str(&locale.t("payouts-no-shop", &[]));
    }
    Reply::ephemeral(text)
}
