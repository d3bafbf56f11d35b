//! Buyer names on overlays under the streamer's control: a guild's own
//! `overlay.buyer_names` mode (`/overlay names`), the words its admins block or
//! allow on top of the deployment's list (`/overlay block`, `/overlay unblock`),
//! and the sales whose names a host took off the overlays (`/overlay hide`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const MODES: &str = "guild_overlay_names";
const WORDS: &str = "guild_blocked_words";
const HIDDEN: &str = "hidden_buyer_names";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(MODES))
                    .col(string(Alias::new("guild_id")).primary_key())
                    // public | initials | off
                    .col(string_len(Alias::new("buyer_names"), 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(WORDS))
                    .col(string(Alias::new("guild_id")))
                    // The pattern in normal form (`*` wildcards).
                    .col(string_len(Alias::new("word"), 64))
                    // true: blocked in this guild; false: allowed here although
                    // the deployment's list blocks it.
                    .col(boolean(Alias::new("blocked")))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("guild_id"))
                            .col(Alias::new("word")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(HIDDEN))
                    .col(big_integer(Alias::new("sale_id")).primary_key())
                    .col(big_integer(Alias::new("lobby_id")))
                    .col(timestamp_with_time_zone(Alias::new("hidden_at")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [HIDDEN, WORDS, MODES] {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(table))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
