//! The one rule for whether a sale counts for a race, checked across the layers
//! that apply it. Over random window, roster and sale times with millisecond
//! parts, the ledger's race read (`RaceWindow::covers`), the SQL that reads a
//! race's sales (`race_totals`, filtered by the rule's bounds), the lobby
//! timeline loaded from the stored history (for the race, and for the racer on
//! its roster) and, on PostgreSQL, the bus's statement that numbers a sale's
//! event all give the answer DESIGN states: the sale's second `[S, S+1)`
//! overlaps the span, both ends included.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use cozykart::ledger::read::{race_totals, RaceWindow};
use cozykart::ledger::{LobbyDelta, Publish, RaceEvent};
use cozykart::lobby::bus::Channel;
use cozykart::lobby::store::history_since;
use cozykart::lobby::Timeline;
use cozykart::money::{Currency, Money};
use entity::sea_orm_active_enums::{AllocationStatus, LobbyState, Provider};
use entity::{allocation, lobby, lobby_window, roster_membership, sale};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, TransactionTrait};

use crate::helpers::{postgres_url, t0, Engine, TestDb};

/// Cases per engine: enough to land on every edge of a second, quick to run.
const CASES: u32 = 128;
/// The racer on the generated roster.
const RACER: &str = "1100000000000000021";

/// One lobby's race, one racer's time on its roster and one sale, in
/// milliseconds after [`t0`].
#[derive(Clone, Debug)]
struct Case {
    opened_ms: i64,
    closed_ms: Option<i64>,
    joined_ms: i64,
    left_ms: Option<i64>,
    sold_ms: i64,
}

/// Milliseconds within a second, often on its edges.
fn millis() -> impl Strategy<Value = i64> {
    prop_oneof![2 => Just(0i64), 1 => Just(999), 1 => Just(500), 2 => 0i64..1000]
}

/// A time within a few seconds.
fn instant() -> impl Strategy<Value = i64> {
    (0i64..5, millis()).prop_map(|(second, ms)| second * 1000 + ms)
}

/// A case whose sale falls, more often than chance would have it, in the second
/// of one of the other times (where the rule's edges are).
fn case() -> impl Strategy<Value = Case> {
    let end = || proptest::option::weighted(0.7, instant());
    (
        instant(),
        end(),
        instant(),
        end(),
        0usize..5,
        millis(),
        instant(),
    )
        .prop_map(|(opened_ms, closed, joined_ms, left, anchor, ms, free)| {
            let closed_ms = closed.map(|c| c.max(opened_ms));
            let left_ms = left.map(|l| l.max(joined_ms));
            let anchors = [Some(opened_ms), closed_ms, Some(joined_ms), left_ms];
            let sold_ms = match anchors.get(anchor).copied().flatten() {
                Some(time) => time.div_euclid(1000) * 1000 + ms,
                None => free,
            };
            Case {
                opened_ms,
                closed_ms,
                joined_ms,
                left_ms,
                sold_ms,
            }
        })
}

fn at(ms: i64) -> DateTime<Utc> {
    t0() + Duration::milliseconds(ms)
}

/// The rule as DESIGN writes it, in whole milliseconds: the sale's second
/// `[S, S+1)` overlaps `[from, to]`.
fn overlaps(from_ms: i64, to_ms: Option<i64>, sold_ms: i64) -> bool {
    let second = sold_ms.div_euclid(1000) * 1000;
    from_ms < second + 1000 && to_ms.is_none_or(|to| to >= second)
}

/// Writes the case as the lobby tables and the ledger hold it: a lobby with its
/// window and the racer's roster interval, and a sale allocated to the racer.
async fn store(db: &DatabaseConnection, case: &Case, n: i64) -> Result<i64, sea_orm::DbErr> {
    let lobby = lobby::ActiveModel {
        code: Set(format!("R{n:05}")),
        name: Set(format!("Rule {n}")),
        guild_id: Set(Some("1300000000000000001".into())),
        channel_id: Set(None),
        host_id: Set("1100000000000000001".into()),
        state: Set(if case.closed_ms.is_some() {
            LobbyState::Closed
        } else {
            LobbyState::Open
        }),
        created_at: Set(t0()),
        goal_minor: Set(None),
        goal_currency: Set(None),
        seq: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    lobby_window::ActiveModel {
        lobby_id: Set(lobby.id),
        opened_at: Set(at(case.opened_ms)),
        closed_at: Set(case.closed_ms.map(at)),
        close_reason: Set(case.closed_ms.map(|_| "ended".to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    roster_membership::ActiveModel {
        lobby_id: Set(lobby.id),
        discord_id: Set(RACER.into()),
        display_name: Set("Ana".into()),
        joined_at: Set(at(case.joined_ms)),
        left_at: Set(case.left_ms.map(at)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let sold_at = at(case.sold_ms);
    let sale = sale::ActiveModel {
        provider: Set(Provider::Stripe),
        shop: Set("main".into()),
        provider_sale_id: Set(format!("pi_rule_{n}")),
        amount_minor: Set(1000),
        currency: Set("USD".into()),
        pool_minor: Set(200),
        refunded_minor: Set(0),
        sold_at: Set(sold_at),
        received_at: Set(sold_at),
        lobby_tag: Set(None),
        buyer_name: Set(None),
        buyer_public: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await?;
    allocation::ActiveModel {
        sale_id: Set(sale.id),
        lobby_id: Set(lobby.id),
        guild_id: Set("1300000000000000001".into()),
        discord_id: Set(RACER.into()),
        currency: Set("USD".into()),
        amount_minor: Set(200),
        reversed_minor: Set(0),
        status: Set(AllocationStatus::Pending),
        available_at: Set(sold_at),
        created_at: Set(sold_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(lobby.id)
}

/// Every layer's answer for one case, against the rule.
async fn check(
    db: &DatabaseConnection,
    channel: &Channel,
    case: &Case,
    n: i64,
) -> Result<(), TestCaseError> {
    let fail = |e: sea_orm::DbErr| TestCaseError::fail(e.to_string());
    let counts = overlaps(case.opened_ms, case.closed_ms, case.sold_ms);
    let on_roster = overlaps(case.joined_ms, case.left_ms, case.sold_ms);
    let lobby_id = store(db, case, n).await.map_err(fail)?;
    let sold_at = at(case.sold_ms);

    let race = RaceWindow {
        lobby_id,
        opened_at: at(case.opened_ms),
        closed_at: case.closed_ms.map(at),
    };
    prop_assert_eq!(race.covers(sold_at), counts, "ledger read");

    let totals = race_totals(db, race).await.map_err(fail)?;
    prop_assert_eq!(totals.sales, u32::from(counts), "race totals (SQL)");

    let timeline = Timeline::new(60);
    let (windows, stints) = history_since(db, t0() - Duration::hours(1), Some(lobby_id))
        .await
        .map_err(fail)?;
    timeline.load(windows, stints);
    let open = timeline.open_during_second(sold_at, Some(lobby_id.try_into().unwrap()));
    prop_assert_eq!(!open.is_empty(), counts, "timeline: the race");
    let racer_counted = open
        .iter()
        .any(|o| o.racer.map(|r| r.to_string()).as_deref() == Some(RACER));
    prop_assert_eq!(racer_counted, counts && on_roster, "timeline: the racer");

    if channel.is_shared() {
        let usd = Currency::parse("USD").expect("USD");
        let refund = RaceEvent::Clawback(LobbyDelta {
            lobby_id: lobby_id.try_into().expect("an id"),
            amount: Money::from_minor(-1, usd).expect("a cent"),
            sold_at,
            seq: None,
        });
        let transaction = db.begin().await.map_err(fail)?;
        let numbered = Publish::publish(channel, &transaction, &[refund])
            .await
            .map_err(fail)?;
        transaction.rollback().await.map_err(fail)?;
        prop_assert_eq!(numbered[0].is_some(), counts, "the bus's statement");
    }
    Ok(())
}

async fn every_layer_agrees_on_the_rule(engine: Engine) {
    let test_db = TestDb::new(engine).await;
    let db = test_db.connect().await;
    let channel = match engine {
        Engine::Postgres => Channel::named("cozykart_rule_test"),
        Engine::Sqlite => Channel::none(),
    };
    let numbered = AtomicI64::new(0);
    let mut runner = TestRunner::new(Config::with_cases(CASES));
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::block_in_place(|| {
        runner.run(&case(), |case| {
            let n = numbered.fetch_add(1, Ordering::Relaxed);
            handle.block_on(check(&db, &channel, &case, n))
        })
    });
    if let Err(failure) = outcome {
        panic!("{engine:?}: {failure}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_agrees_on_the_rule_on_sqlite() {
    every_layer_agrees_on_the_rule(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_agrees_on_the_rule_on_postgres() {
    if postgres_url().is_none() {
        return;
    }
    every_layer_agrees_on_the_rule(Engine::Postgres).await;
}
