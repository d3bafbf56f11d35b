//! Shopify discount codes registered to lobbies (`discount_codes`): the admin API
//! registers them, the SalesRouter reads which lobby a sale's code tags.

use entity::discount_code;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::domain::ids::LobbyId;

/// The form a discount code is stored and looked up in: trimmed, upper case.
pub fn discount_code_key(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Registers a discount code (a key from [`discount_code_key`]) to a lobby; a code
/// registered before moves to this lobby.
pub async fn register_discount_code(
    db: &DatabaseConnection,
    code: &str,
    lobby_id: LobbyId,
) -> Result<(), DbErr> {
    discount_code::Entity::insert(discount_code::ActiveModel {
        code: Set(code.to_owned()),
        lobby_id: Set(lobby_id.get()),
    })
    .on_conflict(
        OnConflict::column(discount_code::Column::Code)
            .update_column(discount_code::Column::LobbyId)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The lobby one of a sale's discount codes is registered to, if any.
pub async fn discount_code_lobby(
    db: &DatabaseConnection,
    codes: &[String],
) -> Result<Option<LobbyId>, DbErr> {
    if codes.is_empty() {
        return Ok(None);
    }
    let found = discount_code::Entity::find()
        .filter(discount_code::Column::Code.is_in(codes.iter().map(|c| discount_code_key(c))))
        .one(db)
        .await?;
    found.map(|d| super::lobby_id(d.lobby_id)).transpose()
}
