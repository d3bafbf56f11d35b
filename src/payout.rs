//! A payout as an admin asks for it, typed into `/payout` or posted to
//! `POST /api/admin/payouts`: one vocabulary of methods and one parse for both,
//! into the typed order the ledger then checks against the money rules.

use serde::Deserialize;

use crate::domain::ids::{guild_from_column, UserId};
pub use crate::domain::payout::{PayoutMethod, PayoutOrder, METHODS, NOTE_MAX_CHARS};
use crate::ledger::read::Holding;
use crate::money::{Currency, Money, MoneyError};

/// Longest `Idempotency-Key` accepted, in bytes (Stripe's own limit is 255).
pub const IDEMPOTENCY_KEY_MAX_BYTES: usize = 255;

/// The key a payout posted with an `Idempotency-Key` header is stored under. The
/// header is an opaque value of 1 to [`IDEMPOTENCY_KEY_MAX_BYTES`] bytes (surrounding
/// blanks aside): visible ASCII is kept as text (`api:<key>`), any other byte makes
/// it stored as hex (`api+hex:<hex>`), so that every key is one key and never none.
pub fn api_idempotency_key(raw: &[u8]) -> Result<String, PayoutFormError> {
    let key = raw.trim_ascii();
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX_BYTES {
        return Err(PayoutFormError::IdempotencyKey);
    }
    if key.iter().all(|b| (0x20..0x7f).contains(b)) {
        Ok(format!("api:{}", String::from_utf8_lossy(key)))
    } else {
        Ok(format!("api+hex:{}", hex::encode(key)))
    }
}

/// What `force` does, as the command's option says it.
pub const FORCE_MEANS: &str =
    "Pay even below the payout threshold (never more than the available balance)";

/// A payout as typed or posted, still text.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PayoutForm {
    /// The racer to pay.
    pub discord_id: String,
    /// Whose wallet pays (`""` for money earned outside any guild): the admin's
    /// guild for `/payout`; in the admin API it may be left out when the racer has
    /// earned in one guild only.
    #[serde(default)]
    pub guild_id: Option<String>,
    /// Decimal text exactly as given (trimmed).
    pub amount: String,
    /// ISO 4217 code; absent means the racer's only currency.
    pub currency: Option<String>,
    /// A method's value or label; absent means manual.
    pub method: Option<String>,
    /// Kept with the payout (what was bought, a gift-card number).
    pub note: Option<String>,
    /// Skip the payout threshold; never pays more than is available.
    #[serde(default)]
    pub force: bool,
    /// The shop that issues store credit or a gift card, when several could.
    #[serde(default)]
    pub shop: Option<String>,
}

/// Why a payout form cannot become an order; said back to the admin.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayoutFormError {
    #[error("{0}")]
    Currency(MoneyError),
    #[error("`{text}` is not a valid amount: {error}")]
    Amount { text: String, error: MoneyError },
    #[error("the method must be one of {allowed}, not `{given}`")]
    Method { given: String, allowed: String },
    #[error("the racer has no earnings to pay out")]
    NoEarnings,
    #[error("the racer has earnings in several currencies; say which with the `currency` option")]
    SeveralCurrencies,
    #[error("the racer has earned in several guilds; say which with `guild_id`")]
    SeveralGuilds,
    #[error("`{0}` is not a Discord user id")]
    Racer(String),
    #[error("`{0}` is not a Discord guild id")]
    Guild(String),
    #[error("a note is at most {NOTE_MAX_CHARS} characters")]
    NoteTooLong,
    #[error("Idempotency-Key is an opaque value of 1 to {IDEMPOTENCY_KEY_MAX_BYTES} bytes")]
    IdempotencyKey,
}

impl PayoutFormError {
    /// Machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            PayoutFormError::Currency(_) => "unknown_currency",
            PayoutFormError::Amount { .. } => "invalid_amount",
            PayoutFormError::Method { .. } => "invalid_method",
            PayoutFormError::NoEarnings => "no_earnings",
            PayoutFormError::SeveralCurrencies => "currency_required",
            PayoutFormError::SeveralGuilds => "guild_required",
            PayoutFormError::Racer(_) => "invalid_discord_id",
            PayoutFormError::Guild(_) => "invalid_guild_id",
            PayoutFormError::NoteTooLong => "note_too_long",
            PayoutFormError::IdempotencyKey => "invalid_idempotency_key",
        }
    }
}

impl PayoutForm {
    /// The racer to pay, before anything else is read for them.
    pub fn racer(&self) -> Result<UserId, PayoutFormError> {
        self.discord_id
            .trim()
            .parse()
            .map_err(|_| PayoutFormError::Racer(self.discord_id.chars().take(32).collect()))
    }

    /// Parses the form. `held` lists the racer's balances; they decide the guild
    /// and the currency when the form names none.
    pub fn parse(self, held: &[Holding]) -> Result<PayoutOrder, PayoutFormError> {
        if self
            .note
            .as_ref()
            .is_some_and(|note| note.chars().count() > NOTE_MAX_CHARS)
        {
            return Err(PayoutFormError::NoteTooLong);
        }
        let racer = self.racer()?;
        let guild = match &self.guild_id {
            Some(text) => guild_from_column(text.trim())
                .map_err(|_| PayoutFormError::Guild(text.chars().take(32).collect()))?,
            None => *only(held.iter().map(|h| &h.guild)).map_err(|several| {
                if several {
                    PayoutFormError::SeveralGuilds
                } else {
                    PayoutFormError::NoEarnings
                }
            })?,
        };
        let currency = match &self.currency {
            Some(code) => Currency::parse(code).map_err(PayoutFormError::Currency)?,
            None => *only(
                held.iter()
                    .filter(|h| h.guild == guild)
                    .map(|h| &h.currency),
            )
            .map_err(|several| {
                if several {
                    PayoutFormError::SeveralCurrencies
                } else {
                    PayoutFormError::NoEarnings
                }
            })?,
        };
        let amount =
            Money::parse(&self.amount, currency).map_err(|error| PayoutFormError::Amount {
                text: self.amount.chars().take(32).collect(),
                error,
            })?;
        let method = match self.method.as_deref() {
            None => PayoutMethod::Manual,
            Some(text) => PayoutMethod::parse(text).ok_or_else(|| PayoutFormError::Method {
                given: text.chars().take(32).collect(),
                allowed: PayoutMethod::values(),
            })?,
        };
        Ok(PayoutOrder {
            guild,
            racer,
            amount,
            method,
            note: self.note,
            force: self.force,
            shop: self
                .shop
                .map(|shop| shop.trim().to_owned())
                .filter(|shop| !shop.is_empty()),
        })
    }
}

/// The one distinct value, or `Err(true)` when there are several, `Err(false)`
/// when there is none.
fn only<'a, T: PartialEq + 'a>(mut values: impl Iterator<Item = &'a T>) -> Result<&'a T, bool> {
    let first = values.next().ok_or(false)?;
    match values.find(|v| *v != first) {
        Some(_) => Err(true),
        None => Ok(first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn form(amount: &str, currency: Option<&str>, method: Option<&str>) -> PayoutForm {
        PayoutForm {
            discord_id: "42".into(),
            guild_id: None,
            amount: amount.into(),
            currency: currency.map(Into::into),
            method: method.map(Into::into),
            note: None,
            force: false,
            shop: None,
        }
    }

    fn held(guild: &str, code: &str) -> Holding {
        Holding {
            guild: guild_from_column(guild).unwrap(),
            currency: currency(code),
        }
    }

    #[test]
    fn guild_and_currency_come_from_the_form_or_the_racers_only_one() {
        let usd = currency("USD");
        let order = form("5.00", None, None).parse(&[held("1", "USD")]).unwrap();
        assert_eq!(order.amount, Money::parse("5.00", usd).unwrap());
        assert_eq!(
            (order.guild, order.method),
            (Some("1".parse().unwrap()), PayoutMethod::Manual)
        );
        let jpy = form("600", Some("jpy"), Some("Gift card"))
            .parse(&[held("1", "USD"), held("1", "EUR")])
            .unwrap();
        assert_eq!(jpy.amount.currency(), currency("JPY"));
        assert_eq!(jpy.method, PayoutMethod::GiftCard);
        assert_eq!(
            form("5", None, None).parse(&[]),
            Err(PayoutFormError::NoEarnings)
        );
        assert_eq!(
            form("5", None, None).parse(&[held("1", "USD"), held("1", "EUR")]),
            Err(PayoutFormError::SeveralCurrencies)
        );
        let two_guilds = [held("1", "USD"), held("2", "EUR")];
        assert_eq!(
            form("5", None, None).parse(&two_guilds),
            Err(PayoutFormError::SeveralGuilds)
        );
        let in_g2 = PayoutForm {
            guild_id: Some("2".into()),
            ..form("5", None, None)
        };
        let order = in_g2.parse(&two_guilds).unwrap();
        assert_eq!(
            (order.guild, order.amount.currency()),
            (Some("2".parse().unwrap()), currency("EUR"))
        );
    }

    #[test]
    fn every_idempotency_key_of_1_to_255_bytes_is_a_key() {
        assert_eq!(api_idempotency_key(b" order-43 ").unwrap(), "api:order-43");
        let utf8 = api_idempotency_key("clé-43".as_bytes()).unwrap();
        let latin1 = api_idempotency_key(b"cl\xe9-43").unwrap();
        assert_eq!(utf8, "api+hex:636cc3a92d3433");
        assert_eq!(latin1, "api+hex:636ce92d3433");
        assert_ne!(utf8, latin1);
        assert!(api_idempotency_key(&[b'k'; IDEMPOTENCY_KEY_MAX_BYTES]).is_ok());
        for bad in [&b""[..], b"   ", &[b'k'; IDEMPOTENCY_KEY_MAX_BYTES + 1]] {
            assert_eq!(
                api_idempotency_key(bad).unwrap_err().code(),
                "invalid_idempotency_key"
            );
        }
        let note = PayoutForm {
            note: Some("é".repeat(NOTE_MAX_CHARS)),
            ..form("5", None, None)
        };
        let held = [held("1", "USD")];
        assert!(note.parse(&held).is_ok(), "200 characters, 400 bytes");
    }

    #[test]
    fn bad_text_is_refused_with_its_code() {
        let usd = [held("1", "USD")];
        let cases = [
            (form("5", Some("XXX"), None), "unknown_currency"),
            (form("five", None, None), "invalid_amount"),
            (form("5.001", None, None), "invalid_amount"),
            (form("5", None, Some("paypal")), "invalid_method"),
            (
                PayoutForm {
                    discord_id: "<@42>".into(),
                    ..form("5", None, None)
                },
                "invalid_discord_id",
            ),
            (
                PayoutForm {
                    guild_id: Some("main".into()),
                    ..form("5", None, None)
                },
                "invalid_guild_id",
            ),
            (
                PayoutForm {
                    note: Some("n".repeat(NOTE_MAX_CHARS + 1)),
                    ..form("5", None, None)
                },
                "note_too_long",
            ),
        ];
        for (form, code) in cases {
            assert_eq!(form.parse(&usd).unwrap_err().code(), code);
        }
    }
}
