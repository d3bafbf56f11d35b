//! The simulation's sales and refunds: Stripe, Shopify and Ko-fi webhooks as
//! each provider sends them (and sends them again), the model told what the
//! server acknowledged, and the wallets and pots checked after each.

use rand::Rng;

use super::model::{Provider, Reported, Sale};
use super::shops::*;
use super::{Sim, SHOPIFY_GUILD_SHOP, STRIPE_GUILD_SHOP};
use crate::signing::{
    post, stripe_checkout, stripe_dispute, stripe_payment_intent, stripe_refund, stripe_signature,
};

/// One webhook delivery, as its provider sends it (and sends it again).
pub(super) enum Delivery {
    Stripe {
        shop: &'static str,
        body: Vec<u8>,
    },
    Shopify {
        shop: &'static str,
        topic: &'static str,
        body: Vec<u8>,
        event: String,
    },
    Kofi {
        shop: &'static str,
        form: Vec<u8>,
    },
}

/// A Stripe checkout sale as a schedule draws it ([`Sim::draw_stripe_sale`]).
pub(super) struct StripeSale {
    pub(super) event: String,
    pub(super) pi: String,
    /// Minor units of USD.
    pub(super) amount: i64,
    pub(super) tag: Option<String>,
    pub(super) shop: &'static str,
    /// The guild the shop is bound to (`None`: it serves all).
    pub(super) guild: Option<usize>,
}

impl Sim {
    /// A sale from one of the shops: Stripe half the time (one in four of those
    /// a subscription), else Shopify or Ko-fi.
    pub(super) async fn sale(&mut self) {
        match self.rng.gen_range(0..8) {
            0..=2 => self.stripe_sale().await,
            3 => self.stripe_subscription().await,
            4 | 5 => self.shopify_sale().await,
            _ => self.kofi_sale().await,
        }
    }

    /// How late a sale is delivered (every provider's): mostly at once, one
    /// time in five up to three minutes after it was paid.
    fn lateness(&mut self) -> chrono::Duration {
        if self.rng.gen_bool(0.8) {
            return chrono::Duration::zero();
        }
        chrono::Duration::milliseconds(self.rng.gen_range(1..180_000))
    }

    /// A lobby's code for a tagged sale (two times in three, once a lobby exists).
    pub(super) fn pick_tag(&mut self) -> Option<String> {
        match self.rng.gen_range(0..3) {
            0 | 1 if !self.model.lobbies.is_empty() => {
                let i = self.rng.gen_range(0..self.model.lobbies.len());
                Some(self.model.lobbies[i].code.clone())
            }
            _ => None,
        }
    }

    /// Delivers a webhook; it must be answered 200 with `status` (any, if `None`).
    pub(super) async fn deliver(&self, what: &str, delivery: &Delivery, status: Option<&str>) {
        let (code, answer) = self.send(delivery).await;
        if code != 200 || status.is_some_and(|s| answer["status"] != s) {
            self.diverged(format!(
                "{what} answered {code} {answer}, the model 200 {status:?}"
            ));
        }
    }

    pub(super) async fn send(&self, delivery: &Delivery) -> (u16, serde_json::Value) {
        match delivery {
            Delivery::Stripe { shop, body } => {
                let signature = stripe_signature(body, self.app().clock.now().timestamp());
                let path = format!("/webhooks/stripe/{shop}");
                let headers = [("Stripe-Signature", signature)];
                post(self.app(), &path, body.clone(), &headers).await
            }
            Delivery::Shopify {
                shop,
                topic,
                body,
                event,
            } => post_shopify(self.app(), shop, topic, body.clone(), event).await,
            Delivery::Kofi { shop, form } => post_kofi(self.app(), shop, form.clone()).await,
        }
    }

    /// Delivers a new sale, now and then twice at once: one delivery records it,
    /// the other finds it recorded (`status` `None`: Stripe's answers are not
    /// looked at, its twins make them vary).
    async fn deliver_sale(&mut self, what: &str, delivery: &Delivery, status: Option<&str>) {
        self.maybe_fail_first(what, delivery).await;
        if !self.rng.gen_bool(0.1) {
            return self.deliver(what, delivery, status).await;
        }
        self.log.push(format!("{what} delivered twice at once"));
        let (a, b) = futures_util::future::join(self.send(delivery), self.send(delivery)).await;
        let mut statuses = [a.1["status"].clone(), b.1["status"].clone()];
        statuses.sort_by_key(|s| s.to_string());
        let expected = status.map(|s| [serde_json::json!("duplicate"), serde_json::json!(s)]);
        let agree = a.0 == 200 && b.0 == 200;
        let recorded_once = expected.is_none_or(|mut e| {
            e.sort_by_key(|s| s.to_string());
            e == statuses
        });
        if !agree || !recorded_once {
            self.diverged(format!(
                "{what} twice at once answered {} {} and {} {}",
                a.0, a.1, b.0, b.1
            ));
        }
    }

    /// A new Stripe checkout sale: its ids, amount and tag (or none), and the
    /// shop it comes to (one of every guild, or the second guild's).
    pub(super) fn draw_stripe_sale(&mut self) -> StripeSale {
        self.next_sale += 1;
        let (event, pi) = (
            format!("evt_sim_{}", self.next_sale),
            format!("pi_sim_{}", self.next_sale),
        );
        let amount = self.rng.gen_range(100..10_000);
        let tag = self.pick_tag();
        let (shop, guild) = if self.rng.gen_bool(0.3) {
            (STRIPE_GUILD_SHOP, Some(1))
        } else {
            ("main", None)
        };
        StripeSale {
            event,
            pi,
            amount,
            tag,
            shop,
            guild,
        }
    }

    async fn stripe_sale(&mut self) {
        let StripeSale {
            event,
            pi,
            amount,
            tag,
            shop,
            guild,
        } = self.draw_stripe_sale();
        // Now and then delivered late: paid up to three minutes ago, it counts for
        // the races and racers of that moment.
        let paid = self.app().clock.now() - self.lateness();
        let now = paid.timestamp();
        let mut body = stripe_checkout(&event, &pi, amount, "usd", now, tag.as_deref());
        let link = tag.is_some() && self.rng.gen_bool(0.3);
        if let (true, Some(code)) = (link, &tag) {
            body = self.through_payment_link(&body, code);
        }
        self.log.push(format!(
            "sale {pi} {amount} to {shop} tagged {tag:?}{} paid at {}",
            if link { " by a Payment Link" } else { "" },
            paid.format("%H:%M:%S%.3f")
        ));
        // Its PaymentIntent's own event, untagged, now and then before the session:
        // for an untagged sale it is the sale (the session then changes nothing);
        // before a tagged session, the session moves the sale to its lobby.
        let twin = stripe_payment_intent(&format!("{event}_pi"), &pi, amount, "usd", now);
        let twin_first = self.rng.gen_bool(0.15);
        let early = if twin_first {
            None
        } else {
            self.refund_before_sale(&pi, shop, amount, now).await
        };
        if twin_first {
            self.log.push(format!("its twin {pi} first"));
            let delivery = Delivery::Stripe {
                shop,
                body: twin.clone(),
            };
            self.deliver("twin", &delivery, None).await;
        }
        let delivery = Delivery::Stripe { shop, body };
        self.deliver_sale(&format!("sale {pi}"), &delivery, None)
            .await;
        let reported = Reported {
            provider: Provider::Stripe,
            shop,
            id: &pi,
            amount,
            guild,
            paid,
            received: self.app().clock.now(),
        };
        let paid = self
            .model
            .twin_sale(&pi, reported, tag.as_deref(), twin_first);
        if let Some(refunded) = early {
            self.model.refund(&pi, refunded);
        }
        if !twin_first && self.rng.gen_bool(0.15) {
            self.log.push(format!("its twin {pi} after"));
            let delivery = Delivery::Stripe { shop, body: twin };
            self.deliver("twin", &delivery, None).await;
        }
        self.maybe_again(&format!("sale {pi}"), delivery).await;
        self.check_racers(&paid).await;
        self.check_pots().await;
    }

    /// The session of a Payment Link the lobby's card offers: no metadata, the
    /// lobby in `client_reference_id` (`lobby-<CODE>` as the card's links carry
    /// it, or another prefix the server reads, in any case).
    fn through_payment_link(&mut self, body: &[u8], code: &str) -> Vec<u8> {
        let prefix = ["lobby-", "lobby_", "lobby:", "Lobby-", "LOBBY_"][self.rng.gen_range(0..5)];
        let mut event: serde_json::Value = serde_json::from_slice(body).expect("JSON");
        let session = &mut event["data"]["object"];
        session["metadata"] = serde_json::json!({});
        session["client_reference_id"] = serde_json::json!(format!("{prefix}{code}"));
        serde_json::to_vec(&event).expect("JSON")
    }

    /// A subscription bought through Checkout: the session (mode `subscription`,
    /// no PaymentIntent, tagged or not) and its first invoice (`invoice.paid`,
    /// `subscription_create`, untagged) are one purchase, keyed on the invoice,
    /// in either order: an invoice first is the sale, and the tagged session
    /// after it moves the sale to its lobby as a PaymentIntent's twin does. Now
    /// and then a renewal's invoice follows, which is no sale (`ignored`).
    async fn stripe_subscription(&mut self) {
        let StripeSale {
            event,
            pi,
            amount,
            tag,
            shop,
            guild,
        } = self.draw_stripe_sale();
        let invoice = pi.replacen("pi_", "in_", 1);
        let paid = self.app().clock.now() - self.lateness();
        let at = paid.timestamp();
        let link = tag.is_some() && self.rng.gen_bool(0.5);
        let session = subscription_session(&event, &invoice, amount, at, tag.as_deref(), link);
        let first_invoice = invoice_paid(
            &format!("{event}_in"),
            &invoice,
            amount,
            at,
            "subscription_create",
        );
        let invoice_first = self.rng.gen_bool(0.4);
        self.log.push(format!(
            "subscription {invoice} {amount} to {shop} tagged {tag:?}{}{} paid at {}",
            if link { " by a Payment Link" } else { "" },
            if invoice_first {
                ", its invoice first"
            } else {
                ""
            },
            paid.format("%H:%M:%S%.3f")
        ));
        let reported = Reported {
            provider: Provider::Stripe,
            shop,
            id: &invoice,
            amount,
            guild,
            paid,
            received: self.app().clock.now(),
        };
        let (first, then) = (
            Delivery::Stripe {
                shop,
                body: first_invoice,
            },
            Delivery::Stripe {
                shop,
                body: session,
            },
        );
        let (first, then) = if invoice_first {
            (first, then)
        } else {
            (then, first)
        };
        let what = format!("subscription {invoice}");
        self.deliver_sale(&what, &first, None).await;
        self.deliver(&format!("{what}, its twin"), &then, None)
            .await;
        let credited = self
            .model
            .twin_sale(&invoice, reported, tag.as_deref(), invoice_first);
        if self.rng.gen_bool(0.2) {
            self.next_sale += 1;
            let renewal = format!("in_sim_renewal_{}", self.next_sale);
            self.log.push(format!("{renewal} renews {invoice}"));
            let body = invoice_paid(
                &format!("evt_{renewal}"),
                &renewal,
                amount,
                self.app().clock.now().timestamp(),
                "subscription_cycle",
            );
            let delivery = Delivery::Stripe { shop, body };
            self.deliver(&format!("renewal {renewal}"), &delivery, Some("ignored"))
                .await;
        }
        self.maybe_again(&what, first).await;
        self.check_racers(&credited).await;
        self.check_pots().await;
    }

    /// Now and then a refund of a sale not delivered yet (`charge.refunded` may
    /// come first): kept (`refund_waiting`), and applied when the sale comes.
    /// Answers the running total refunded, if one was sent.
    async fn refund_before_sale(
        &mut self,
        pi: &str,
        shop: &'static str,
        amount: i64,
        now: i64,
    ) -> Option<i64> {
        if !self.rng.gen_bool(0.1) {
            return None;
        }
        let refunded = if self.rng.gen_bool(0.4) {
            amount
        } else {
            self.rng.gen_range(1..=amount)
        };
        let event = format!("evt_sim_early_refund_{pi}");
        let body = stripe_refund(&event, pi, amount, refunded, now);
        self.log.push(format!(
            "refund {pi} to {refunded} of {amount}, before its sale"
        ));
        let delivery = Delivery::Stripe { shop, body };
        let what = format!("refund {event}");
        self.deliver(&what, &delivery, Some("refund_waiting")).await;
        Some(refunded)
    }

    /// A Shopify order (ids past 2^53, as Shopify's are), with a `lobby` note
    /// attribute or none.
    async fn shopify_sale(&mut self) {
        self.next_sale += 1;
        let order = (1u64 << 53) + 2 * self.next_sale + 1;
        let amount = self.rng.gen_range(100..10_000);
        let tag = self.pick_tag();
        let (shop, guild) = if self.rng.gen_bool(0.4) {
            (SHOPIFY_GUILD_SHOP, Some(2))
        } else {
            (SHOPIFY_SHOP, None)
        };
        let paid = self.app().clock.now() - self.lateness();
        let body = shopify_order(order, amount, paid, tag.as_deref());
        self.log.push(format!(
            "shopify order {order} {amount} to {shop} tagged {tag:?} paid at {}",
            paid.format("%H:%M:%S%.3f")
        ));
        let delivery = Delivery::Shopify {
            shop,
            topic: "orders/paid",
            body,
            event: format!("sim-order-{order}"),
        };
        let what = format!("shopify order {order}");
        self.deliver_sale(&what, &delivery, Some("recorded")).await;
        let id = order.to_string();
        let reported = Reported {
            provider: Provider::Shopify,
            shop,
            id: &id,
            amount,
            guild,
            paid,
            received: self.app().clock.now(),
        };
        let paid = self
            .model
            .sale(&format!("shopify:{order}"), reported, tag.as_deref());
        self.maybe_again(&what, delivery).await;
        self.check_racers(&paid).await;
        self.check_pots().await;
    }

    /// A Ko-fi payment: a shop order or a donation, tagged with `#CODE` in the
    /// buyer's message (any case) or not; a donation to the shop that counts
    /// shop orders only is ignored.
    async fn kofi_sale(&mut self) {
        self.next_sale += 1;
        let (message_id, tx) = (
            format!("sim-kofi-message-{}", self.next_sale),
            format!("sim-kofi-{}", self.next_sale),
        );
        let (shop, kind) = match self.rng.gen_range(0..10) {
            0..=4 => (KOFI_TIPS_SHOP, "Shop Order"),
            5..=7 => (KOFI_TIPS_SHOP, "Donation"),
            8 => (KOFI_ORDERS_SHOP, "Shop Order"),
            _ => (KOFI_ORDERS_SHOP, "Donation"),
        };
        let counted = !(shop == KOFI_ORDERS_SHOP && kind == "Donation");
        let amount = self.rng.gen_range(100..10_000);
        let tag = self.pick_tag();
        let message = match &tag {
            Some(code) if self.rng.gen_bool(0.3) => format!("go go #{}!", code.to_lowercase()),
            Some(code) => format!("For the racers of #{code}, vroom"),
            None => "Vroom! Good luck all".to_owned(),
        };
        let paid = self.app().clock.now() - self.lateness();
        let form = kofi_payment(&message_id, &tx, kind, amount, paid, &message);
        self.log.push(format!(
            "ko-fi {kind} {tx} to {shop} {amount} tagged {tag:?} paid at {}",
            paid.format("%H:%M:%S%.3f")
        ));
        let delivery = Delivery::Kofi { shop, form };
        let what = format!("ko-fi {tx}");
        if !counted {
            self.deliver(&what, &delivery, Some("ignored")).await;
            return self.check_pots().await;
        }
        self.deliver_sale(&what, &delivery, Some("recorded")).await;
        let reported = Reported {
            provider: Provider::Kofi,
            shop,
            id: &tx,
            amount,
            guild: None,
            paid,
            received: self.app().clock.now(),
        };
        let paid = self
            .model
            .sale(&format!("kofi:{tx}"), reported, tag.as_deref());
        self.maybe_again(&what, delivery).await;
        self.check_racers(&paid).await;
        self.check_pots().await;
    }

    /// Now and then delivers again what was delivered, as a provider retrying
    /// would; it must be answered 200 and change nothing (the checks that
    /// follow say so).
    async fn maybe_again(&mut self, what: &str, delivery: Delivery) {
        if !self.rng.gen_bool(0.15) {
            return;
        }
        self.log.push(format!("{what} delivered again"));
        self.deliver(
            &format!("{what} delivered again"),
            &delivery,
            Some("duplicate"),
        )
        .await;
    }

    /// A refund of a Stripe or Shopify sale (Ko-fi tells of none).
    pub(super) async fn refund(&mut self) {
        let open: Vec<(&String, &Sale)> = self
            .model
            .sales
            .iter()
            .filter(|(_, sale)| sale.refunded < sale.amount && sale.provider != Provider::Kofi)
            .collect();
        if open.is_empty() {
            return;
        }
        let (key, sale) = open[self.rng.gen_range(0..open.len())];
        let (key, provider, shop) = (key.clone(), sale.provider, sale.shop);
        let (id, amount, before) = (sale.id.clone(), sale.amount, sale.refunded);
        match provider {
            Provider::Shopify => self.shopify_refund(&key, shop, &id, amount, before).await,
            // A subscription's refund names its invoice; its disputes are left out
            // (its charge is not in the events the schedule sends).
            _ if !key.starts_with("in_") && self.rng.gen_bool(0.2) => {
                self.stripe_dispute(&key, shop, amount, before).await
            }
            _ => self.stripe_refund(&key, shop, amount, before).await,
        }
    }

    /// `charge.refunded`, carrying the running total refunded.
    async fn stripe_refund(&mut self, pi: &str, shop: &'static str, amount: i64, before: i64) {
        let refunded = if self.rng.gen_bool(0.3) {
            amount
        } else {
            self.rng.gen_range(before + 1..=amount)
        };
        self.next_sale += 1;
        let event = format!("evt_sim_refund_{}", self.next_sale);
        let now = self.app().clock.now().timestamp();
        let body = match pi.strip_prefix("in_") {
            Some(rest) => invoice_refund(&event, pi, &format!("pi_{rest}"), amount, refunded, now),
            None => stripe_refund(&event, pi, amount, refunded, now),
        };
        self.log
            .push(format!("refund {pi} to {refunded} of {amount}"));
        let delivery = Delivery::Stripe { shop, body };
        self.deliver(
            &format!("refund {event}"),
            &delivery,
            Some("refund_applied"),
        )
        .await;
        let moved = self.model.refund(pi, refunded);
        self.maybe_again(&format!("refund {event}"), delivery).await;
        self.check_racers(&moved).await;
        self.check_pots().await;
    }

    /// `charge.dispute.created` for part or all of the charge: its amount is
    /// reversed at once, on top of what was refunded (never past the sale).
    async fn stripe_dispute(&mut self, pi: &str, shop: &'static str, amount: i64, before: i64) {
        let disputed = self.rng.gen_range(1..=amount);
        self.next_sale += 1;
        let event = format!("evt_sim_dispute_{}", self.next_sale);
        let dispute = format!("du_sim_{}", self.next_sale);
        let now = self.app().clock.now().timestamp();
        let body = stripe_dispute(&event, &dispute, pi, disputed, now);
        self.log.push(format!(
            "dispute {dispute} of {disputed} on {pi} ({before} refunded before)"
        ));
        let delivery = Delivery::Stripe { shop, body };
        let what = format!("dispute {event}");
        self.deliver(&what, &delivery, Some("refund_applied")).await;
        let moved = self.model.refund(pi, (before + disputed).min(amount));
        self.maybe_again(&what, delivery).await;
        self.check_racers(&moved).await;
        self.check_pots().await;
    }

    /// `refunds/create` returning part of what is left (Shopify sends each
    /// refund's own amount), or the order cancelled (the rest, all at once).
    async fn shopify_refund(
        &mut self,
        key: &str,
        shop: &'static str,
        order: &str,
        amount: i64,
        before: i64,
    ) {
        let order: u64 = order.parse().expect("an order id");
        let now = self.app().clock.now();
        self.next_sale += 1;
        let (delivery, refunded) = if self.rng.gen_bool(0.3) {
            self.log.push(format!(
                "shopify order {order} cancelled ({before} refunded before)"
            ));
            let body = shopify_cancelled(order, amount, now, now);
            let event = format!("sim-cancel-{order}");
            let delivery = Delivery::Shopify {
                shop,
                topic: "orders/cancelled",
                body,
                event,
            };
            (delivery, amount)
        } else {
            let part = self.rng.gen_range(1..=amount - before);
            let refund = (1u64 << 53) + 2 * self.next_sale + 1;
            self.log.push(format!(
                "shopify refund {refund} of {part} on order {order} ({before} before)"
            ));
            let body = shopify_refund(refund, order, part, now);
            let event = format!("sim-refund-{refund}");
            let delivery = Delivery::Shopify {
                shop,
                topic: "refunds/create",
                body,
                event,
            };
            (delivery, before + part)
        };
        let what = format!("shopify refund of {order}");
        self.deliver(&what, &delivery, Some("refund_applied")).await;
        let moved = self.model.refund(key, refunded);
        self.maybe_again(&what, delivery).await;
        self.check_racers(&moved).await;
        self.check_pots().await;
    }
}

/// A subscription-mode `checkout.session.completed` paying `invoice`, created
/// `at`: the lobby in its metadata, or (`link`) in `client_reference_id` as a
/// Payment Link sets it.
fn subscription_session(
    event: &str,
    invoice: &str,
    amount: i64,
    at: i64,
    tag: Option<&str>,
    link: bool,
) -> Vec<u8> {
    let mut body: serde_json::Value = serde_json::from_slice(include_bytes!(
        "../../fixtures/webhooks/stripe/checkout_session_completed_subscription.json"
    ))
    .expect("JSON");
    body["id"] = serde_json::json!(event);
    body["created"] = serde_json::json!(at);
    let session = &mut body["data"]["object"];
    session["id"] = serde_json::json!(format!("cs_{invoice}"));
    session["invoice"] = serde_json::json!(invoice);
    session["subscription"] = serde_json::json!(format!("sub_{invoice}"));
    session["amount_total"] = serde_json::json!(amount);
    session["amount_subtotal"] = serde_json::json!(amount);
    session["currency"] = serde_json::json!("usd");
    session["metadata"] = serde_json::json!({});
    session["client_reference_id"] = serde_json::Value::Null;
    match (tag, link) {
        (Some(code), true) => {
            session["client_reference_id"] = serde_json::json!(format!("lobby-{code}"))
        }
        (Some(code), false) => session["metadata"] = serde_json::json!({"lobby": code}),
        (None, _) => {}
    }
    serde_json::to_vec(&body).expect("JSON")
}

/// An `invoice.paid` of `amount` USD for `invoice`, paid `at`, billed for
/// `reason` (`subscription_create`: a subscription's first; `subscription_cycle`:
/// a renewal).
fn invoice_paid(event: &str, invoice: &str, amount: i64, at: i64, reason: &str) -> Vec<u8> {
    let mut body: serde_json::Value = serde_json::from_slice(include_bytes!(
        "../../fixtures/webhooks/stripe/invoice_paid.json"
    ))
    .expect("JSON");
    body["id"] = serde_json::json!(event);
    body["created"] = serde_json::json!(at);
    let object = &mut body["data"]["object"];
    object["id"] = serde_json::json!(invoice);
    object["billing_reason"] = serde_json::json!(reason);
    object["status_transitions"]["paid_at"] = serde_json::json!(at);
    for field in [
        "amount_due",
        "amount_paid",
        "subtotal",
        "subtotal_excluding_tax",
        "total",
        "total_excluding_tax",
    ] {
        object[field] = serde_json::json!(amount);
    }
    object["lines"]["data"][0]["amount"] = serde_json::json!(amount);
    object["lines"]["data"][0]["subtotal"] = serde_json::json!(amount);
    serde_json::to_vec(&body).expect("JSON")
}

/// `charge.refunded` of the charge that paid `invoice` (through `pi`), with the
/// running total refunded; the charge names its invoice (API versions before
/// 2025-03-31), which is how the refund finds the subscription's sale.
fn invoice_refund(
    event: &str,
    invoice: &str,
    pi: &str,
    amount: i64,
    refunded: i64,
    at: i64,
) -> Vec<u8> {
    let mut body: serde_json::Value =
        serde_json::from_slice(&stripe_refund(event, pi, amount, refunded, at)).expect("JSON");
    body["data"]["object"]["invoice"] = serde_json::json!(invoice);
    serde_json::to_vec(&body).expect("JSON")
}
