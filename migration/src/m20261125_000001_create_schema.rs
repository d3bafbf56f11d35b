//! The first schema: lobbies with their window and roster history, sales and their
//! references, idempotency records, refunds, allocations, the double-entry journal,
//! balances, payouts and settings. Money is stored as integer minor units.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table this migration creates, in creation order (dropped in reverse).
const TABLES: &[&str] = &[
    "players",
    "lobbies",
    "lobby_windows",
    "roster_memberships",
    "discount_codes",
    "sales",
    "sale_refs",
    "processed_events",
    "refunds",
    "allocations",
    "journal_transactions",
    "journal_entries",
    "balances",
    "payouts",
    "settings",
];

fn t(name: &str) -> Alias {
    Alias::new(name)
}

fn c(name: &str) -> Alias {
    Alias::new(name)
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(t("players"))
            .col(string(c("discord_id")).primary_key())
            .col(string(c("display_name")))
            .col(timestamp_with_time_zone(c("updated_at")))
            .to_owned(),
        Table::create()
            .table(t("lobbies"))
            .col(big_pk_auto(c("id")))
            .col(string_uniq(c("code")))
            .col(string(c("name")))
            .col(string_null(c("guild_id")))
            .col(string_null(c("channel_id")))
            .col(string(c("host_id")))
            .col(string(c("state")))
            .col(timestamp_with_time_zone(c("created_at")))
            .to_owned(),
        Table::create()
            .table(t("lobby_windows"))
            .col(big_pk_auto(c("id")))
            .col(big_integer(c("lobby_id")))
            .col(timestamp_with_time_zone(c("opened_at")))
            .col(timestamp_with_time_zone_null(c("closed_at")))
            .col(string_null(c("close_reason")))
            .to_owned(),
        Table::create()
            .table(t("roster_memberships"))
            .col(big_pk_auto(c("id")))
            .col(big_integer(c("lobby_id")))
            .col(string(c("discord_id")))
            .col(string(c("display_name")))
            .col(timestamp_with_time_zone(c("joined_at")))
            .col(timestamp_with_time_zone_null(c("left_at")))
            .to_owned(),
        Table::create()
            .table(t("discount_codes"))
            .col(string(c("code")).primary_key())
            .col(big_integer(c("lobby_id")))
            .to_owned(),
        Table::create()
            .table(t("sales"))
            .col(big_pk_auto(c("id")))
            .col(string(c("provider")))
            .col(string(c("shop")))
            .col(string(c("provider_sale_id")))
            .col(big_integer(c("amount_minor")))
            .col(string(c("currency")))
            .col(big_integer(c("pool_minor")))
            .col(big_integer(c("refunded_minor")))
            .col(timestamp_with_time_zone(c("sold_at")))
            .col(timestamp_with_time_zone(c("received_at")))
            .col(string_null(c("lobby_tag")))
            .col(string_null(c("buyer_name")))
            .col(boolean(c("buyer_public")))
            .to_owned(),
        Table::create()
            .table(t("sale_refs"))
            .col(big_pk_auto(c("id")))
            .col(string(c("provider")))
            .col(string(c("shop")))
            .col(string(c("reference")))
            .col(big_integer(c("sale_id")))
            .to_owned(),
        Table::create()
            .table(t("processed_events"))
            .col(big_pk_auto(c("id")))
            .col(string(c("provider")))
            .col(string(c("shop")))
            .col(string(c("event_id")))
            .col(string(c("kind")))
            .col(timestamp_with_time_zone(c("received_at")))
            .to_owned(),
        Table::create()
            .table(t("refunds"))
            .col(big_pk_auto(c("id")))
            .col(string(c("provider")))
            .col(string(c("shop")))
            .col(string(c("provider_refund_id")))
            .col(string(c("sale_ref")))
            .col(big_integer_null(c("sale_id")))
            .col(string(c("kind")))
            .col(big_integer(c("amount_minor")))
            .col(string(c("currency")))
            .col(big_integer(c("applied_minor")))
            .col(string(c("status")))
            .col(string_null(c("note")))
            .col(timestamp_with_time_zone(c("refunded_at")))
            .col(timestamp_with_time_zone(c("received_at")))
            .to_owned(),
        Table::create()
            .table(t("allocations"))
            .col(big_pk_auto(c("id")))
            .col(big_integer(c("sale_id")))
            .col(big_integer(c("lobby_id")))
            .col(string(c("discord_id")))
            .col(string(c("currency")))
            .col(big_integer(c("amount_minor")))
            .col(big_integer(c("reversed_minor")))
            .col(string(c("status")))
            .col(timestamp_with_time_zone(c("available_at")))
            .col(timestamp_with_time_zone(c("created_at")))
            .to_owned(),
        Table::create()
            .table(t("journal_transactions"))
            .col(big_pk_auto(c("id")))
            .col(string(c("kind")))
            .col(string(c("reference")))
            .col(timestamp_with_time_zone(c("created_at")))
            .to_owned(),
        Table::create()
            .table(t("journal_entries"))
            .col(big_pk_auto(c("id")))
            .col(big_integer(c("transaction_id")))
            .col(string(c("account")))
            .col(string(c("currency")))
            .col(big_integer(c("amount_minor")))
            .to_owned(),
        Table::create()
            .table(t("balances"))
            .col(string(c("discord_id")))
            .col(string(c("currency")))
            .col(big_integer(c("available_minor")))
            .col(big_integer(c("pending_minor")))
            .col(big_integer(c("paid_minor")))
            .primary_key(Index::create().col(c("discord_id")).col(c("currency")))
            .to_owned(),
        Table::create()
            .table(t("payouts"))
            .col(big_pk_auto(c("id")))
            .col(string(c("discord_id")))
            .col(big_integer(c("amount_minor")))
            .col(string(c("currency")))
            .col(string(c("method")))
            .col(string_null(c("note")))
            .col(boolean(c("forced")))
            .col(string(c("created_by")))
            .col(timestamp_with_time_zone(c("created_at")))
            .to_owned(),
        Table::create()
            .table(t("settings"))
            .col(string(c("key")).primary_key())
            .col(string(c("value")))
            .to_owned(),
    ]
}

/// (index name, table, columns, unique). Unique ones carry idempotency.
const INDEXES: &[(&str, &str, &[&str], bool)] = &[
    (
        "ux_sales_provider_sale",
        "sales",
        &["provider", "shop", "provider_sale_id"],
        true,
    ),
    (
        "ux_sale_refs_reference",
        "sale_refs",
        &["provider", "shop", "reference"],
        true,
    ),
    (
        "ux_processed_events_event",
        "processed_events",
        &["provider", "shop", "event_id"],
        true,
    ),
    (
        "ux_refunds_provider_refund",
        "refunds",
        &["provider", "shop", "provider_refund_id"],
        true,
    ),
    (
        "ix_refunds_waiting",
        "refunds",
        &["provider", "shop", "sale_ref", "status"],
        false,
    ),
    ("ix_sales_sold_at", "sales", &["sold_at"], false),
    ("ix_allocations_sale", "allocations", &["sale_id"], false),
    (
        "ix_allocations_racer",
        "allocations",
        &["discord_id", "created_at"],
        false,
    ),
    (
        "ix_allocations_maturity",
        "allocations",
        &["status", "available_at"],
        false,
    ),
    ("ix_allocations_lobby", "allocations", &["lobby_id"], false),
    (
        "ix_journal_entries_tx",
        "journal_entries",
        &["transaction_id"],
        false,
    ),
    (
        "ix_journal_entries_account",
        "journal_entries",
        &["account", "currency"],
        false,
    ),
    (
        "ix_windows_lobby",
        "lobby_windows",
        &["lobby_id", "opened_at"],
        false,
    ),
    (
        "ix_roster_lobby",
        "roster_memberships",
        &["lobby_id", "joined_at"],
        false,
    ),
    (
        "ix_payouts_racer",
        "payouts",
        &["discord_id", "created_at"],
        false,
    ),
    ("ix_lobbies_channel", "lobbies", &["channel_id"], false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for (name, table, columns, unique) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(t(table));
            for column in *columns {
                index.col(c(column));
            }
            if *unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
