//! Store credit issued through a shop's own API: the provider clients (Stripe
//! coupons with promotion codes, Shopify gift cards), the two phases that pay a
//! racer with them, the reconciler of what a crash left, and the guilds' rule for
//! racers who cash out themselves.

mod grant;
mod issue;
pub mod provider;
mod self_serve;
mod shopify;
mod stripe;

pub use issue::{
    choose, new_code, pay, reconcile, reconcile_forever, CreditRefusal, CreditShops, Paid, Route,
    RECONCILE_AFTER, RECONCILE_EVERY,
};
pub use provider::{CreditClient, CreditGrant, IssuedCredit, ProviderError};
pub use self_serve::{check_minimum, SelfServe};
