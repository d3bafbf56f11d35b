//! The ledger on its own: idempotency under concurrency, refunds, payouts, holds.

use chrono::Duration;
use cozykart::ledger::read::Wallets;
use cozykart::ledger::{
    LedgerError, PayoutMethod, PayoutOrder, PayoutRefusal, PayoutRequest, RefundOutcome,
    RefundRecord, Requester, SaleOutcome, SaleRecord,
};
use cozykart::money::{Currency, Money};
use cozykart::sale::{Provider, RefundAmount, RefundEvent};
use entity::{allocation, sale};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{assert_ledger_balances, spawn_app, t0, Engine, TestApp};
use crate::on_both_engines;

#[path = "../../benches/support/records.rs"]
pub(crate) mod records;

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::parse("USD").unwrap()).unwrap()
}

fn racers(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("9000000000000000{i:02}")).collect()
}

/// A $`amount` sale split 20 % among `racers` through lobby 1, at [`t0`], which a
/// refund may also name by its charge `ch_<sale_id>`.
fn sale_record(
    event_id: &str,
    sale_id: &str,
    amount: &str,
    racers: &[String],
    hold_days: u32,
) -> SaleRecord {
    let mut record = records::sale_record(event_id, sale_id, usd(amount), racers, hold_days, t0());
    record.sale.refs.push(format!("ch_{sale_id}"));
    record
}

pub(crate) fn refund(
    event_id: &str,
    refund_id: &str,
    sale_ref: &str,
    amount: RefundAmount,
) -> RefundRecord {
    RefundRecord {
        refund: RefundEvent {
            provider: Provider::Stripe,
            shop: "main".into(),
            event_id: event_id.into(),
            refund_id: refund_id.into(),
            sale_ref: sale_ref.into(),
            amount,
            refunded_at: t0(),
        },
        received_at: t0(),
    }
}

fn payout(racer: &str, amount: &str, force: bool) -> PayoutRequest {
    PayoutRequest {
        order: PayoutOrder {
            guild: Some(records::GUILD.parse().unwrap()),
            racer: racer.parse().unwrap(),
            amount: usd(amount),
            method: PayoutMethod::GiftCard,
            note: Some("test".into()),
            force,
            shop: None,
        },
        requested_by: Requester::Api,
        threshold: usd("20.00"),
        at: t0(),
        idempotency_key: None,
        issue: None,
    }
}

/// Every record sent to the ledger at once (it batches what is queued); the
/// outcomes in the order of `records`.
async fn record_at_once(
    app: &TestApp,
    records: Vec<SaleRecord>,
) -> Vec<Result<SaleOutcome, LedgerError>> {
    let ledger = &app.state.ledger;
    futures_util::future::join_all(records.into_iter().map(|r| ledger.record_sale(r))).await
}

async fn available(app: &TestApp, racer: &str) -> (String, String, String) {
    let balances =
        cozykart::ledger::read::balances(&app.db, racer.parse().unwrap(), Wallets::Every)
            .await
            .unwrap();
    let b = &balances[0];
    (
        b.available.amount().to_string(),
        b.pending.amount().to_string(),
        b.paid.amount().to_string(),
    )
}

async fn concurrent_duplicates_credit_each_sale_once(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let team = racers(8);
    let unique = 700;
    let mut records = Vec::new();
    for i in 0..unique {
        records.push(sale_record(
            &format!("evt_{i}"),
            &format!("pi_{i}"),
            "22.49",
            &team,
            14,
        ));
    }
    // 300 duplicates: half replay the same event, half are the twin event of the same sale.
    for i in 0..300 {
        let id = i * 2 % unique;
        let event = if i % 2 == 0 {
            format!("evt_{id}")
        } else {
            format!("evt_twin_{id}")
        };
        records.push(sale_record(&event, &format!("pi_{id}"), "22.49", &team, 14));
    }
    let outcomes = record_at_once(&app, records).await;
    let recorded = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(SaleOutcome::Recorded { .. })))
        .count();
    let duplicates = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(SaleOutcome::Duplicate { .. })))
        .count();
    assert_eq!((recorded, duplicates), (unique, 300));
    assert_eq!(
        sale::Entity::find().count(&app.db).await.unwrap(),
        unique as u64
    );
    assert_eq!(
        allocation::Entity::find().count(&app.db).await.unwrap(),
        unique as u64 * 8
    );
    // Pool of 22.49 at 20 % is 4.49; 700 sales make 3143.00, all pending.
    let mut pending = Decimal::ZERO;
    for racer in &team {
        let (_, p, _) = available(&app, racer).await;
        pending += p.parse::<Decimal>().unwrap();
    }
    assert_eq!(pending.to_string(), "3143.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(concurrent_duplicates_credit_each_sale_once);

async fn refund_after_payout_leaves_debt_that_blocks_payouts(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let team = racers(1);
    let ledger = &app.state.ledger;
    ledger
        .record_sale(sale_record("evt_1", "pi_1", "150.00", &team, 0))
        .await
        .unwrap();
    assert_eq!(
        available(&app, &team[0]).await,
        ("30.00".into(), "0.00".into(), "0.00".into())
    );
    ledger
        .record_payout(payout(&team[0], "30.00", false))
        .await
        .unwrap();
    let outcome = ledger
        .record_refund(refund(
            "evt_r",
            "ch_pi_1:15000",
            "ch_pi_1",
            RefundAmount::Cumulative(usd("150.00")),
        ))
        .await
        .unwrap();
    assert!(
        matches!(outcome, RefundOutcome::Applied { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        available(&app, &team[0]).await,
        ("-30.00".into(), "0.00".into(), "30.00".into())
    );
    let refused = ledger.record_payout(payout(&team[0], "1.00", true)).await;
    assert!(
        matches!(
            refused,
            Err(LedgerError::Payout(PayoutRefusal::OverAvailable { .. }))
        ),
        "{refused:?}"
    );
    // Later earnings offset the debt first.
    ledger
        .record_sale(sale_record("evt_2", "pi_2", "200.00", &team, 0))
        .await
        .unwrap();
    assert_eq!(available(&app, &team[0]).await.0, "10.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(refund_after_payout_leaves_debt_that_blocks_payouts);

async fn partial_then_full_refund_reverses_exactly(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let team = racers(3);
    let ledger = &app.state.ledger;
    // Pool 5.00 split 1.66/1.67/1.67.
    ledger
        .record_sale(sale_record("evt_1", "pi_1", "25.00", &team, 14))
        .await
        .unwrap();
    let partial = ledger
        .record_refund(refund(
            "evt_r1",
            "ch:1000",
            "pi_1",
            RefundAmount::Cumulative(usd("10.00")),
        ))
        .await
        .unwrap();
    let RefundOutcome::Applied {
        refunded, deltas, ..
    } = partial
    else {
        panic!("partial refund not applied: {partial:?}");
    };
    assert_eq!(refunded, usd("10.00"));
    // 40 % of 1.66 and 1.67 rounded toward zero: 0.66 + 0.66 + 0.66.
    assert_eq!(deltas[0].amount, usd("-1.98"));
    // The same running total again changes nothing.
    let replay = ledger
        .record_refund(refund(
            "evt_r1b",
            "ch:1000b",
            "pi_1",
            RefundAmount::Cumulative(usd("10.00")),
        ))
        .await
        .unwrap();
    assert!(matches!(replay, RefundOutcome::Applied { refunded, .. } if refunded.is_zero()));
    ledger
        .record_refund(refund(
            "evt_r2",
            "ch:2500",
            "ch_pi_1",
            RefundAmount::Cumulative(usd("25.00")),
        ))
        .await
        .unwrap();
    for racer in &team {
        assert_eq!(
            available(&app, racer).await,
            ("0.00".into(), "0.00".into(), "0.00".into())
        );
    }
    app.assert_ledger_balances().await;
}
on_both_engines!(partial_then_full_refund_reverses_exactly);

async fn refund_before_its_sale_is_applied_on_arrival(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let team = racers(2);
    let ledger = &app.state.ledger;
    let early = ledger
        .record_refund(refund(
            "evt_r",
            "re_1",
            "pi_7",
            RefundAmount::Incremental(usd("5.00")),
        ))
        .await
        .unwrap();
    assert_eq!(early, RefundOutcome::Waiting);
    let outcome = ledger
        .record_sale(sale_record("evt_s", "pi_7", "10.00", &team, 14))
        .await
        .unwrap();
    let SaleOutcome::Recorded { early_refunds, .. } = outcome else {
        panic!("sale not recorded: {outcome:?}");
    };
    assert_eq!(early_refunds[0].amount, usd("-1.00"));
    for racer in &team {
        assert_eq!(available(&app, racer).await.1, "0.50");
    }
    app.assert_ledger_balances().await;
}
on_both_engines!(refund_before_its_sale_is_applied_on_arrival);

async fn payouts_follow_threshold_and_force(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let team = racers(1);
    let ledger = &app.state.ledger;
    ledger
        .record_sale(sale_record("evt_1", "pi_1", "60.00", &team, 0))
        .await
        .unwrap();
    let below = ledger.record_payout(payout(&team[0], "5.00", false)).await;
    assert!(matches!(
        below,
        Err(LedgerError::Payout(PayoutRefusal::BelowThreshold { .. }))
    ));
    let over = ledger.record_payout(payout(&team[0], "12.01", true)).await;
    assert!(matches!(
        over,
        Err(LedgerError::Payout(PayoutRefusal::OverAvailable { .. }))
    ));
    let forced = ledger
        .record_payout(payout(&team[0], "5.00", true))
        .await
        .unwrap();
    assert!(forced.forced);
    assert_eq!(
        available(&app, &team[0]).await,
        ("7.00".into(), "0.00".into(), "5.00".into())
    );
    let csv = cozykart::ledger::read::export_csv(&app.db, 2025)
        .await
        .unwrap();
    let line = format!("{},{},,USD,1,5.00", records::GUILD, team[0]);
    assert!(csv.contains(&line), "{csv}");
    app.assert_ledger_balances().await;
}
on_both_engines!(payouts_follow_threshold_and_force);

async fn holds_mature_into_available(engine: Engine) {
    let app = spawn_app(engine, "").await;
    let team = racers(2);
    let ledger = &app.state.ledger;
    ledger
        .record_sale(sale_record("evt_1", "pi_1", "10.00", &team, 14))
        .await
        .unwrap();
    assert_eq!(ledger.mature(t0() + Duration::days(13)).await.unwrap(), 0);
    assert_eq!(
        available(&app, &team[0]).await,
        ("0.00".into(), "1.00".into(), "0.00".into())
    );
    assert_eq!(ledger.mature(t0() + Duration::days(14)).await.unwrap(), 2);
    assert_eq!(
        available(&app, &team[0]).await,
        ("1.00".into(), "0.00".into(), "0.00".into())
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(holds_mature_into_available);

/// More than any fixed page: every due allocation matures in one pass.
async fn all_due_holds_mature_in_one_pass(engine: Engine) {
    const SALES: usize = 3_125;
    let app = spawn_app(engine, "").await;
    let team = racers(8);
    let ledger = &app.state.ledger;
    let recorded = (0..SALES).map(|i| {
        ledger.record_sale(sale_record(
            &format!("evt_{i}"),
            &format!("pi_{i}"),
            "10.00",
            &team,
            14,
        ))
    });
    for outcome in futures_util::future::join_all(recorded).await {
        outcome.unwrap();
    }
    assert_eq!(
        ledger.mature(t0() + Duration::days(14)).await.unwrap(),
        SALES * 8
    );
    // 3,125 sales x 0.25 each, all available now; nothing left to mature.
    assert_eq!(
        available(&app, &team[0]).await,
        ("781.25".into(), "0.00".into(), "0.00".into())
    );
    assert_eq!(ledger.mature(t0() + Duration::days(15)).await.unwrap(), 0);
    app.assert_ledger_balances().await;
}
on_both_engines!(all_due_holds_mature_in_one_pass);

async fn verify_reports_a_tampered_balance(engine: Engine) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(engine, "").await;
    let team = racers(1);
    app.state
        .ledger
        .record_sale(sale_record("evt_1", "pi_1", "10.00", &team, 0))
        .await
        .unwrap();
    assert_ledger_balances(&app.db).await;
    app.db
        .execute_unprepared("UPDATE balances SET available_minor = available_minor + 1")
        .await
        .unwrap();
    let report = cozykart::ledger::verify::verify(&app.db).await.unwrap();
    assert!(!report.ok);
    // The journal and the guild's allocations both disagree with the cache.
    let kinds: Vec<&str> = report.differences.iter().map(|d| d.kind).collect();
    assert!(kinds.contains(&"racer_balance"), "{kinds:?}");
    assert!(kinds.contains(&"guild_balance"), "{kinds:?}");
}
on_both_engines!(verify_reports_a_tampered_balance);

/// The database refuses one sale of a batch (a trigger stands for any failure of
/// the set-wise write): the batch starts again one sale at a time, that sale
/// alone fails, and every other one is recorded once.
async fn a_sale_the_database_refuses_fails_alone(engine: Engine) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(engine, "").await;
    let refuse = match engine {
        Engine::Sqlite => {
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON sales \
             WHEN NEW.provider_sale_id = 'pi_poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned sale'); END"
        }
        Engine::Postgres => {
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.provider_sale_id = 'pi_poison' THEN RAISE EXCEPTION 'poisoned sale'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse_poison BEFORE INSERT ON sales \
             FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
        }
    };
    app.db.execute_unprepared(refuse).await.unwrap();
    let team = racers(8);
    let mut records: Vec<SaleRecord> = (0..60)
        .map(|i| sale_record(&format!("evt_{i}"), &format!("pi_{i}"), "22.49", &team, 0))
        .collect();
    records.insert(
        30,
        sale_record("evt_poison", "pi_poison", "22.49", &team, 0),
    );
    let outcomes = record_at_once(&app, records).await;
    assert!(
        matches!(outcomes[30], Err(LedgerError::Database(_))),
        "{:?}",
        outcomes[30]
    );
    let recorded = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(SaleOutcome::Recorded { .. })))
        .count();
    assert_eq!(recorded, 60);
    assert_eq!(sale::Entity::find().count(&app.db).await.unwrap(), 60);
    assert_eq!(
        allocation::Entity::find().count(&app.db).await.unwrap(),
        60 * 8
    );
    assert_ledger_balances(&app.db).await;
}
on_both_engines!(a_sale_the_database_refuses_fails_alone);
