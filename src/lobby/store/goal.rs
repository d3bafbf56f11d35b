//! A lobby's goal (`/goal`): the pot its host aims for, kept on the lobby row as
//! integer minor units and a currency code, numbered and published like every
//! change of the lobby, so that every process's overlays show it in order.

use entity::lobby;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, TransactionTrait};

use super::changes::{next_seq, Numbered};
use crate::lobby::bus::Channel;
use crate::lobby::change::LobbyChange;
use crate::lobby::LobbyError;
use crate::money::{Currency, Money};

/// The goal stored on a lobby row; a row whose columns do not make an amount
/// (one of them NULL, an unknown code) has none.
pub fn goal_of(row: &lobby::Model) -> Option<Money> {
    let currency = Currency::parse(row.goal_currency.as_deref()?).ok()?;
    Money::from_minor(row.goal_minor?, currency).ok()
}

/// Sets (or with `None` clears) a lobby's goal, with the lobby's next seq.
pub async fn set_goal(
    db: &DatabaseConnection,
    channel: &Channel,
    lobby_id: i64,
    goal: Option<Money>,
) -> Result<Numbered<()>, LobbyError> {
    let tx = db.begin().await?;
    let seq = next_seq(&tx, lobby_id).await?;
    lobby::ActiveModel {
        id: Set(lobby_id),
        goal_minor: Set(goal.map(Money::minor)),
        goal_currency: Set(goal.map(|g| g.currency().code().to_owned())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let change = LobbyChange::GoalSet { goal };
    channel.publish(&tx, lobby_id, seq, change.clone()).await?;
    tx.commit().await?;
    Ok((seq, change, ()))
}
