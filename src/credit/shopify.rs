//! Shopify: a grant is a gift card with the grant's code, for its amount in the
//! shop's currency, through the Admin GraphQL API. Shopify takes no idempotency key,
//! so the card is looked up (by its code, and our note naming the payout) before
//! one is created.

mod admin;

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use tokio::sync::OnceCell;

use self::admin::AdminApi;
use super::grant::{CreditGrant, IssuedCredit, ProviderError};
use crate::money::{Currency, Money};

/// Gift card codes, as Shopify takes them: 8-20 letters and digits.
const CODE_CHARS_MIN: usize = 8;
const CODE_CHARS_MAX: usize = 20;

/// Cards asked for when looking one up by its code: one is expected.
const LOOKUP_FIRST: u32 = 5;

const CURRENCY_QUERY: &str = "query CozyKartShopCurrency { shop { currencyCode } }";

const FIND_QUERY: &str = "query CozyKartGiftCard($first: Int!, $query: String!) {
  giftCards(first: $first, query: $query) {
    nodes { id lastCharacters note initialValue { amount currencyCode } }
  }
}";

const CREATE_MUTATION: &str = "mutation CozyKartGiftCardCreate($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) {
    giftCard { id lastCharacters }
    giftCardCode
    userErrors { field message code }
  }
}";

/// A store's gift cards.
pub(super) struct ShopifyCredit {
    /// The store's Admin GraphQL endpoint, with its token.
    admin: AdminApi,
    /// The shop's currency, asked once: gift cards are issued in it only.
    currency: OnceCell<Currency>,
}

#[derive(Deserialize)]
struct ShopData {
    shop: Shop,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shop {
    currency_code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CardsData {
    gift_cards: Cards,
}

#[derive(Deserialize)]
struct Cards {
    nodes: Vec<Card>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Card {
    id: String,
    last_characters: String,
    #[serde(default)]
    note: Option<String>,
    initial_value: Option<MoneyV2>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyV2 {
    amount: String,
    currency_code: String,
}

impl Card {
    /// Made for this grant: our note (payout, racer, guild) and the code's end.
    fn is_for(&self, grant: &CreditGrant) -> bool {
        self.note.as_deref() == Some(note(grant).as_str())
            && self
                .last_characters
                .eq_ignore_ascii_case(last_characters(&grant.code))
    }

    /// Worth the grant's amount (not when its value cannot be read).
    fn is_worth(&self, amount: Money) -> bool {
        self.initial_value.as_ref().is_some_and(|value| {
            Currency::parse(&value.currency_code)
                .and_then(|currency| Money::parse(&value.amount, currency))
                .is_ok_and(|value| value == amount)
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateData {
    gift_card_create: CreatePayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatePayload {
    gift_card: Option<CreatedCard>,
    #[serde(default)]
    user_errors: Vec<UserError>,
}

#[derive(Deserialize)]
struct CreatedCard {
    id: String,
}

#[derive(Deserialize)]
struct UserError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<String>,
}

impl ShopifyCredit {
    /// No I/O; each request gives up after `deadline`.
    pub(super) fn new(
        admin_url: &url::Url,
        admin_token: &str,
        deadline: Duration,
    ) -> ShopifyCredit {
        ShopifyCredit {
            admin: AdminApi::new(admin_url, admin_token, deadline),
            currency: OnceCell::new(),
        }
    }

    pub(super) async fn currency(&self) -> Result<Currency, ProviderError> {
        self.currency
            .get_or_try_init(|| async {
                let data: ShopData = self.admin.graphql(CURRENCY_QUERY, json!({})).await?;
                let code = data.shop.currency_code;
                Currency::parse(&code).map_err(|_| {
                    ProviderError::Refused(format!(
                        "the shop's currency {} is not one Cozy-Kart pays in",
                        code.chars().take(8).collect::<String>()
                    ))
                })
            })
            .await
            .copied()
    }

    pub(super) async fn issue(&self, grant: &CreditGrant) -> Result<IssuedCredit, ProviderError> {
        check(grant)?;
        let currency = self.currency().await?;
        if grant.amount.currency() != currency {
            return Err(ProviderError::Refused(format!(
                "this shop's gift cards are in {currency}, not {}",
                grant.amount.currency()
            )));
        }
        if let Some(held) = self.find(grant).await? {
            return Ok(held);
        }
        let input = json!({
            "initialValue": grant.amount.amount().to_string(),
            "code": grant.code,
            "note": note(grant),
        });
        let data: CreateData = self
            .admin
            .graphql(CREATE_MUTATION, json!({ "input": input }))
            .await?;
        let payload = data.gift_card_create;
        if !payload.user_errors.is_empty() {
            return self.refused_create(grant, payload.user_errors).await;
        }
        match payload.gift_card {
            Some(card) => Ok(IssuedCredit {
                provider_ref: card.id,
                code: grant.code.clone(),
            }),
            None => Err(ProviderError::Unavailable(
                "Shopify answered neither a gift card nor an error".into(),
            )),
        }
    }

    pub(super) async fn find(
        &self,
        grant: &CreditGrant,
    ) -> Result<Option<IssuedCredit>, ProviderError> {
        check(grant)?;
        let data: CardsData = self
            .admin
            .graphql(
                FIND_QUERY,
                json!({ "first": LOOKUP_FIRST, "query": grant.code }),
            )
            .await?;
        let Some(card) = data.gift_cards.nodes.into_iter().find(|c| c.is_for(grant)) else {
            return Ok(None);
        };
        if !card.is_worth(grant.amount) {
            // Our payout's card for another value: no retry mends that.
            return Err(ProviderError::Refused(format!(
                "Shopify holds gift card {} for this payout with another value than {}",
                card.id, grant.amount
            )));
        }
        Ok(Some(IssuedCredit {
            provider_ref: card.id,
            code: grant.code.clone(),
        }))
    }

    /// Shopify's userErrors: a refusal in its words, but for a code already taken
    /// (a card created by a try that Shopify's search did not list yet) and its
    /// own internal error, which settle nothing.
    async fn refused_create(
        &self,
        grant: &CreditGrant,
        errors: Vec<UserError>,
    ) -> Result<IssuedCredit, ProviderError> {
        let said = errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let code_is = |code: &str| errors.iter().any(|e| e.code.as_deref() == Some(code));
        if code_is("TAKEN") {
            return match self.find(grant).await? {
                Some(held) => Ok(held),
                None => Err(ProviderError::Unavailable(format!(
                    "Shopify says the code is taken but lists no card of this payout yet: {said}"
                ))),
            };
        }
        if code_is("INTERNAL_ERROR") {
            return Err(ProviderError::Unavailable(format!(
                "Shopify failed: {said}"
            )));
        }
        Err(ProviderError::Refused(said))
    }
}

/// The card's note (staff see it in the admin; not the customer): names the payout,
/// racer and guild, and tells our card from any other with the same last characters.
fn note(grant: &CreditGrant) -> String {
    let guild = grant
        .guild
        .map(|g| g.to_string())
        .unwrap_or_else(|| "none".to_owned());
    format!(
        "Cozy-Kart payout #{} for racer {} in guild {guild}",
        grant.payout_id, grant.racer
    )
}

/// The last four characters of a code, which Shopify keeps readable.
fn last_characters(code: &str) -> &str {
    &code[code.len().saturating_sub(4)..]
}

/// Refuses, before any request, a code Shopify would refuse (and any that could
/// widen the search it is looked up by) and an amount that is no credit.
fn check(grant: &CreditGrant) -> Result<(), ProviderError> {
    let code = &grant.code;
    let valid = (CODE_CHARS_MIN..=CODE_CHARS_MAX).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(ProviderError::Refused(format!(
            "a Shopify gift card code is {CODE_CHARS_MIN}-{CODE_CHARS_MAX} letters and digits"
        )));
    }
    if !grant.amount.is_positive() {
        return Err(ProviderError::Refused(format!(
            "store credit must be a positive amount, not {}",
            grant.amount
        )));
    }
    Ok(())
}
