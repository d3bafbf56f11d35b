//! The Discord outbox: every message the bot posts by itself (a timed-out race's
//! summary) is written here first and posted from here, so that a post Discord
//! did not take is retried with back-off, after a restart too, and posted by one
//! process only. Rows are deleted a while after they were sent or given up on.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "discord_outbox";

fn c(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(c(TABLE))
                    .col(big_integer(c("id")).auto_increment().primary_key())
                    // Discord's snowflake as decimal text, like every other Discord id here.
                    .col(string(c("channel_id")))
                    // The lobby the post is about, for the logs; NULL for none.
                    .col(big_integer_null(c("lobby_id")))
                    // The message's JSON body, with its nonce (Discord drops a repeat).
                    .col(text(c("body")))
                    // pending | sent | abandoned
                    .col(string(c("state")))
                    .col(integer(c("attempts")).default(0))
                    .col(timestamp_with_time_zone(c("created_at")))
                    .col(timestamp_with_time_zone(c("next_attempt_at")))
                    // The lease of the process posting it: its token, and until when.
                    .col(big_integer_null(c("claim")))
                    .col(timestamp_with_time_zone_null(c("claimed_until")))
                    // When it was sent or given up on (what the prune reads).
                    .col(timestamp_with_time_zone_null(c("finished_at")))
                    .col(string_null(c("last_error")))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(c(TABLE));
            for column in columns {
                index.col(c(column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(c(TABLE)).if_exists().to_owned())
            .await
    }
}

/// (index name, columns): the due posts, and the finished ones to prune.
const INDEXES: [(&str, &[&str]); 2] = [
    ("ix_discord_outbox_due", &["state", "next_attempt_at"]),
    ("ix_discord_outbox_finished", &["finished_at"]),
];
