//! Builds the application: database, migrations, actors and the HTTP server,
//! bound before it is returned so that callers (and tests on port 0) know the port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Config;
use crate::ledger::LedgerHandle;

/// How long in-flight requests get to finish on SIGTERM before the server stops.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Largest request body accepted anywhere (webhooks included).
pub const BODY_MAX_BYTES: usize = 256 * 1024;

/// Everything a request handler may need; shared by all workers.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub ledger: LedgerHandle,
    pub clock: Clock,
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Application> {
        let db = crate::db::connect(&config.database_url)
            .await
            .with_context(|| format!("connecting to the database (database.url)"))?;
        crate::db::migrate(&db)
            .await
            .context("running migrations")?;
        let listener = TcpListener::bind(config.http.bind)
            .with_context(|| format!("binding http.bind = {}", config.http.bind))?;
        Application::with_listener(config, clock, db, listener).await
    }

    /// Builds on an existing database pool and socket (tests bind port 0).
    pub async fn with_listener(
        config: Config,
        clock: Clock,
        db: DatabaseConnection,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let ledger = LedgerHandle::start(db.clone(), clock.clone());
        let state = web::Data::new(AppState {
            config: Arc::new(config),
            db,
            ledger,
            clock,
        });
        crate::telemetry::metrics();
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(BODY_MAX_BYTES))
                .configure(crate::http::routes)
        })
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle that stops the server gracefully (tests, demo).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/Ctrl-C (or a stop through the handle), then lets the
    /// ledger commit everything it accepted before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        self.state.ledger.drain().await;
        tracing::info!("ledger drained; stopped");
        Ok(())
    }
}
