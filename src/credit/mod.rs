//! Store credit issued through a shop's own API (DESIGN §2): the provider clients,
//! Stripe coupons with promotion codes and Shopify gift cards, behind
//! [`provider::CreditClient`]; `grant` holds the words they share with the ledger.

mod grant;
pub mod provider;
mod shopify;
mod stripe;

pub use provider::{CreditClient, CreditGrant, IssuedCredit, ProviderError};
