//! Stripe: a coupon and a promotion code per grant, each under an Idempotency-Key
//! derived from the code; a stand-in that keeps objects and replays keys as
//! Stripe does (API version 2023-10-16, which async-stripe 0.41 pins).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cozykart::config::CreditApi;
use cozykart::credit::{CreditClient, IssuedCredit, ProviderError};
use serde_json::{json, Value};

use super::{gives_up_in_time, grant, silent_port, GUILD, RACER, SHORT_DEADLINE};
use crate::stand_in::{Recorded, StandIn};

pub(crate) const KEY: &str = "rk_test_cozykart_stand_in";
const CODE: &str = "KART-AB12-CD34";
const COUPON: &str = "cozykart-kart-ab12-cd34";

/// What the stand-in holds, as Stripe would.
#[derive(Default)]
pub(crate) struct Stripe {
    coupons: BTreeMap<String, Value>,
    pub(crate) promotion_codes: Vec<Value>,
    /// Answers by Idempotency-Key (Stripe keeps them 24 hours).
    replays: BTreeMap<String, (u16, Value)>,
}

type Shared = Arc<Mutex<Stripe>>;

fn client(stand_in: &StandIn) -> CreditClient {
    CreditClient::new(
        "merch",
        &CreditApi::Stripe {
            api_key: KEY.to_owned(),
            api_base: url::Url::parse(&stand_in.base).unwrap(),
        },
    )
}

/// A stand-in that answers as Stripe, over `state`.
fn like_stripe(state: &Shared) -> StandIn {
    let state = state.clone();
    StandIn::start_at("", move |seen| {
        let (status, body) = answer(&mut state.lock().unwrap(), seen);
        HttpResponse::build(StatusCode::from_u16(status).unwrap()).json(body)
    })
}

fn form(seen: &Recorded) -> BTreeMap<String, String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&seen.text)
        .expect("a form body")
        .into_iter()
        .collect()
}

fn header<'a>(seen: &'a Recorded, name: &str) -> &'a str {
    seen.headers.get(name).map(String::as_str).unwrap_or("")
}

fn error(status: u16, code: Option<&str>, message: &str) -> (u16, Value) {
    let mut error = json!({"type": "invalid_request_error", "message": message});
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    (status, json!({ "error": error }))
}

pub(crate) fn answer(stripe: &mut Stripe, seen: &Recorded) -> (u16, Value) {
    if header(seen, "authorization") != format!("Bearer {KEY}") {
        return error(401, None, "Invalid API Key provided: rk_test_****");
    }
    let key = header(seen, "idempotency-key").to_owned();
    if let Some(replay) = stripe.replays.get(&key) {
        return replay.clone();
    }
    let fields = form(seen);
    let answered = match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/v1/coupons") => create_coupon(stripe, &fields),
        ("POST", "/v1/promotion_codes") => create_promotion_code(stripe, &fields),
        ("GET", "/v1/promotion_codes") => {
            let asked: BTreeMap<String, String> = serde_urlencoded::from_str(&seen.query).unwrap();
            let code = asked.get("code").cloned().unwrap_or_default();
            let data: Vec<Value> = stripe
                .promotion_codes
                .iter()
                .filter(|p| p["code"].as_str().unwrap().eq_ignore_ascii_case(&code))
                .cloned()
                .collect();
            let list = json!({"object": "list", "url": "/v1/promotion_codes", "has_more": false, "data": data});
            (200, list)
        }
        ("GET", path) => match path
            .strip_prefix("/v1/coupons/")
            .and_then(|id| stripe.coupons.get(id))
        {
            Some(coupon) => (200, coupon.clone()),
            None => error(404, Some("resource_missing"), "No such coupon"),
        },
        _ => error(404, None, "Unrecognized request URL"),
    };
    if seen.method == "POST" && !key.is_empty() {
        stripe.replays.insert(key, answered.clone());
    }
    answered
}

fn metadata(fields: &BTreeMap<String, String>) -> Value {
    let metadata: BTreeMap<&str, &str> = fields
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((key, v.as_str()))
        })
        .collect();
    json!(metadata)
}

fn coupon_object(fields: &BTreeMap<String, String>) -> Value {
    json!({
        "id": fields["id"],
        "object": "coupon",
        "amount_off": fields["amount_off"].parse::<i64>().unwrap(),
        "created": 1_764_000_000,
        "currency": fields["currency"],
        "duration": fields["duration"],
        "duration_in_months": null,
        "livemode": false,
        "max_redemptions": fields["max_redemptions"].parse::<i64>().unwrap(),
        "metadata": metadata(fields),
        "name": fields["name"],
        "percent_off": null,
        "redeem_by": null,
        "times_redeemed": 0,
        "valid": true
    })
}

fn create_coupon(stripe: &mut Stripe, fields: &BTreeMap<String, String>) -> (u16, Value) {
    let id = fields["id"].clone();
    if stripe.coupons.contains_key(&id) {
        return error(
            400,
            Some("resource_already_exists"),
            "Coupon already exists.",
        );
    }
    let coupon = coupon_object(fields);
    stripe.coupons.insert(id, coupon.clone());
    (200, coupon)
}

fn create_promotion_code(stripe: &mut Stripe, fields: &BTreeMap<String, String>) -> (u16, Value) {
    let code = &fields["code"];
    let taken = stripe
        .promotion_codes
        .iter()
        .any(|p| p["code"].as_str().unwrap().eq_ignore_ascii_case(code));
    if taken {
        let message = format!("An active promotion code with `code: {code}` already exists.");
        return error(400, None, &message);
    }
    let Some(coupon) = stripe.coupons.get(&fields["coupon"]) else {
        return error(400, Some("resource_missing"), "No such coupon");
    };
    let promotion_code = json!({
        "id": format!("promo_{}", stripe.promotion_codes.len() + 1),
        "object": "promotion_code",
        "active": true,
        "code": code,
        "coupon": coupon,
        "created": 1_764_000_000,
        "customer": null,
        "expires_at": null,
        "livemode": false,
        "max_redemptions": fields["max_redemptions"].parse::<i64>().unwrap(),
        "metadata": metadata(fields),
        "restrictions": {"first_time_transaction": false, "minimum_amount": null, "minimum_amount_currency": null},
        "times_redeemed": 0
    });
    stripe.promotion_codes.push(promotion_code.clone());
    (200, promotion_code)
}

/// What every request to Stripe carries.
fn assert_sent_like_stripe(seen: &Recorded) {
    assert_eq!(header(seen, "authorization"), format!("Bearer {KEY}"));
    assert_eq!(header(seen, "stripe-version"), "2023-10-16");
    if seen.method == "POST" {
        assert_eq!(
            header(seen, "content-type"),
            "application/x-www-form-urlencoded"
        );
    }
}

fn issued(id: &str) -> IssuedCredit {
    IssuedCredit {
        provider_ref: id.to_owned(),
        code: CODE.to_owned(),
    }
}

fn expected_metadata(fields: &BTreeMap<String, String>) {
    assert_eq!(fields["metadata[cozykart_payout]"], "41");
    assert_eq!(fields["metadata[cozykart_racer]"], RACER);
    assert_eq!(fields["metadata[cozykart_guild]"], GUILD);
}

#[actix_web::test]
async fn stripe_issues_a_single_use_coupon_and_its_promotion_code() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(credit, Ok(issued("promo_1")));
    let seen = stand_in.recorded();
    assert_eq!(seen.len(), 2, "{seen:?}");
    seen.iter().for_each(assert_sent_like_stripe);
    let (coupon, promotion_code) = (&seen[0], &seen[1]);
    assert_eq!(
        (coupon.method.as_str(), coupon.path.as_str()),
        ("POST", "/v1/coupons")
    );
    assert_eq!(
        header(coupon, "idempotency-key"),
        "cozykart-coupon-KART-AB12-CD34"
    );
    let fields = form(coupon);
    assert_eq!(fields["id"], COUPON);
    assert_eq!(fields["amount_off"], "1250");
    assert_eq!(fields["currency"], "usd");
    assert_eq!(fields["duration"], "once");
    assert_eq!(fields["max_redemptions"], "1");
    assert_eq!(fields["name"], "Cozy-Kart payout #41");
    expected_metadata(&fields);

    assert_eq!(
        (promotion_code.method.as_str(), promotion_code.path.as_str()),
        ("POST", "/v1/promotion_codes")
    );
    assert_eq!(
        header(promotion_code, "idempotency-key"),
        "cozykart-promotion-code-KART-AB12-CD34"
    );
    let fields = form(promotion_code);
    assert_eq!(fields["coupon"], COUPON);
    assert_eq!(fields["code"], CODE);
    assert_eq!(fields["max_redemptions"], "1");
    expected_metadata(&fields);
}

#[actix_web::test]
async fn stripe_same_grant_issued_twice_makes_one_code() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);

    // Two clients, as two processes (or one before and after a crash) would be.
    let first = client(&stand_in).issue(&grant(CODE)).await;
    let second = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(first, Ok(issued("promo_1")));
    assert_eq!(second, first);
    let seen = stand_in.recorded();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let keys: Vec<&str> = seen.iter().map(|s| header(s, "idempotency-key")).collect();
    assert_eq!(keys[0], keys[2]);
    assert_eq!(keys[1], keys[3]);
    assert_ne!(keys[0], keys[1]);
    let stripe = state.lock().unwrap();
    assert_eq!((stripe.coupons.len(), stripe.promotion_codes.len()), (1, 1));
}

#[actix_web::test]
async fn stripe_grant_issued_after_its_keys_expired_finds_its_objects() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);
    let first = client(&stand_in).issue(&grant(CODE)).await;
    // A day later Stripe has forgotten the keys, not the coupon nor the code.
    state.lock().unwrap().replays.clear();

    let again = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(again, first);
    let seen = stand_in.recorded();
    let asked: Vec<(&str, &str)> = seen[2..]
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        asked,
        [
            ("POST", "/v1/coupons"),
            ("GET", "/v1/coupons/cozykart-kart-ab12-cd34"),
            ("POST", "/v1/promotion_codes"),
            ("GET", "/v1/promotion_codes"),
        ]
    );
    assert_eq!(seen[5].query, "code=KART-AB12-CD34");
    let stripe = state.lock().unwrap();
    assert_eq!((stripe.coupons.len(), stripe.promotion_codes.len()), (1, 1));
}

#[actix_web::test]
async fn stripe_coupon_left_by_an_earlier_try_is_reused() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);
    // An earlier try made the coupon, then stopped before the promotion code.
    let coupon = client(&stand_in).issue(&grant(CODE)).await;
    assert!(coupon.is_ok());
    {
        let mut stripe = state.lock().unwrap();
        stripe.promotion_codes.clear();
        stripe.replays.clear();
    }

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(credit, Ok(issued("promo_1")));
    let seen = stand_in.recorded();
    assert_eq!(seen[3].path, "/v1/coupons/cozykart-kart-ab12-cd34");
    assert_eq!(seen[4].path, "/v1/promotion_codes");
    assert_eq!(form(&seen[4])["coupon"], COUPON);
    assert_eq!(state.lock().unwrap().coupons.len(), 1);
}

#[actix_web::test]
async fn stripe_coupon_of_another_payout_is_refused() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);
    let mut other = grant(CODE);
    other.payout_id = 40;
    client(&stand_in).issue(&other).await.unwrap();
    state.lock().unwrap().replays.clear();

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    let Err(ProviderError::Refused(why)) = credit else {
        panic!("{credit:?}")
    };
    assert!(why.contains(COUPON), "{why}");
    // No promotion code is asked for a coupon that is not this grant's.
    assert_eq!(stand_in.recorded().len(), 4);
}

#[actix_web::test]
async fn stripe_server_error_is_unavailable_and_sent_once() {
    let stand_in = StandIn::start_at("", |_| {
        HttpResponse::InternalServerError()
            .json(json!({"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}))
    });

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    let Err(ProviderError::Unavailable(why)) = credit else {
        panic!("{credit:?}")
    };
    assert!(why.contains("500"), "{why}");
    assert_eq!(stand_in.recorded().len(), 1, "no retry inside the client");
}

#[actix_web::test]
async fn stripe_refusal_carries_stripes_message() {
    let stand_in = StandIn::start_at("", |_| {
        HttpResponse::BadRequest().json(json!({"error": {
            "type": "invalid_request_error",
            "code": "parameter_invalid_integer",
            "param": "amount_off",
            "message": "This value must be greater than or equal to 1."
        }}))
    });

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(
        credit,
        Err(ProviderError::Refused(
            "This value must be greater than or equal to 1.".to_owned()
        ))
    );
    assert_eq!(stand_in.recorded().len(), 1);
}

#[actix_web::test]
async fn stripe_find_answers_the_code_of_our_coupon() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);
    client(&stand_in).issue(&grant(CODE)).await.unwrap();

    let found = client(&stand_in).find(&grant(CODE)).await;

    assert_eq!(found, Ok(Some(issued("promo_1"))));
    let seen = stand_in.recorded();
    let asked = &seen[2];
    assert_sent_like_stripe(asked);
    assert_eq!(
        (asked.method.as_str(), asked.path.as_str()),
        ("GET", "/v1/promotion_codes")
    );
    assert_eq!(asked.query, "code=KART-AB12-CD34");
    assert_eq!(header(asked, "idempotency-key"), "");
}

#[actix_web::test]
async fn stripe_find_answers_none_when_nothing_of_ours_holds_the_code() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);

    let nothing = client(&stand_in).find(&grant(CODE)).await;
    // The same code on a coupon that is not ours is not this grant's.
    {
        let mut stripe = state.lock().unwrap();
        let coupon = json!({"id": "summer", "object": "coupon", "amount_off": 500,
            "currency": "usd", "duration": "once", "livemode": false, "metadata": {},
            "valid": true});
        stripe.coupons.insert("summer".to_owned(), coupon.clone());
        stripe.promotion_codes.push(json!({
            "id": "promo_9", "object": "promotion_code", "active": true, "code": CODE,
            "coupon": coupon, "created": 1_764_000_000, "customer": null, "expires_at": null,
            "livemode": false, "max_redemptions": null, "metadata": {},
            "restrictions": {"first_time_transaction": false, "minimum_amount": null,
                             "minimum_amount_currency": null},
            "times_redeemed": 0
        }));
    }
    let foreign = client(&stand_in).find(&grant(CODE)).await;

    assert_eq!(nothing, Ok(None));
    assert_eq!(foreign, Ok(None));
    assert!(stand_in.recorded().iter().all(|s| s.method == "GET"));
}

#[actix_web::test]
async fn stripe_that_never_answers_is_unavailable_within_the_deadline() {
    let (_listener, origin) = silent_port();
    let client = CreditClient::with_deadline(
        "merch",
        &CreditApi::Stripe {
            api_key: KEY.to_owned(),
            api_base: url::Url::parse(&origin).unwrap(),
        },
        SHORT_DEADLINE,
    );

    gives_up_in_time(client.issue(&grant(CODE))).await;
    gives_up_in_time(client.find(&grant(CODE))).await;
}

#[actix_web::test]
async fn stripe_code_it_would_refuse_is_refused_before_any_request() {
    let state = Shared::default();
    let stand_in = like_stripe(&state);

    for code in ["", "KART AB12", "KART-ÄB12-CD34", &"K".repeat(65)] {
        let credit = client(&stand_in).issue(&grant(code)).await;
        assert!(
            matches!(credit, Err(ProviderError::Refused(_))),
            "{code:?}: {credit:?}"
        );
    }
    assert!(stand_in.recorded().is_empty());
}
