//! Store credit issued through a shop's API, in two phases:
//! - `payouts.state`: `paid` (every payout before this, and every one recorded
//!   without a provider), `reserved` (the amount is set aside while the provider is
//!   asked) or `released` (the provider refused; the amount went back);
//!   `payouts.shop`, `payouts.code` (chosen when reserving, so that every retry asks
//!   the provider for the same object), `payouts.provider_ref` (the provider's object
//!   id once confirmed), `payouts.settled_at` and `payouts.failure` (what a provider
//!   that refused said).
//! - `balances.reserved_minor`: money set aside for an issue in flight.
//! - `discord_outbox.recipient_id`: a direct message to a user, whose channel is
//!   opened when it is posted (`channel_id` is then empty).
//!
//! SQLite alters one column per statement, so each column is its own alteration.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn c(name: &str) -> Alias {
    Alias::new(name)
}

/// Every column added, by table.
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        ("payouts", string(c("state")).default("paid").to_owned()),
        ("payouts", string_null(c("shop")).to_owned()),
        ("payouts", string_null(c("code")).to_owned()),
        ("payouts", string_null(c("provider_ref")).to_owned()),
        (
            "payouts",
            timestamp_with_time_zone_null(c("settled_at")).to_owned(),
        ),
        ("payouts", string_null(c("failure")).to_owned()),
        (
            "balances",
            big_integer(c("reserved_minor")).default(0).to_owned(),
        ),
        ("discord_outbox", string_null(c("recipient_id")).to_owned()),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(c(table))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // The reconciler's question: which reservations are still open.
        manager
            .create_index(
                Index::create()
                    .name("ix_payouts_state")
                    .table(c("payouts"))
                    .col(c("state"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_payouts_state")
                    .table(c("payouts"))
                    .to_owned(),
            )
            .await?;
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(c(table))
                        .drop_column(c(&column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
