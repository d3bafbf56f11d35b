//! String enums stored in text columns (sea-orm-cli's file for active enums).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A lobby's window state (`lobbies.state`): `Idle -> Open -> Closed`, re-openable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum LobbyState {
    #[sea_orm(string_value = "idle")]
    Idle,
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "closed")]
    Closed,
}
