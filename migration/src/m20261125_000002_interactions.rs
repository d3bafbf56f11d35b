//! Interactions: every Discord interaction the server has started to answer, keyed by
//! its id, so that each runs at most once across restarts, processes and concurrent
//! deliveries. The reply sent is kept so that a repeat gets the same answer.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "interactions";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(TABLE))
                    // Discord's snowflake as decimal text, like every other Discord id here.
                    .col(string(Alias::new("id")).primary_key())
                    .col(timestamp_with_time_zone(Alias::new("received_at")))
                    // Discord's JSON response body; NULL while the command runs.
                    .col(text_null(Alias::new("reply")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new(TABLE))
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
