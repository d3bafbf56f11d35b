//! Payouts: available money moved from a racer's account to their payouts
//! account, after the payout rules (positive, within the available balance, at
//! least the threshold unless forced).

use std::collections::BTreeMap;

use entity::sea_orm_active_enums::{JournalKind, PayoutMethod as StoredMethod};
use entity::{balance, payout};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::journal::{self, BalanceChange, Posting};
use super::{
    payouts_account, racer_account, LedgerError, PayoutRecord, PayoutRefusal, PayoutRequest,
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
    })
    .exec_with_returning(tx)
    .await?;
    let posting = Posting {
        kind: JournalKind::Payout,
        reference: format!("payout:{}", inserted.id),
        currency,
        legs: BTreeMap::from([
            (racer_account(order.racer), -amount.minor()),
            (payouts_account(order.racer), amount.minor()),
        ]),
        at: request.at,
    };
    journal::post(tx, &[posting]).await?;
    let change = BalanceChange {
        available: -amount.minor(),
        pending: 0,
        paid: amount.minor(),
    };
    let whose = (guild, order.racer.to_string(), currency.code());
    journal::bump_balances(tx, &BTreeMap::from([(whose, change)])).await?;
    record(inserted)
}

/// The answer for a stored payout row.
fn record(row: payout::Model) -> Result<PayoutRecord, LedgerError> {
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
