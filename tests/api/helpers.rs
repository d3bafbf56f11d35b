//! Test worlds: a fresh database per test (a temporary SQLite file, or a uniquely
//! named PostgreSQL database when `COZYKART_TEST_POSTGRES_URL` is set, dropped
//! afterwards) and the real server on port 0 (or on a given socket).

use std::net::TcpListener;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use cozykart::clock::Clock;
use cozykart::config::Config;
use cozykart::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// PostgreSQL server URL (admin database) for the PostgreSQL runs of each test.
pub const POSTGRES_ENV: &str = "COZYKART_TEST_POSTGRES_URL";

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Generates a `sqlite` and a `postgres` test from one async body taking an `Engine`.
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident) => {
        mod $name {
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                $name($crate::helpers::Engine::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::postgres_url().is_some() {
                    $name($crate::helpers::Engine::Postgres).await;
                }
            }
        }
    };
}

pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("notice: {POSTGRES_ENV} is not set; skipping the PostgreSQL run");
            None
        }
    }
}

/// A database that lives as long as the test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// (admin URL, database name) of a PostgreSQL database to drop afterwards.
    drop_postgres: Option<(String, String)>,
}

impl TestDb {
    /// A database another process of the test made (and drops): served here,
    /// never dropped here.
    pub fn existing(url: String) -> TestDb {
        TestDb {
            url,
            _dir: None,
            drop_postgres: None,
        }
    }

    pub async fn new(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    drop_postgres: None,
                }
            }
            Engine::Postgres => {
                let admin = postgres_url().expect("PostgreSQL URL");
                let name = format!(
                    "cozykart_test_{}_{}",
                    std::process::id(),
                    rand::random::<u64>()
                );
                let db = Database::connect(&admin).await.expect("PostgreSQL answers");
                db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                db.close().await.ok();
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                TestDb {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    drop_postgres: Some((admin.clone(), name)),
                }
            }
        }
    }

    /// The same database for a second server in this test (dropped with `self`).
    pub fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            _dir: None,
            drop_postgres: None,
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        let db = cozykart::db::connect(&self.url).await.expect("connect");
        cozykart::db::migrate(&db).await.expect("migrate");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.drop_postgres.take() {
            // Drop runs outside async context: use a private runtime on a thread.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    if let Ok(db) = Database::connect(&admin).await {
                        let _ = db
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The moment every test clock starts at (close to the fixtures' signing times).
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 9, 8, 0, 0)
        .single()
        .expect("valid time")
}

/// The real server on port 0 with its own database and a manual clock.
pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub state: actix_web::web::Data<cozykart::services::Services>,
    pub handle: actix_web::dev::ServerHandle,
    pub test_db: TestDb,
}

pub async fn spawn_app(engine: Engine, extra_toml: &str) -> TestApp {
    let test_db = TestDb::new(engine).await;
    spawn_app_on(test_db, extra_toml, Clock::manual(t0())).await
}

/// Starts a server on an existing test database (restarts keep the database).
pub async fn spawn_app_on(test_db: TestDb, extra_toml: &str, clock: Clock) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    spawn_app_on_listener(test_db, extra_toml, clock, listener).await
}

/// Starts a server on an existing test database and an already bound socket, so
/// that a restart can come back on the same port (clients that reconnect by
/// themselves, such as the overlay page, find it again).
pub async fn spawn_app_on_listener(
    test_db: TestDb,
    extra_toml: &str,
    clock: Clock,
    listener: TcpListener,
) -> TestApp {
    start(test_db, extra_toml, clock, listener, ANSWER_INLINE).await
}

/// The budget of a command in these tests before its interaction is deferred:
/// tests answer inline (DESIGN §5), and a machine busy with other tests must not
/// turn a reply into a deferral, so far more than the server's own
/// `cozykart::commands::deferral::DEFER_AFTER`.
pub const ANSWER_INLINE: Duration = Duration::from_secs(60);

/// [`spawn_app`] whose commands are deferred once they ran `defer_after`
/// (`Duration::ZERO`: every command that reaches its claim is deferred).
pub async fn spawn_app_deferring_after(
    engine: Engine,
    extra_toml: &str,
    defer_after: Duration,
) -> TestApp {
    let test_db = TestDb::new(engine).await;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    start(
        test_db,
        extra_toml,
        Clock::manual(t0()),
        listener,
        defer_after,
    )
    .await
}

async fn start(
    test_db: TestDb,
    extra_toml: &str,
    clock: Clock,
    listener: TcpListener,
    defer_after: Duration,
) -> TestApp {
    let config = Config::from_toml(&format!(
        "[database]\nurl = \"{}\"\n{extra_toml}",
        test_db.url
    ))
    .expect("test configuration");
    let db = test_db.connect().await;
    let app =
        Application::deferring_after(config, clock.clone(), db.clone(), listener, defer_after)
            .await
            .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.services();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        clock,
        state,
        handle,
        test_db,
    }
}

impl TestApp {
    /// A client whose requests wait up to 30 s (awc's default is 5 s): a server
    /// slowed by a loaded machine is not a failure, a hung one still is.
    pub fn client(&self) -> awc::Client {
        awc::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .finish()
    }

    /// Stops the server gracefully and hands back its database for a restart.
    pub async fn stop(self) -> (TestDb, Clock) {
        cozykart::startup::stop_gracefully(&self.state, &self.handle).await;
        self.state.ledger.drain().await;
        // The server's tasks that outlive it in this process (lobby actors on
        // their arbiter, housekeeping loops) hold the shared pool: close it and
        // the test's own, so that a test restarting many servers on PostgreSQL
        // does not keep their connections open.
        let _ = self.state.db.close_by_ref().await;
        let _ = self.db.close_by_ref().await;
        (self.test_db, self.clock)
    }

    pub async fn assert_ledger_balances(&self) {
        assert_ledger_balances(&self.db).await;
    }
}

pub async fn assert_ledger_balances(db: &DatabaseConnection) {
    let report = cozykart::ledger::verify::verify(db)
        .await
        .expect("verify runs");
    assert!(report.ok, "ledger differences: {:?}", report.differences);
}
