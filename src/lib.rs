//! Cozy-Kart: live revenue-share server for streamed kart-racing communities.
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod discord;
pub mod http;
pub mod ledger;
pub mod money;
pub mod sale;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
