//! The domain's pure rules: no actors, no I/O, no database. Whatever else holds a
//! rule written here (the timeline in memory, the ledger's reads, the SQL that
//! filters sales by race) asks this module instead of writing it again.

pub mod end;
pub mod ids;
pub mod payout;
pub mod race;
pub mod shares;
