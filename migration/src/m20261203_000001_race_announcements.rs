//! When a timed-out race's summary was queued for its channel
//! (`lobby_windows.announced_at`): NULL while it is owed. Closing a race on
//! time-out and queuing its summary are two steps; a process that stops or loses
//! its database between them leaves the summary owed, and a later sweep queues it
//! (once: the sweep sets the column in the transaction that queues the post).
//! Races that timed out before this migration count as announced.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "lobby_windows";
const COLUMN: &str = "announced_at";
/// The owed summaries, for the sweep that runs every few seconds.
const INDEX: &str = "ix_lobby_windows_owed";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new(TABLE))
                    .add_column(timestamp_with_time_zone_null(Alias::new(COLUMN)))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE {TABLE} SET {COLUMN} = closed_at WHERE close_reason = 'timeout'"
        ))
        .await?;
        // A partial index: both engines take the same statement.
        db.execute_unprepared(&format!(
            "CREATE INDEX {INDEX} ON {TABLE} (closed_at) \
             WHERE {COLUMN} IS NULL AND close_reason = 'timeout'"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Alias::new(TABLE))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new(TABLE))
                    .drop_column(Alias::new(COLUMN))
                    .to_owned(),
            )
            .await
    }
}
