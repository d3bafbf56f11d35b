//! Refunds that arrived before their sale: found and applied when the sales layer
//! records the sale, or rejected with the reason kept on the refund row.

use crate::ledger::bulk::one_of;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::sea_orm_active_enums::{Provider, RefundKind, RefundStatus};
use entity::{refund, sale};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::apply_refund;
use crate::ledger::{journal, LedgerError, LobbyDelta};
use crate::money::{Currency, Money, MoneyError};
use crate::sale::RefundAmount;

/// A sale just recorded, as far as the refunds waiting for it need to know.
pub(in crate::ledger) struct Arrival<'a> {
    pub sale_id: i64,
    pub provider: Provider,
    pub shop: &'a str,
    /// Every id a refund may name it by (sale id and references).
    pub references: Vec<String>,
    pub currency: Currency,
    pub received_at: DateTime<Utc>,
}

/// Applies the refunds that arrived before these new sales; returns what each
/// sale's lobbies lost, by sale id.
pub(in crate::ledger) async fn apply_waiting(
    tx: &impl ConnectionTrait,
    arrivals: &[Arrival<'_>],
) -> Result<HashMap<i64, Vec<LobbyDelta>>, LedgerError> {
    let mut applied: HashMap<i64, Vec<LobbyDelta>> = HashMap::new();
    for early in waiting_for(tx, arrivals).await? {
        let owner = arrivals.iter().find(|a| {
            a.provider == early.provider
                && a.shop == early.shop
                && a.references.contains(&early.sale_ref)
        });
        let Some(arrival) = owner else {
            continue;
        };
        // Read again for each refund: the one before may have changed it.
        let sale_row = sale::Entity::find_by_id(arrival.sale_id)
            .one(tx)
            .await?
            .ok_or_else(|| LedgerError::Database("sale vanished inside its transaction".into()))?;
        let key = early.provider_refund_id.clone();
        let mut row: refund::ActiveModel = early.clone().into();
        row.sale_id = Set(Some(arrival.sale_id));
        match stored_refund_amount(&early, arrival.currency) {
            Ok(amount) => {
                let at = arrival.received_at;
                let result = apply_refund(tx, &sale_row, amount, &key, at).await?;
                row.applied_minor = Set(result.refunded_minor);
                row.status = Set(RefundStatus::Applied);
                applied
                    .entry(arrival.sale_id)
                    .or_default()
                    .extend(result.deltas);
            }
            Err(error) => {
                row.status = Set(RefundStatus::Rejected);
                row.note = Set(Some(error.to_string()));
            }
        }
        refund::Entity::update(row).exec(tx).await?;
    }
    Ok(applied)
}

/// Refunds waiting for any of these new sales, oldest first.
async fn waiting_for(
    tx: &impl ConnectionTrait,
    arrivals: &[Arrival<'_>],
) -> Result<Vec<refund::Model>, LedgerError> {
    let keys = arrivals.iter().flat_map(|a| {
        a.references
            .iter()
            .map(|r| (a.provider, a.shop.to_owned(), r.clone()))
    });
    let mut waiting = Vec::new();
    let backend = tx.get_database_backend();
    for ((provider, shop), refs) in journal::by_shop(keys) {
        for chunk in refs.chunks(journal::KEYS_PER_LOOKUP) {
            waiting.extend(
                refund::Entity::find()
                    .filter(refund::Column::Provider.eq(provider))
                    .filter(refund::Column::Shop.eq(shop.as_str()))
                    .filter(one_of(refund::Column::SaleRef, chunk, backend))
                    .filter(refund::Column::Status.eq(RefundStatus::Waiting))
                    .order_by_asc(refund::Column::Id)
                    .all(tx)
                    .await?,
            );
        }
    }
    waiting.sort_by_key(|r| r.id);
    Ok(waiting)
}

/// A kept refund's amount, if it is in the currency of the sale it waited for.
fn stored_refund_amount(
    row: &refund::Model,
    currency: Currency,
) -> Result<RefundAmount, LedgerError> {
    let stored = Currency::parse(&row.currency)?;
    let money = Money::from_minor(row.amount_minor, stored)?;
    if stored != currency {
        let mismatch = MoneyError::CurrencyMismatch(stored.code(), currency.code());
        return Err(LedgerError::Money(mismatch));
    }
    Ok(match row.kind {
        RefundKind::Cumulative => RefundAmount::Cumulative(money),
        RefundKind::Incremental => RefundAmount::Incremental(money),
    })
}
