//! Gateway client: registers the commands on `ready` and answers each slash command
//! and lobby card button through the [`CommandHandler`] (with its reply, or with a
//! deferral whose reply follows through the interaction's webhook), and each
//! autocomplete through the [`SuggestHandler`]. Kept thin; parsing, replies and
//! deferrals are tested elsewhere (through the HTTP endpoint, which shares them).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serenity::all::{
    async_trait, Client, CommandInteraction, ComponentInteraction, Context, EventHandler,
    GatewayIntents, GuildId, Interaction, Ready, ShardStageUpdateEvent,
};

use super::command::parse_press;
use super::command::{ours, parse_command, Caller, Command};
use super::deferral::Answer;
use super::hook::InteractionHook;
use super::interaction::{autocomplete_response, hook_of, typed_into, Incoming, InteractionId};
use super::register::command_definitions;
use super::reply::Reply;
use super::shards::GatewayStatus;
use crate::config::Shards;
use crate::locale::Locale;

/// The server's command logic. It answers within Discord's 3-second window, with
/// the reply or with a deferral (the reply then goes to the interaction's
/// [`InteractionHook`], `None` when its token cannot be used); `None` means that
/// another delivery of the same interaction answers it (several processes may hold
/// a gateway session), so this one sends nothing.
pub type CommandHandler = Arc<
    dyn Fn(
            InteractionId,
            Option<InteractionHook>,
            Caller,
            Command,
        ) -> BoxFuture<'static, Option<Answer>>
        + Send
        + Sync,
>;

/// Suggestions for an autocomplete: `(guild, option, typed)` in, `(name shown,
/// value sent)` choices out. Suggestions change nothing, so they are never claimed.
pub type SuggestHandler = Arc<
    dyn Fn(
            Option<crate::domain::ids::GuildId>,
            String,
            String,
        ) -> BoxFuture<'static, Vec<(String, String)>>
        + Send
        + Sync,
>;

struct Handler {
    /// Told each shard's connection stage.
    status: Arc<GatewayStatus>,
    guild_id: Option<GuildId>,
    admin_role: Option<String>,
    handler: CommandHandler,
    suggest: SuggestHandler,
}

#[async_trait]
impl EventHandler for Handler {
    async fn shard_stage_update(&self, _: Context, event: ShardStageUpdateEvent) {
        tracing::info!(shard = event.shard_id.0, stage = %event.new, "discord gateway shard");
        self.status.record(event.shard_id.0, &event.new.to_string());
    }

    async fn ready(&self, ctx: Context, ready: Ready) {
        let shard = ctx.shard_id.0;
        tracing::info!(bot = ?ready.user.name, shard, guilds = ready.guilds.len(), "discord gateway ready");
        self.status.record(shard, "connected");
        // One registration per deployment: the process that runs shard 0 does it.
        if shard != 0 {
            return;
        }
        let commands = command_definitions();
        let count = commands.len();
        let result = match self.guild_id {
            Some(guild) => ctx.http.create_guild_commands(guild, &commands).await,
            None => ctx.http.create_global_commands(&commands).await,
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
        let role = self.admin_role.as_deref();
        let (id, parsed, response) = match &interaction {
            Interaction::Command(ci) => (ci.id, parse_command(ci, role), Responder::Command(ci)),
            Interaction::Component(ci) => (ci.id, parse_press(ci, role), Responder::Component(ci)),
            Interaction::Autocomplete(ci) => return self.suggest(&ctx, ci).await,
            _ => return,
        };
        let guild = interaction.guild_id().map(|g| g.get());
        tracing::info!(kind = response.kind(), ?guild, "discord interaction");
        let hook = hook_of(interaction.application_id(), interaction.token());
        let answer = match parsed {
            Ok((caller, command)) => match (self.handler)(ours(id), hook, caller, command).await {
                Some(answer) => answer,
                None => return,
            },
            Err(e) => {
                tracing::info!(kind = response.kind(), error = %e, "interaction refused");
                Answer::Reply(Reply::refusal(
                    e.text(Locale::from_discord(response.locale())),
                ))
            }
        };
        let (first, deferred) = match answer {
            Answer::Reply(reply) => (reply.to_response(), None),
            Answer::Deferred(deferred) => (deferred.deferral().to_response(), Some(deferred)),
        };
        let sent = match response {
            Responder::Command(ci) => ci.create_response(&ctx.http, first).await,
            Responder::Component(ci) => ci.create_response(&ctx.http, first).await,
        };
        match (sent, deferred) {
            (Ok(()), Some(deferred)) => deferred.sent(),
            (Ok(()), None) => {}
            // A deferral dropped here: its reply is stored, never shown.
            (Err(e), _) => {
                tracing::warn!(kind = response.kind(), error = %e, "answering an interaction failed")
            }
        }
    }
}

impl Handler {
    async fn suggest(&self, ctx: &Context, ci: &CommandInteraction) {
        let Some(Incoming::Autocomplete {
            guild_id,
            option,
            typed,
        }) = typed_into(ci)
        else {
            return;
        };
        let choices = (self.suggest)(guild_id, option, typed).await;
        if let Err(e) = ci
            .create_response(&ctx.http, autocomplete_response(&choices))
            .await
        {
            tracing::warn!(error = %e, "answering an autocomplete failed");
        }
    }
}

/// The interaction a reply goes back to.
#[derive(Clone, Copy)]
enum Responder<'a> {
    Command(&'a CommandInteraction),
    Component(&'a ComponentInteraction),
}

impl<'a> Responder<'a> {
    /// The language of the member's client.
    fn locale(self) -> &'a str {
        match self {
            Responder::Command(ci) => &ci.locale,
            Responder::Component(ci) => &ci.locale,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Responder::Command(_) => "slash command",
            Responder::Component(_) => "button",
        }
    }
}

/// Connects to the gateway with the GUILDS intent only, with the shards `status`
/// asks for, and runs until the connection ends. Commands are registered by shard
/// 0 in `guild_id` when given (instant), else globally.
pub async fn run_gateway(
    token: String,
    status: Arc<GatewayStatus>,
    guild_id: Option<crate::domain::ids::GuildId>,
    admin_role: Option<String>,
    handler: CommandHandler,
    suggest: SuggestHandler,
) -> anyhow::Result<()> {
    let shards = status.shards().map_err(anyhow::Error::msg)?;
    let handler = Handler {
        status,
        guild_id: guild_id.map(|g| GuildId::from(std::num::NonZeroU64::from(g))),
        admin_role,
        handler,
        suggest,
    };
    let mut client = Client::builder(&token, GatewayIntents::GUILDS)
        .event_handler(handler)
        .await?;
    match shards {
        Shards::Auto => client.start_autosharded().await?,
        Shards::Range { first, last, total } => {
            client.start_shard_range(first..last + 1, total).await?
        }
    }
    Ok(())
}
