//! One integration test binary (one link step): the real server and actors, on
//! SQLite and, when `COZYKART_TEST_POSTGRES_URL` is set, on PostgreSQL.

mod child;
mod helpers;
mod signing;
mod webdriver;

mod browser;
mod crash;
mod discord;
mod discord_delivery;
mod fuzz;
mod guilds;
mod health;
mod instances;
mod ledger;
mod links;
mod migrations;
mod overlay;
mod register;
mod webhooks;
