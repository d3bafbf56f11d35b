//! Cozy-Kart: live revenue-share server for streamed kart-racing communities.
//!
//! # Layout
//! - `money`: amounts, currencies, commission and the exact split; `Pot`, money
//!   per currency.
//! - `sale`: provider-neutral sale and refund events.
//! - `webhooks`: per-provider signature checks and parsers into `sale` events.
//! - `router`: the SalesRouter actor and attribution.
//! - `lobby`: LobbyActor (roster, window, pot, overlay subscribers), its registry,
//!   and `lobby::store`, the one reader and writer of the lobby tables.
//! - `ledger`: LedgerActor (the only writer of money), reads and the audit.
//! - `overlay`: the OBS page, the typed websocket protocol and its sessions.
//! - `discord` and `commands`: slash commands over gateway and HTTP, one core.
//! - `http`, `startup`, `cli`: the server's edges and wiring.
pub mod cli;
pub mod clock;
pub mod commands;
pub mod commission;
pub mod config;
pub mod db;
pub mod demo;
pub mod discord;
pub mod http;
pub mod ledger;
pub mod lobby;
pub mod money;
pub mod overlay;
pub mod payout;
pub mod router;
pub mod sale;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
