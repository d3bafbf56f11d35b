//! Sale records handed straight to the LedgerActor, built one way for the ledger
//! bench and the ledger tests. They are separate crates, so each includes this file
//! with `#[path = "..."] mod records;`.

use chrono::{DateTime, Utc};
use cozykart::domain::ids::LobbyId;
use cozykart::ledger::{SaleRecord, Share};
use cozykart::money::{Money, Rate};
use cozykart::sale::{Buyer, Provider, SaleEvent};

/// Commission of every test sale.
const RATE: &str = "0.20";
/// The guild of lobby 1, whose wallets the shares go to.
pub const GUILD: &str = "1200000000000000001";

/// A Stripe sale of `amount` from shop `main`, sold and received `at`, whose 20 %
/// pool is split among `racers` through lobby 1. It names no other references;
/// push them onto `sale.refs` where a refund needs one.
pub fn sale_record(
    event_id: &str,
    sale_id: &str,
    amount: Money,
    racers: &[String],
    hold_days: u32,
    at: DateTime<Utc>,
) -> SaleRecord {
    let pool = amount.commission(Rate::parse(RATE).expect("rate"));
    let shares = pool
        .split(racers.len(), sale_id)
        .into_iter()
        .zip(racers)
        .map(|(amount, racer)| Share {
            lobby_id: LobbyId::try_from(1).expect("lobby id"),
            guild: Some(GUILD.parse().expect("guild id")),
            racer: racer.parse().expect("racer id"),
            amount,
        })
        .collect();
    SaleRecord {
        sale: SaleEvent {
            provider: Provider::Stripe,
            shop: "main".into(),
            event_id: event_id.into(),
            sale_id: sale_id.into(),
            refs: vec![],
            amount,
            subtotal: None,
            sold_at: at,
            lobby_tag: None,
            discount_codes: vec![],
            buyer: Buyer::default(),
        },
        sold_at: at,
        received_at: at,
        pool,
        shares,
        hold_days,
        tagged_lobby: None,
    }
}
