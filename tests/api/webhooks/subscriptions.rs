//! Stripe subscription checkouts over HTTP: the session and its first invoice are
//! one purchase, credited once whichever comes first; renewals are not sales; a
//! Payment Link's `client_reference_id` names the lobby.

use super::*;
use cozykart::lobby::checkout_links::CheckoutLinks;

const SESSION: &[u8] =
    include_bytes!("../../fixtures/webhooks/stripe/checkout_session_completed_subscription.json");
const INVOICE: &[u8] = include_bytes!("../../fixtures/webhooks/stripe/invoice_paid.json");

/// A fixture as a delivery of purchase `n`, created `at`, with `edit` applied to its
/// object: fresh event, session and invoice ids.
fn purchase(fixture: &[u8], n: u32, at: i64, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(fixture).unwrap();
    let kind = event["type"].as_str().unwrap().to_owned();
    event["id"] = json!(format!("evt_{n}_{kind}"));
    event["created"] = json!(at);
    let object = &mut event["data"]["object"];
    let invoice = format!("in_sub_{n}");
    if object["object"] == "invoice" {
        object["id"] = json!(invoice);
    } else {
        object["id"] = json!(format!("cs_sub_{n}"));
        object["invoice"] = json!(invoice);
    }
    edit(object);
    serde_json::to_vec(&event).unwrap()
}

async fn a_subscription_checkout_and_its_invoice_credit_once_in_either_order(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    let code = open_lobby(&app, &[RACER_A, RACER_B]).await;
    let now = app.clock.now().timestamp();
    // Bought through the lobby's Payment Link: the code in a form Stripe keeps.
    let link =
        |o: &mut Value| o["client_reference_id"] = json!(format!("lobby-{}", code.to_lowercase()));
    let orders: [[&[u8]; 2]; 2] = [[SESSION, INVOICE], [INVOICE, SESSION]];
    for (n, order) in (1..).zip(orders) {
        let mut answers = Vec::new();
        for fixture in order {
            let body = purchase(fixture, n, now, link);
            let (status, answer) = post_stripe(&app, body).await;
            assert_eq!(status, 200, "{answer}");
            answers.push(answer["status"].as_str().unwrap().to_owned());
        }
        assert_eq!(answers, ["recorded", "duplicate"], "purchase {n}");
        let lobby = lobby_json(&app, &code).await;
        assert_eq!(sales_count(&app).await, u64::from(n));
        // 15.00 x 20 % = 3.00 a purchase, 1.50 each.
        let each = ["1.50", "3.00"][n as usize - 1];
        assert_eq!(wallet(&app, RACER_A, "USD").await.1, each, "{lobby}");
        assert_eq!(wallet(&app, RACER_B, "USD").await.1, each);
    }
    let (_, sales) = admin_get(&app, "/api/admin/sales").await;
    let lobby_id = lobby_admin_json(&app, &code).await["id"].clone();
    for sale in sales["sales"].as_array().unwrap() {
        assert_eq!(sale["lobby_ids"], json!([lobby_id]), "{sale}");
        assert_eq!(sale["amount"], "15.00");
    }
    app.assert_ledger_balances().await;
}
on_both_engines!(a_subscription_checkout_and_its_invoice_credit_once_in_either_order);

async fn renewals_are_not_sales_and_refunds_find_the_first_payment(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    let now = app.clock.now().timestamp();
    let (_, answer) = post_stripe(&app, purchase(SESSION, 1, now, |_| {})).await;
    assert_eq!(answer["status"], "recorded", "{answer}");
    for reason in ["subscription_cycle", "subscription_update", "manual"] {
        let renewal = purchase(INVOICE, 2, now, |o| o["billing_reason"] = json!(reason));
        let (status, answer) = post_stripe(&app, renewal).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some("ignored")),
            "{answer}"
        );
    }
    // API versions before 2025-03-31: the PaymentIntent names its invoice and is
    // not a second sale; its charge's refund names the invoice too.
    let mut intent: Value = serde_json::from_slice(include_bytes!(
        "../../fixtures/webhooks/stripe/payment_intent_succeeded.json"
    ))
    .unwrap();
    intent["id"] = json!("evt_pi_sub_1");
    intent["data"]["object"]["invoice"] = json!("in_sub_1");
    let (_, answer) = post_stripe(&app, serde_json::to_vec(&intent).unwrap()).await;
    assert_eq!(answer["status"], "ignored", "{answer}");
    assert_eq!(sales_count(&app).await, 1);
    assert_eq!(wallet(&app, RACER_A, "USD").await.1, "3.00");
    let mut refund: Value =
        serde_json::from_slice(&stripe_refund("evt_ref_sub_1", "pi_sub_1", 1500, 500, now))
            .unwrap();
    refund["data"]["object"]["invoice"] = json!("in_sub_1");
    let (_, answer) = post_stripe(&app, serde_json::to_vec(&refund).unwrap()).await;
    assert_eq!(answer["status"], "refund_applied", "{answer}");
    // A third of 15.00 refunded: 1.00 of the 3.00 back.
    assert_eq!(wallet(&app, RACER_A, "USD").await.1, "2.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(renewals_are_not_sales_and_refunds_find_the_first_payment);

async fn a_payment_link_carries_its_lobby_to_the_sale(engine: Engine) {
    let config = full_config("").replace(
        "https://shop.example/merch?lobby=",
        "https://buy.stripe.com/test_28o5lq3Xa8Hm0XS000",
    );
    let app = spawn_app(engine, &config).await;
    let first = open_lobby(&app, &[RACER_A]).await;
    app.clock.advance(Duration::minutes(1));
    open_lobby(&app, &[RACER_B]).await;
    let link = CheckoutLinks::new(&app.state.config.shops)
        .checkout_url(None, &first.parse().unwrap())
        .unwrap();
    assert_eq!(
        link,
        format!("https://buy.stripe.com/test_28o5lq3Xa8Hm0XS000?client_reference_id=lobby-{first}")
    );
    let (_, reference) = link.split_once("client_reference_id=").unwrap();
    let now = app.clock.now().timestamp();
    let mut body: Value = serde_json::from_slice(&stripe_checkout(
        "evt_link", "pi_link", 1000, "usd", now, None,
    ))
    .unwrap();
    body["data"]["object"]["client_reference_id"] = json!(reference);
    let (_, answer) = post_stripe(&app, serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(answer["status"], "recorded", "{answer}");
    // Tagged: all of the 2.00 pool to the first lobby, though two windows are open.
    assert_eq!(wallet(&app, RACER_A, "USD").await.1, "2.00");
    assert_eq!(wallet(&app, RACER_B, "USD").await.1, "0.00");
    app.assert_ledger_balances().await;
}
on_both_engines!(a_payment_link_carries_its_lobby_to_the_sale);
