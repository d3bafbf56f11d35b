//! What only a lobby's overlays see, numbered with the lobby's other changes:
//! a buyer name taken off (`/overlay hide`, kept in `hidden_buyer_names` so that
//! a snapshot read again from the database keeps it off) and a test alert.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::hidden_buyer_name;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, TransactionTrait,
};

use super::changes::{next_seq, Numbered};
use crate::lobby::bus::Channel;
use crate::lobby::change::LobbyChange;
use crate::lobby::LobbyError;

/// Takes a sale's buyer name off the lobby's overlays, for good.
pub async fn hide_name(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    sale_id: i64,
    at: DateTime<Utc>,
) -> Result<Numbered<()>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    let row = hidden_buyer_name::ActiveModel {
        sale_id: Set(sale_id),
        lobby_id: Set(lobby_id),
        hidden_at: Set(super::stored_time(at)),
    };
    // Hidden twice (two hosts at once) is hidden once.
    hidden_buyer_name::Entity::insert(row)
        .on_conflict_do_nothing_on([hidden_buyer_name::Column::SaleId])
        .exec(&tx)
        .await?;
    let change = LobbyChange::NameHidden { sale_id };
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    Ok((seq, change, ()))
}

/// Numbers and publishes a change that touches no table but the lobby's seq
/// (a test alert).
pub async fn overlay_only(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    change: LobbyChange,
) -> Result<Numbered<()>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    Ok((seq, change, ()))
}

/// The sales of a lobby whose buyer names were taken off.
pub async fn hidden_names(db: &impl ConnectionTrait, lobby_id: i64) -> Result<HashSet<i64>, DbErr> {
    let ids: Vec<i64> = hidden_buyer_name::Entity::find()
        .select_only()
        .column(hidden_buyer_name::Column::SaleId)
        .filter(hidden_buyer_name::Column::LobbyId.eq(lobby_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}
