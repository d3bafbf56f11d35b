//! The `settings` table: one text value per key (a guild's commission rate,
//! locale or cash-out rule), written by whoever owns the key.

use entity::setting;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

/// Saves `value` under `key`, replacing what was there.
pub async fn put(db: &impl ConnectionTrait, key: String, value: String) -> Result<(), DbErr> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key),
        value: Set(value),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}
