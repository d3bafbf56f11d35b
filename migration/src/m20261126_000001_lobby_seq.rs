//! Lobby seq: the number of the last event of each lobby (roster, window, sale,
//! refund), bumped in the database with every event, so that every process
//! sharing the database numbers a lobby's overlay frames the same way.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("lobbies"))
                    .add_column(big_integer(Alias::new("seq")).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("lobbies"))
                    .drop_column(Alias::new("seq"))
                    .to_owned(),
            )
            .await
    }
}
