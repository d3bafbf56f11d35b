//! `cozykart`: wires the command line to the library; nothing else lives here.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cozykart",
    version,
    about = "Live revenue-share server for kart-race lobbies"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server, the actors and (when configured) the Discord gateway (default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Recompute balances from the journal; exits non-zero on any difference.
    Verify,
    /// Run the server with a demo lobby and simulated sales, to watch the overlay.
    Demo,
    /// Put the slash commands on Discord over its REST API (for deployments that use
    /// only the HTTP interactions endpoint); needs discord.bot_token.
    Register {
        /// Application id (default: the bot token's own application).
        #[arg(long)]
        application_id: Option<u64>,
        /// Register in this guild only, shown at once (default: discord.guild_id, else global).
        #[arg(long)]
        guild: Option<u64>,
    },
    /// Print the payout CSV for a calendar year (tax work).
    Export {
        #[arg(long)]
        year: i32,
    },
}

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => cozykart::cli::serve().await,
        Command::Migrate => cozykart::cli::migrate().await,
        Command::Verify => cozykart::cli::verify().await,
        Command::Demo => cozykart::cli::demo().await,
        Command::Register {
            application_id,
            guild,
        } => cozykart::cli::register(application_id, guild).await,
        Command::Export { year } => cozykart::cli::export(year).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
