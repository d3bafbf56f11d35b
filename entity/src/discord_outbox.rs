//! A message the bot posts by itself, kept until Discord took it (or it was given
//! up on) and for a while after.

use sea_orm::entity::prelude::*;

use super::sea_orm_active_enums::OutboxState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discord_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Empty for a direct message, whose channel is opened when it is posted.
    pub channel_id: String,
    /// The user a direct message goes to; NULL for a post in a channel.
    pub recipient_id: Option<String>,
    pub lobby_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub state: OutboxState,
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub next_attempt_at: DateTimeUtc,
    /// The token of the process that holds the post's lease.
    pub claim: Option<i64>,
    pub claimed_until: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
