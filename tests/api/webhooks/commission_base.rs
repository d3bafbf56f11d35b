//! `commission.base`: the pool from the whole sale (`total`) or from the goods
//! alone (`subtotal`, shipping and tax left out); the sale keeps its full amount and
//! a partial refund reverses the same proportion of the pool either way.

use super::*;

/// A Stripe sale of 26.00: 20.00 of goods less a 2.00 discount, 5.00 shipping and
/// 3.00 tax.
fn session_with_shipping_and_tax(now: i64) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&stripe_checkout(
        "evt_base", "pi_base", 2600, "usd", now, None,
    ))
    .unwrap();
    let session = &mut event["data"]["object"];
    session["amount_subtotal"] = json!(2000);
    session["total_details"] =
        json!({"amount_discount": 200, "amount_shipping": 500, "amount_tax": 300});
    serde_json::to_vec(&event).unwrap()
}

async fn both_bases_with_a_partial_refund(engine: Engine) {
    // (base, Stripe pool, after half is refunded, Shopify pool, after its refund)
    for (base, pool, after, shop_pool, shop_after) in [
        ("total", "5.20", "2.60", "6.30", "5.58"),
        // 18.00 x 20 %; Shopify 27.00 x 20 % = 5.40, less 5.40 x 3.60 / 31.50.
        ("subtotal", "3.60", "1.80", "5.40", "4.79"),
    ] {
        let app = spawn_app(
            engine,
            &full_config(&format!("[commission]\nbase = \"{base}\"")),
        )
        .await;
        open_lobby(&app, &[RACER_A]).await;
        let now = app.clock.now().timestamp();
        let (_, answer) = post_stripe(&app, session_with_shipping_and_tax(now)).await;
        assert_eq!(answer["status"], "recorded", "{answer}");
        assert_eq!(wallet(&app, RACER_A, "USD").await.1, pool, "{base}");
        let (_, sales) = admin_get(&app, "/api/admin/sales").await;
        assert_eq!(sales["sales"][0]["amount"], "26.00", "{base}");
        assert_eq!(sales["sales"][0]["commission_pool"], pool, "{base}");
        let (_, answer) = post_stripe(
            &app,
            stripe_refund("evt_base_r", "pi_base", 2600, 1300, now),
        )
        .await;
        assert_eq!(answer["status"], "refund_applied", "{answer}");
        assert_eq!(wallet(&app, RACER_A, "USD").await.1, after, "{base}");

        // Shopify: 31.50 with 4.50 shipping; 27.00 of goods (VAT included).
        app.clock
            .set(Utc.with_ymd_and_hms(2025, 10, 9, 8, 54, 0).unwrap());
        let vectors: Value = serde_json::from_slice(include_bytes!(
            "../../fixtures/webhooks/shopify/signatures.json"
        ))
        .unwrap();
        for (i, body) in [
            &include_bytes!("../../fixtures/webhooks/shopify/orders_paid.json")[..],
            &include_bytes!("../../fixtures/webhooks/shopify/refunds_create.json")[..],
        ]
        .into_iter()
        .enumerate()
        {
            let h = &vectors["vectors"][i]["headers"];
            let headers: Vec<(&str, String)> = ["X-Shopify-Topic", "X-Shopify-Hmac-Sha256"]
                .into_iter()
                .map(|name| (name, h[name].as_str().unwrap().to_owned()))
                .collect();
            let (status, answer) =
                post(&app, "/webhooks/shopify/eu", body.to_vec(), &headers).await;
            assert_eq!(status, 200, "{answer}");
            let expected = if i == 0 { shop_pool } else { shop_after };
            assert_eq!(wallet(&app, RACER_A, "EUR").await.1, expected, "{base}");
        }
        app.assert_ledger_balances().await;
    }
}
on_both_engines!(both_bases_with_a_partial_refund);
