//! PostgreSQL over TCP: a statement longer than one segment does not wait for
//! the server's delayed ACK (`db::nodelay` sets `TCP_NODELAY`, which sqlx 0.9.0
//! leaves off).

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use sqlx::postgres::PgConnectOptions;

use crate::helpers::{postgres_url, Engine, TestDb};

/// Above one loopback segment (64 KiB), so that the statement's tail is a
/// second, partial segment: the one Nagle holds back until the first is ACKed.
const STATEMENT_BYTES: usize = 70 * 1024;
/// Linux delays an ACK by 40 ms at least: a round trip that long waited for one.
const DELAYED_ACK: Duration = Duration::from_millis(40);
/// Round trips timed; their median is judged, so one slow run does not decide.
const ROUND_TRIPS: usize = 11;

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
    let literal = "x".repeat(STATEMENT_BYTES);
    let statement = format!("SELECT length('{literal}')");
    assert!(statement.len() > 64 * 1024);
    let mut took = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                statement.clone(),
            ))
            .await
            .expect("round trip")
            .expect("one row");
        took.push(started.elapsed());
        let length: i32 = row.try_get_by_index(0).expect("length");
        assert_eq!(length as usize, STATEMENT_BYTES);
    }
    took.sort();
    let median = took[ROUND_TRIPS / 2];
    assert!(
        median < DELAYED_ACK,
        "median round trip of a {} KiB statement took {median:?} (all: {took:?}): \
         the socket waits for the server's delayed ACK (TCP_NODELAY off)",
        statement.len() / 1024
    );
    db.close().await.expect("close");
}
