//! A racer's time on a lobby's roster, from /join to /leave.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lobby_id: i64,
    pub discord_id: String,
    pub display_name: String,
    pub joined_at: DateTimeUtc,
    /// `None` while the racer is on the roster.
    pub left_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
