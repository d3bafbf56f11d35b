//! A lobby's goal (`/goal`): the pot its host aims for, kept on the lobby row as
//! integer minor units and a currency code.

use entity::lobby;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr};

use crate::money::{Currency, Money};

/// The goal stored on a lobby row; a row whose columns do not make an amount
/// (one of them NULL, an unknown code) has none.
pub fn goal_of(row: &lobby::Model) -> Option<Money> {
    let currency = Currency::parse(row.goal_currency.as_deref()?).ok()?;
    Money::from_minor(row.goal_minor?, currency).ok()
}

/// Sets (or with `None` clears) a lobby's goal.
pub async fn set_goal(
    db: &DatabaseConnection,
    lobby_id: i64,
    goal: Option<Money>,
) -> Result<(), DbErr> {
    lobby::ActiveModel {
        id: Set(lobby_id),
        goal_minor: Set(goal.map(Money::minor)),
        goal_currency: Set(goal.map(|g| g.currency().code().to_owned())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
