//! sea-orm entities for every Cozy-Kart table. Money columns hold integer minor
//! units (`*_minor`): exact on every engine, where SQLite decimals would be read
//! back through `f64`.
pub use sea_orm;

pub mod allocation;
pub mod balance;
pub mod discord_outbox;
pub mod discount_code;
pub mod guild_blocked_word;
pub mod guild_overlay_names;
pub mod hidden_buyer_name;
pub mod interaction;
pub mod journal_entry;
pub mod journal_transaction;
pub mod lobby;
pub mod lobby_window;
pub mod payout;
pub mod player;
pub mod processed_event;
pub mod refund;
pub mod roster_membership;
pub mod sale;
pub mod sale_ref;
pub mod sea_orm_active_enums;
pub mod setting;
mod stored_text;
