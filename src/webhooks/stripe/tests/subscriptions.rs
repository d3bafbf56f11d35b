//! Subscription checkouts: the session and its first invoice are one purchase,
//! keyed on the invoice; renewals and other invoices are not sales.

use super::*;

const INVOICE_ID: &str = "in_test_1CozyKartPitCrewPass001";

fn sale(body: &[u8]) -> SaleEvent {
    match parse(body, "merch").unwrap() {
        ShopEvent::Sale(sale) => sale,
        other => panic!("{other:?}"),
    }
}

fn ignored(body: &[u8]) -> String {
    match parse(body, "merch").unwrap() {
        ShopEvent::Ignored { reason, .. } => reason,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_subscription_checkout_is_keyed_on_its_first_invoice() {
    let sale = sale(SUBSCRIPTION);
    assert_eq!(sale.event_id, "evt_test_1CozyKartPitCrewDone001");
    assert_eq!(sale.sale_id, INVOICE_ID);
    assert_eq!(
        sale.refs,
        vec![
            "cs_test_a1CozyKartPitCrewPass01".to_string(),
            INVOICE_ID.into()
        ]
    );
    assert_eq!(sale.amount, money("15.00", "USD"));
    assert_eq!(sale.subtotal, Some(money("15.00", "USD")));
    assert_eq!(sale.sold_at, at(1760003006));
    // Bought through the lobby's Payment Link.
    assert_eq!(sale.lobby_tag.as_deref(), Some("K7QX"));
    assert_eq!(sale.buyer.public_name(), None);
}

#[test]
fn its_invoice_paid_is_the_same_sale() {
    let invoice = sale(INVOICE);
    assert_eq!(invoice.event_id, "evt_test_1CozyKartPitCrewPaid001");
    assert_eq!(invoice.sale_id, INVOICE_ID);
    assert_eq!(invoice.refs, vec![INVOICE_ID.to_string()]);
    assert_eq!(invoice.amount, money("15.00", "USD"));
    assert_eq!(invoice.subtotal, Some(money("15.00", "USD")));
    assert_eq!(invoice.sold_at, at(1760003004));
    assert_eq!(invoice.lobby_tag, None);
    assert_eq!(invoice.buyer.name.as_deref(), Some("Pip Tester"));
    assert!(!invoice.buyer.public);
    // Either twin names the other's key, so whichever comes second is a duplicate.
    assert!(sale(SUBSCRIPTION).refs.contains(&invoice.sale_id));

    let succeeded = edited(INVOICE, |e, _| {
        e["type"] = json!("invoice.payment_succeeded")
    });
    assert_eq!(sale(&succeeded).sale_id, INVOICE_ID);
}

#[test]
fn renewals_and_other_invoices_are_not_sales() {
    for reason in ["subscription_cycle", "subscription_update", "manual"] {
        let body = edited(INVOICE, |_, o| o["billing_reason"] = json!(reason));
        assert!(ignored(&body).contains(reason), "{reason}");
    }
    let no_reason = edited(INVOICE, |_, o| o["billing_reason"] = Value::Null);
    ignored(&no_reason);
    let open = edited(INVOICE, |_, o| o["status"] = json!("open"));
    assert!(ignored(&open).contains("not paid"));
    let trial = edited(INVOICE, |_, o| o["amount_paid"] = json!(0));
    assert!(ignored(&trial).contains("nothing paid"));
    let negative = edited(INVOICE, |_, o| o["amount_paid"] = json!(-1500));
    assert_eq!(parse(&negative, "m").unwrap_err().code(), "invalid_amount");
}

#[test]
fn invoices_read_tags_and_links_of_every_api_version() {
    // From 2025-03-31: the subscription's metadata under `parent`.
    let parent = edited(INVOICE, |_, o| {
        o["parent"]["subscription_details"]["metadata"] = json!({"lobby": "K7QX"});
    });
    assert_eq!(sale(&parent).lobby_tag.as_deref(), Some("K7QX"));
    // Earlier versions: `subscription_details`, and the PaymentIntent and Charge
    // that paid the invoice, which later refunds and disputes name.
    let older = edited(INVOICE, |e, o| {
        e["api_version"] = json!("2024-06-20");
        o["parent"] = Value::Null;
        o["subscription_details"] = json!({"metadata": {"cozy_kart_lobby_id": "M8RZ"}});
        o["payment_intent"] = json!("pi_test_1CozyKartPitCrewPass");
        o["charge"] = json!({"id": "ch_test_1CozyKartPitCrewPass", "object": "charge"});
    });
    let older = sale(&older);
    assert_eq!(older.lobby_tag.as_deref(), Some("M8RZ"));
    assert_eq!(
        older.refs,
        vec![
            INVOICE_ID.to_string(),
            "pi_test_1CozyKartPitCrewPass".into(),
            "ch_test_1CozyKartPitCrewPass".into()
        ]
    );
    let own = edited(INVOICE, |_, o| o["metadata"] = json!({"lobby": "Q2WE"}));
    assert_eq!(sale(&own).lobby_tag.as_deref(), Some("Q2WE"));
}

#[test]
fn invoice_subtotal_is_less_its_discounts() {
    let discounted = edited(INVOICE, |_, o| {
        o["subtotal"] = json!(2000);
        o["total_discount_amounts"] =
            json!([{"amount": 300, "discount": "di_1"}, {"amount": 200, "discount": "di_2"}]);
    });
    assert_eq!(sale(&discounted).subtotal, Some(money("15.00", "USD")));
    let none = edited(INVOICE, |_, o| o["subtotal"] = Value::Null);
    assert_eq!(sale(&none).subtotal, None);
}

#[test]
fn payments_of_an_invoice_are_credited_from_the_invoice_only() {
    // API versions before 2025-03-31 say which invoice a PaymentIntent pays.
    let pays_invoice = edited(INTENT, |_, o| o["invoice"] = json!(INVOICE_ID));
    assert!(ignored(&pays_invoice).contains(INVOICE_ID));
    // A refund of such a payment finds the sale by its invoice.
    let refund = edited(REFUNDED, |_, o| o["invoice"] = json!(INVOICE_ID));
    let ShopEvent::Refund(refund) = parse(&refund, "merch").unwrap() else {
        panic!()
    };
    assert_eq!(refund.sale_ref, INVOICE_ID);
}

#[test]
fn a_session_names_every_id_its_purchase_may_come_back_under() {
    let with_invoice = edited(SESSION, |_, o| o["invoice"] = json!("in_test_receipt"));
    let sale = sale(&with_invoice);
    assert_eq!(sale.sale_id, "pi_test_3CozyKartMochiPlush0001");
    assert_eq!(
        sale.refs,
        vec![
            "cs_test_a1CozyKartMochiPlush0001".to_string(),
            "pi_test_3CozyKartMochiPlush0001".into(),
            "in_test_receipt".into()
        ]
    );
    let expanded = edited(SUBSCRIPTION, |_, o| {
        o["invoice"] = json!({"id": INVOICE_ID, "object": "invoice"});
    });
    assert_eq!(super::subscriptions::sale(&expanded).sale_id, INVOICE_ID);
}
