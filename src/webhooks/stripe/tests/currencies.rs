//! Stripe's special-case currencies through the parser, both ways: a sale and a
//! `charge.refunded` of each, read in ISO units exactly or refused.

use super::*;

/// (currency, Stripe amount of the sale, the sale in ISO units, Stripe amount
/// refunded, the refund in ISO units).
#[rustfmt::skip]
const SPECIAL: &[(&str, i64, &str, i64, &str)] = &[
    ("isk", 50_000, "500", 20_000, "200"),
    ("ugx", 1_000_000, "10000", 400_000, "4000"),
    ("huf", 50_050, "500.50", 20_020, "200.20"),
    ("twd", 12_300, "123.00", 4_500, "45.00"),
    ("mga", 10_000, "10000.00", 4_000, "4000.00"),
    ("bhd", 12_340, "12.340", 5_000, "5.000"),
    ("jod", 12_340, "12.340", 5_000, "5.000"),
    ("kwd", 5_120, "5.120", 2_050, "2.050"),
    ("omr", 12_340, "12.340", 5_000, "5.000"),
    ("tnd", 12_340, "12.340", 5_000, "5.000"),
];

fn session_in(currency: &str, amount: i64) -> Vec<u8> {
    edited(SESSION, |_, o| {
        o["currency"] = json!(currency);
        o["amount_total"] = json!(amount);
        o["amount_subtotal"] = json!(amount);
        o["total_details"] = json!({"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0});
    })
}

fn refund_in(currency: &str, amount: i64, refunded: i64) -> Vec<u8> {
    edited(REFUNDED, |_, o| {
        o["currency"] = json!(currency);
        o["amount"] = json!(amount);
        o["amount_captured"] = json!(amount);
        o["amount_refunded"] = json!(refunded);
    })
}

#[test]
fn special_currencies_are_read_in_iso_units_both_ways() {
    for &(code, sale_minor, sale, refund_minor, refund) in SPECIAL {
        let ShopEvent::Sale(event) = parse(&session_in(code, sale_minor), "merch").unwrap() else {
            panic!("{code}: not a sale")
        };
        assert_eq!(event.amount, money(sale, code), "{code}");
        assert_eq!(event.amount.amount().to_string(), sale, "{code}");
        assert_eq!(event.subtotal, Some(money(sale, code)), "{code}");

        let body = refund_in(code, sale_minor, refund_minor);
        let ShopEvent::Refund(event) = parse(&body, "merch").unwrap() else {
            panic!("{code}: not a refund")
        };
        assert_eq!(event.amount, RefundAmount::Cumulative(money(refund, code)));
        // The refund key keeps Stripe's own running total.
        assert_eq!(
            event.refund_id,
            format!("ch_test_3CozyKartMochiPlush0001:{refund_minor}")
        );
    }
}

#[test]
fn payment_intents_and_disputes_convert_too() {
    let intent = edited(INTENT, |_, o| {
        o["currency"] = json!("isk");
        o["amount_received"] = json!(50_000);
    });
    let ShopEvent::Sale(sale) = parse(&intent, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(sale.amount, money("500", "ISK"));
    let dispute = edited(DISPUTE, |_, o| {
        o["currency"] = json!("kwd");
        o["amount"] = json!(5_120);
    });
    let ShopEvent::Refund(refund) = parse(&dispute, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(
        refund.amount,
        RefundAmount::Incremental(money("5.120", "KWD"))
    );
}

#[test]
fn an_amount_the_iso_unit_cannot_hold_is_refused() {
    for (code, amount) in [("isk", 50_050), ("ugx", 1_000_001), ("isk", 99)] {
        let err = parse(&session_in(code, amount), "merch").unwrap_err();
        assert_eq!(err.code(), "invalid_amount", "{code} {amount}");
        let err = parse(&refund_in(code, 100_000, amount), "merch").unwrap_err();
        assert_eq!(err.code(), "invalid_amount", "{code} {amount}");
    }
}

#[test]
fn a_subtotal_that_cannot_be_read_never_refuses_the_sale() {
    for subtotal in [json!(50_050), json!(i64::MAX), json!(null)] {
        let body = edited(&session_in("isk", 50_000), |_, o| {
            o["amount_subtotal"] = subtotal.clone();
        });
        let ShopEvent::Sale(sale) = parse(&body, "merch").unwrap() else {
            panic!()
        };
        assert_eq!(sale.amount, money("500", "ISK"));
        assert_eq!(sale.subtotal, None, "{subtotal}");
    }
}
