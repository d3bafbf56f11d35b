//! One integration test binary (one link step): the real server and actors, on
//! SQLite and, when `COZYKART_TEST_POSTGRES_URL` is set, on PostgreSQL.

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
mod ledger;
mod links;
mod migrations;
mod overlay;
mod overlay_browser;
mod overlay_follow;
mod register;
mod webhooks;
