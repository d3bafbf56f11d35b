//! Indexes for bounded growth: `interactions.received_at`, so that the periodic
//! prune of claimed interactions older than an interaction token lives reads no
//! more than it deletes; `lobbies (guild_id, created_at)`, so that a guild's
//! lobbies created within the last hour (`discord.max_lobbies_per_hour`) are
//! counted from the index; `lobbies (state, id)` for the paged list of closed
//! lobbies, which are no longer held in memory.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, columns).
const INDEXES: [(&str, &str, &[&str]); 3] = [
    (
        "ix_interactions_received_at",
        "interactions",
        &["received_at"],
    ),
    (
        "ix_lobbies_guild_created",
        "lobbies",
        &["guild_id", "created_at"],
    ),
    ("ix_lobbies_state_id", "lobbies", &["state", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
