//! The sub-commands of `cozykart`, each loading configuration the same way.

use std::process::ExitCode;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::startup::Application;

/// The configuration (refused on an invalid or unknown key), with logs set up
/// as it says.
fn load() -> anyhow::Result<Config> {
    let config = Config::load()?;
    crate::telemetry::init_logs(config.log.format);
    Ok(config)
}

pub async fn serve() -> anyhow::Result<ExitCode> {
    let config = load()?;
    let database = crate::db::display_url(&config.database_url);
    tracing::info!(%database, "opening the database");
    let app = Application::build(config, Clock::system()).await?;
    tracing::info!(address = %app.address(), %database, "cozykart serving");
    println!(
        "{}",
        crate::banner::banner(&app.services().config, app.address())
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// The configured database, which must exist (never created); says on stderr
/// which one it is, so that stdout stays the command's report.
async fn existing_database() -> anyhow::Result<sea_orm::DatabaseConnection> {
    let url = load()?.database_url;
    let db = crate::db::open_existing(&url).await?;
    eprintln!("database: {}", crate::db::display_url(&url));
    Ok(db)
}

pub async fn migrate() -> anyhow::Result<ExitCode> {
    let url = load()?.database_url;
    crate::db::open(&url).await?;
    println!("migrations applied to {}", crate::db::display_url(&url));
    Ok(ExitCode::SUCCESS)
}

pub async fn verify() -> anyhow::Result<ExitCode> {
    let db = existing_database().await?;
    let report = crate::ledger::verify::verify(&db)
        .await
        .context("verifying the ledger")?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn export(year: i32) -> anyhow::Result<ExitCode> {
    let db = existing_database().await?;
    print!("{}", crate::ledger::read::export_csv(&db, year).await?);
    Ok(ExitCode::SUCCESS)
}

pub async fn demo() -> anyhow::Result<ExitCode> {
    crate::demo::run(load()?).await?;
    Ok(ExitCode::SUCCESS)
}

/// Puts the slash commands on Discord over REST (for interactions-endpoint-only
/// deployments, which never start the gateway).
pub async fn register(application_id: Option<u64>, guild: Option<u64>) -> anyhow::Result<ExitCode> {
    let config = load()?;
    let guild = guild
        .map(crate::domain::ids::GuildId::try_from)
        .transpose()?;
    let registered =
        crate::discord::register_commands(&config.discord, application_id, guild).await?;
    println!(
        "registered {} commands {} for application {}",
        registered.count, registered.scope, registered.application_id
    );
    Ok(ExitCode::SUCCESS)
}
