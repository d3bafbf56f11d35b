//! Ko-fi: form-encoded `data` JSON authenticated by its `verification_token`.
//! Ko-fi sends completed payments only; there is no refund notification.

use serde::Deserialize;
use serde_json::Value;

use super::{
    constant_time_eq, lobby_tag_in_text, malformed_json, non_empty, parse_time, positive,
    usable_secrets, WebhookError,
};
use crate::money::{Currency, Money};
use crate::sale::{Buyer, Provider, SaleEvent, ShopEvent};

#[derive(Deserialize)]
struct Payload {
    message_id: Option<String>,
    timestamp: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    is_public: Option<bool>,
    from_name: Option<String>,
    message: Option<String>,
    /// A decimal string on the wire; a number from a test sender is tolerated.
    amount: Option<Value>,
    currency: Option<String>,
    kofi_transaction_id: Option<String>,
}

/// Parses and authenticates a Ko-fi webhook body.
///
/// The `verification_token` is compared (constant time, against any of `tokens`)
/// before any other field is read. A payment whose `type` is in `counted_types`
/// (case-insensitive; the server default is `["Shop Order"]`) is a Sale keyed on
/// `kofi_transaction_id`; any other type is Ignored.
pub fn parse(
    body: &[u8],
    tokens: &[String],
    counted_types: &[String],
    shop: &str,
) -> Result<ShopEvent, WebhookError> {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| WebhookError::Malformed("body is not a urlencoded form".into()))?;
    let data = form
        .into_iter()
        .find_map(|(key, value)| (key == "data").then_some(value))
        .ok_or(WebhookError::MissingField("data"))?;
    let json: Value = serde_json::from_str(&data).map_err(|e| malformed_json("Ko-fi data", &e))?;

    let token = json
        .get("verification_token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let authentic = usable_secrets(tokens).fold(false, |found, t| {
        found | constant_time_eq(t.as_bytes(), token.as_bytes())
    });
    if !authentic {
        return Err(WebhookError::BadSignature("verification token"));
    }

    let payload: Payload =
        serde_json::from_value(json).map_err(|e| malformed_json("Ko-fi data", &e))?;
    let event_id =
        non_empty(payload.message_id.as_deref()).ok_or(WebhookError::MissingField("message_id"))?;
    let kind = non_empty(payload.kind.as_deref()).ok_or(WebhookError::MissingField("type"))?;
    if !counted_types
        .iter()
        .any(|t| t.trim().eq_ignore_ascii_case(&kind))
    {
        let shown: String = kind.chars().take(64).collect();
        return Ok(ShopEvent::Ignored {
            event_id,
            reason: format!("Ko-fi type {shown} is not counted"),
        });
    }

    let sale_id = non_empty(payload.kofi_transaction_id.as_deref())
        .ok_or(WebhookError::MissingField("kofi_transaction_id"))?;
    let amount = match payload.amount {
        Some(Value::String(text)) => text,
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Null) | None => return Err(WebhookError::MissingField("amount")),
        Some(_) => {
            return Err(WebhookError::InvalidAmount(
                "amount is not a decimal".into(),
            ))
        }
    };
    let currency = payload
        .currency
        .ok_or(WebhookError::MissingField("currency"))?;
    let amount = positive(Money::parse(&amount, Currency::parse(&currency)?)?)?;
    let timestamp = payload
        .timestamp
        .ok_or(WebhookError::MissingField("timestamp"))?;
    Ok(ShopEvent::Sale(SaleEvent {
        provider: Provider::Kofi,
        shop: shop.to_string(),
        event_id,
        sale_id,
        refs: Vec::new(),
        amount,
        // Ko-fi sends the payment's total only: no shipping or tax apart.
        subtotal: None,
        sold_at: parse_time("timestamp", &timestamp)?,
        lobby_tag: payload.message.as_deref().and_then(lobby_tag_in_text),
        discount_codes: Vec::new(),
        buyer: Buyer {
            name: non_empty(payload.from_name.as_deref()),
            public: payload.is_public.unwrap_or(false),
        },
    }))
}

#[cfg(test)]
mod tests;
