//! What commands and request handlers need, below the wiring: built once by
//! `startup`, shared by every HTTP worker and the Discord gateway.

use std::sync::Arc;

use actix::Addr;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::commission::CommissionRates;
use crate::config::Config;
use crate::discord::InteractionVerifier;
use crate::ledger::LedgerHandle;
use crate::lobby::LobbyRegistry;
use crate::router::SalesRouter;

pub struct Services {
    /// Validated configuration; read by every handler (shops, limits, links).
    pub config: Arc<Config>,
    /// Shared pool for reads and lobby writes (the ledger writes through its own).
    pub db: DatabaseConnection,
    /// The one writer of money.
    pub ledger: LedgerHandle,
    /// "Now" for every request; tests move it.
    pub clock: Clock,
    /// Every lobby actor, by id, code and channel.
    pub lobbies: Arc<LobbyRegistry>,
    /// Attributes sales and refunds, then tells the lobbies.
    pub router: Addr<SalesRouter>,
    /// The commission rate in force.
    pub rates: Arc<CommissionRates>,
    /// The one client of Discord's REST API with the bot token (posts, the
    /// outbox); `None` without a bot token.
    pub rest: Option<Arc<crate::discord::Rest>>,
    /// Shows deferred answers through the interactions' webhooks; needs no bot
    /// token.
    pub interaction_webhooks: crate::discord::InteractionWebhooks,
    /// Checks Discord's signatures; `None` turns `/discord/interactions` off.
    pub verifier: Option<InteractionVerifier>,
    /// What the gateway runs (its shards, each one's stage) or why it is off.
    pub gateway: Arc<crate::discord::GatewayStatus>,
    /// The shops that issue store credit through their own API.
    pub credit: crate::credit::CreditShops,
    /// Each guild's locale, for what the bot posts there by itself.
    pub guild_locales: crate::locale::GuildLocales,
}
