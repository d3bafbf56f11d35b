//! Payouts: available money moved from a racer's account to their payouts
//! account, after the payout rules (positive, within the available balance, at
//! least the threshold unless forced).

use std::collections::BTreeMap;

use entity::sea_orm_active_enums::JournalKind;
use entity::{balance, payout};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, EntityTrait,
};

use super::journal::{self, BalanceChange, Posting};
use super::{
    payouts_account, racer_account, LedgerError, PayoutRecord, PayoutRefusal, PayoutRequest,
};
use crate::money::Money;

/// Pays available money out, after the payout rules.
pub(super) async fn record_payout(
    tx: &impl ConnectionTrait,
    request: &PayoutRequest,
) -> Result<PayoutRecord, LedgerError> {
    let amount = request.amount;
    if !amount.is_positive() {
        return Err(PayoutRefusal::NotPositive.into());
    }
    let currency = amount.currency();
    let key = (request.discord_id.clone(), currency.code().to_owned());
    let row = balance::Entity::find_by_id(key).one(tx).await?;
    let available = Money::from_minor(row.map_or(0, |r| r.available_minor), currency)?;
    check_rules(request, available)?;
    let inserted = payout::Entity::insert(payout::ActiveModel {
        id: NotSet,
        discord_id: Set(request.discord_id.clone()),
        amount_minor: Set(amount.minor()),
        currency: Set(currency.code().to_owned()),
        method: Set(request.method),
        note: Set(request.note.clone()),
        forced: Set(request.force),
        created_by: Set(request.requested_by.clone()),
        created_at: Set(request.at),
    })
    .exec(tx)
    .await?;
    let id = inserted.last_insert_id;
    let posting = Posting {
        kind: JournalKind::Payout,
        reference: format!("payout:{id}"),
        currency,
        legs: BTreeMap::from([
            (racer_account(&request.discord_id), -amount.minor()),
            (payouts_account(&request.discord_id), amount.minor()),
        ]),
        at: request.at,
    };
    journal::post(tx, &[posting]).await?;
    let change = BalanceChange {
        available: -amount.minor(),
        pending: 0,
        paid: amount.minor(),
    };
    let changes = BTreeMap::from([((request.discord_id.clone(), currency.code()), change)]);
    journal::bump_balances(tx, &changes).await?;
    Ok(PayoutRecord {
        id,
        discord_id: request.discord_id.clone(),
        amount,
        currency: currency.code().to_owned(),
        method: request.method.as_str().to_owned(),
        note: request.note.clone(),
        forced: request.force,
        created_at: request.at,
    })
}

/// The rules a positive payout of `request.amount` must meet, given what the
/// racer has `available`.
fn check_rules(request: &PayoutRequest, available: Money) -> Result<(), PayoutRefusal> {
    let amount = request.amount;
    if available.minor() < amount.minor() {
        return Err(PayoutRefusal::OverAvailable {
            requested: amount,
            available,
        });
    }
    if amount.amount() < request.threshold.amount() && !request.force {
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

    use crate::ledger::PayoutMethod;

    #[test]
    fn payout_methods_show_their_stored_text_and_every_one_is_offered() {
        for method in PayoutMethod::iter() {
            assert_eq!(method.as_str(), method.to_value());
            // What admins may type (`crate::payout`) covers every stored method.
            assert_eq!(crate::payout::parse_method(method.as_str()), Some(method));
        }
        assert_eq!(PayoutMethod::iter().count(), crate::payout::METHODS.len());
    }
}
