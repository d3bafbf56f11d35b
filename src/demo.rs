//! `cozykart demo`: the real server with a demo race that shows everything: a goal,
//! racers who join and leave, and sales every few seconds through the real webhook
//! paths (Stripe, whose buyers stay private, and Ko-fi, whose buyers may be public),
//! under Discord-style numeric host and channel ids so that every overlay link works.
//! Sales go to this machine's own port only. It runs on a temporary SQLite database
//! of its own, removed when it stops: the configured `database.url` (perhaps a
//! community's real ledger) is never opened.

mod feed;

use anyhow::Context;

use crate::checkout::CheckoutUrl;
use crate::clock::Clock;
use crate::config::{Config, ShopConfig};
use crate::lobby::{Join, SetGoal, Start};
use crate::money::{Currency, Money};
use crate::sale::Provider;
use crate::startup::Application;

/// Endpoint secret of the demo's Stripe shop; used only by demo mode.
const DEMO_SECRET: &str = "whsec_cozykart_demo_only";
/// Verification token of the demo's Ko-fi shop; used only by demo mode.
const DEMO_KOFI_TOKEN: &str = "cozykart-demo-kofi-token";
const DEMO_SHOP: &str = "demo";
const DEMO_KOFI_SHOP: &str = "demo-kofi";
/// File name of the demo's database inside its temporary directory.
const DEMO_DATABASE: &str = "demo.db";
/// The demo host's and channel's ids, shaped like Discord's (snowflakes), so that
/// `/overlay/host/{id}` and `/overlay/channel/{id}` can be tried.
const DEMO_HOST_ID: &str = "402938475610293847";
const DEMO_CHANNEL_ID: &str = "402938475610299001";
const DEMO_LOBBY_NAME: &str = "Demo Cup";
/// The race's goal, in the currency of the demo's sales.
const DEMO_GOAL: &str = "50.00";
const DEMO_CURRENCY: &str = "USD";
/// The racers on the roster when the race starts: (Discord id, display name).
const RACERS: &[(&str, &str)] = &[
    ("402938475610290001", "Mochi"),
    ("402938475610290002", "Pip"),
    ("402938475610290003", "Turbo Tofu"),
    ("402938475610290004", "Lady Drift"),
];

/// A demo server, bound and with its race live, not yet serving until awaited.
pub struct Demo {
    pub app: Application,
    /// The overlay page of the demo race.
    pub overlay_url: String,
    /// Every link the demo prints, with what each shows.
    pub links: Vec<(&'static str, String)>,
    /// The demo lobby, which the feed sends its racers' comings and goings.
    lobby: crate::lobby::registry::LobbyEntry,
    /// Holds the demo's database; dropping it removes the database.
    database_dir: tempfile::TempDir,
}

impl Demo {
    /// Where the demo's own database lives (gone once the demo is dropped).
    pub fn database_path(&self) -> std::path::PathBuf {
        self.database_dir.path().join(DEMO_DATABASE)
    }

    /// Serves until stopped (Ctrl-C or the handle), then removes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Demo {
            app, database_dir, ..
        } = self;
        app.run_until_stopped().await?;
        database_dir.close()
    }
}

/// Runs the demo until Ctrl-C, then removes its database.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let demo = start(config).await?;
    println!(
        "Demo mode: on a temporary database {} (removed when the demo stops; database.url is not opened).",
        demo.database_path().display()
    );
    println!(
        "Demo race \"{DEMO_LOBBY_NAME}\" is live with a goal of {DEMO_GOAL} {DEMO_CURRENCY}; \
         a sale arrives every {} s and racers come and go. Open in a browser (or OBS):",
        feed::SALE_EVERY.as_secs()
    );
    for (what, url) in &demo.links {
        println!("  {what:<18}{url}");
    }
    println!("Ctrl-C to stop.");
    let services = demo.app.services();
    actix_web::rt::spawn(feed::feed(
        demo.app.port(),
        services.clock.clone(),
        demo.lobby.addr.clone(),
    ));
    demo.run_until_stopped().await?;
    Ok(())
}

/// Builds the server on a fresh temporary database with the demo shops and a race
/// whose window is open; returns it with its links (which follow the bound port
/// while `http.public_url` is left at its default).
pub async fn start(mut config: Config) -> anyhow::Result<Demo> {
    let database_dir = tempfile::Builder::new()
        .prefix("cozykart-demo-")
        .tempdir()
        .context("creating the demo's temporary directory")?;
    config.database_url = format!(
        "sqlite://{}?mode=rwc",
        database_dir.path().join(DEMO_DATABASE).display()
    );
    add_demo_shops(&mut config);
    let app = Application::build(config, Clock::system()).await?;
    let services = app.services();
    let now = services.clock.now();
    let lobby = services
        .lobbies
        .create(
            None,
            Some(DEMO_CHANNEL_ID.parse()?),
            DEMO_HOST_ID.parse()?,
            DEMO_LOBBY_NAME,
            now,
        )
        .await
        .context("creating the demo lobby")?;
    for (id, name) in RACERS {
        let join = Join {
            discord_id: id.parse()?,
            display_name: (*name).into(),
            at: now,
        };
        let _ = lobby.addr.send(join).await;
    }
    let currency = Currency::parse(DEMO_CURRENCY).context("the demo's currency")?;
    let goal = Money::parse(DEMO_GOAL, currency).context("the demo's goal")?;
    let _ = lobby.addr.send(SetGoal { goal: Some(goal) }).await;
    let _ = lobby.addr.send(Start { at: now }).await;
    let base = &services.config.http.public_url;
    let overlay_url = format!("{base}/overlay/{}", lobby.code);
    let (racer_id, _) = RACERS[0];
    let links = vec![
        ("lobby overlay", overlay_url.clone()),
        (
            "host overlay",
            format!("{base}/overlay/host/{DEMO_HOST_ID}"),
        ),
        (
            "channel overlay",
            format!("{base}/overlay/channel/{DEMO_CHANNEL_ID}"),
        ),
        ("racer overlay", format!("{overlay_url}?racer={racer_id}")),
        ("settings page", format!("{overlay_url}/setup")),
        ("this server", format!("{base}/")),
    ];
    Ok(Demo {
        app,
        overlay_url,
        links,
        lobby,
        database_dir,
    })
}

/// The demo's Stripe shop (with a checkout link, so the overlay shows its QR code)
/// and Ko-fi shop (whose buyers may choose to be named).
fn add_demo_shops(config: &mut Config) {
    config.shops.insert(
        DEMO_SHOP.to_owned(),
        ShopConfig {
            name: DEMO_SHOP.to_owned(),
            provider: Provider::Stripe,
            secrets: vec![DEMO_SECRET.to_owned()],
            guild_id: None,
            checkout_url: Some(CheckoutUrl::parse("https://shop.example/merch?lobby=")),
            kofi_types: Vec::new(),
            credit: None,
        },
    );
    config.shops.insert(
        DEMO_KOFI_SHOP.to_owned(),
        ShopConfig {
            name: DEMO_KOFI_SHOP.to_owned(),
            provider: Provider::Kofi,
            secrets: vec![DEMO_KOFI_TOKEN.to_owned()],
            guild_id: None,
            checkout_url: None,
            kofi_types: vec!["Shop Order".to_owned()],
            credit: None,
        },
    );
}
