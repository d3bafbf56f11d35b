//! Cozy-Kart: live revenue-share server for streamed kart-racing communities.
//!
//! # Layout
//! From the edges in, each layer importing only those below it (the test
//! `layering` in `tests/api` fails on any import cycle, among these modules or
//! inside any folder):
//! - Wiring: `main` → `cli` → `startup` builds a [`services::Services`] and the HTTP
//!   server; only the sub-commands that run a server (`cli`, `demo`) import
//!   `startup`. `cli` prints the `banner` once serving; `demo` runs the real server
//!   with a demo race.
//! - Edges: `http` (routes, `extract`, the one `error` mapping, `headers`: security
//!   headers and JSON bodies for every error, `methods`: HEAD as GET and the 405/404
//!   fallback, `home`: the page at `/`), `overlay` (the web edge of the OBS page:
//!   pages, assets, socket admission, one session actor per socket, the word
//!   catalogues in `i18n`), `discord` (verify, parse, reply, register, gateway,
//!   `rest`, the one REST client, and `outbox`, which owns `discord_outbox`)
//!   feeding `commands` (one file per group; `commands::once` owns the
//!   `interactions` table, so each interaction runs once); `credit` (store credit
//!   through the shops' own APIs: `credit::provider`, one shop's client, over
//!   Stripe's coupons and promotion codes and Shopify's gift cards).
//! - Actors: `router` (the SalesRouter: attribution's inputs in, the ledger's
//!   record and the lobbies' credits out), `lobby` (one LobbyActor per lobby, its
//!   registry with its `lookup`s, its `seed`, and `lobby::store` for the lobby
//!   tables; `checkout_links`, the links a lobby's shops give it; the `bus` hands
//!   typed `change` notices to a sink, the registry), `ledger` (LedgerActor, the
//!   only writer of money; `read` and `verify`).
//! - Below them: `protocol` (the overlay websocket's typed frames, which lobbies
//!   push and sessions write), `buyer_names` (cleaning and moderating buyer names
//!   before any overlay frame; each guild's own choices), `commission` (the rate in
//!   force), `locale` (the replies' languages: the Fluent catalogues in
//!   `locale/replies`, money as each locale writes it, each guild's locale),
//!   `payout` (one parse of a payout request), `webhooks` (signatures and
//!   parsers into `sale` events), `money` (`Money`, `Currency`, `Rate`, `Pot`, the
//!   exact split, `PayoutThresholds`), `domain` (pure, depending on `money` only:
//!   `ids`, the typed ids each built by parsing; `race`, when a sale counts for a
//!   race, used by the timeline, the ledger's reads and every SQL filter by race;
//!   `shares`, attribution and the exact shares; `payout`, the one payout order;
//!   `end`, why a race ended), `config` (with `checkout`, how a shop's link carries
//!   a lobby's code, and
//!   `config::keys`, the known keys read from the raw settings), `clock`, `db`,
//!   `telemetry`.
pub mod banner;
pub mod buyer_names;
pub mod cashout;
pub mod checkout;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod commission;
pub mod config;
pub mod credit;
pub mod db;
pub mod demo;
pub mod discord;
pub mod domain;
pub mod http;
pub mod ledger;
pub mod lobby;
pub mod locale;
pub mod money;
pub mod overlay;
pub mod payout;
pub mod protocol;
pub mod router;
pub mod sale;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod webhooks;
