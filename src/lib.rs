//! Cozy-Kart: live revenue-share server for streamed kart-racing communities.
pub mod clock;
pub mod money;
pub mod sale;
pub mod webhooks;
