//! A payout paid as store credit, from the order to the racer's DMs: the two
//! phases around the shop's API ([`pay`]: reserve in the ledger, issue outside any
//! transaction, confirm or release), the code's delivery by direct message, and
//! the [`reconcile`] of reservations a crash left behind. Which shop issues it is
//! `credit::choose`; this module is above the services it runs with.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::payout;
use entity::sea_orm_active_enums::PayoutState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::credit::{new_code, CreditClient, CreditGrant, IssuedCredit, ProviderError, Route};
use crate::domain::ids::{guild_from_column, UserId};
use crate::ledger::{
    masked_code, CreditIssue, LedgerError, PayoutRecord, PayoutRequest, Settle, Settlement,
};
use crate::services::Services;

/// A reservation younger than this is being issued by whoever made it; the
/// reconciler leaves it alone (longer than a provider call may take).
pub const RECONCILE_AFTER: Duration = Duration::from_secs(120);
/// How often the reconciler looks for reservations left behind.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// Most reservations one reconciliation settles.
const RECONCILE_BATCH: u64 = 50;

/// How a payout ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paid {
    /// Recorded: paid by other means.
    Recorded(PayoutRecord),
    /// Issued and paid: the code is in the racer's DMs (if they are open) and
    /// in `/wallet`.
    Issued(PayoutRecord),
    /// The provider refused or could not be reached: the amount went back to the
    /// racer; the text is what the provider said.
    Released(PayoutRecord),
    /// A repeat of an order still being issued (or left by a crash): nothing new
    /// was asked; the reconciler settles it.
    InFlight(PayoutRecord),
}

/// Pays `request` the way `route` says. Issuing is two-phase: the ledger reserves
/// the amount, the shop's API is asked outside any transaction with keys derived
/// from the payout's code, then the ledger confirms (paid, with the provider's
/// object and the code) or releases it. A repeated request (same idempotency
/// key) asks the provider for nothing new.
pub async fn pay(
    services: &Services,
    request: PayoutRequest,
    route: Route,
) -> Result<Paid, LedgerError> {
    let shop = match route {
        Route::Record => {
            return services
                .ledger
                .record_payout(request)
                .await
                .map(Paid::Recorded)
        }
        Route::Issue { shop } => shop,
    };
    let Some(client) = services.credit.client(&shop) else {
        return Err(LedgerError::Database(format!(
            "shop `{shop}` has no store-credit credentials"
        )));
    };
    let code = new_code(client.provider());
    let issue = CreditIssue {
        shop,
        code: code.clone(),
    };
    let record = services
        .ledger
        .record_payout(request.issuing(issue))
        .await?;
    if record.code.as_deref() != Some(code.as_str()) {
        // Recorded earlier under the same key: answered as it stands.
        return Ok(match record.state.as_str() {
            "reserved" => Paid::InFlight(record),
            _ if record.code.is_some() => Paid::Issued(record),
            _ => Paid::Recorded(record),
        });
    }
    settle(services, &client, record).await
}

/// Asks the provider for a reserved payout's credit and settles the
/// reservation by its answer; delivers the code once confirmed. A provider that
/// cannot be reached is asked what it holds before the amount is released; if
/// even that fails, the reservation stays for the reconciler.
async fn settle(
    services: &Services,
    client: &CreditClient,
    record: PayoutRecord,
) -> Result<Paid, LedgerError> {
    let grant = grant_of(&record)?;
    let outcome = match client.issue(&grant).await {
        Ok(issued) => confirm(issued),
        Err(ProviderError::Refused(said)) => Settle::Release { reason: said },
        Err(ProviderError::Unavailable(said)) => match client.find(&grant).await {
            Ok(Some(issued)) => confirm(issued),
            Ok(None) => Settle::Release { reason: said },
            Err(again) => {
                tracing::warn!(
                    payout = record.id, error = %again,
                    "store credit: the provider cannot say what it holds; the reconciler will ask again"
                );
                return Ok(Paid::InFlight(record));
            }
        },
    };
    let settled = services
        .ledger
        .settle_payout(Settlement {
            payout_id: record.id,
            outcome,
            at: services.clock.now(),
        })
        .await?;
    log_settled(&settled);
    if settled.is_paid() {
        deliver(services, &settled).await;
        Ok(Paid::Issued(settled))
    } else {
        Ok(Paid::Released(settled))
    }
}

fn confirm(issued: IssuedCredit) -> Settle {
    Settle::Confirm {
        provider_ref: issued.provider_ref,
        code: issued.code,
    }
}

fn log_settled(record: &PayoutRecord) {
    let code = record.code.as_deref().map(masked_code).unwrap_or_default();
    match &record.failure {
        None => tracing::info!(
            payout = record.id, shop = ?record.shop, %code, state = %record.state,
            "store credit settled"
        ),
        Some(failure) => tracing::warn!(
            payout = record.id, shop = ?record.shop, %failure, state = %record.state,
            "store credit refused by the provider; the reservation was released"
        ),
    }
}

/// What the provider is asked for a reserved payout.
fn grant_of(record: &PayoutRecord) -> Result<CreditGrant, LedgerError> {
    let stored = |what: &str| LedgerError::Database(format!("payout #{} has no {what}", record.id));
    Ok(CreditGrant {
        payout_id: record.id,
        code: record.code.clone().ok_or_else(|| stored("code"))?,
        amount: record.amount,
        racer: record.discord_id.parse().map_err(|_| stored("racer id"))?,
        guild: guild_from_column(&record.guild_id)?,
    })
}

/// Sends the racer their code by direct message, in the guild's locale, through
/// the outbox (kept and retried if Discord does not take it; given up on if
/// their DMs are closed, where `/wallet` still lists it). Without a bot token, `/wallet` is the way.
async fn deliver(services: &Services, record: &PayoutRecord) {
    let (Some(code), Ok(racer)) = (&record.code, record.discord_id.parse::<UserId>()) else {
        return;
    };
    let Some(rest) = &services.rest else {
        tracing::info!(
            payout = record.id,
            "no bot token: the code is in the racer's /wallet"
        );
        return;
    };
    // The racer's own language is unknown here: the guild's is the best guess.
    let guild = guild_from_column(&record.guild_id).ok().flatten();
    let locale = services.guild_locales.of(guild).await;
    let shop = match record.shop.as_deref() {
        Some(shop) => shop.to_owned(),
        None => locale.t("the-shop", &[]),
    };
    let text = locale.t(
        "credit-dm",
        &[
            ("money", &locale.money(record.amount)),
            ("shop", &shop),
            ("code", code),
        ],
    );
    let message = crate::discord::Reply::public(text).to_channel_message();
    let now = services.clock.now();
    match crate::discord::outbox::enqueue_dm(&services.db, racer, message, now).await {
        Ok(post) => tracing::info!(payout = record.id, post, "store credit code queued by DM"),
        Err(error) => {
            tracing::error!(payout = record.id, %error, "store credit code not queued by DM; /wallet lists it");
            return;
        }
    }
    if let Err(error) = crate::discord::outbox::drain(&services.db, rest, now).await {
        tracing::warn!(payout = record.id, %error, "Discord outbox not drained; the periodic drain will");
    }
}

/// Settles the reservations older than [`RECONCILE_AFTER`] (a crash or a lost
/// answer left them): each shop is asked with the same keys what it holds and
/// completes the issue if it has not; a refusal releases the amount, no answer
/// leaves it for the next round. Answers how many were settled.
pub async fn reconcile(services: &Services, now: DateTime<Utc>) -> Result<usize, LedgerError> {
    let before = now - chrono::Duration::from_std(RECONCILE_AFTER).unwrap_or_default();
    let open = payout::Entity::find()
        .filter(payout::Column::State.eq(PayoutState::Reserved))
        .filter(payout::Column::CreatedAt.lte(before))
        .order_by_asc(payout::Column::Id)
        .limit(RECONCILE_BATCH)
        .all(&services.db)
        .await?;
    let mut settled = 0;
    for row in open {
        let (id, shop) = (row.id, row.shop.clone().unwrap_or_default());
        let Some(client) = services.credit.client(&shop) else {
            tracing::error!(
                payout = id, %shop,
                "a reservation names a shop without store-credit credentials; it stays reserved"
            );
            continue;
        };
        let record = crate::ledger::payout_record(row)?;
        match settle(services, &client, record).await? {
            Paid::InFlight(_) => {}
            _ => settled += 1,
        }
    }
    Ok(settled)
}

/// Runs [`reconcile`] every [`RECONCILE_EVERY`] (the first at once, so a restart
/// settles what a crash left) while `services` lives.
pub async fn reconcile_forever(services: std::sync::Weak<Services>) {
    crate::clock::every(RECONCILE_EVERY, || async {
        let Some(services) = services.upgrade() else {
            return false;
        };
        match reconcile(&services, services.clock.now()).await {
            Ok(0) => {}
            Ok(settled) => tracing::info!(settled, "store-credit reservations settled"),
            Err(error) => tracing::warn!(%error, "settling store-credit reservations failed"),
        }
        true
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};

    #[test]
    fn money_of_the_grant_is_the_payouts() {
        let usd = Currency::parse("USD").unwrap();
        let record = PayoutRecord {
            id: 7,
            guild_id: "5".into(),
            discord_id: "42".into(),
            amount: Money::parse("12.34", usd).unwrap(),
            currency: "USD".into(),
            method: "store_credit".into(),
            note: None,
            forced: false,
            created_at: Utc::now(),
            state: "reserved".into(),
            shop: Some("main".into()),
            code: Some("KART-ABCD-EFGH".into()),
            failure: None,
        };
        let grant = grant_of(&record).unwrap();
        assert_eq!(grant.amount.minor(), 1234);
        assert_eq!(grant.guild, Some("5".parse().unwrap()));
        assert_eq!(grant.code, "KART-ABCD-EFGH");
    }
}
