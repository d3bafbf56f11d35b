//! Store credit issued through a shop's API, end to end: `/payout`, `/cashout` and
//! the admin API against local stand-ins of Stripe's API (coupons, promotion
//! codes), Shopify's Admin GraphQL (gift cards) and Discord's REST API (the DM),
//! each checking what it receives. Exactly once under repeats, a provider's 500,
//! closed DMs and a server stopped while the provider held its request.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use chrono::Duration as Span;
use entity::payout;
use entity::sea_orm_active_enums::{OutboxState, PayoutState};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::credit_providers::shopify as shopify_fake;
use crate::credit_providers::stripe::{self as stripe_fake, Stripe};
use crate::helpers::{spawn_app, spawn_app_on, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;
use crate::stand_in::{Recorded, StandIn};

const RACER: &str = "1100000000000000031";
const ADMIN: &str = "1100000000000000032";
pub(crate) const BOT: &str = "cozykart-test-bot-token";
/// The DM channel the Discord stand-in opens.
const DM_CHANNEL: &str = "1300000000000000777";

/// Discord's REST API: opens DM channels and takes messages; with `closed`, the
/// racer's DMs are closed (Discord's 403, code 50007).
fn discord_api(closed: bool) -> StandIn {
    StandIn::start(move |seen| {
        if seen.authorization != format!("Bot {BOT}") {
            return HttpResponse::Unauthorized().json(json!({"message": "401: Unauthorized"}));
        }
        match (seen.method.as_str(), seen.path.as_str()) {
            ("POST", "/api/v10/users/@me/channels") if seen.body["recipient_id"] == RACER => {
                HttpResponse::Ok().json(json!({"id": DM_CHANNEL, "type": 1}))
            }
            ("POST", path) if path == format!("/api/v10/channels/{DM_CHANNEL}/messages") => {
                if closed {
                    HttpResponse::Forbidden().json(
                        json!({"message": "Cannot send messages to this user", "code": 50007}),
                    )
                } else {
                    HttpResponse::Ok()
                        .json(json!({"id": "1300000000000000888", "nonce": seen.body["nonce"]}))
                }
            }
            _ => HttpResponse::BadRequest().json(json!({"message": "unexpected", "code": 0})),
        }
    })
}

/// Faults a stand-in injects into the requests that matter to a test (Stripe's
/// coupons, Shopify's `giftCardCreate`, Discord's messages), set as it goes.
#[derive(Clone, Default)]
pub(crate) struct RequestFaults {
    /// How many of the next issues are answered with a server error.
    pub(crate) fail: Arc<AtomicUsize>,
    /// How late every issue is answered, in milliseconds.
    pub(crate) slow_ms: Arc<AtomicU64>,
    /// Every issue held unanswered while set.
    pub(crate) hold: Arc<AtomicBool>,
}

impl RequestFaults {
    /// Waits as told; answers `true` when this request is to fail.
    pub(crate) fn before_request(&self) -> bool {
        std::thread::sleep(Duration::from_millis(self.slow_ms.load(Ordering::SeqCst)));
        while self.hold.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// No more faults.
    pub(crate) fn clear(&self) {
        self.fail.store(0, Ordering::SeqCst);
        self.slow_ms.store(0, Ordering::SeqCst);
        self.hold.store(false, Ordering::SeqCst);
    }
}

/// Stripe's API over the providers' fake, with [`RequestFaults`] on its coupons.
pub(crate) struct FaultyStripe {
    stand_in: StandIn,
    state: Arc<Mutex<Stripe>>,
    pub(crate) faults: RequestFaults,
}

impl FaultyStripe {
    pub(crate) fn start() -> FaultyStripe {
        let state = Arc::new(Mutex::new(Stripe::default()));
        let faults = RequestFaults::default();
        let (shared, injected) = (state.clone(), faults.clone());
        let stand_in = StandIn::start_at("", move |seen| {
            let coupon = seen.method == "POST" && seen.path == "/v1/coupons";
            if coupon && injected.before_request() {
                return HttpResponse::InternalServerError().json(
                    json!({"error": {"type": "api_error", "message": "Stripe had a hiccup"}}),
                );
            }
            let (status, body) = stripe_fake::answer(&mut shared.lock().unwrap(), seen);
            HttpResponse::build(StatusCode::from_u16(status).unwrap()).json(body)
        });
        FaultyStripe {
            stand_in,
            state,
            faults,
        }
    }

    /// Stops the stand-in's server (a run that starts many must not keep them).
    pub(crate) async fn stop(&self) {
        self.stand_in.handle.stop(false).await;
    }

    /// A `[shops.<name>]` table issuing store credit through this stand-in.
    pub(crate) fn shop_config(&self, name: &str) -> String {
        format!(
            "[shops.{name}]\nprovider = \"stripe\"\nsecret = \"whsec_{name}\"\n\
             api_key = \"{}\"\napi_base = \"{}\"\n",
            stripe_fake::KEY,
            self.stand_in.base
        )
    }

    fn promotion_codes(&self) -> Vec<Value> {
        self.state.lock().unwrap().promotion_codes.clone()
    }

    fn coupons_sent(&self) -> usize {
        requests(&self.stand_in, "POST", "/v1/coupons").len()
    }
}

/// Shopify's Admin API over the providers' fake (a shop in USD), with
/// [`RequestFaults`] on its `giftCardCreate`.
pub(crate) struct FaultyShopify {
    stand_in: StandIn,
    pub(crate) faults: RequestFaults,
}

impl FaultyShopify {
    pub(crate) fn start() -> FaultyShopify {
        let state = shopify_fake::shop("USD");
        let faults = RequestFaults::default();
        let injected = faults.clone();
        let stand_in = StandIn::start_at(shopify_fake::STORE, move |seen| {
            let query = seen.body["query"].as_str().unwrap_or_default();
            if query.contains("giftCardCreate(") && injected.before_request() {
                return HttpResponse::InternalServerError().body("upstream failed");
            }
            shopify_fake::answer(&mut state.lock().unwrap(), seen)
        });
        FaultyShopify { stand_in, faults }
    }

    /// Stops the stand-in's server.
    pub(crate) async fn stop(&self) {
        self.stand_in.handle.stop(false).await;
    }

    /// A `[shops.<name>]` table issuing gift cards through this stand-in.
    pub(crate) fn shop_config(&self, name: &str) -> String {
        format!(
            "[shops.{name}]\nprovider = \"shopify\"\nsecret = \"shpss_{name}\"\n\
             admin_url = \"{}\"\nadmin_token = \"{}\"\n",
            self.stand_in.base,
            shopify_fake::TOKEN
        )
    }
}

fn requests(stand_in: &StandIn, method: &str, path: &str) -> Vec<Recorded> {
    stand_in
        .recorded()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

/// The server with a Stripe shop `store` that issues credit, Discord's REST API
/// for DMs, and held money paid out at once.
fn stripe_config(stripe: &FaultyStripe, discord: &StandIn) -> String {
    full_config_with_discord(
        &format!(
            "bot_token = \"{BOT}\"\napi_base = \"{}\"\ngateway = false",
            discord.base
        ),
        &format!(
            "[commission]\nhold_days = 0\n{}",
            stripe.shop_config("store")
        ),
    )
}

/// A race running with RACER on its roster.
async fn race(app: &TestApp) {
    create_lobby(app, "Cup").await;
    command(app, "join", json!([]), RACER, false).await;
    command(app, "start", json!([]), HOST, false).await;
}

/// A sale of `minor` in `currency` during the race: 20 % of it is RACER's, at once.
async fn sale(app: &TestApp, event: &str, minor: i64, currency: &str) {
    let now = app.clock.now().timestamp();
    let sale = stripe_checkout(event, &format!("pi_{event}"), minor, currency, now, None);
    assert_eq!(post_stripe(app, sale).await.0, 200);
}

/// A race in which RACER earns 30.00 USD, available at once.
async fn earn(app: &TestApp, event: &str) {
    race(app).await;
    sale(app, event, 15000, "usd").await;
}

fn payout_options(amount: &str, method: &str) -> Value {
    json!([
        {"name": "user", "type": 6, "value": RACER},
        option("amount", amount),
        option("method", method),
    ])
}

async fn admin_payout(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    post(
        app,
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

async fn balances(app: &TestApp) -> Value {
    let (_, racer) = admin_get(app, &format!("/api/admin/racers/{RACER}")).await;
    racer["balances"][0].clone()
}

async fn payouts(app: &TestApp) -> Vec<payout::Model> {
    payout::Entity::find().all(&app.db).await.unwrap()
}

async fn stripe_store_credit_is_issued_once_and_delivered_by_dm(engine: Engine) {
    let (stripe, dms) = (FaultyStripe::start(), discord_api(false));
    let app = spawn_app(engine, &stripe_config(&stripe, &dms)).await;
    earn(&app, "evt_big").await;

    let body = interaction(
        "payout",
        payout_options("25.00", "store_credit"),
        ADMIN,
        "Admin",
        true,
    );
    let (status, first) = discord(&app, body.clone()).await;
    assert_eq!(status, 200);
    let content = first["data"]["content"].as_str().unwrap();
    assert!(!is_ephemeral(&first["data"]), "{first}");
    assert!(
        content.contains("Congratulations") && content.contains("store credit"),
        "{content}"
    );
    let promotion = stripe.promotion_codes();
    assert_eq!(promotion.len(), 1);
    let code = promotion[0]["code"].as_str().unwrap().to_owned();
    assert!(
        code.starts_with("KART-") && !content.contains(&code),
        "{content}"
    );

    // What Stripe was asked: a single-use coupon for the amount, then its code.
    let coupon = &requests(&stripe.stand_in, "POST", "/v1/coupons")[0];
    let form: std::collections::BTreeMap<String, String> =
        serde_urlencoded::from_str(&coupon.text).unwrap();
    assert_eq!(form["amount_off"], "2500");
    assert_eq!(form["currency"], "usd");
    assert_eq!(form["duration"], "once");
    assert_eq!(form["max_redemptions"], "1");
    assert!(
        coupon.headers["idempotency-key"].contains(&code.to_lowercase())
            || coupon.headers["idempotency-key"].contains(&code)
    );

    // The DM: the channel opened for the racer, then the code in it.
    let sent = dms.wait_for(2).await;
    assert_eq!(sent[0].path, "/api/v10/users/@me/channels");
    assert!(
        sent[1].body["content"].as_str().unwrap().contains(&code),
        "{:?}",
        sent[1].body
    );

    // The same interaction again: answered as before, nothing new asked of Stripe.
    let (_, again) = discord(&app, body).await;
    assert_eq!(again["data"]["content"], first["data"]["content"]);
    assert_eq!(stripe.coupons_sent(), 1);

    // The racer's wallet lists the code in full; the admin's views mask it.
    let wallet = command(&app, "wallet", json!([]), RACER, false).await;
    assert!(is_ephemeral(&wallet));
    assert!(wallet.to_string().contains(&code), "{wallet}");
    let balance = balances(&app).await;
    assert_eq!(
        (balance["available"].as_str(), balance["paid"].as_str()),
        (Some("5.00"), Some("25.00"))
    );

    // The admin API, retried with its key: one payout, one promotion code more.
    let order =
        json!({"discord_id": RACER, "amount": "5.00", "method": "store_credit", "force": true});
    let (status, paid) = admin_payout(&app, "cashout-1", order.clone()).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["state"], "paid");
    let masked = paid["code"].as_str().unwrap();
    assert!(
        masked.starts_with("••••") && masked.chars().count() == 8,
        "{masked}"
    );
    let (status, retried) = admin_payout(&app, "cashout-1", order).await;
    assert_eq!((status, &retried["id"]), (200, &paid["id"]));
    assert_eq!(stripe.promotion_codes().len(), 2);
    assert_eq!(balances(&app).await["available"], "0.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(stripe_store_credit_is_issued_once_and_delivered_by_dm);

async fn a_provider_500_pays_nothing_and_a_retry_succeeds(engine: Engine) {
    let (stripe, dms) = (FaultyStripe::start(), discord_api(false));
    let app = spawn_app(engine, &stripe_config(&stripe, &dms)).await;
    earn(&app, "evt_500").await;
    stripe.faults.fail.store(1, Ordering::SeqCst);
    let order = json!({"discord_id": RACER, "amount": "30.00", "method": "store_credit"});
    let (status, refused) = admin_payout(&app, "retry-me", order.clone()).await;
    assert_eq!(status, 502, "{refused}");
    assert_eq!(refused["error"], "provider_refused");
    assert!(
        refused["message"].as_str().unwrap().contains("hiccup"),
        "{refused}"
    );
    let balance = balances(&app).await;
    assert_eq!(
        (balance["available"].as_str(), balance["paid"].as_str()),
        (Some("30.00"), Some("0.00"))
    );
    app.assert_ledger_balances().await;

    // The same call again: issued this time, once.
    let (status, paid) = admin_payout(&app, "retry-me", order).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(stripe.promotion_codes().len(), 1);
    let states: Vec<PayoutState> = payouts(&app).await.iter().map(|p| p.state).collect();
    assert_eq!(states, [PayoutState::Released, PayoutState::Paid]);
    assert_eq!(balances(&app).await["paid"], "30.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(a_provider_500_pays_nothing_and_a_retry_succeeds);

async fn closed_dms_leave_the_code_in_the_wallet(engine: Engine) {
    let (stripe, dms) = (FaultyStripe::start(), discord_api(true));
    let app = spawn_app(engine, &stripe_config(&stripe, &dms)).await;
    earn(&app, "evt_dm").await;
    let paid = command(
        &app,
        "payout",
        payout_options("30.00", "store_credit"),
        ADMIN,
        true,
    )
    .await;
    assert!(
        paid["content"]
            .as_str()
            .unwrap()
            .contains("Congratulations"),
        "{paid}"
    );
    dms.wait_for(2).await;
    let code = stripe.promotion_codes()[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let wallet = command(&app, "wallet", json!([]), RACER, false).await;
    assert!(wallet.to_string().contains(&code), "{wallet}");
    let posts = entity::discord_outbox::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].state,
        OutboxState::Abandoned,
        "{:?}",
        posts[0].last_error
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(closed_dms_leave_the_code_in_the_wallet);

async fn cashout_is_off_until_an_admin_allows_it_and_keeps_the_minimum(engine: Engine) {
    let (stripe, dms) = (FaultyStripe::start(), discord_api(false));
    let app = spawn_app(engine, &stripe_config(&stripe, &dms)).await;
    earn(&app, "evt_cash").await;
    let off = command(&app, "cashout", json!([]), RACER, false).await;
    assert!(
        is_ephemeral(&off) && off["content"].as_str().unwrap().contains("off"),
        "{off}"
    );
    let allow = |minimum: &str| json!([{"name": "self_serve", "type": 5, "value": true}, option("minimum", minimum)]);
    let denied = command(&app, "payouts", allow("10.00"), RACER, false).await;
    assert!(
        denied["content"].as_str().unwrap().contains("admins"),
        "{denied}"
    );
    command(&app, "payouts", allow("40.00"), ADMIN, true).await;
    let below = command(&app, "cashout", json!([]), RACER, false).await;
    assert!(
        below["content"].as_str().unwrap().contains("40.00"),
        "{below}"
    );
    assert_eq!(stripe.coupons_sent(), 0);
    command(&app, "payouts", allow("25.00"), ADMIN, true).await;
    let cashed = command(&app, "cashout", json!([]), RACER, false).await;
    assert!(
        cashed["content"].as_str().unwrap().contains("30.00"),
        "{cashed}"
    );
    assert_eq!(stripe.promotion_codes().len(), 1);
    let balance = balances(&app).await;
    assert_eq!(
        (balance["available"].as_str(), balance["paid"].as_str()),
        (Some("0.00"), Some("30.00"))
    );
    let nothing = command(&app, "cashout", json!([]), RACER, false).await;
    assert!(
        nothing["content"]
            .as_str()
            .unwrap()
            .contains("nothing available"),
        "{nothing}"
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(cashout_is_off_until_an_admin_allows_it_and_keeps_the_minimum);

async fn a_server_stopped_while_stripe_held_the_request_is_settled_once(engine: Engine) {
    let (stripe, dms) = (FaultyStripe::start(), discord_api(false));
    let config = stripe_config(&stripe, &dms);
    let app = spawn_app(engine, &config).await;
    earn(&app, "evt_crash").await;
    stripe.faults.hold.store(true, Ordering::SeqCst);
    let order = json!({"discord_id": RACER, "amount": "30.00", "method": "store_credit"});
    let pending = {
        let (address, body) = (app.address.clone(), order.to_string());
        actix_web::rt::spawn(async move {
            let _ = awc::Client::default()
                .post(format!("{address}/api/admin/payouts"))
                .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
                .insert_header(("Idempotency-Key", "crash-1"))
                .send_body(body)
                .await;
        })
    };
    stripe.stand_in.wait_for(1).await;
    assert_eq!(payouts(&app).await[0].state, PayoutState::Reserved);
    assert_eq!(balances(&app).await["available"], "0.00");
    // Stopped at once: the provider's answer never reaches it.
    app.handle.stop(false).await;
    pending.abort();
    let (test_db, clock) = (app.test_db, app.clock);
    stripe.faults.hold.store(false, Ordering::SeqCst);
    clock.advance(Span::minutes(5));
    let app = spawn_app_on(test_db, &config, clock).await;
    let mut settled = Vec::new();
    for _ in 0..500 {
        settled = payouts(&app).await;
        if settled[0].state != PayoutState::Reserved {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].state, PayoutState::Paid);
    assert_eq!(stripe.promotion_codes().len(), 1, "one code, whoever asked");
    let code = settled[0].code.clone().unwrap();
    let sent = dms.wait_for(2).await;
    assert!(sent[1].body["content"].as_str().unwrap().contains(&code));
    assert_eq!(balances(&app).await["paid"], "30.00");
    app.assert_ledger_balances().await;
    // The reconciler again finds nothing to do.
    assert_eq!(
        cozykart::cashout::reconcile(&app.state, app.clock.now())
            .await
            .unwrap(),
        0
    );
}
on_both_engines!(a_server_stopped_while_stripe_held_the_request_is_settled_once);

/// The server with a Shopify shop `gifts` that issues gift cards.
fn shopify_config(shopify: &StandIn, discord: &StandIn) -> String {
    full_config_with_discord(
        &format!(
            "bot_token = \"{BOT}\"\napi_base = \"{}\"\ngateway = false",
            discord.base
        ),
        &format!(
            "[commission]\nhold_days = 0\n\
             [shops.gifts]\nprovider = \"shopify\"\nsecret = \"shpss_gifts\"\n\
             admin_url = \"{}\"\nadmin_token = \"{}\"\n",
            shopify.base,
            shopify_fake::TOKEN
        ),
    )
}

async fn shopify_gift_cards_are_issued_in_the_shops_currency_only(engine: Engine) {
    let state = shopify_fake::shop("USD");
    let (shopify, dms) = (shopify_fake::like_shopify(&state), discord_api(false));
    let app = spawn_app(engine, &shopify_config(&shopify, &dms)).await;
    earn(&app, "evt_usd").await;
    sale(&app, "evt_jpy", 5000, "jpy").await;
    let jpy = json!([
        {"name": "user", "type": 6, "value": RACER},
        option("amount", "1000"),
        option("currency", "JPY"),
        option("method", "gift_card"),
    ]);
    let refused = command(&app, "payout", jpy, ADMIN, true).await;
    assert!(is_ephemeral(&refused), "{refused}");
    assert!(
        refused["content"].as_str().unwrap().contains("USD only"),
        "{refused}"
    );
    assert!(state.lock().unwrap().cards.is_empty());

    let usd = json!([
        {"name": "user", "type": 6, "value": RACER},
        option("amount", "30.00"),
        option("currency", "USD"),
        option("method", "gift_card"),
    ]);
    let paid = command(&app, "payout", usd, ADMIN, true).await;
    assert!(
        paid["content"].as_str().unwrap().contains("gift card"),
        "{paid}"
    );
    let cards = state.lock().unwrap().cards.clone();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].amount, "30.00");
    assert!(cards[0].note.contains(RACER), "{}", cards[0].note);
    let rows = payouts(&app).await;
    let code = rows[0].code.clone().unwrap();
    let sent = dms.wait_for(2).await;
    assert!(sent[1].body["content"].as_str().unwrap().contains(&code));
    let wallet = command(&app, "wallet", json!([]), RACER, false).await;
    assert!(wallet.to_string().contains(&code), "{wallet}");

    // The admin API retried with its key: one card more, not two.
    sale(&app, "evt_usd_2", 5000, "usd").await;
    let order = json!({"discord_id": RACER, "amount": "10.00", "currency": "USD",
        "method": "gift_card", "shop": "gifts", "force": true});
    let (status, first) = admin_payout(&app, "gift-2", order.clone()).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = admin_payout(&app, "gift-2", order).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]));
    assert_eq!(state.lock().unwrap().cards.len(), 2);
    app.assert_ledger_balances().await;
}
on_both_engines!(shopify_gift_cards_are_issued_in_the_shops_currency_only);

async fn without_credentials_a_payout_is_recorded_and_says_so(engine: Engine) {
    let app = spawn_app(engine, &full_config("[commission]\nhold_days = 0")).await;
    earn(&app, "evt_plain").await;
    let paid = command(
        &app,
        "payout",
        payout_options("30.00", "store_credit"),
        ADMIN,
        true,
    )
    .await;
    let content = paid["content"].as_str().unwrap();
    assert!(
        content.contains("recorded as paid by other means"),
        "{content}"
    );
    assert_eq!(payouts(&app).await[0].state, PayoutState::Paid);
    let (status, refused) = admin_payout(
        &app,
        "named",
        json!({"discord_id": RACER, "amount": "1.00", "method": "store_credit", "shop": "main", "force": true}),
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("unknown_shop")),
        "{refused}"
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(without_credentials_a_payout_is_recorded_and_says_so);
