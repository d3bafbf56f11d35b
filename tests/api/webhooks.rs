//! Shop webhooks end to end: signed real-format bodies into the right wallets,
//! exactly once; refunds back out; every bad request refused with nothing changed.

use chrono::{Duration, TimeZone, Utc};
use entity::sale;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Engine, TestApp};
use crate::on_both_engines;
use crate::signing::*;

mod commission_base;
mod currencies;
mod shopify_topics;
mod subscriptions;
mod twins;

const RACER_A: &str = "1100000000000000021";
const RACER_B: &str = "1100000000000000022";

async fn sales_count(app: &TestApp) -> u64 {
    sale::Entity::find().count(&app.db).await.unwrap()
}

/// A lobby with racers A and B and its window open; returns its code.
async fn open_lobby(app: &TestApp, racers: &[&str]) -> String {
    let code = create_lobby(app, "Cup").await;
    for racer in racers {
        command(app, "join", json!([option("lobby", &code)]), racer, false).await;
    }
    command(app, "start", json!([option("lobby", &code)]), HOST, false).await;
    code
}

async fn stripe_fixtures_credit_once_and_refund_partially(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A, RACER_B]).await;
    let signatures: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/stripe/signatures.json"
    ))
    .unwrap();
    let vector = |file: &str| {
        let v = signatures["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["file"] == file)
            .unwrap();
        (
            v["signed_at"].as_i64().unwrap(),
            v["stripe_signature"].as_str().unwrap().to_owned(),
        )
    };
    let send = |file: &'static str, body: &'static [u8]| {
        let (signed_at, signature) = vector(file);
        let app = &app;
        async move {
            app.clock.set(Utc.timestamp_opt(signed_at, 0).unwrap());
            post(
                app,
                "/webhooks/stripe/main",
                body.to_vec(),
                &[("Stripe-Signature", signature)],
            )
            .await
        }
    };
    let (status, body) = send(
        "checkout_session_completed.json",
        include_bytes!("../fixtures/webhooks/stripe/checkout_session_completed.json"),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("recorded")),
        "{body}"
    );
    // The twin event of the same purchase, and a replay, change nothing.
    let (_, twin) = send(
        "payment_intent_succeeded.json",
        include_bytes!("../fixtures/webhooks/stripe/payment_intent_succeeded.json"),
    )
    .await;
    assert_eq!(twin["status"], "duplicate");
    let (_, replay) = send(
        "checkout_session_completed.json",
        include_bytes!("../fixtures/webhooks/stripe/checkout_session_completed.json"),
    )
    .await;
    assert_eq!(replay["status"], "duplicate");
    // 22.50 x 20 % = 4.50, 2.25 each, pending for 14 days.
    assert_eq!(
        wallet(&app, RACER_A, "USD").await,
        ("0.00".into(), "2.25".into())
    );
    let (_, refund) = send(
        "charge_refunded.json",
        include_bytes!("../fixtures/webhooks/stripe/charge_refunded.json"),
    )
    .await;
    assert_eq!(refund["status"], "refund_applied", "{refund}");
    // 10.00 of 22.50 refunded: 2.25 x 10/22.5 = 1.00 back from each.
    assert_eq!(
        wallet(&app, RACER_A, "USD").await,
        ("0.00".into(), "1.25".into())
    );
    assert_eq!(sales_count(&app).await, 1);
    let (_, sales) = admin_get(&app, "/api/admin/sales").await;
    assert_eq!(sales["sales"][0]["refunded"], "10.00");
    assert_eq!(sales["sales"][0]["commission_pool"], "4.50");
    app.assert_ledger_balances().await;
}
on_both_engines!(stripe_fixtures_credit_once_and_refund_partially);

async fn bad_requests_are_refused_and_change_nothing(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    let now = app.clock.now().timestamp();
    let good = stripe_checkout("evt_x", "pi_x", 1000, "usd", now, None);
    let cases: Vec<(Vec<u8>, String, u16, &str)> = vec![
        (
            good.clone(),
            stripe_signature(&good, now - 600),
            401,
            "stale_timestamp",
        ),
        (
            good.clone(),
            stripe_signature(b"other", now),
            401,
            "bad_signature",
        ),
        (
            b"{not json".to_vec(),
            stripe_signature(b"{not json", now),
            400,
            "malformed_body",
        ),
        {
            let body = stripe_checkout("evt_z", "pi_z", 0, "usd", now, None);
            let sig = stripe_signature(&body, now);
            (body, sig, 400, "invalid_amount")
        },
        {
            let body = stripe_checkout("evt_c", "pi_c", 1000, "xyz", now, None);
            let sig = stripe_signature(&body, now);
            (body, sig, 400, "unknown_currency")
        },
    ];
    for (body, signature, status, code) in cases {
        let (got, answer) = post(
            &app,
            "/webhooks/stripe/main",
            body,
            &[("Stripe-Signature", signature)],
        )
        .await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
    }
    let sig = stripe_signature(&good, now);
    let (status, answer) = post(
        &app,
        "/webhooks/stripe/nowhere",
        good.clone(),
        &[("Stripe-Signature", sig.clone())],
    )
    .await;
    assert_eq!((status, answer["error"].as_str()), (404, Some("not_found")));
    let (status, _) = post(
        &app,
        "/webhooks/shopify/main",
        good,
        &[("Stripe-Signature", sig)],
    )
    .await;
    assert_eq!(status, 404);
    let huge = vec![b' '; 300 * 1024];
    let (status, answer) = post(&app, "/webhooks/stripe/main", huge, &[]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (413, Some("body_too_large"))
    );
    assert_eq!(sales_count(&app).await, 0);
    app.assert_ledger_balances().await;
}
on_both_engines!(bad_requests_are_refused_and_change_nothing);

async fn concurrent_replays_credit_once(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A, RACER_B]).await;
    let now = app.clock.now().timestamp();
    let body = stripe_checkout("evt_r", "pi_r", 3333, "usd", now, None);
    let answers =
        futures_util::future::join_all((0..20).map(|_| post_stripe(&app, body.clone()))).await;
    assert!(answers.iter().all(|(status, _)| *status == 200));
    let recorded = answers
        .iter()
        .filter(|(_, a)| a["status"] == "recorded")
        .count();
    assert_eq!(recorded, 1);
    assert_eq!(sales_count(&app).await, 1);
    app.assert_ledger_balances().await;
}
on_both_engines!(concurrent_replays_credit_once);

async fn shopify_and_kofi_fixtures_credit_their_racers(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    let vectors: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/shopify/signatures.json"
    ))
    .unwrap();
    let headers = |i: usize| -> Vec<(&str, String)> {
        let h = &vectors["vectors"][i]["headers"];
        [
            "X-Shopify-Topic",
            "X-Shopify-Hmac-Sha256",
            "X-Shopify-Event-Id",
            "X-Shopify-Webhook-Id",
        ]
        .into_iter()
        .map(|name| (name, h[name].as_str().unwrap().to_owned()))
        .collect()
    };
    // The order was paid at 2025-10-09T08:53 UTC, inside the window opened at 08:00.
    app.clock
        .set(Utc.with_ymd_and_hms(2025, 10, 9, 8, 54, 0).unwrap());
    let order = include_bytes!("../fixtures/webhooks/shopify/orders_paid.json").to_vec();
    let (status, answer) = post(&app, "/webhooks/shopify/eu", order, &headers(0)).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("recorded")),
        "{answer}"
    );
    // 31.50 EUR x 20 % = 6.30 for the only racer.
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "6.30");
    let refund = include_bytes!("../fixtures/webhooks/shopify/refunds_create.json").to_vec();
    let (_, answer) = post(&app, "/webhooks/shopify/eu", refund, &headers(1)).await;
    assert_eq!(answer["status"], "refund_applied", "{answer}");
    // 3.60 of 31.50 refunded: 6.30 x 3.60 / 31.50 = 0.72 back.
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "5.58");
    // Cancelling the order reverses the rest, once.
    let mut cancelled: Value = serde_json::from_slice(include_bytes!(
        "../fixtures/webhooks/shopify/orders_paid.json"
    ))
    .unwrap();
    cancelled["cancelled_at"] = json!("2025-10-12T10:00:00+02:00");
    let cancelled = serde_json::to_vec(&cancelled).unwrap();
    for delivery in 0..2 {
        let headers = [
            ("X-Shopify-Topic", "orders/cancelled".to_owned()),
            ("X-Shopify-Hmac-Sha256", shopify_signature(&cancelled)),
            ("X-Shopify-Event-Id", format!("cancel-delivery-{delivery}")),
        ];
        let (status, answer) =
            post(&app, "/webhooks/shopify/eu", cancelled.clone(), &headers).await;
        let expected = if delivery == 0 {
            "refund_applied"
        } else {
            "duplicate"
        };
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some(expected)),
            "{answer}"
        );
    }
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "0.00");

    app.clock
        .set(Utc.with_ymd_and_hms(2025, 10, 9, 9, 13, 0).unwrap());
    let form = include_bytes!("../fixtures/webhooks/kofi/shop_order.form-urlencoded.txt").to_vec();
    let content_type = [(
        "Content-Type",
        "application/x-www-form-urlencoded".to_owned(),
    )];
    let (status, answer) = post(&app, "/webhooks/kofi/kofi", form, &content_type).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("recorded")),
        "{answer}"
    );
    assert_eq!(wallet(&app, RACER_A, "EUR").await.1, "3.70");
    let donation = serde_urlencoded::to_string([(
        "data",
        include_str!("../fixtures/webhooks/kofi/donation.json"),
    )])
    .unwrap();
    let (status, answer) = post(
        &app,
        "/webhooks/kofi/kofi",
        donation.into_bytes(),
        &content_type,
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("ignored")),
        "{answer}"
    );
    let forged = include_str!("../fixtures/webhooks/kofi/shop_order.json")
        .replace(KOFI_TOKEN, "wrong-token");
    let forged = serde_urlencoded::to_string([("data", forged)]).unwrap();
    let (status, _) = post(
        &app,
        "/webhooks/kofi/kofi",
        forged.into_bytes(),
        &content_type,
    )
    .await;
    assert_eq!(status, 401);
    app.assert_ledger_balances().await;
}
on_both_engines!(shopify_and_kofi_fixtures_credit_their_racers);

async fn refund_before_sale_and_full_refund_over_http(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    let now = app.clock.now().timestamp();
    let (_, early) = post_stripe(&app, stripe_refund("evt_ref", "pi_e", 2000, 2000, now)).await;
    assert_eq!(early["status"], "refund_waiting", "{early}");
    let (_, sale) = post_stripe(
        &app,
        stripe_checkout("evt_sale", "pi_e", 2000, "usd", now, None),
    )
    .await;
    assert_eq!(sale["status"], "recorded");
    assert_eq!(
        wallet(&app, RACER_A, "USD").await,
        ("0.00".into(), "0.00".into())
    );
    app.assert_ledger_balances().await;
}
on_both_engines!(refund_before_sale_and_full_refund_over_http);

async fn untagged_policies_and_tags_with_overlapping_windows(engine: Engine) {
    for (policy, a, b) in [
        ("split", "1.00", "1.00"),
        ("latest", "0.00", "2.00"),
        ("house", "0.00", "0.00"),
    ] {
        let app = spawn_app(
            engine,
            &full_config(&format!("[commission]\nuntagged = \"{policy}\"")),
        )
        .await;
        let first = open_lobby(&app, &[RACER_A]).await;
        app.clock.advance(Duration::minutes(1));
        let second = open_lobby(&app, &[RACER_B]).await;
        app.clock.advance(Duration::minutes(1));
        let now = app.clock.now().timestamp();
        post_stripe(
            &app,
            stripe_checkout("evt_u", "pi_u", 1000, "usd", now, None),
        )
        .await;
        assert_eq!(wallet(&app, RACER_A, "USD").await.1, a, "{policy}");
        assert_eq!(wallet(&app, RACER_B, "USD").await.1, b, "{policy}");
        // A tagged sale goes to its lobby whatever the policy.
        post_stripe(
            &app,
            stripe_checkout("evt_t", "pi_t", 1000, "usd", now, Some(&first)),
        )
        .await;
        let expected_a: rust_decimal::Decimal =
            a.parse::<rust_decimal::Decimal>().unwrap() + rust_decimal::Decimal::new(200, 2);
        assert_eq!(
            wallet(&app, RACER_A, "USD").await.1,
            expected_a.to_string(),
            "{policy}"
        );
        assert_ne!(first, second);
        // A digit-only tag is never read as a lobby id: it counts as untagged.
        let lobby = lobby_admin_json(&app, &first).await;
        let id = lobby["id"].as_i64().unwrap().to_string();
        post_stripe(
            &app,
            stripe_checkout("evt_id", "pi_id", 1000, "usd", now, Some(&id)),
        )
        .await;
        let untagged_a: rust_decimal::Decimal = a.parse().unwrap();
        assert_eq!(
            wallet(&app, RACER_A, "USD").await.1,
            (expected_a + untagged_a).to_string(),
            "{policy}"
        );
        app.assert_ledger_balances().await;
    }
}
on_both_engines!(untagged_policies_and_tags_with_overlapping_windows);

async fn late_delivery_is_attributed_by_sale_time(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = open_lobby(&app, &[RACER_A]).await;
    app.clock.advance(Duration::minutes(10));
    let paid_at = app.clock.now().timestamp();
    app.clock.advance(Duration::minutes(5));
    command(&app, "end", json!([option("lobby", &code)]), HOST, false).await;
    // Delivered a day after the race: still the race's sale.
    app.clock.advance(Duration::days(1));
    let (_, answer) = post_stripe(
        &app,
        stripe_checkout("evt_late", "pi_late", 5000, "usd", paid_at, None),
    )
    .await;
    assert_eq!(answer["status"], "recorded");
    assert_eq!(wallet(&app, RACER_A, "USD").await.1, "10.00");
    // Paid after the race ended: the house keeps it.
    let after = app.clock.now().timestamp();
    post_stripe(
        &app,
        stripe_checkout("evt_after", "pi_after", 5000, "usd", after, None),
    )
    .await;
    assert_eq!(wallet(&app, RACER_A, "USD").await.1, "10.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(late_delivery_is_attributed_by_sale_time);

async fn window_and_roster_edges_count_whole_seconds(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let start = app.clock.now();
    // /start 700 ms into second S: a sale stamped S still counts (inclusive start).
    app.clock.set(start + Duration::milliseconds(700));
    let code = create_lobby(&app, "Edges").await;
    command(
        &app,
        "join",
        json!([option("lobby", &code)]),
        RACER_A,
        false,
    )
    .await;
    command(
        &app,
        "join",
        json!([option("lobby", &code)]),
        RACER_B,
        false,
    )
    .await;
    command(&app, "start", json!([option("lobby", &code)]), HOST, false).await;
    // B leaves at S+10.3 s: sales stamped up to S+10 pay both, later ones only A.
    app.clock.set(start + Duration::milliseconds(10_300));
    command(
        &app,
        "leave",
        json!([option("lobby", &code)]),
        RACER_B,
        false,
    )
    .await;
    // /end at S+20.3 s: a sale stamped S+20 counts (inclusive end), S+21 does not.
    app.clock.set(start + Duration::milliseconds(20_300));
    command(&app, "end", json!([option("lobby", &code)]), HOST, false).await;
    app.clock.advance(Duration::minutes(1));
    let s = start.timestamp();
    let sales = [
        ("evt_open", s, 1000),
        ("evt_left", s + 10, 1000),
        ("evt_after_leave", s + 11, 1000),
        ("evt_end", s + 20, 1000),
        ("evt_late", s + 21, 1000),
    ];
    for (id, created, amount) in sales {
        let (_, answer) = post_stripe(
            &app,
            stripe_checkout(id, &format!("pi_{id}"), amount, "usd", created, None),
        )
        .await;
        assert_eq!(answer["status"], "recorded", "{answer}");
    }
    // A: 1.00 + 1.00 + 2.00 + 2.00; B: 1.00 + 1.00; the last sale is the house's.
    assert_eq!(wallet(&app, RACER_A, "USD").await.1, "6.00");
    assert_eq!(wallet(&app, RACER_B, "USD").await.1, "2.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(window_and_roster_edges_count_whole_seconds);

async fn admin_api_needs_its_token(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let response = app
        .client()
        .get(format!("{}/api/admin/ledger/verify", app.address))
        .insert_header(("Authorization", "Bearer wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, report) = admin_get(&app, "/api/admin/ledger/verify").await;
    assert_eq!((status, report["ok"].as_bool()), (200, Some(true)));
    let (status, _) = post(
        &app,
        "/api/admin/payouts",
        br#"{"discord_id":"1","amount":"5.00","currency":"USD"}"#.to_vec(),
        &[("Authorization", "Bearer wrong".into())],
    )
    .await;
    assert_eq!(status, 401);
    let auth = [("Authorization", format!("Bearer {ADMIN_TOKEN}"))];
    let (status, answer) = post(
        &app,
        "/api/admin/payouts",
        br#"{"discord_id":"1","guild_id":"1200000000000000001","amount":"5.00","currency":"USD","force":true}"#.to_vec(),
        &auth,
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("over_available")),
        "{answer}"
    );
    // The admin API parses a payout as `/payout` does.
    for (body, code) in [
        (
            r#"{"discord_id":"1","guild_id":"7","amount":"5.00","currency":"USD","method":"paypal"}"#,
            "invalid_method",
        ),
        (
            r#"{"discord_id":"1","guild_id":"7","amount":"5.001","currency":"USD"}"#,
            "invalid_amount",
        ),
        (r#"{"discord_id":"1","amount":"5.00"}"#, "no_earnings"),
    ] {
        let (status, answer) = post(&app, "/api/admin/payouts", body.into(), &auth).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(code)),
            "{answer}"
        );
    }
    app.assert_ledger_balances().await;
}
on_both_engines!(admin_api_needs_its_token);

async fn admin_input_errors_are_json_and_discount_codes_tag_sales(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = create_lobby(&app, "Codes").await;
    let auth = [("Authorization", format!("Bearer {ADMIN_TOKEN}"))];
    let path = format!("/api/admin/lobbies/{code}/discount-codes");
    let (status, answer) = post(&app, &path, b"{not json".to_vec(), &auth).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("malformed_body")),
        "{answer}"
    );
    let (status, answer) = post(&app, &path, br#"{"code":"kartfan10"}"#.to_vec(), &auth).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (200, Some("KARTFAN10")),
        "{answer}"
    );
    let (status, answer) = admin_get(&app, "/api/admin/export?year=soon").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("malformed_query")),
        "{answer}"
    );
}
on_both_engines!(admin_input_errors_are_json_and_discount_codes_tag_sales);
