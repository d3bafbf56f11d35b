//! Builds the application: database, migrations, actors and the HTTP server,
//! bound before it is returned so that callers (and tests on port 0) know the port.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::commands::deferral::{respond_within, DeferAfter, DEFER_AFTER};
use crate::commission::CommissionRates;
use crate::config::Config;
use crate::discord::InteractionVerifier;
use crate::ledger::{ArbiterGuard, LedgerHandle};
use crate::lobby::bus::{Channel, Listener, ListenerGuard, NoticeSink};
use crate::lobby::change::Notice;
use crate::lobby::{LobbyRegistry, RaceOverSink};
use crate::overlay::admission::Admission;
use crate::router::SalesRouter;
use crate::services::Services;

/// How long in-flight requests get to finish on SIGTERM before the server stops.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
pub struct Application {
    /// The address the server listens on (the port chosen, for port 0).
    address: SocketAddr,
    port: u16,
    server: Server,
    services: web::Data<Services>,
    /// The SalesRouter's thread, stopped with the application.
    _router_thread: ArbiterGuard,
    /// The PostgreSQL listener of other processes' lobby changes, stopped with
    /// the application.
    _lobby_listener: Option<ListenerGuard>,
    /// The outbox's drain, stopped with the application (a restart's own drain
    /// takes over).
    _outbox_duty: Option<AbortOnDrop>,
    /// Settles store-credit reservations a crash left behind.
    _reconciler: AbortOnDrop,
    /// Announces timed-out races; prunes old interaction claims.
    _housekeeping: Vec<AbortOnDrop>,
    /// A SQLite file's single-process lock, held while the server runs.
    _single_process: Option<crate::db::SingleProcessLock>,
}

impl Application {
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Application> {
        let lock = crate::db::SingleProcessLock::acquire(&config.database_url)?;
        let db = crate::db::open(&config.database_url).await?;
        // A host name (`localhost:8080`) is resolved here, at bind time.
        let listener = TcpListener::bind(config.http.bind.as_str())
            .with_context(|| format!("binding http.bind = {}", config.http.bind))?;
        let mut app = Application::with_listener(config, clock, db, listener).await?;
        app._single_process = Some(lock);
        Ok(app)
    }

    /// Builds on an existing database pool and socket (tests bind port 0).
    pub async fn with_listener(
        config: Config,
        clock: Clock,
        db: DatabaseConnection,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        Application::deferring_after(config, clock, db, listener, DEFER_AFTER).await
    }

    /// [`Application::with_listener`] whose commands are deferred once they ran
    /// `defer_after` instead of [`DEFER_AFTER`] (tests shorten it to see deferrals
    /// without slowing a command down).
    pub async fn deferring_after(
        mut config: Config,
        clock: Clock,
        db: DatabaseConnection,
        listener: TcpListener,
        defer_after: Duration,
    ) -> anyhow::Result<Application> {
        use actix::Actor as _;
        let bound = listener.local_addr()?;
        let port = bound.port();
        follow_bound_address(&mut config.http, bound);
        let verifier = match &config.discord.public_key {
            Some(key) => Some(
                InteractionVerifier::new(key)
                    .map_err(|e| anyhow::anyhow!("configuration key `discord.public_key`: {e}"))?,
            ),
            None => {
                tracing::info!("discord.public_key is empty: /discord/interactions is off");
                None
            }
        };
        let rest = match config.discord.bot_token {
            Some(_) => Some(Arc::new(
                crate::discord::Rest::new(&config.discord).context("Discord's REST client")?,
            )),
            None => None,
        };
        let interaction_webhooks = crate::discord::InteractionWebhooks::new(&config.discord)
            .context("the client of Discord's interaction webhooks")?;
        let config = Arc::new(config);
        let ledger_db =
            crate::db::connect_with(&config.database_url, crate::db::LEDGER_CONNECTIONS)
                .await
                .context("connecting the ledger to the database (database.url)")?;
        let (channel, bus_listener) = subscribe(&config).await?;
        let rates = Arc::new(
            CommissionRates::load(db.clone(), config.commission.rate, channel.clone())
                .await
                .context("reading the saved commission rate")?,
        );
        // Several processes: each batch publishes its sales' lobby events itself.
        let publisher = channel
            .is_shared()
            .then(|| Arc::new(channel.clone()) as Arc<dyn crate::ledger::Publish>);
        let ledger = LedgerHandle::start_publishing(ledger_db, clock.clone(), publisher);
        let (race_over, races_over) = RaceOverSink::channel();
        let lobbies = LobbyRegistry::load(
            db.clone(),
            clock.clone(),
            config.clone(),
            race_over,
            channel,
        )
        .await
        .context("rebuilding lobbies")?;
        let lobby_listener = match bus_listener {
            Some(bus_listener) => Some(
                bus_listener
                    .spawn(Arc::new(Heard {
                        db: db.clone(),
                        lobbies: lobbies.clone(),
                        rates: rates.clone(),
                    }))
                    .context("starting the lobby listener")?,
            ),
            None => None,
        };
        // The router attributes on a thread of its own: its database reads and the
        // ledger's writes then proceed in parallel.
        let router_thread = actix::Arbiter::new();
        let router = {
            let (db, ledger, lobbies, config, rates) = (
                db.clone(),
                ledger.clone(),
                lobbies.clone(),
                config.clone(),
                rates.clone(),
            );
            SalesRouter::start_in_arbiter(&router_thread.handle(), move |_| {
                SalesRouter::new(db, ledger, lobbies, config, rates)
            })
        };
        // Overlay sockets open per place and per address: the overlay edge's own
        // state, handed to its handlers beside the services.
        let admission = web::Data::new(Admission::new(
            config.overlay.max_clients_per_lobby,
            config.overlay.max_clients_per_address,
        ));
        let gateway = Arc::new(crate::discord::GatewayStatus::of(&config.discord));
        let credit = crate::credit::CreditShops::new(&config);
        let guild_locales = crate::locale::GuildLocales::new(db.clone());
        let services = web::Data::new(Services {
            guild_locales,
            credit,
            config,
            db,
            ledger,
            clock,
            lobbies,
            router,
            rates,
            rest,
            interaction_webhooks,
            verifier,
            gateway,
        });
        // Stopped with the application (they hold the services; a server stopped
        // in a process that goes on, as in tests, must not keep them alive).
        let housekeeping = vec![
            AbortOnDrop(actix_web::rt::spawn(crate::commands::announce_races(
                services.clone().into_inner(),
                races_over,
            ))),
            AbortOnDrop(actix_web::rt::spawn(crate::commands::once::prune_forever(
                services.db.clone(),
                services.clock.clone(),
            ))),
        ];
        let outbox_duty = services.rest.clone().map(|rest| {
            AbortOnDrop(actix_web::rt::spawn(crate::discord::outbox::drain_forever(
                services.db.clone(),
                rest,
                services.clock.clone(),
            )))
        });
        let reconciler = AbortOnDrop(actix_web::rt::spawn(crate::cashout::reconcile_forever(
            Arc::downgrade(&services.clone().into_inner()),
        )));
        start_gateway(&services, defer_after);
        crate::telemetry::metrics();
        let data = services.clone();
        let budget = web::Data::new(DeferAfter(defer_after));
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(crate::http::secure))
                .app_data(data.clone())
                .app_data(budget.clone())
                .app_data(admission.clone())
                .app_data(web::PayloadConfig::new(crate::http::BODY_MAX_BYTES))
                .app_data(web::QueryConfig::default().error_handler(|error, _| {
                    crate::http::ApiError::BadRequest {
                        code: "malformed_query",
                        message: error.to_string(),
                    }
                    .into()
                }))
                .configure(crate::http::routes)
                .configure(crate::overlay::routes)
                .default_service(web::to(crate::http::fallback))
                .wrap(actix_web::middleware::from_fn(crate::http::head_as_get))
        })
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Application {
            address: bound,
            port,
            server,
            services,
            _router_thread: ArbiterGuard(router_thread),
            _lobby_listener: lobby_listener,
            _outbox_duty: outbox_duty,
            _reconciler: reconciler,
            _housekeeping: housekeeping,
            _single_process: None,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn services(&self) -> web::Data<Services> {
        self.services.clone()
    }

    /// A handle that stops the server gracefully (tests, demo).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/Ctrl-C (or a stop through the handle), then lets the
    /// ledger commit everything it accepted before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (services, handle) = (self.services.clone(), self.server.handle());
        // Ends with the server, however it stopped (it holds the services).
        let _on_signal = AbortOnDrop(actix_web::rt::spawn(async move {
            if wait_for_signal().await {
                tracing::info!("stop signal received; stopping gracefully");
                stop_gracefully(&services, &handle).await;
            }
        }));
        self.server.await?;
        self.services.ledger.drain().await;
        tracing::info!("ledger drained; stopped");
        Ok(())
    }
}

/// A task stopped when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What this process does with what it hears on the lobby bus: lobbies' changes
/// go to the registry; a change of the guilds' saved settings makes it read the
/// commission rates and buyer-name rules again.
struct Heard {
    db: DatabaseConnection,
    lobbies: Arc<LobbyRegistry>,
    rates: Arc<CommissionRates>,
}

impl NoticeSink for Heard {
    fn receive(&self, notice: Notice) -> BoxFuture<'_, ()> {
        Box::pin(self.lobbies.receive(notice))
    }

    fn settings_changed(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            self.rates.reload().await;
            self.lobbies.buyer_names().reload(&self.db).await;
        })
    }

    fn reload_all(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            self.settings_changed().await;
            self.lobbies.reload_all().await;
        })
    }
}

/// On PostgreSQL, the lobby bus: the deployment's channel, subscribed on a
/// dedicated connection before the lobbies are loaded (so nothing committed
/// meanwhile is missed). SQLite serves one process and has none.
async fn subscribe(config: &Config) -> anyhow::Result<(Channel, Option<Listener>)> {
    if crate::db::is_sqlite(&config.database_url) {
        return Ok((Channel::none(), None));
    }
    let channel = Channel::named(&config.database_channel);
    let listener = Listener::connect(&config.database_url, &channel)
        .await
        .with_context(|| {
            format!(
                "listening on database.channel = {} (database.url)",
                config.database_channel
            )
        })?;
    Ok((channel, Some(listener)))
}

/// Left at its default, `http.public_url` would point at port 8080 whatever was
/// bound: links (overlay, checkout QR, `/lobby create`) then follow the bound
/// address instead, an unspecified one (`0.0.0.0`, `::`) read as loopback.
fn follow_bound_address(http: &mut crate::config::HttpConfig, mut bound: SocketAddr) {
    if http.public_url != crate::config::DEFAULT_PUBLIC_URL {
        return;
    }
    if bound.ip().is_unspecified() {
        let loopback = match bound.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        };
        bound.set_ip(loopback);
    }
    http.public_url = format!("http://{bound}");
}

/// Closes the overlay sockets (their pages reconnect to the next instance), then
/// stops the HTTP server after the requests in flight were answered.
pub async fn stop_gracefully(services: &Services, handle: &actix_web::dev::ServerHandle) {
    services.lobbies.close_overlays().await;
    handle.stop(true).await;
}

/// Waits for SIGTERM or Ctrl-C; `false` if signals cannot be watched.
async fn wait_for_signal() -> bool {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        return false;
    };
    tokio::select! {
        _ = terminate.recv() => true,
        _ = tokio::signal::ctrl_c() => true,
    }
}

/// Starts the Discord gateway when a bot token is configured and
/// `discord.gateway` is on, with the shards `discord.shards` names; its commands
/// are deferred once they ran `defer_after`.
fn start_gateway(services: &web::Data<Services>, defer_after: Duration) {
    let discord = &services.config.discord;
    // The status is on only with a bot token (and `discord.gateway` on).
    let (shards, token) = match (services.gateway.shards(), discord.bot_token.clone()) {
        (Ok(shards), Some(token)) => (shards, token),
        (Err(why), _) => {
            tracing::info!(why, "the Discord gateway is off");
            return;
        }
        (Ok(_), None) => return,
    };
    tracing::info!(%shards, "the Discord gateway starts");
    let shared = services.clone().into_inner();
    let handler: crate::discord::CommandHandler = Arc::new(move |id, hook, caller, command| {
        let shared = shared.clone();
        Box::pin(
            async move { respond_within(&shared, id, hook, caller, command, defer_after).await },
        )
    });
    let shared = services.clone();
    let suggest: crate::discord::SuggestHandler = Arc::new(move |guild, option, typed| {
        let shared = shared.clone();
        Box::pin(async move { crate::commands::suggest(&shared, guild, &option, &typed).await })
    });
    let (guild, role) = (discord.guild_id, discord.admin_role.clone());
    let status = services.gateway.clone();
    actix_web::rt::spawn(async move {
        if let Err(error) =
            crate::discord::run_gateway(token, status, guild, role, handler, suggest).await
        {
            tracing::error!(%error, "Discord gateway stopped");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HttpConfig;

    fn http(public_url: &str) -> HttpConfig {
        HttpConfig {
            bind: "127.0.0.1:8080".to_owned(),
            public_url: public_url.to_owned(),
        }
    }

    #[test]
    fn default_public_url_follows_the_bound_address() {
        let mut config = http(crate::config::DEFAULT_PUBLIC_URL);
        follow_bound_address(&mut config, "127.0.0.1:18181".parse().unwrap());
        assert_eq!(config.public_url, "http://127.0.0.1:18181");
        let mut any = http(crate::config::DEFAULT_PUBLIC_URL);
        follow_bound_address(&mut any, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(any.public_url, "http://127.0.0.1:9000");
        let mut v6 = http(crate::config::DEFAULT_PUBLIC_URL);
        follow_bound_address(&mut v6, "[::]:9000".parse().unwrap());
        assert_eq!(v6.public_url, "http://[::1]:9000");
    }

    #[test]
    fn a_configured_public_url_is_kept() {
        let mut config = http("https://kart.example");
        follow_bound_address(&mut config, "127.0.0.1:18181".parse().unwrap());
        assert_eq!(config.public_url, "https://kart.example");
    }
}
