//! One integration test binary (one link step): the real server and actors, on
//! SQLite and, when `COZYKART_TEST_POSTGRES_URL` is set, on PostgreSQL.

mod child;
mod helpers;
mod signing;
mod sim;
mod stand_in;
mod webdriver;

mod browser;
mod crash;
mod credit_providers;
mod discord;
mod discord_deferred;
mod discord_delivery;
mod discord_outbox;
mod edges;
mod edges_http;
mod front_door;
mod fuzz;
mod guilds;
mod health;
mod instances;
mod layering;
mod ledger;
mod links;
mod lobby_bus;
mod lobby_card;
mod lobby_card_picture;
mod locales;
mod migrations;
mod operator;
mod overlay;
mod overlay_browser;
mod overlay_follow;
mod overlay_names;
mod overlay_stream;
mod postgres_tcp;
mod race_edges;
mod race_rule;
mod race_summary;
mod register;
mod store_credit;
mod wallet;
mod webhooks;
