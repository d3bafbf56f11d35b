//! One Stripe purchase, two events: `payment_intent.succeeded` (untagged) and
//! `checkout.session.completed` (tagged). Whichever comes first, the tagged lobby
//! ends with the whole pool, the others with nothing, and a third delivery
//! changes nothing.

use super::*;
use crate::overlay::{connect, next_frame};

/// North (racer A) and South (racer B), both racing; returns their codes.
async fn two_races(app: &TestApp) -> (String, String) {
    let north = open_lobby(app, &[RACER_A]).await;
    app.clock.advance(Duration::minutes(1));
    let south = open_lobby(app, &[RACER_B]).await;
    app.clock.advance(Duration::minutes(1));
    (north, south)
}

async fn pending(app: &TestApp, racer: &str) -> String {
    wallet(app, racer, "USD").await.1
}

async fn pot(app: &TestApp, code: &str) -> Value {
    lobby_json(app, code).await["pot"]["USD"].clone()
}

async fn status(app: &TestApp, body: Vec<u8>) -> String {
    let (code, answer) = post_stripe(app, body).await;
    assert_eq!(code, 200, "{answer}");
    answer["status"].as_str().unwrap().to_owned()
}

async fn tagged_session_after_intent_moves_the_sale_to_its_lobby(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let (north, south) = two_races(&app).await;
    let mut south_overlay = connect(&app, &south).await;
    assert_eq!(next_frame(&mut south_overlay).await["type"], "snapshot");
    let now = app.clock.now().timestamp();
    let intent = stripe_payment_intent("evt_pi_1", "pi_1", 1000, "usd", now);
    assert_eq!(status(&app, intent.clone()).await, "recorded");
    // Untagged while both race: 2.00 split 1.00 / 1.00.
    assert_eq!(pending(&app, RACER_A).await, "1.00");
    assert_eq!(pending(&app, RACER_B).await, "1.00");
    let sale = next_frame(&mut south_overlay).await;
    assert_eq!(
        (&sale["type"], &sale["pot"]["USD"]),
        (&json!("sale"), &json!("1.00"))
    );

    app.clock.advance(Duration::seconds(2));
    let session = stripe_checkout("evt_cs_1", "pi_1", 1000, "usd", now, Some(&north));
    assert_eq!(status(&app, session.clone()).await, "reattributed");
    assert_eq!(pending(&app, RACER_A).await, "2.00");
    assert_eq!(pending(&app, RACER_B).await, "0.00");
    assert_eq!(pot(&app, &north).await, "2.00");
    assert_eq!(pot(&app, &south).await, "0.00");
    let drop = next_frame(&mut south_overlay).await;
    assert_eq!(drop["type"], "refund", "{drop}");
    assert_eq!(drop["pool_delta"], "-1.00");
    assert_eq!(drop["pot"]["USD"], "0.00");
    assert_eq!(sales_count(&app).await, 1);
    app.assert_ledger_balances().await;

    // A third delivery, replayed or new, tagged to either lobby, is a duplicate.
    let other = stripe_checkout("evt_cs_2", "pi_1", 1000, "usd", now, Some(&south));
    for body in [intent, session, other] {
        assert_eq!(status(&app, body).await, "duplicate");
    }
    assert_eq!(pending(&app, RACER_A).await, "2.00");
    assert_eq!(pending(&app, RACER_B).await, "0.00");
    assert_eq!(pot(&app, &north).await, "2.00");
    assert_eq!(pot(&app, &south).await, "0.00");
    app.assert_ledger_balances().await;

    // A later refund claws back from North's racer only.
    let refund = stripe_refund("evt_re_1", "pi_1", 1000, 500, now);
    let (_, answer) = post_stripe(&app, refund).await;
    assert_eq!(answer["status"], "refund_applied", "{answer}");
    assert_eq!(pending(&app, RACER_A).await, "1.00");
    assert_eq!(pending(&app, RACER_B).await, "0.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(tagged_session_after_intent_moves_the_sale_to_its_lobby);

async fn intent_after_tagged_session_changes_nothing(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let (north, south) = two_races(&app).await;
    let now = app.clock.now().timestamp();
    let session = stripe_checkout("evt_cs_1", "pi_1", 1000, "usd", now, Some(&north));
    assert_eq!(status(&app, session.clone()).await, "recorded");
    let intent = stripe_payment_intent("evt_pi_1", "pi_1", 1000, "usd", now);
    for body in [intent.clone(), intent, session] {
        assert_eq!(status(&app, body).await, "duplicate");
        assert_eq!(pending(&app, RACER_A).await, "2.00");
        assert_eq!(pending(&app, RACER_B).await, "0.00");
        assert_eq!(pot(&app, &north).await, "2.00");
        assert_eq!(pot(&app, &south).await, Value::Null);
    }
    assert_eq!(sales_count(&app).await, 1);
    app.assert_ledger_balances().await;
}
on_both_engines!(intent_after_tagged_session_changes_nothing);

async fn refunded_sale_keeps_its_first_attribution(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let (north, _) = two_races(&app).await;
    let now = app.clock.now().timestamp();
    let intent = stripe_payment_intent("evt_pi_1", "pi_1", 1000, "usd", now);
    assert_eq!(status(&app, intent).await, "recorded");
    let refund = stripe_refund("evt_re_1", "pi_1", 1000, 500, now);
    assert_eq!(status(&app, refund).await, "refund_applied");
    let session = stripe_checkout("evt_cs_1", "pi_1", 1000, "usd", now, Some(&north));
    assert_eq!(status(&app, session).await, "duplicate");
    assert_eq!(pending(&app, RACER_A).await, "0.50");
    assert_eq!(pending(&app, RACER_B).await, "0.50");
    app.assert_ledger_balances().await;
}
on_both_engines!(refunded_sale_keeps_its_first_attribution);
