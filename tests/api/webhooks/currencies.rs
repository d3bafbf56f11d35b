//! Stripe's special-case currencies over HTTP: each sale and its partial refund
//! credited and reversed in the currency's ISO units; an amount those units cannot
//! hold refused with nothing recorded.

use super::*;

/// (currency, Stripe amount of the sale, refunded, and then in ISO units: the sale,
/// its pool, the refund, and each of two racers' pending share after it).
#[rustfmt::skip]
const CASES: &[(&str, i64, i64, &str, &str, &str, &str)] = &[
    ("isk", 50_000, 20_000, "500", "100", "200", "30"),
    ("ugx", 1_000_000, 400_000, "10000", "2000", "4000", "600"),
    ("huf", 50_050, 20_020, "500.50", "100.10", "200.20", "30.03"),
    ("twd", 12_300, 4_500, "123.00", "24.60", "45.00", "7.80"),
    ("mga", 10_000, 4_000, "10000.00", "2000.00", "4000.00", "600.00"),
    ("bhd", 12_340, 5_000, "12.340", "2.468", "5.000", "0.734"),
    ("jod", 12_340, 5_000, "12.340", "2.468", "5.000", "0.734"),
    ("kwd", 5_120, 2_050, "5.120", "1.024", "2.050", "0.307"),
    ("omr", 12_340, 5_000, "12.340", "2.468", "5.000", "0.734"),
    ("tnd", 12_340, 5_000, "12.340", "2.468", "5.000", "0.734"),
];

async fn special_currencies_are_credited_and_refunded_in_iso_units(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A, RACER_B]).await;
    let now = app.clock.now().timestamp();
    for &(code, sale_minor, refunded_minor, amount, pool, refunded, pending) in CASES {
        let pi = format!("pi_{code}");
        let sale = stripe_checkout(&format!("evt_s_{code}"), &pi, sale_minor, code, now, None);
        let (status, answer) = post_stripe(&app, sale).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some("recorded")),
            "{answer}"
        );
        let mut refund: Value = serde_json::from_slice(&stripe_refund(
            &format!("evt_r_{code}"),
            &pi,
            sale_minor,
            refunded_minor,
            now,
        ))
        .unwrap();
        refund["data"]["object"]["currency"] = json!(code);
        let refund = serde_json::to_vec(&refund).unwrap();
        let (status, answer) = post_stripe(&app, refund).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some("refund_applied")),
            "{answer}"
        );
        let upper = code.to_uppercase();
        let (_, sales) = admin_get(&app, "/api/admin/sales?limit=100").await;
        let row = sales["sales"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["currency"] == upper.as_str())
            .unwrap_or_else(|| panic!("no {upper} sale in {sales}"));
        assert_eq!(row["amount"], amount, "{upper}");
        assert_eq!(row["commission_pool"], pool, "{upper}");
        assert_eq!(row["refunded"], refunded, "{upper}");
        for racer in [RACER_A, RACER_B] {
            assert_eq!(wallet(&app, racer, &upper).await.1, pending, "{upper}");
        }
    }
    assert_eq!(sales_count(&app).await, CASES.len() as u64);
    app.assert_ledger_balances().await;
}
on_both_engines!(special_currencies_are_credited_and_refunded_in_iso_units);

async fn an_amount_the_iso_unit_cannot_hold_is_refused(engine: Engine) {
    let app = spawn_app(engine, &full_config("")).await;
    open_lobby(&app, &[RACER_A]).await;
    let now = app.clock.now().timestamp();
    for (code, amount) in [("isk", 50_050), ("ugx", 1_000_001)] {
        let body = stripe_checkout(&format!("evt_{code}"), "pi_odd", amount, code, now, None);
        let (status, answer) = post_stripe(&app, body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_amount")),
            "{answer}"
        );
    }
    assert_eq!(sales_count(&app).await, 0);
    app.assert_ledger_balances().await;
}
on_both_engines!(an_amount_the_iso_unit_cannot_hold_is_refused);
