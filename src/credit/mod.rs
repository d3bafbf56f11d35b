//! Store credit issued through a shop's own API: the provider clients (Stripe
//! coupons with promotion codes, Shopify gift cards), which shop issues an order,
//! and the guilds' rule for racers who cash out themselves. The payout flow that
//! uses them (reserve, issue, confirm or release) is `cashout`, above the services.

mod choose;
mod grant;
pub mod provider;
mod self_serve;
mod shopify;
mod stripe;

pub use choose::{choose, new_code, CreditRefusal, CreditShops, Route};
pub use provider::{CreditClient, CreditGrant, IssuedCredit, ProviderError};
pub use self_serve::{check_minimum, SelfServe};
