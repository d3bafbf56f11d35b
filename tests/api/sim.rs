//! A seeded simulation of the money path: a schedule of commands, webhooks, clock
//! steps and restarts drawn from one seed runs against the real server, while a
//! reference model in plain Rust (no actors, no database) computes what every
//! racer's balance and every lobby's pot must be. After every sale and restart the
//! server must agree with the model; at the end the ledger must verify.
//!
//! - `SIM_SEED=<seed>`: replays that one schedule exactly (`SIM_LOG=all` prints
//!   every step before a divergence, not only the last twelve).
//! - `SIM_SEEDS=<n>`: runs n seeds from `SIM_FIRST` (default 1) on (the long
//!   mode), printing progress every 100 seeds and seeds per hour; ranges let
//!   several processes share a long run.
//! - Otherwise: as many seeds as fit in `SIM_SECONDS` (default 30; CI sets 300)
//!   per engine, starting from one drawn from the time, and prints how many ran
//!   (also into `target/tmp/sim-report.txt`, which CI prints).
//!
//! A divergence panics with the seed and the step where it showed. It covers:
//!
//! - Three guilds (each with its channel), up to six lobbies created in any of
//!   them and twelve racers who join and leave from the lobby's guild; a racer of
//!   another guild naming a lobby's code is refused and changes nothing.
//! - Stripe sales tagged, untagged and to closed lobbies, their
//!   `payment_intent.succeeded` twins (before or after the session, changing
//!   nothing, or moving an untagged sale to its tagged lobby), partial and full
//!   refunds (a running total, as Stripe sends it), now and then before the sale
//!   itself (kept, then applied when it comes), and disputes
//!   (`charge.dispute.created`: the disputed amount reversed at once, on top of
//!   what was refunded, never past the sale). A tagged session now and then
//!   comes from a Payment Link: no metadata, the lobby in `client_reference_id`
//!   (`lobby-<CODE>` and the other prefixes read, in any case).
//! - One sale in five, of every provider, is delivered late, paid up to three
//!   minutes before: it counts for the races and racers of that moment (the
//!   whole-second rule, DESIGN section 3), which the model keeps as each
//!   lobby's race windows and roster stints.
//! - Shopify `orders/paid` (ids past 2^53; tagged by a `lobby` note attribute or
//!   not), `refunds/create` (each refund's own amount) and `orders/cancelled` (the
//!   rest); Ko-fi shop orders and donations (tagged `#CODE` in the message, in any
//!   case, or not), a type the shop does not count answered `ignored`. All in
//!   USD, split by the model with the same rule as Stripe's, seeded by the
//!   provider's id of the sale.
//! - Shops bound to a guild (`guild_id`: a Stripe shop of the second guild, a
//!   Shopify shop of the third) beside shops serving every guild: a bound shop
//!   credits only its guild's lobbies, and a tag naming another guild's lobby
//!   counts as none (the sale is then split among its guild's racing lobbies).
//!   Wallets are checked per guild, and no wallet may appear in another guild.
//! - Duplicate deliveries of every provider: one after the other (answered
//!   `duplicate`), and two at once (both 200; for Shopify and Ko-fi, one
//!   `recorded` and one `duplicate`).
//! - Stripe subscriptions: the subscription-mode session and its first
//!   invoice (`invoice.paid`, untagged) in either order, credited once on the
//!   invoice (a tagged session after the invoice moves the sale to its lobby);
//!   a renewal's invoice ignored; refunds naming the invoice.
//! - Payouts of every method through the admin API, per guild (`guild_id`
//!   named, or left out for a racer who earned in one guild only): recorded,
//!   issued as store credit by a Stripe stand-in, or as a gift card by a
//!   Shopify stand-in, either failing now and then or answering up to half a
//!   second late (a second request with the key meanwhile is answered 202);
//!   retried with their key, and sent twice at once; over the available
//!   balance refused.
//! - Discord's REST API (`discord`), failing a post or answering late now and
//!   then: at the end of a schedule, every issued code must have reached its
//!   racer by DM once, and every timed-out race's summary its guild's channel
//!   once (the outbox drained as the hours pass).
//! - Holds: half the schedules hold earnings a day (`hold_days = 1`). Wallets
//!   are checked as available and pending apart; payouts draw on what matured.
//!   Now and then a day passes, and the schedule has the ledger mature what it
//!   passed (its own timer runs on real time, which a schedule cannot wait for).
//! - `/commission` by a guild's admin: its rate applies to every later sale its
//!   lobbies alone earn (a sale split across guilds keeps the configured rate).
//! - `/goal` set and cleared by the host: every overlay shows it.
//! - One overlay websocket per lobby (`overlays`): at every check, each socket's
//!   frames must follow each other (`seq` one more each time; a snapshot starts
//!   the count again; a race's `window_closed` totals the pot shown) and come,
//!   within a few seconds, to the model's pot, race state and roster.
//! - Graceful restarts (the stopping server must close every overlay, which is
//!   then opened again on the new one), and on PostgreSQL every connection of
//!   the server cut at once (`pg_terminate_backend`: the ledger's, the pool's and
//!   the lobby listener's; see `faults::enabled` for what they found).
//! - The ledger failing while it records a sale (a trigger the schedule installs
//!   raises inside its transaction): the delivery is refused with a 5xx, and the
//!   shop's next delivery records it once.
//! - `kill -9` of a server process with one to four new sales in flight (`kill`):
//!   a child process serves the schedule's database (beside the schedule's
//!   server on PostgreSQL, where a sale now and then goes to both at once) and
//!   is killed after up to 80 ms; every sale it acknowledged must be recorded,
//!   and those it did not are delivered again and recorded once.
//!
//! Every fault is on by default; `SIM_FAULTS=none` leaves them out,
//! `SIM_FAULTS=kill,ledger` names those wanted (`cut`, `kill`, `ledger`).
//!
//! - The clock moving: one to three seconds a step, and now and then up to an
//!   hour at once, which times out every race open 45 minutes or more (the
//!   lobby's window check, sent the tick its timer would send): closed at that
//!   time, its overlays told, later sales not counted.
//!
//! Not in it yet: other currencies and untagged policies than `split`, a
//! stand-in slower than the server's deadline (20 s), disputes of
//! subscriptions, and shrinking a failing schedule.
//!
//! Layout: this file runs the schedules and holds the lobby commands, payouts,
//! restarts and checks; `discord` Discord's stand-in and the check of the bot's
//! posts, `faults` the injected faults, `kill` the `kill -9` fault
//! and its child process, `model` the reference model, `sales` the webhook
//! steps, `shops` the Shopify and Ko-fi bodies, `overlays` the overlay sockets.

use std::sync::atomic::Ordering;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::helpers::{assert_ledger_balances, spawn_app_on, Engine, TestApp, TestDb};
use crate::signing::*;
use crate::store_credit::{FaultyShopify, FaultyStripe};

mod discord;
mod faults;
mod kill;
mod model;
mod overlays;
mod sales;
mod shops;

use discord::FaultyDiscord;
use model::{Lobby, Model};
use overlays::Overlay;
use shops::tips_shop_config;

/// Steps of one schedule.
const STEPS: usize = 60;
/// Lobbies one schedule may create.
const LOBBIES_MAX: usize = 6;
/// The Discord servers of the deployment: (guild, the channel commands come
/// from). The first is the fixtures'.
const GUILDS: [(&str, &str); 3] = [
    ("1200000000000000001", "1200000000000000002"),
    ("1400000000000000001", "1400000000000000002"),
    ("1500000000000000001", "1500000000000000002"),
];
/// The Stripe shop that issues store credit (coupons), serving every guild.
const CREDIT_SHOP: &str = "store";
/// The Shopify shop that issues gift cards, serving every guild.
const GIFT_SHOP: &str = "gifts";
/// The Stripe shop bound to the second guild (the fixtures' `main` serves all).
const STRIPE_GUILD_SHOP: &str = "main_g1";
/// The Shopify shop bound to the third guild (`eu` serves all).
const SHOPIFY_GUILD_SHOP: &str = "eu_g2";
/// The racers of the community (Discord ids).
const RACERS: usize = 12;
/// `commission.max_racers` in the simulated deployment.
const ROSTER_MAX: usize = 8;
/// `commission.max_window_minutes` in the simulated deployment (the default).
const MAX_WINDOW_MINUTES: i64 = 45;
/// The configured rate, as the model applies it.
const RATE: &str = "0.20";
/// Rates a guild's admin sets with `/commission`.
const RATES: [&str; 5] = ["0.1", "0.15", "0.2", "0.333", "0.25"];

fn racer(n: usize) -> String {
    format!("11000000000000001{n:02}")
}

/// A racer's display name, as [`command`] sends it.
fn display_name(racer: &str) -> String {
    format!("Racer{}", &racer[racer.len() - 2..])
}

/// Minor units of a decimal string such as `"12.34"`.
fn minor(text: &str) -> i64 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => (-1, digits),
        None => (1, text),
    };
    let (units, cents) = digits.split_once('.').unwrap_or((digits, "0"));
    let cents = format!("{cents:0<2}")[..2].parse::<i64>().unwrap();
    sign * (units.parse::<i64>().unwrap() * 100 + cents)
}

struct Sim {
    seed: u64,
    engine: Engine,
    rng: StdRng,
    model: Model,
    app: Option<TestApp>,
    config: String,
    step: usize,
    /// What the schedule did so far, for the report of a divergence.
    log: Vec<String>,
    next_sale: u64,
    /// Stripe's API for store credit, failing when told to.
    stripe: FaultyStripe,
    /// Shopify's Admin API for gift cards, failing when told to.
    shopify: FaultyShopify,
    /// Discord's REST API for the bot's posts, failing when told to.
    discord: FaultyDiscord,
    next_payout: u64,
    /// One overlay socket per lobby, in the model's order.
    overlays: Vec<Overlay>,
    /// The faults and restarts this schedule went through.
    injected: Injected,
}

/// Restarts and faults of one schedule or of a run, for its report: a run
/// that injected none of a fault did not test it.
#[derive(Default, Clone, Copy)]
struct Injected {
    restarts: u64,
    kills: u64,
    /// Sales a killed process left unanswered (delivered again after it).
    unanswered: u64,
    cuts: u64,
    ledger_failures: u64,
    /// Races closed by their lobby's window check (not a fault, but what the
    /// run went through).
    timeouts: u64,
    /// Times a day passed while earnings were held (their holds matured).
    days: u64,
    /// Issues of store credit or gift cards the shop's API failed.
    shop_failures: u64,
    /// Times Discord was told to fail its next post (the outbox posts it
    /// again later).
    discord_failures: u64,
}

impl std::ops::AddAssign for Injected {
    fn add_assign(&mut self, other: Injected) {
        self.restarts += other.restarts;
        self.kills += other.kills;
        self.unanswered += other.unanswered;
        self.cuts += other.cuts;
        self.ledger_failures += other.ledger_failures;
        self.timeouts += other.timeouts;
        self.days += other.days;
        self.shop_failures += other.shop_failures;
        self.discord_failures += other.discord_failures;
    }
}

impl std::fmt::Display for Injected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} restarts, {} kills ({} sales unanswered), {} connection cuts, {} ledger \
             failures, {} races timed out, {} days passed over held earnings, {} issues \
             failed by a shop, {} Discord posts to fail",
            self.restarts,
            self.kills,
            self.unanswered,
            self.cuts,
            self.ledger_failures,
            self.timeouts,
            self.days,
            self.shop_failures,
            self.discord_failures
        )
    }
}

impl Sim {
    fn app(&self) -> &TestApp {
        self.app.as_ref().expect("a running server")
    }

    /// Panics with the seed, the step and what led to it.
    fn diverged(&self, what: String) -> ! {
        // The last twelve steps, or every one with `SIM_LOG=all`.
        let shown = match std::env::var("SIM_LOG").as_deref() {
            Ok("all") => self.log.len(),
            _ => 12,
        };
        let recent = self
            .log
            .iter()
            .rev()
            .take(shown)
            .rev()
            .cloned()
            .collect::<Vec<_>>();
        panic!(
            "simulation diverged: SIM_SEED={} step {}: {what}\nlast steps:\n  {}",
            self.seed,
            self.step,
            recent.join("\n  ")
        );
    }

    /// Each racer's wallet in every guild as the model says, and no wallet in a
    /// guild or currency the model does not know.
    async fn check_racers(&self, racers: &[String]) {
        for racer in racers {
            let (_, body) = admin_get(self.app(), &format!("/api/admin/racers/{racer}")).await;
            let balances = body["balances"].as_array().cloned().unwrap_or_default();
            for balance in &balances {
                let known = GUILDS.iter().any(|(g, _)| balance["guild_id"] == *g);
                if !known || balance["currency"] != "USD" {
                    self.diverged(format!("racer {racer} holds a balance {balance}"));
                }
            }
            for (guild, (guild_id, _)) in GUILDS.iter().enumerate() {
                let usd = balances
                    .iter()
                    .find(|b| b["guild_id"] == *guild_id)
                    .cloned()
                    .unwrap_or_default();
                self.check_wallet(racer, guild, &usd, &body);
            }
        }
    }

    /// One racer's wallet in one guild (`usd`, from the racer's `body`).
    fn check_wallet(
        &self,
        racer: &str,
        guild: usize,
        usd: &serde_json::Value,
        body: &serde_json::Value,
    ) {
        let amount = |field: &str| usd[field].as_str().map_or(0, minor);
        let now = self.app().clock.now();
        let server = (amount("available"), amount("pending"));
        let model = (
            self.model.available(racer, guild, now),
            self.model.pending(racer, guild, now),
        );
        if server != model {
            let theirs: Vec<String> = body["allocations"]
                .as_array()
                .map(|all| {
                    all.iter()
                        .map(|a| {
                            format!(
                                "sale {} lobby {} {}",
                                a["sale_id"], a["lobby_id"], a["amount"]
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let ours: Vec<String> = self
                .model
                .sales
                .iter()
                .flat_map(|(pi, sale)| {
                    sale.allocations
                        .iter()
                        .filter(|a| a.racer == racer)
                        .map(move |a| {
                            let lobby = &self.model.lobbies[a.lobby];
                            format!(
                                "{pi} lobby {} (guild {}) {} reversed {}",
                                lobby.id, lobby.guild, a.amount, a.reversed
                            )
                        })
                })
                .collect();
            self.diverged(format!(
                "racer {racer} holds {server:?} in guild {guild}, the model {model:?} \
                 (available, pending)\n  server: {theirs:?} {}\n  model: {ours:?}",
                body["balances"]
            ));
        }
        let wallet = (racer.to_owned(), guild);
        let (paid, model_paid) = (
            amount("paid"),
            self.model.paid.get(&wallet).copied().unwrap_or(0),
        );
        if paid != model_paid || amount("reserved") != 0 {
            self.diverged(format!(
                "racer {racer} was paid {paid} in guild {guild} ({} reserved), the model \
                 {model_paid}",
                amount("reserved")
            ));
        }
    }

    /// Every lobby's pot as the model says, at once: the webhook's answer comes
    /// after the lobby here was handed the sale (on PostgreSQL, published in the
    /// ledger's batch), and the view is asked of the same lobby after it.
    async fn check_pots(&mut self) {
        for lobby in &self.model.lobbies {
            let server = self.pot_shown(&lobby.code).await;
            if server != lobby.pot {
                // For the diagnosis: whether the pot catches up late or never.
                actix_web::rt::time::sleep(StdDuration::from_secs(2)).await;
                let later = self.pot_shown(&lobby.code).await;
                self.diverged(format!(
                    "lobby {} shows a pot of {server} ({later} two seconds later), the model {}",
                    lobby.code, lobby.pot
                ));
            }
        }
        self.check_overlays(false).await;
    }

    /// The pot lobby `code` shows (its view), minor units of USD.
    async fn pot_shown(&self, code: &str) -> i64 {
        let view = lobby_json(self.app(), code).await;
        view["pot"]["USD"].as_str().map_or(0, minor)
    }

    /// Every lobby's overlay comes to what the model shows, through frames that
    /// follow each other; `quietly` first leaves a moment for stray frames.
    async fn check_overlays(&mut self, quietly: bool) {
        for i in 0..self.overlays.len() {
            let want = self.model.shown(i);
            let overlay = &mut self.overlays[i];
            let settled = if quietly {
                overlay.settle_quietly(&want).await
            } else {
                overlay.settle(&want).await
            };
            if let Err(why) = settled {
                let code = self.overlays[i].code.clone();
                self.diverged(format!("the overlay of {code}: {why}"));
            }
        }
    }

    /// Opens lobby `i`'s overlay on the running server.
    async fn connect_overlay(&mut self, i: usize) -> Overlay {
        let code = self.model.lobbies[i].code.clone();
        match Overlay::connect(&self.app().address, &code).await {
            Ok(overlay) => overlay,
            Err(why) => self.diverged(why),
        }
    }

    async fn check_all(&mut self) {
        let racers: Vec<String> = (0..RACERS).map(racer).collect();
        self.check_racers(&racers).await;
        self.check_pots().await;
        let (_, sales) = admin_get(self.app(), "/api/admin/sales?limit=1000").await;
        let count = sales["sales"].as_array().map_or(0, Vec::len);
        if count != self.model.sales.len() {
            self.diverged(format!(
                "{count} sales recorded, the model {}",
                self.model.sales.len()
            ));
        }
    }

    async fn step(&mut self) {
        let pause = Duration::milliseconds(self.rng.gen_range(1_000..3_000));
        self.advance(pause).await;
        self.maybe_trouble_discord();
        let roll = self.rng.gen_range(0..100);
        let lobbies = self.model.lobbies.len();
        match roll {
            0..=7 if lobbies < LOBBIES_MAX => self.create().await,
            0..=25 if lobbies > 0 => self.roster_change().await,
            26..=27 => self.set_rate().await,
            28..=39 if lobbies > 0 => self.start_or_end().await,
            40..=41 if lobbies > 0 => self.set_goal().await,
            42..=71 => self.sale().await,
            72..=74 => self.time_passes().await,
            75..=84 => self.payout().await,
            85..=94 if !self.model.sales.is_empty() => self.refund().await,
            85..=94 => self.sale().await,
            95..=96 if matches!(self.engine, Engine::Postgres) && faults::enabled("cut") => {
                self.cut_connections().await
            }
            97..=98 if faults::enabled("kill") => self.kill_mid_delivery().await,
            _ => self.restart().await,
        }
    }

    /// Runs a command as `user` in `guild` (index in [`GUILDS`]), from that
    /// guild's channel; answers the reply's data.
    async fn command(
        &self,
        guild: usize,
        name: &str,
        options: serde_json::Value,
        user: &str,
    ) -> serde_json::Value {
        self.command_as(guild, name, options, user, false).await
    }

    /// [`Self::command`], by a member with the guild's admin rights if `admin`.
    async fn command_as(
        &self,
        guild: usize,
        name: &str,
        options: serde_json::Value,
        user: &str,
        admin: bool,
    ) -> serde_json::Value {
        let body = interaction(name, options, user, &display_name(user), admin);
        let mut body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let (guild_id, channel) = GUILDS[guild];
        body["guild_id"] = json!(guild_id);
        body["guild"]["id"] = json!(guild_id);
        body["channel_id"] = json!(channel);
        body["channel"]["id"] = json!(channel);
        body["channel"]["guild_id"] = json!(guild_id);
        let body = serde_json::to_vec(&body).expect("JSON");
        let (status, reply) = discord(self.app(), body).await;
        if status != 200 {
            self.diverged(format!("/{name} answered {status} {reply}"));
        }
        reply["data"].clone()
    }

    async fn create(&mut self) {
        let guild = self.rng.gen_range(0..GUILDS.len());
        let name = format!("Cup {}", self.model.lobbies.len() + 1);
        let options = json!([{"name": "create", "type": 1, "options": [option("name", &name)]}]);
        let reply = self.command(guild, "lobby", options, HOST).await;
        let text = reply["content"].as_str().unwrap_or_default();
        let Some(code) = text.split('`').nth(1).map(str::to_owned) else {
            self.diverged(format!("/lobby create answered {reply}"));
        };
        let id = lobby_admin_json(self.app(), &code).await["id"]
            .as_i64()
            .unwrap();
        self.log
            .push(format!("create {code} (lobby {id}) in guild {guild}"));
        self.model.lobbies.push(Lobby {
            code,
            id,
            guild,
            ..Lobby::default()
        });
        let overlay = self.connect_overlay(self.model.lobbies.len() - 1).await;
        self.overlays.push(overlay);
    }

    /// A racer joins or leaves a lobby, from its guild; now and then a racer in
    /// another guild names it, which must be answered as no such lobby.
    async fn roster_change(&mut self) {
        let i = self.rng.gen_range(0..self.model.lobbies.len());
        let who = racer(self.rng.gen_range(0..RACERS));
        let (code, guild) = (
            self.model.lobbies[i].code.clone(),
            self.model.lobbies[i].guild,
        );
        let on = self.model.lobbies[i].roster.contains(&who);
        let options = json!([option("lobby", &code)]);
        if self.rng.gen_bool(0.1) {
            let stranger = (guild + self.rng.gen_range(1..GUILDS.len())) % GUILDS.len();
            let verb = if on { "leave" } else { "join" };
            self.log
                .push(format!("{who} in guild {stranger} tries to {verb} {code}"));
            let reply = self.command(stranger, verb, options, &who).await;
            if !is_ephemeral(&reply) {
                self.diverged(format!("/{verb} of another guild's lobby answered {reply}"));
            }
            return;
        }
        if on {
            self.log.push(format!("{who} leaves {code}"));
            self.command(guild, "leave", options, &who).await;
            let now = self.app().clock.now();
            self.model.lobbies[i].leave(&who, now);
        } else {
            self.log.push(format!("{who} joins {code}"));
            let reply = self.command(guild, "join", options, &who).await;
            let full = self.model.lobbies[i].roster.len() >= ROSTER_MAX;
            let refused = is_ephemeral(&reply);
            if refused != full {
                self.diverged(format!(
                    "join answered {reply} with {full} for a full roster"
                ));
            }
            if !full {
                let now = self.app().clock.now();
                self.model.lobbies[i].join(&who, now);
            }
        }
    }

    async fn start_or_end(&mut self) {
        let i = self.rng.gen_range(0..self.model.lobbies.len());
        let now = self.app().clock.now();
        let lobby = &mut self.model.lobbies[i];
        let (code, guild) = (lobby.code.clone(), lobby.guild);
        let verb = if lobby.racing { "end" } else { "start" };
        if lobby.racing {
            lobby.end(now);
        } else {
            lobby.start(now);
        }
        self.log.push(format!("{verb} {code}"));
        self.command(guild, verb, json!([option("lobby", &code)]), HOST)
            .await;
    }

    /// The host sets a lobby's goal (`/goal amount lobby`), or clears it with 0:
    /// every overlay shows it.
    async fn set_goal(&mut self) {
        let i = self.rng.gen_range(0..self.model.lobbies.len());
        let goal = self
            .rng
            .gen_bool(0.8)
            .then(|| self.rng.gen_range(1..20_000i64));
        let amount = goal.map_or("0".to_owned(), |g| format!("{}.{:02}", g / 100, g % 100));
        let (code, guild) = (
            self.model.lobbies[i].code.clone(),
            self.model.lobbies[i].guild,
        );
        self.log.push(format!("goal of {code} set to {amount}"));
        let options = json!([option("amount", &amount), option("lobby", &code)]);
        let reply = self.command(guild, "goal", options, HOST).await;
        if is_ephemeral(&reply) {
            self.diverged(format!("/goal {amount} answered {reply}"));
        }
        self.model.lobbies[i].goal = goal;
        self.check_overlays(false).await;
    }

    /// An admin sets their guild's commission rate (`/commission rate`): it
    /// applies to every sale that guild's lobbies alone earn from then on.
    async fn set_rate(&mut self) {
        let guild = self.rng.gen_range(0..GUILDS.len());
        let rate = RATES[self.rng.gen_range(0..RATES.len())];
        self.log
            .push(format!("guild {guild} sets its rate to {rate}"));
        let reply = self
            .command_as(
                guild,
                "commission",
                json!([option("rate", rate)]),
                HOST,
                true,
            )
            .await;
        if is_ephemeral(&reply) {
            self.diverged(format!("/commission {rate} answered {reply}"));
        }
        self.model.rates[guild] = Some(cozykart::money::Rate::parse(rate).expect("a rate"));
    }

    /// The clock moves by `by`. The holds it passes mature at once: the ledger
    /// matures them on a timer of its own that a schedule cannot wait for, so
    /// the schedule asks for the pass the timer would make, and waits until no
    /// hold due is left pending (another process's pass may be under way).
    async fn advance(&mut self, by: Duration) {
        use entity::allocation;
        use entity::sea_orm_active_enums::AllocationStatus;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        self.app().clock.advance(by);
        if self.model.hold.is_zero() {
            return;
        }
        let now = self.app().clock.now();
        let began = Instant::now();
        loop {
            // A pass may fail on a connection just cut: it is tried again.
            let _ = self.app().state.ledger.mature(now).await;
            let due = allocation::Entity::find()
                .filter(allocation::Column::Status.eq(AllocationStatus::Pending))
                .filter(allocation::Column::AvailableAt.lte(now))
                .count(&self.app().db)
                .await;
            if matches!(due, Ok(0)) {
                return;
            }
            self.poll_again(began, || {
                format!("holds due by {now} are still pending ({due:?})")
            })
            .await;
        }
    }

    /// Up to an hour passes (or, when earnings are held, now and then a day): every race open [`MAX_WINDOW_MINUTES`] or more
    /// is closed by its lobby at the next check of its window, at that time (the
    /// clock stands still until the next step). The check is the lobby's own
    /// timer; the schedule cannot wait for it, so it sends each lobby the tick
    /// the timer would.
    async fn time_passes(&mut self) {
        let minutes = match self.rng.gen_range(0..4) {
            0 => self.rng.gen_range(1..MAX_WINDOW_MINUTES),
            1 | 2 if !self.model.hold.is_zero() => {
                self.injected.days += 1;
                self.rng.gen_range(20 * 60..=30 * 60)
            }
            _ => self
                .rng
                .gen_range(MAX_WINDOW_MINUTES..=MAX_WINDOW_MINUTES + 15),
        };
        self.advance(Duration::minutes(minutes)).await;
        let now = self.app().clock.now();
        let max = Duration::minutes(MAX_WINDOW_MINUTES);
        let mut timed_out = Vec::new();
        for lobby in &mut self.model.lobbies {
            let opened = lobby.windows.last().map(|w| w.from);
            if lobby.racing && opened.is_some_and(|from| now - from >= max) {
                lobby.end(now);
                lobby.timeouts += 1;
                timed_out.push(lobby.code.clone());
            }
        }
        self.log
            .push(format!("{minutes} minutes pass: {timed_out:?} time out"));
        self.injected.timeouts += timed_out.len() as u64;
        for entry in self.app().state.lobbies.all() {
            entry.addr.do_send(cozykart::lobby::WindowTick);
        }
        let began = Instant::now();
        for code in &timed_out {
            while lobby_json(self.app(), code).await["state"] == "open" {
                self.poll_again(began, || format!("{code} did not time out"))
                    .await;
            }
        }
        self.wait_for_summaries_queued().await;
        self.check_pots().await;
    }

    /// Waits (up to 10 s) until the summary of every race that timed out is in
    /// the outbox. The server queues it within moments of the time-out, and a
    /// summary owed for more than a day is never posted (`ANNOUNCE_WITHIN`):
    /// the schedule must not move the clock another day before that moment
    /// has passed, which a real day never does (long run at `7654244`,
    /// PostgreSQL seed 2078: two day-long steps in a row, the summary of the
    /// first's time-out then a day old when the sweep read it).
    async fn wait_for_summaries_queued(&self) {
        use entity::lobby_window;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let began = Instant::now();
        loop {
            let owed = lobby_window::Entity::find()
                .filter(lobby_window::Column::CloseReason.eq("timeout"))
                .filter(lobby_window::Column::AnnouncedAt.is_null())
                .count(&self.app().db)
                .await;
            if matches!(owed, Ok(0)) {
                return;
            }
            self.poll_again(began, || {
                format!("race summaries never queued ({owed:?} owed)")
            })
            .await;
        }
    }

    /// Between two looks at something the server is about to do: diverges with
    /// `what` once 10 s have passed since `began`, else waits 20 ms.
    async fn poll_again(&self, began: Instant, what: impl FnOnce() -> String) {
        if began.elapsed() > StdDuration::from_secs(10) {
            self.diverged(what());
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
    }

    /// A payout through the admin API: recorded, or issued as store credit (the
    /// stand-in fails now and then: nothing is paid); now and then over what the
    /// racer has (refused), retried with its key, or sent twice at once.
    async fn payout(&mut self) {
        let who = racer(self.rng.gen_range(0..RACERS));
        // Mostly from a guild where the racer earned (named, or left out when
        // it is the only one), else from any guild.
        let earned_in: Vec<usize> = (0..GUILDS.len())
            .filter(|&g| self.model.earned.contains_key(&(who.clone(), g)))
            .collect();
        let guild = if !earned_in.is_empty() && self.rng.gen_bool(0.8) {
            earned_in[self.rng.gen_range(0..earned_in.len())]
        } else {
            self.rng.gen_range(0..GUILDS.len())
        };
        let name_guild = earned_in != [guild] || self.rng.gen_bool(0.5);
        let available = self.model.available(&who, guild, self.app().clock.now());
        let amount = if available > 0 && self.rng.gen_bool(0.8) {
            self.rng.gen_range(1..=available)
        } else {
            available.max(0) + self.rng.gen_range(1..500)
        };
        // Recorded, or issued by a shop's API: a Stripe coupon (store credit) or
        // a Shopify gift card, the shop named (two serve every guild).
        let (method, shop) = match self.rng.gen_range(0..4) {
            0 | 1 => ("manual", None),
            2 => ("store_credit", Some(CREDIT_SHOP)),
            _ => ("gift_card", Some(GIFT_SHOP)),
        };
        let faults = match shop {
            Some(CREDIT_SHOP) => Some(self.stripe.faults.clone()),
            Some(_) => Some(self.shopify.faults.clone()),
            None => None,
        };
        let fails = faults.is_some() && self.rng.gen_bool(0.2);
        // Now and then the shop is slow to answer (well within the server's
        // deadline): a second request with the key meanwhile finds it issuing.
        let slow = if faults.is_some() && self.rng.gen_bool(0.2) {
            self.rng.gen_range(50..500)
        } else {
            0
        };
        self.next_payout += 1;
        let key = format!("sim-{}-{}", self.seed, self.next_payout);
        let mut body = json!({
            "discord_id": who,
            "amount": format!("{}.{:02}", amount / 100, amount % 100),
            "currency": "USD",
            "method": method,
            "force": true,
        });
        if name_guild {
            body["guild_id"] = json!(GUILDS[guild].0);
        }
        if let Some(shop) = shop {
            body["shop"] = json!(shop);
        }
        self.log.push(format!(
            "payout {key} of {amount} to {who} in guild {guild} ({method} by {shop:?}{}, \
             answered {slow} ms late)",
            if fails { ", the shop fails" } else { "" }
        ));
        self.injected.shop_failures += u64::from(fails);
        if let Some(faults) = &faults {
            faults.slow_ms.store(slow, Ordering::SeqCst);
            faults.fail.store(usize::from(fails), Ordering::SeqCst);
        }
        let at_once = !fails && self.rng.gen_bool(if slow > 0 { 0.5 } else { 0.1 });
        let (status, answer) = if at_once {
            let (a, b) = futures_util::future::join(
                self.post_payout(&key, &body),
                self.post_payout(&key, &body),
            )
            .await;
            // The second may arrive while the first is issued: 202, nothing more.
            let same = a.0 == b.0 && a.1["id"] == b.1["id"];
            let in_flight = [a.0, b.0].contains(&202) && [a.0, b.0].contains(&200);
            if !same && !in_flight {
                self.diverged(format!("the same payout at once answered {a:?} and {b:?}"));
            }
            if a.0 == 202 {
                b
            } else {
                a
            }
        } else {
            self.post_payout(&key, &body).await
        };
        if let Some(faults) = &faults {
            faults.clear();
        }
        // A racer the model never credited has no balance (400), unless a twin
        // paid them for a moment before its tagged session moved the sale away:
        // then a balance of 0 (409). Either way nothing is paid.
        let has_balance = self.model.earned.contains_key(&(who.clone(), guild));
        let expected = match () {
            _ if !has_balance && status == 409 => 409,
            _ if !has_balance => 400,
            _ if amount > available => 409,
            _ if fails => 502,
            _ => 200,
        };
        if status != expected {
            self.diverged(format!(
                "payout answered {status} {answer}, the model {expected}"
            ));
        }
        if status == 200 {
            *self.model.paid.entry((who.clone(), guild)).or_default() += amount;
            if shop.is_some() {
                // Issued: its code goes to the racer by DM (the admin API shows
                // a gift card's last four characters only).
                let Some(code) = answer["code"].as_str() else {
                    self.diverged(format!("payout {key} issued without a code: {answer}"));
                };
                let shown = code.trim_start_matches('•').to_owned();
                self.model.codes.push((who.clone(), shown));
            }
            if self.rng.gen_bool(0.2) {
                self.log.push(format!("payout {key} retried"));
                let again = self.post_payout(&key, &body).await;
                if again.0 != 200 || again.1["id"] != answer["id"] {
                    self.diverged(format!("payout retried answered {again:?}, first {answer}"));
                }
            }
        }
        self.check_racers(&[who]).await;
    }

    async fn post_payout(&self, key: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        post(
            self.app(),
            "/api/admin/payouts",
            body.to_string().into_bytes(),
            &[
                ("Authorization", format!("Bearer {ADMIN_TOKEN}")),
                ("Content-Type", "application/json".to_owned()),
                ("Idempotency-Key", key.to_owned()),
            ],
        )
        .await
    }

    async fn restart(&mut self) {
        self.log.push("restart".to_owned());
        self.injected.restarts += 1;
        let (db, clock) = self.stop_server().await;
        self.start_server(db, clock).await;
        self.check_all().await;
    }

    /// Stops the server gracefully: it closes every overlay (the page
    /// reconnects). Hands back its database and clock.
    async fn stop_server(&mut self) -> (TestDb, cozykart::clock::Clock) {
        let app = self.app.take().expect("a running server");
        let stopped = app.stop().await;
        let mut old = std::mem::take(&mut self.overlays);
        for overlay in &mut old {
            if let Err(why) = overlay.expect_end().await {
                self.diverged(format!("the overlay of {}: {why}", overlay.code));
            }
        }
        stopped
    }

    /// Starts the server on `db`, and opens every lobby's overlay on it.
    async fn start_server(&mut self, db: TestDb, clock: cozykart::clock::Clock) {
        self.app = Some(spawn_app_on(db, &self.config, clock).await);
        for i in 0..self.model.lobbies.len() {
            let overlay = self.connect_overlay(i).await;
            self.overlays.push(overlay);
        }
    }
}

/// Runs one schedule on a fresh database of `engine`.
/// Any panic inside a schedule (a divergence, or a helper's own failure such as
/// a request that timed out) names the seed and the step, so that
/// `SIM_SEED=<seed>` replays it.
impl Drop for Sim {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "sim ({:?}): the schedule of SIM_SEED={} failed at step {}",
                self.engine, self.seed, self.step
            );
        }
    }
}

async fn run(engine: Engine, seed: u64) -> Injected {
    let mut rng = StdRng::seed_from_u64(seed);
    // Half the schedules hold earnings a day (they mature as days pass), half
    // make them available at once (payouts draw on them at once).
    let hold_days: i64 = rng.gen_range(0..=1);
    let (stripe, shopify) = (FaultyStripe::start(), FaultyShopify::start());
    let discord = FaultyDiscord::start();
    let config = full_config_with_discord(
        &discord.config(),
        &(format!(
            "[commission]\nrate = \"{RATE}\"\nmax_racers = {ROSTER_MAX}\nhold_days = {hold_days}\n\
             max_window_minutes = {MAX_WINDOW_MINUTES}\n{}{}",
            stripe.shop_config(CREDIT_SHOP) + &shopify.shop_config(GIFT_SHOP),
            tips_shop_config()
        ) + &format!(
            "[shops.{STRIPE_GUILD_SHOP}]\nprovider = \"stripe\"\nsecret = \"{STRIPE_SECRET}\"\n\
         guild_id = \"{}\"\n[shops.{SHOPIFY_GUILD_SHOP}]\nprovider = \"shopify\"\n\
         secret = \"{SHOPIFY_SECRET}\"\nguild_id = \"{}\"\n",
            GUILDS[1].0, GUILDS[2].0
        )),
    );
    let db = TestDb::new(engine).await;
    let app = spawn_app_on(
        db,
        &config,
        cozykart::clock::Clock::manual(crate::helpers::t0()),
    )
    .await;
    let mut sim = Sim {
        seed,
        engine,
        rng,
        model: Model {
            hold: Duration::days(hold_days),
            ..Model::default()
        },
        app: Some(app),
        config,
        step: 0,
        log: Vec::new(),
        next_sale: 0,
        stripe,
        shopify,
        discord,
        next_payout: 0,
        injected: Injected::default(),
        overlays: Vec::new(),
    };
    sim.install_ledger_fault().await;
    for step in 0..STEPS {
        sim.step = step;
        sim.step().await;
    }
    sim.step = STEPS;
    sim.check_all().await;
    sim.check_discord().await;
    sim.check_overlays(true).await;
    sim.overlays.clear();
    let app = sim.app.take().expect("a running server");
    assert_ledger_balances(&app.db).await;
    app.stop().await;
    sim.stripe.stop().await;
    sim.shopify.stop().await;
    sim.discord.stop().await;
    sim.injected
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

async fn simulate(engine: Engine) {
    if let Some(seed) = env_number("SIM_SEED") {
        let injected = run(engine, seed).await;
        eprintln!("sim ({engine:?}): replayed seed {seed} ({injected})");
        return;
    }
    let began = Instant::now();
    let mut injected = Injected::default();
    if let Some(seeds) = env_number("SIM_SEEDS") {
        let first = env_number("SIM_FIRST").unwrap_or(1);
        let last = first + seeds - 1;
        for seed in first..=last {
            injected += run(engine, seed).await;
            if (seed - first + 1).is_multiple_of(100) {
                eprintln!(
                    "sim ({engine:?}): seeds {first}..={seed} in {:.0} s, no divergence ({injected})",
                    began.elapsed().as_secs_f64()
                );
            }
        }
        let hours = began.elapsed().as_secs_f64() / 3600.0;
        report(format!(
            "sim ({engine:?}): seeds {first}..={last} ({seeds}) in {:.0} s, no divergence, \
             {:.0} seeds per hour ({injected})",
            began.elapsed().as_secs_f64(),
            seeds as f64 / hours.max(f64::EPSILON)
        ));
        return;
    }
    let budget = StdDuration::from_secs(env_number("SIM_SECONDS").unwrap_or(30));
    let first = chrono::Utc::now().timestamp_millis() as u64;
    let mut seed = first;
    while began.elapsed() < budget {
        injected += run(engine, seed).await;
        seed += 1;
    }
    report(format!(
        "sim ({engine:?}): seeds {first}..{} ({} seeds) in {:.0} s, no divergence ({injected})",
        seed - 1,
        seed - first,
        began.elapsed().as_secs_f64()
    ));
}

/// Prints a run's summary, and appends it to `sim-report.txt` in Cargo's test
/// directory (`target/tmp`), which CI prints after the suite: the test harness
/// keeps a passing test's own output to itself.
fn report(line: String) {
    use std::io::Write;
    eprintln!("{line}");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-report.txt");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}

crate::on_both_engines!(simulate);
