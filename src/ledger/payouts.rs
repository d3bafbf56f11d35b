//! Payouts: available money moved from a racer's account to their payouts
//! account, after the payout rules (positive, within the available balance, at
//! least the threshold unless forced). Store credit that a shop's API issues takes
//! two steps: the amount is first set aside in the racer's reserved account (a
//! reservation), then, once the provider answered, paid out (confirmed) or given
//! back (released). Each step is its own balanced journal transaction.

use std::collections::BTreeMap;

use entity::sea_orm_active_enums::{JournalKind, PayoutMethod as StoredMethod, PayoutState};
use entity::{balance, payout};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};

use super::journal::{self, BalanceChange, Posting};
use super::{
    payouts_account, racer_account, reserved_account, LedgerError, PayoutRecord, PayoutRefusal,
    PayoutRequest, Settle, Settlement,
};
use crate::domain::ids::guild_column;
use crate::domain::payout::PayoutMethod;
use crate::money::{Currency, Money};

/// A method as `payouts.method` stores it.
fn stored_method(method: PayoutMethod) -> StoredMethod {
    match method {
        PayoutMethod::GiftCard => StoredMethod::GiftCard,
        PayoutMethod::StoreCredit => StoredMethod::StoreCredit,
        PayoutMethod::Manual => StoredMethod::Manual,
    }
}

/// Pays available money out, after the payout rules; a payout whose idempotency
/// key was already used is answered with the payout recorded under it.
pub(super) async fn record_payout(
    tx: &impl ConnectionTrait,
    request: &PayoutRequest,
) -> Result<PayoutRecord, LedgerError> {
    let order = &request.order;
    let amount = order.amount;
    let currency = amount.currency();
    let guild = guild_column(order.guild);
    let key = (
        guild.clone(),
        order.racer.to_string(),
        currency.code().to_owned(),
    );
    // The balance row is locked before anything is read: another process paying
    // the same racer waits here until it committed, then sees its payout and the
    // balance after it (PostgreSQL; SQLite has one writer at a time anyway).
    let row = balance::Entity::find_by_id(key)
        .lock_exclusive()
        .one(tx)
        .await?;
    let fingerprint = order.fingerprint();
    if let Some(key) = &request.idempotency_key {
        let earlier = payout::Entity::find()
            .filter(payout::Column::IdempotencyKey.eq(key.as_str()))
            .one(tx)
            .await?;
        if let Some(row) = earlier {
            // Rows from before the digest was kept (NULL) cannot be compared.
            if row.request_hash.as_ref().is_some_and(|h| *h != fingerprint) {
                return Err(PayoutRefusal::KeyReused.into());
            }
            return record(row);
        }
    }
    if !amount.is_positive() {
        return Err(PayoutRefusal::NotPositive.into());
    }
    let available = Money::from_minor(row.map_or(0, |r| r.available_minor), currency)?;
    check_rules(request, available)?;
    let issue = request.issue.as_ref();
    let inserted = payout::Entity::insert(payout::ActiveModel {
        id: NotSet,
        guild_id: Set(guild.clone()),
        discord_id: Set(order.racer.to_string()),
        amount_minor: Set(amount.minor()),
        currency: Set(currency.code().to_owned()),
        method: Set(stored_method(order.method)),
        note: Set(order.note.clone()),
        forced: Set(order.force),
        created_by: Set(request.requested_by.stored()),
        created_at: Set(request.at),
        idempotency_key: Set(request.idempotency_key.clone()),
        request_hash: Set(request.idempotency_key.as_ref().map(|_| fingerprint)),
        state: Set(if issue.is_some() {
            PayoutState::Reserved
        } else {
            PayoutState::Paid
        }),
        shop: Set(issue.map(|issue| issue.shop.clone())),
        code: Set(issue.map(|issue| issue.code.clone())),
        provider_ref: Set(None),
        settled_at: Set(None),
        failure: Set(None),
    })
    .exec_with_returning(tx)
    .await?;
    // Paid at once, or set aside until the shop's API answered.
    let (kind, reference, to, change) = match issue {
        None => (
            JournalKind::Payout,
            format!("payout:{}", inserted.id),
            payouts_account(order.racer),
            BalanceChange {
                available: -amount.minor(),
                paid: amount.minor(),
                ..BalanceChange::default()
            },
        ),
        Some(_) => (
            JournalKind::Reservation,
            format!("reservation:{}", inserted.id),
            reserved_account(order.racer),
            BalanceChange {
                available: -amount.minor(),
                reserved: amount.minor(),
                ..BalanceChange::default()
            },
        ),
    };
    let posting = Posting {
        kind,
        reference,
        currency,
        legs: BTreeMap::from([
            (racer_account(order.racer), -amount.minor()),
            (to, amount.minor()),
        ]),
        at: request.at,
    };
    journal::post(tx, &[posting]).await?;
    let whose = (guild, order.racer.to_string(), currency.code());
    journal::bump_balances(tx, &BTreeMap::from([(whose, change)])).await?;
    record(inserted)
}

/// Settles a reservation: paid out with the provider's object and code, or given
/// back with what the provider said. A payout that is not reserved (settled
/// already, by this process or another, or never reserved) is answered as it is:
/// settling twice changes nothing.
pub(super) async fn settle_payout(
    tx: &impl ConnectionTrait,
    settlement: &Settlement,
) -> Result<PayoutRecord, LedgerError> {
    // Locked first: a second settlement waits, then sees the first one's state.
    let row = payout::Entity::find_by_id(settlement.payout_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or_else(|| {
            LedgerError::Database(format!("payout #{} does not exist", settlement.payout_id))
        })?;
    if row.state != PayoutState::Reserved {
        return record(row);
    }
    let currency = Currency::parse(&row.currency)?;
    let minor = row.amount_minor;
    let racer = row.discord_id.clone();
    let (kind, reference, to, change) = match &settlement.outcome {
        Settle::Confirm { .. } => (
            JournalKind::Payout,
            format!("payout:{}", row.id),
            payouts_account(&racer),
            BalanceChange {
                reserved: -minor,
                paid: minor,
                ..BalanceChange::default()
            },
        ),
        Settle::Release { .. } => (
            JournalKind::Release,
            format!("release:{}", row.id),
            racer_account(&racer),
            BalanceChange {
                reserved: -minor,
                available: minor,
                ..BalanceChange::default()
            },
        ),
    };
    let posting = Posting {
        kind,
        reference,
        currency,
        legs: BTreeMap::from([(reserved_account(&racer), -minor), (to, minor)]),
        at: settlement.at,
    };
    journal::post(tx, &[posting]).await?;
    let whose = (row.guild_id.clone(), racer, currency.code());
    journal::bump_balances(tx, &BTreeMap::from([(whose, change)])).await?;
    let mut update = row.into_active_model();
    update.settled_at = Set(Some(settlement.at));
    match &settlement.outcome {
        Settle::Confirm { provider_ref, code } => {
            update.state = Set(PayoutState::Paid);
            update.provider_ref = Set(Some(provider_ref.clone()));
            update.code = Set(Some(code.clone()));
        }
        Settle::Release { reason } => {
            update.state = Set(PayoutState::Released);
            update.failure = Set(Some(reason.chars().take(FAILURE_MAX_CHARS).collect()));
            // Nothing was paid under its key: a retry with the same key tries again.
            update.idempotency_key = Set(None);
        }
    }
    record(update.update(tx).await?)
}

/// Longest provider refusal kept on a released payout.
const FAILURE_MAX_CHARS: usize = 500;

/// The answer for a stored payout row.
pub fn record(row: payout::Model) -> Result<PayoutRecord, LedgerError> {
    let currency = Currency::parse(&row.currency)?;
    Ok(PayoutRecord {
        id: row.id,
        guild_id: row.guild_id,
        discord_id: row.discord_id,
        amount: Money::from_minor(row.amount_minor, currency)?,
        currency: currency.code().to_owned(),
        method: row.method.as_str().to_owned(),
        note: row.note,
        forced: row.forced,
        created_at: row.created_at,
        state: row.state.as_str().to_owned(),
        shop: row.shop,
        code: row.code,
        failure: row.failure,
    })
}

/// The rules a positive payout of `request.amount` must meet, given what the
/// racer has `available`.
fn check_rules(request: &PayoutRequest, available: Money) -> Result<(), PayoutRefusal> {
    let amount = request.order.amount;
    if available.minor() < amount.minor() {
        return Err(PayoutRefusal::OverAvailable {
            requested: amount,
            available,
        });
    }
    if amount.amount() < request.threshold.amount() && !request.order.force {
        return Err(PayoutRefusal::BelowThreshold {
            requested: amount,
            threshold: request.threshold,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::stored_method;
    use crate::domain::payout::METHODS;

    #[test]
    fn every_method_is_stored_as_its_own_text_and_every_stored_one_is_offered() {
        for (method, _) in METHODS {
            assert_eq!(stored_method(method).to_value(), method.as_str());
        }
        assert_eq!(super::StoredMethod::iter().count(), METHODS.len());
    }
}
