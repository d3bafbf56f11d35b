//! The simulation's injected faults: the server's database connections cut at
//! once (PostgreSQL), and the ledger failing while it records a sale (`kill -9`
//! is in `super::kill`).

use rand::Rng;
use sea_orm::ConnectionTrait;

use super::Sim;
use crate::helpers::Engine;

/// Whether schedules inject `fault`. `SIM_FAULTS` names them (`cut,ledger`;
/// `none` for none); unset, all. The faults: `ledger`, the ledger's
/// transaction failing while it records a sale; `cut`, every connection of the
/// server cut at once (PostgreSQL); `kill`, `kill -9` of a server process with
/// sales in flight (`super::kill`).
///
/// What the cuts found, each with its regression test:
/// - A lobby change made while the lobby listener reconnected was missing from
///   the attribution of the next sale (seed 1796228046706):
///   `discord::a_race_started_behind_a_missing_change_takes_its_sale_at_once`.
/// - After a cut, the next sale's pot showed late (a credit waited while its
///   lobby was read again; balances were right), at seeds 64, 420, 982, 1353
///   and 1696 of the schedules before `ledger` came:
///   `lobby_bus::a_sale_credited_while_its_lobby_reloads_shows_at_once`.
/// - A refund right after a cut was missing from its lobby's pot for good
///   (seed 1796267383701): it was published after its commit, and the
///   publication was lost on a dead connection. Refunds and re-attributions are
///   now published in the ledger's batch, as sales are:
///   `lobby_bus::the_ledger_publishes_a_refund_in_the_batch_that_records_it`
///   (and `..._a_reattribution_in_the_batch_that_moves_it` for the same flaw
///   of a sale re-attributed).
/// - A refund applied while its lobby reloaded after a cut was undone when the
///   read, which had missed it, ended (seed 382 of the runs before the fix
///   above): `lobby_bus::a_refund_applied_while_its_lobby_reloads_stays_applied`.
pub(super) fn enabled(fault: &str) -> bool {
    match std::env::var("SIM_FAULTS") {
        Ok(faults) => faults.split(',').any(|f| f.trim() == fault),
        Err(_) => true,
    }
}

/// What the ledger's failing transaction says, from the trigger.
const FAILURE: &str = "sim: the ledger fails";

impl Sim {
    /// Cuts every connection to the server's database but the one that asks
    /// (PostgreSQL): the server must find its way back without losing anything.
    pub(super) async fn cut_connections(&mut self) {
        self.log.push("connections cut".to_owned());
        self.injected.cuts += 1;
        let cut = self
            .app()
            .db
            .execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await;
        if let Err(error) = cut {
            self.diverged(format!("cutting connections failed: {error}"));
        }
        self.check_all().await;
    }

    /// Installs, in the schedule's database, triggers that fail every insert
    /// into `processed_events` and `sales` (each new sale writes both, inside the
    /// ledger's transaction) while `sim_fault.armed` is set.
    pub(super) async fn install_ledger_fault(&self) {
        let statements = match self.engine {
            Engine::Postgres => format!(
                "CREATE TABLE sim_fault (armed BOOLEAN NOT NULL);\
                 INSERT INTO sim_fault VALUES (FALSE);\
                 CREATE FUNCTION sim_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF (SELECT armed FROM sim_fault) THEN RAISE EXCEPTION '{FAILURE}'; END IF; \
                 RETURN NEW; END $$;\
                 CREATE TRIGGER sim_fault BEFORE INSERT ON processed_events \
                 FOR EACH ROW EXECUTE FUNCTION sim_fault();\
                 CREATE TRIGGER sim_fault BEFORE INSERT ON sales \
                 FOR EACH ROW EXECUTE FUNCTION sim_fault();"
            ),
            Engine::Sqlite => format!(
                "CREATE TABLE sim_fault (armed INTEGER NOT NULL);\
                 INSERT INTO sim_fault VALUES (0);\
                 CREATE TRIGGER sim_fault_events BEFORE INSERT ON processed_events \
                 WHEN (SELECT armed FROM sim_fault) BEGIN SELECT RAISE(ABORT, '{FAILURE}'); END;\
                 CREATE TRIGGER sim_fault_sales BEFORE INSERT ON sales \
                 WHEN (SELECT armed FROM sim_fault) BEGIN SELECT RAISE(ABORT, '{FAILURE}'); END;"
            ),
        };
        if let Err(error) = self.app().db.execute_unprepared(&statements).await {
            self.diverged(format!("installing the ledger's fault failed: {error}"));
        }
    }

    async fn arm_ledger_fault(&self, armed: bool) {
        let armed = match (self.engine, armed) {
            (Engine::Postgres, armed) => armed.to_string(),
            (Engine::Sqlite, armed) => u8::from(armed).to_string(),
        };
        let statement = format!("UPDATE sim_fault SET armed = {armed}");
        if let Err(error) = self.app().db.execute_unprepared(&statement).await {
            self.diverged(format!("arming the ledger's fault failed: {error}"));
        }
    }

    /// Now and then, a new sale's first delivery meets a failing ledger: it must
    /// be answered with a 5xx (the shop then delivers it again, and the checks
    /// after that delivery find it credited once). Pots are not checked between
    /// the two: a Stripe sale whose untagged twin came first already shows, and
    /// the model learns the sale only from the delivery that records it.
    pub(super) async fn maybe_fail_first(&mut self, what: &str, delivery: &super::sales::Delivery) {
        if !enabled("ledger") || !self.rng.gen_bool(0.05) {
            return;
        }
        self.log.push(format!("{what}: the ledger fails"));
        self.injected.ledger_failures += 1;
        self.arm_ledger_fault(true).await;
        let (code, answer) = self.send(delivery).await;
        self.arm_ledger_fault(false).await;
        if code < 500 {
            self.diverged(format!(
                "{what} answered {code} {answer} while the ledger failed, the model a 5xx"
            ));
        }
    }
}
