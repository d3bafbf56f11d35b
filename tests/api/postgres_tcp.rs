//! The server's PostgreSQL connections: over TCP a statement longer than one
//! segment does not wait for the server's delayed ACK (`db::nodelay` sets
//! `TCP_NODELAY`, which sqlx 0.9.0 leaves off), and every statement is planned
//! for the values of each execution.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use sqlx::postgres::PgConnectOptions;

use crate::helpers::{postgres_url, Engine, TestDb};

/// Above one loopback segment (64 KiB), so that the message's tail is a
/// second, partial segment: the one Nagle holds back until the first is ACKed.
const STATEMENT_BYTES: usize = 70 * 1024;
/// Linux delays an ACK by 40 ms at least: a round trip that long waited for one.
const DELAYED_ACK: Duration = Duration::from_millis(40);
/// Round trips timed; their median is judged, so one slow run does not decide.
const ROUND_TRIPS: usize = 11;
/// Round trips run first and not timed.
const WARM_UP: usize = 5;

#[actix_web::test]
async fn large_statement_round_trip_waits_for_no_delayed_ack() {
    let Some(admin) = postgres_url() else {
        return;
    };
    let over_tcp = admin
        .parse::<PgConnectOptions>()
        .is_ok_and(|o| o.get_socket().is_none() && !o.get_host().starts_with('/'));
    if !over_tcp {
        eprintln!("notice: the PostgreSQL URL names a Unix socket; skipping the TCP run");
        return;
    }
    let test_db = TestDb::new(Engine::Postgres).await;
    // The server's own pool, as `startup` opens it.
    let db = cozykart::db::connect(&test_db.url).await.expect("connect");
    // A bound parameter: the statement is prepared once, and each round trip's
    // Bind message carries the whole value.
    let value = "x".repeat(STATEMENT_BYTES);
    let statement = sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT length($1)",
        [value.into()],
    );
    let mut took = Vec::with_capacity(ROUND_TRIPS);
    // The first round trips of a connection are ACKed at once (quick-ACK mode);
    // they are run but not judged.
    for round in 0..WARM_UP + ROUND_TRIPS {
        let started = Instant::now();
        let row = db
            .query_one_raw(statement.clone())
            .await
            .expect("round trip")
            .expect("one row");
        if round >= WARM_UP {
            took.push(started.elapsed());
        }
        let length: i32 = row.try_get_by_index(0).expect("length");
        assert_eq!(length as usize, STATEMENT_BYTES);
    }
    took.sort();
    let median = took[ROUND_TRIPS / 2];
    assert!(
        median < DELAYED_ACK,
        "median round trip of a {} KiB statement took {median:?} (all: {took:?}): \
         the socket waits for the server's delayed ACK (TCP_NODELAY off)",
        STATEMENT_BYTES / 1024
    );
    db.close().await.expect("close");
}

/// sqlx prepares each statement once per connection, and PostgreSQL's default
/// soon keeps one generic plan for it for good. Made while a new deployment's
/// tables were empty, such a plan scans them whole; the ledger's look-ups of
/// events and references then slowed down as the tables grew (measured by the
/// load generator: 2 ms to 27 ms per batch within 5,000 sales). Each pool's
/// connections plan every execution for its values instead.
#[actix_web::test]
async fn every_execution_is_planned_for_its_values() {
    if postgres_url().is_none() {
        return;
    }
    let test_db = TestDb::new(Engine::Postgres).await;
    let db = cozykart::db::connect(&test_db.url).await.expect("connect");
    let ledger = cozykart::db::connect_with(&test_db.url, cozykart::db::LEDGER_CONNECTIONS)
        .await
        .expect("connect the ledger's pool");
    for pool in [&db, &ledger] {
        let row = pool
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SHOW plan_cache_mode",
            ))
            .await
            .expect("shown")
            .expect("one row");
        let mode: String = row.try_get_by_index(0).expect("text");
        assert_eq!(mode, "force_custom_plan");
    }
}
