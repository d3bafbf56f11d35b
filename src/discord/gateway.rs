//! Gateway client: registers the commands on `ready` and answers each slash command
//! through the [`CommandHandler`]. Kept thin; parsing and replies are tested elsewhere.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serenity::all::{
    async_trait, Client, Command as AppCommand, Context, EventHandler, GatewayIntents, GuildId,
    Interaction, Ready,
};

use super::command::{parse_command, Caller, Command};
use super::interaction::InteractionId;
use super::register::command_definitions;
use super::reply::Reply;

/// The server's command logic. It must answer within Discord's 3-second window;
/// `None` means that another delivery of the same interaction answers it (several
/// processes may hold a gateway session), so this one sends nothing.
pub type CommandHandler =
    Arc<dyn Fn(InteractionId, Caller, Command) -> BoxFuture<'static, Option<Reply>> + Send + Sync>;

struct Handler {
    guild_id: Option<GuildId>,
    admin_role: Option<String>,
    handler: CommandHandler,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(bot = ?ready.user.name, guilds = ready.guilds.len(), "discord gateway ready");
        let commands = command_definitions();
        let count = commands.len();
        let result = match self.guild_id {
            Some(guild) => guild.set_commands(&ctx.http, commands).await,
            None => AppCommand::set_global_commands(&ctx.http, commands).await,
        };
        let scope = self
            .guild_id
            .map_or_else(|| "global".to_owned(), |g| g.to_string());
        match result {
            Ok(_) => tracing::info!(%scope, count, "slash commands registered"),
            Err(e) => tracing::error!(%scope, error = %e, "registering slash commands failed"),
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Interaction::Command(ci) = interaction else {
            return;
        };
        let guild = ci.guild_id.map(|g| g.get());
        tracing::info!(command = ?ci.data.name, ?guild, user = %ci.user.id, "slash command");
        let reply = match parse_command(&ci, self.admin_role.as_deref()) {
            Ok((caller, command)) => {
                let id = InteractionId::new(ci.id.get());
                match (self.handler)(id, caller, command).await {
                    Some(reply) => reply,
                    None => return,
                }
            }
            Err(e) => {
                tracing::info!(command = ?ci.data.name, error = %e, "slash command refused");
                Reply::refusal(e.to_string())
            }
        };
        if let Err(e) = ci.create_response(&ctx.http, reply.to_response()).await {
            tracing::warn!(command = ?ci.data.name, error = %e, "answering slash command failed");
        }
    }
}

/// Connects to the gateway with the GUILDS intent only and runs until the connection
/// ends. Commands are registered in `guild_id` when given (instant), else globally.
pub async fn run_gateway(
    token: String,
    guild_id: Option<u64>,
    admin_role: Option<String>,
    handler: CommandHandler,
) -> anyhow::Result<()> {
    let handler = Handler {
        guild_id: guild_id.filter(|&g| g != 0).map(GuildId::new),
        admin_role,
        handler,
    };
    let mut client = Client::builder(&token, GatewayIntents::GUILDS)
        .event_handler(handler)
        .await?;
    client.start().await?;
    Ok(())
}
