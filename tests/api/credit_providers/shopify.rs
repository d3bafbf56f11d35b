//! Shopify: a gift card per grant through the Admin GraphQL API, looked up (code,
//! then our note) before one is created; the shop's currency asked once. The
//! stand-in keeps cards and answers queries as Shopify does.

use std::sync::{Arc, Mutex};

use actix_web::HttpResponse;
use cozykart::config::CreditApi;
use cozykart::credit::{CreditClient, IssuedCredit, ProviderError};
use cozykart::money::Currency;
use serde_json::{json, Value};

use super::{gives_up_in_time, grant, silent_port, SHORT_DEADLINE};
use crate::stand_in::{Recorded, StandIn};

pub(crate) const TOKEN: &str = "shpat_cozykart_stand_in";
const CODE: &str = "KART4F7Q2M9XH3CD";
const NOTE: &str =
    "Cozy-Kart payout #41 for racer 1100000000000000021 in guild 1100000000000000001";
/// The store's admin is served under this path on the stand-in (a proxy's, say).
pub(crate) const STORE: &str = "/kart-store";
const ENDPOINT: &str = "/kart-store/admin/api/2025-07/graphql.json";

/// A gift card as the stand-in keeps it.
#[derive(Clone)]
pub(crate) struct Card {
    pub(crate) id: String,
    pub(crate) code: String,
    pub(crate) note: String,
    pub(crate) amount: String,
}

/// What the stand-in holds and how it answers.
pub(crate) struct Shopify {
    currency: &'static str,
    pub(crate) cards: Vec<Card>,
    /// `giftCardCreate`'s answer when set (userErrors), instead of creating.
    create_errors: Option<Value>,
}

pub(crate) type Shared = Arc<Mutex<Shopify>>;

pub(crate) fn shop(currency: &'static str) -> Shared {
    Arc::new(Mutex::new(Shopify {
        currency,
        cards: Vec::new(),
        create_errors: None,
    }))
}

fn client(stand_in: &StandIn) -> CreditClient {
    CreditClient::new(
        "store",
        &CreditApi::Shopify {
            admin_url: url::Url::parse(&stand_in.base).unwrap(),
            admin_token: TOKEN.to_owned(),
        },
    )
}

pub(crate) fn like_shopify(state: &Shared) -> StandIn {
    let state = state.clone();
    StandIn::start_at(STORE, move |seen| answer(&mut state.lock().unwrap(), seen))
}

pub(crate) fn answer(shopify: &mut Shopify, seen: &Recorded) -> HttpResponse {
    if seen
        .headers
        .get("x-shopify-access-token")
        .map(String::as_str)
        != Some(TOKEN)
    {
        return HttpResponse::Unauthorized().json(json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}));
    }
    if seen.method != "POST" || seen.path != ENDPOINT {
        return HttpResponse::NotFound().json(json!({"errors": "Not Found"}));
    }
    let query = seen.body["query"].as_str().unwrap_or_default();
    let variables = &seen.body["variables"];
    let data = if query.contains("shop {") {
        json!({"shop": {"currencyCode": shopify.currency}})
    } else if query.contains("giftCardCreate(") {
        create(shopify, &variables["input"])
    } else if query.contains("giftCards(") {
        let code = variables["query"].as_str().unwrap_or_default();
        let nodes: Vec<Value> = shopify
            .cards
            .iter()
            .filter(|card| card.code.eq_ignore_ascii_case(code))
            .map(|card| {
                json!({
                    "id": card.id,
                    "lastCharacters": card.code[card.code.len() - 4..].to_ascii_lowercase(),
                    "note": card.note,
                    "initialValue": {"amount": card.amount, "currencyCode": shopify.currency}
                })
            })
            .collect();
        json!({"giftCards": {"nodes": nodes}})
    } else {
        return HttpResponse::Ok().json(json!({"errors": [{"message": "unknown query"}]}));
    };
    HttpResponse::Ok().json(json!({ "data": data }))
}

fn create(shopify: &mut Shopify, input: &Value) -> Value {
    if let Some(errors) = &shopify.create_errors {
        return json!({"giftCardCreate": {"giftCard": null, "giftCardCode": null, "userErrors": errors}});
    }
    let code = input["code"].as_str().unwrap().to_owned();
    if shopify
        .cards
        .iter()
        .any(|c| c.code.eq_ignore_ascii_case(&code))
    {
        let taken = json!([{"field": ["input", "code"], "message": "Code has already been taken", "code": "TAKEN"}]);
        return json!({"giftCardCreate": {"giftCard": null, "giftCardCode": null, "userErrors": taken}});
    }
    let card = Card {
        id: format!("gid://shopify/GiftCard/{}", 1000 + shopify.cards.len()),
        code: code.clone(),
        note: input["note"].as_str().unwrap_or_default().to_owned(),
        amount: input["initialValue"].as_str().unwrap().to_owned(),
    };
    shopify.cards.push(card.clone());
    json!({"giftCardCreate": {
        "giftCard": {"id": card.id, "lastCharacters": code[code.len() - 4..].to_ascii_lowercase()},
        "giftCardCode": code.to_ascii_lowercase(),
        "userErrors": []
    }})
}

/// What every request to the Admin API carries.
fn assert_sent_like_shopify(seen: &Recorded) {
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", ENDPOINT)
    );
    assert_eq!(seen.headers["x-shopify-access-token"], TOKEN);
    assert_eq!(seen.headers["content-type"], "application/json");
    assert!(seen.body["query"].is_string(), "{}", seen.text);
}

fn operation(seen: &Recorded) -> &'static str {
    let query = seen.body["query"].as_str().unwrap_or_default();
    if query.contains("giftCardCreate(") {
        "create"
    } else if query.contains("giftCards(") {
        "find"
    } else if query.contains("currencyCode") {
        "currency"
    } else {
        "other"
    }
}

fn operations(stand_in: &StandIn) -> Vec<&'static str> {
    stand_in.recorded().iter().map(operation).collect()
}

fn ours(id: &str) -> Card {
    Card {
        id: id.to_owned(),
        code: CODE.to_owned(),
        note: NOTE.to_owned(),
        amount: "12.5".to_owned(),
    }
}

#[actix_web::test]
async fn shopify_currency_is_asked_once() {
    let state = shop("USD");
    let stand_in = like_shopify(&state);
    let client = client(&stand_in);

    let first = client.currency().await;
    let second = client.currency().await;

    let usd = Currency::parse("USD").unwrap();
    assert_eq!((first, second), (Ok(Some(usd)), Ok(Some(usd))));
    let seen = stand_in.recorded();
    assert_eq!(seen.len(), 1);
    assert_sent_like_shopify(&seen[0]);
    assert_eq!(operation(&seen[0]), "currency");
}

#[actix_web::test]
async fn shopify_issues_a_gift_card_after_looking_for_one() {
    let state = shop("USD");
    let stand_in = like_shopify(&state);

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(
        credit,
        Ok(IssuedCredit {
            provider_ref: "gid://shopify/GiftCard/1000".to_owned(),
            code: CODE.to_owned(),
        })
    );
    let seen = stand_in.recorded();
    seen.iter().for_each(assert_sent_like_shopify);
    assert_eq!(operations(&stand_in), ["currency", "find", "create"]);
    assert_eq!(
        seen[1].body["variables"],
        json!({"first": 5, "query": CODE})
    );
    assert_eq!(
        seen[2].body["variables"],
        json!({"input": {"initialValue": "12.50", "code": CODE, "note": NOTE}})
    );
    assert_eq!(state.lock().unwrap().cards.len(), 1);
}

#[actix_web::test]
async fn shopify_card_already_issued_is_answered_without_creating_another() {
    let state = shop("USD");
    state
        .lock()
        .unwrap()
        .cards
        .push(ours("gid://shopify/GiftCard/77"));
    let stand_in = like_shopify(&state);

    let credit = client(&stand_in).issue(&grant(CODE)).await;
    let found = client(&stand_in).find(&grant(CODE)).await;

    let held = IssuedCredit {
        provider_ref: "gid://shopify/GiftCard/77".to_owned(),
        code: CODE.to_owned(),
    };
    assert_eq!(credit, Ok(held.clone()));
    assert_eq!(found, Ok(Some(held)));
    assert_eq!(operations(&stand_in), ["currency", "find", "find"]);
    assert_eq!(state.lock().unwrap().cards.len(), 1);
}

#[actix_web::test]
async fn shopify_card_with_the_code_but_another_note_is_not_this_grant() {
    let state = shop("USD");
    let mut other = ours("gid://shopify/GiftCard/78");
    other.note = NOTE.replace("#41", "#40");
    state.lock().unwrap().cards.push(other);
    let stand_in = like_shopify(&state);

    let found = client(&stand_in).find(&grant(CODE)).await;
    // Creating it is refused as taken; that card is still not ours: ask again later.
    let credit = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(found, Ok(None));
    assert!(
        matches!(credit, Err(ProviderError::Unavailable(_))),
        "{credit:?}"
    );
    assert_eq!(
        operations(&stand_in),
        ["find", "currency", "find", "create", "find"]
    );
}

#[actix_web::test]
async fn shopify_card_of_this_payout_for_another_value_is_refused() {
    let state = shop("USD");
    let mut other = ours("gid://shopify/GiftCard/79");
    other.amount = "10.00".to_owned();
    state.lock().unwrap().cards.push(other);
    let stand_in = like_shopify(&state);

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    let Err(ProviderError::Refused(why)) = credit else {
        panic!("{credit:?}")
    };
    assert!(why.contains("gid://shopify/GiftCard/79"), "{why}");
    assert_eq!(operations(&stand_in), ["currency", "find"]);
}

#[actix_web::test]
async fn shopify_user_errors_are_refused_with_shopifys_words() {
    let state = shop("USD");
    state.lock().unwrap().create_errors = Some(json!([
        {"field": ["input", "initialValue"], "message": "Initial value exceeds the limit", "code": "GIFT_CARD_LIMIT_EXCEEDED"},
        {"field": ["input", "note"], "message": "Note is too long", "code": "TOO_LONG"}
    ]));
    let stand_in = like_shopify(&state);

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    assert_eq!(
        credit,
        Err(ProviderError::Refused(
            "Initial value exceeds the limit; Note is too long".to_owned()
        ))
    );
    assert!(state.lock().unwrap().cards.is_empty());
}

#[actix_web::test]
async fn shopify_unauthorized_is_refused() {
    let state = shop("USD");
    let stand_in = like_shopify(&state);
    let client = CreditClient::new(
        "store",
        &CreditApi::Shopify {
            admin_url: url::Url::parse(&stand_in.base).unwrap(),
            admin_token: "shpat_revoked".to_owned(),
        },
    );

    let credit = client.issue(&grant(CODE)).await;

    let Err(ProviderError::Refused(why)) = credit else {
        panic!("{credit:?}")
    };
    assert!(why.starts_with("Shopify refused: 401 "), "{why}");
    assert!(why.contains("Invalid API key or access token"), "{why}");
    assert!(!why.contains("shpat_revoked"), "{why}");
}

#[actix_web::test]
async fn shopify_server_error_and_throttling_are_unavailable() {
    let failing = StandIn::start_at(STORE, |_| {
        HttpResponse::InternalServerError().body("upstream failed")
    });
    let throttled = StandIn::start_at(STORE, |_| {
        HttpResponse::Ok().json(json!({"errors": [{
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}
        }]}))
    });
    let too_many = StandIn::start_at(STORE, |_| HttpResponse::TooManyRequests().finish());

    for stand_in in [&failing, &throttled, &too_many] {
        let credit = client(stand_in).issue(&grant(CODE)).await;
        let found = client(stand_in).find(&grant(CODE)).await;
        assert!(
            matches!(credit, Err(ProviderError::Unavailable(_))),
            "{credit:?}"
        );
        assert!(
            matches!(found, Err(ProviderError::Unavailable(_))),
            "{found:?}"
        );
    }
}

#[actix_web::test]
async fn shopify_other_top_level_errors_are_refused() {
    let stand_in = StandIn::start_at(STORE, |_| {
        HttpResponse::Ok().json(json!({"errors": [{
            "message": "Access denied for giftCards field. Required access: `read_gift_cards` access scope.",
            "extensions": {"code": "ACCESS_DENIED"}
        }]}))
    });

    let found = client(&stand_in).find(&grant(CODE)).await;

    let Err(ProviderError::Refused(why)) = found else {
        panic!("{found:?}")
    };
    assert!(why.contains("read_gift_cards"), "{why}");
}

#[actix_web::test]
async fn shopify_currency_the_shop_cannot_issue_is_refused() {
    let state = shop("EUR");
    let stand_in = like_shopify(&state);

    let credit = client(&stand_in).issue(&grant(CODE)).await;

    let Err(ProviderError::Refused(why)) = credit else {
        panic!("{credit:?}")
    };
    assert!(why.contains("EUR") && why.contains("USD"), "{why}");
    assert_eq!(operations(&stand_in), ["currency"]);
}

#[actix_web::test]
async fn shopify_that_never_answers_is_unavailable_within_the_deadline() {
    let (_listener, origin) = silent_port();
    let client = CreditClient::with_deadline(
        "store",
        &CreditApi::Shopify {
            admin_url: url::Url::parse(&origin).unwrap(),
            admin_token: TOKEN.to_owned(),
        },
        SHORT_DEADLINE,
    );

    gives_up_in_time(client.currency()).await;
    gives_up_in_time(client.issue(&grant(CODE))).await;
}

#[actix_web::test]
async fn shopify_code_it_would_refuse_is_refused_before_any_request() {
    let state = shop("USD");
    let stand_in = like_shopify(&state);

    for code in [
        "KART123",
        "KART-4F7Q-2M9X",
        "status:enabled",
        &"K".repeat(21),
    ] {
        let credit = client(&stand_in).issue(&grant(code)).await;
        assert!(
            matches!(credit, Err(ProviderError::Refused(_))),
            "{code:?}: {credit:?}"
        );
    }
    assert!(stand_in.recorded().is_empty());
}
