//! Planning a batch of sales from its look-ups, before anything is written:
//! which records are new sales, which are replays or twins of a known sale, and
//! which references and delivery marks to add.

use std::collections::{HashMap, HashSet};

use entity::sea_orm_active_enums::ProcessedEventKind;

use crate::ledger::journal::{EventMark, ShopKey};
use crate::ledger::SaleRecord;

/// The sale a reference or event points at.
#[derive(Clone, Copy)]
pub(super) enum Target {
    Existing(i64),
    /// The n-th new sale of this batch, id known after its insert.
    New(usize),
}

/// What the batch does with one of its records.
pub(super) enum Plan {
    Duplicate(Option<Target>),
    New(usize),
    /// A new event of a known sale that names an open lobby: it re-attributes the
    /// sale if that sale was recorded untagged, else it is a duplicate.
    Twin(Target),
}

/// Everything a batch writes, decided from the look-ups before any insert.
#[derive(Default)]
pub(super) struct Batch<'a> {
    pub new_sales: Vec<&'a SaleRecord>,
    pub new_refs: Vec<(ShopKey, Target)>,
    pub events: Vec<EventMark>,
    /// One per record, in the order of the records.
    pub plans: Vec<Plan>,
}

pub(super) fn shop_key(record: &SaleRecord, key: &str) -> ShopKey {
    (
        record.sale.provider,
        record.sale.shop.clone(),
        key.to_owned(),
    )
}

/// The sale id and every other id that may point at it, sorted, without repeats.
pub(super) fn references(record: &SaleRecord) -> Vec<String> {
    let mut references = vec![record.sale.sale_id.clone()];
    references.extend(record.sale.refs.iter().filter(|r| !r.is_empty()).cloned());
    references.sort();
    references.dedup();
    references
}

/// Decides, record by record, what is new: a replayed event is a duplicate; a
/// new event for a known sale (a twin delivery) is marked as one, and answered as
/// one unless it is tagged ([`Plan::Twin`]).
pub(super) fn plan<'a>(
    records: &[&'a SaleRecord],
    mut seen: HashSet<ShopKey>,
    mut known: HashMap<ShopKey, Target>,
) -> Batch<'a> {
    let mut batch = Batch::default();
    for &record in records {
        let refs = references(record);
        let target = refs
            .iter()
            .find_map(|r| known.get(&shop_key(record, r)).copied());
        let event = shop_key(record, &record.sale.event_id);
        if !seen.insert(event.clone()) {
            batch.plans.push(Plan::Duplicate(target));
            continue;
        }
        let (target, kind) = match target {
            Some(target) => (target, ProcessedEventKind::Duplicate),
            None => {
                batch.new_sales.push(record);
                let n = batch.new_sales.len() - 1;
                (Target::New(n), ProcessedEventKind::Sale)
            }
        };
        for r in &refs {
            let key = shop_key(record, r);
            if !known.contains_key(&key) {
                known.insert(key.clone(), target);
                batch.new_refs.push((key, target));
            }
        }
        batch.events.push((event, kind, record.received_at));
        batch.plans.push(match (kind, target) {
            (ProcessedEventKind::Sale, Target::New(n)) => Plan::New(n),
            _ if record.tagged_lobby.is_some() => Plan::Twin(target),
            _ => Plan::Duplicate(Some(target)),
        });
    }
    batch
}
