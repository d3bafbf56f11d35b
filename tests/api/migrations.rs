//! Migrations move existing data: a database written before guilds had wallets
//! comes out with one balance per guild, rebuilt from its allocations and payouts.

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

use crate::helpers::{assert_ledger_balances, Engine, TestDb};
use crate::on_both_engines;

const RACER: &str = "1100000000000000042";

/// Rows as the first schema stored them (`{racer}` stands for [`RACER`]): a racer earned through a lobby of guild
/// A (a pending share of 1.00, an available 3.00 of which 0.50 was refunded) and
/// one of guild B (2.00 available), and was paid 1.50 before guilds had wallets.
const LEGACY: &[&str] = &[
    "INSERT INTO lobbies (id, code, name, guild_id, channel_id, host_id, state, created_at) VALUES \
     (1, 'AAAA', 'North', 'A', 'c1', 'h', 'closed', '2025-10-09 08:00:00+00:00'), \
     (2, 'BBBB', 'South', 'B', 'c2', 'h', 'closed', '2025-10-09 08:00:00+00:00')",
    "INSERT INTO allocations (id, sale_id, lobby_id, discord_id, currency, amount_minor, \
     reversed_minor, status, available_at, created_at) VALUES \
     (1, 1, 1, '{racer}', 'USD', 100, 0, 'pending', '2025-10-23 08:00:00+00:00', '2025-10-09 08:00:00+00:00'), \
     (2, 2, 1, '{racer}', 'USD', 300, 50, 'available', '2025-10-09 08:00:00+00:00', '2025-10-09 08:00:00+00:00'), \
     (3, 3, 2, '{racer}', 'USD', 200, 0, 'available', '2025-10-09 08:00:00+00:00', '2025-10-09 08:00:00+00:00')",
    "INSERT INTO payouts (id, discord_id, amount_minor, currency, method, note, forced, created_by, \
     created_at) VALUES (1, '{racer}', 150, 'USD', 'manual', NULL, TRUE, 'admin', '2025-10-10 08:00:00+00:00')",
    "INSERT INTO balances (discord_id, currency, available_minor, pending_minor, paid_minor) \
     VALUES ('{racer}', 'USD', 300, 100, 150)",
    "INSERT INTO journal_transactions (id, kind, reference, created_at) VALUES \
     (1, 'sale', 'sale:1', '2025-10-09 08:00:00+00:00'), \
     (2, 'refund', 'refund:r1', '2025-10-09 09:00:00+00:00'), \
     (3, 'payout', 'payout:1', '2025-10-10 08:00:00+00:00')",
    "INSERT INTO journal_entries (transaction_id, account, currency, amount_minor) VALUES \
     (1, 'racer:{racer}', 'USD', 600), (1, 'house', 'USD', -600), \
     (2, 'racer:{racer}', 'USD', -50), (2, 'house', 'USD', 50), \
     (3, 'racer:{racer}', 'USD', -150), (3, 'payouts:{racer}', 'USD', 150)",
];

async fn guild_money_migration_moves_balances_to_their_guilds(engine: Engine) {
    let test_db = TestDb::new(engine).await;
    let db = cozykart::db::connect(&test_db.url).await.expect("connect");
    Migrator::up(&db, Some(1)).await.expect("first migration");
    for sql in LEGACY {
        db.execute_unprepared(&sql.replace("{racer}", RACER))
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    Migrator::up(&db, None).await.expect("guild migration");
    let balances = cozykart::ledger::read::balances(
        &db,
        RACER.parse().unwrap(),
        cozykart::ledger::read::Wallets::Every,
    )
    .await
    .unwrap();
    let got: Vec<(String, String, String, String)> = balances
        .iter()
        .map(|b| {
            (
                b.guild_id.clone(),
                b.available.amount().to_string(),
                b.pending.amount().to_string(),
                b.paid.amount().to_string(),
            )
        })
        .collect();
    // The payout goes to A, where R earned most (3.50 against 2.00).
    assert_eq!(
        got,
        [
            ("A".into(), "1.00".into(), "1.00".into(), "1.50".into()),
            ("B".into(), "2.00".into(), "0.00".into(), "0.00".into()),
        ]
    );
    assert_ledger_balances(&db).await;
    // And back, undoing the migrations that came after it first: one balance per
    // racer and currency again.
    let later = Migrator::migrations()
        .iter()
        .rev()
        .take_while(|m| m.name() != "m20261125_000003_guild_money")
        .count() as u32;
    Migrator::down(&db, Some(later + 1)).await.expect("down");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT available_minor, pending_minor, paid_minor FROM balances",
        ))
        .await
        .unwrap()
        .expect("one balance");
    let sums: (i64, i64, i64) = (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
        row.try_get_by_index(2).unwrap(),
    );
    assert_eq!(sums, (300, 100, 150));
}
on_both_engines!(guild_money_migration_moves_balances_to_their_guilds);

/// The rows of the keyed tables, in key order: (provider, shop, key, the rest).
async fn keyed_rows(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT provider || '/' || shop || '/' || event_id || '/' || kind FROM processed_events \
         ORDER BY event_id",
        "SELECT provider || '/' || shop || '/' || reference || '/' || CAST(sale_id AS TEXT) \
         FROM sale_refs ORDER BY reference",
    ] {
        for row in db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql,
            ))
            .await
            .unwrap()
        {
            rows.push(row.try_get_by_index::<String>(0).unwrap());
        }
    }
    rows
}

/// A second delivery of a handled event, and a second reference of a known one,
/// refused by the tables' own keys.
async fn assert_keys_refuse_repeats(db: &sea_orm::DatabaseConnection) {
    for sql in [
        "INSERT INTO processed_events (provider, shop, event_id, kind, received_at) \
         VALUES ('stripe', 'main', 'evt_1', 'sale', '2025-10-09 08:00:00+00:00')",
        "INSERT INTO sale_refs (provider, shop, reference, sale_id) \
         VALUES ('stripe', 'main', 'pi_1', 9)",
    ] {
        assert!(db.execute_unprepared(sql).await.is_err(), "{sql}");
    }
}

async fn keyed_tables_keep_their_rows_and_keys_through_the_lighter_write_set(engine: Engine) {
    let test_db = TestDb::new(engine).await;
    let db = cozykart::db::connect(&test_db.url).await.expect("connect");
    let before = Migrator::migrations().len() as u32 - 1;
    Migrator::up(&db, Some(before))
        .await
        .expect("migrations before");
    for sql in [
        "INSERT INTO processed_events (provider, shop, event_id, kind, received_at) VALUES \
         ('stripe', 'main', 'evt_1', 'sale', '2025-10-09 08:00:00+00:00'), \
         ('kofi', 'k', 'evt_2', 'refund', '2025-10-09 09:00:00+00:00')",
        "INSERT INTO sale_refs (provider, shop, reference, sale_id) VALUES \
         ('stripe', 'main', 'cs_1', 1), ('stripe', 'main', 'pi_1', 1)",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    let rows = keyed_rows(&db).await;
    assert_eq!(
        rows,
        [
            "stripe/main/evt_1/sale",
            "kofi/k/evt_2/refund",
            "stripe/main/cs_1/1",
            "stripe/main/pi_1/1"
        ]
    );
    Migrator::up(&db, None).await.expect("lighter write set");
    assert_eq!(keyed_rows(&db).await, rows);
    assert_keys_refuse_repeats(&db).await;
    Migrator::down(&db, Some(1)).await.expect("down");
    assert_eq!(keyed_rows(&db).await, rows);
    assert_keys_refuse_repeats(&db).await;
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(keyed_rows(&db).await, rows);
}
on_both_engines!(keyed_tables_keep_their_rows_and_keys_through_the_lighter_write_set);
