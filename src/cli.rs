//! The sub-commands of `cozykart`, each loading configuration the same way.

use std::process::ExitCode;

use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::startup::Application;

fn load() -> anyhow::Result<Config> {
    Ok(Config::load()?)
}

pub async fn serve() -> anyhow::Result<ExitCode> {
    let config = load()?;
    let app = Application::build(config, Clock::system()).await?;
    tracing::info!(port = app.port(), "cozykart serving");
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// The configured database, migrated.
async fn database() -> anyhow::Result<sea_orm::DatabaseConnection> {
    crate::db::open(&load()?.database_url).await
}

pub async fn migrate() -> anyhow::Result<ExitCode> {
    database().await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

pub async fn verify() -> anyhow::Result<ExitCode> {
    let db = database().await?;
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
    let db = database().await?;
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
    let registered =
        crate::discord::register_commands(&config.discord, application_id, guild).await?;
    println!(
        "registered {} commands {} for application {}",
        registered.count, registered.scope, registered.application_id
    );
    Ok(ExitCode::SUCCESS)
}
