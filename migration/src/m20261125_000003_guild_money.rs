//! Money per Discord guild: a racer in two communities has two wallets.
//!
//! - `allocations.guild_id`: the guild of the lobby the share was earned through
//!   (`''` for a lobby created outside any guild), filled from `lobbies`.
//! - `payouts.guild_id`: the guild whose balance paid it; `payouts.idempotency_key`
//!   (unique) so that a retried payout pays once.
//! - `balances` gains `guild_id` in its key. Existing balances are rebuilt per guild
//!   from the allocations (pending and available shares, net of refunds) and the
//!   payouts. A payout made before guilds had wallets is assigned to the guild in
//!   which the racer earned most in that currency (ties: the smaller guild id): for
//!   a deployment that served one community, which is every deployment before this
//!   change, that is exact.

use std::collections::BTreeMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The balances table as the first migration made it, kept for `down`.
const OLD_BALANCES: &str = "balances_before_guilds";

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// (guild, racer, currency) -> (pending, available earned, paid), in minor units.
type Totals = BTreeMap<(String, String, String), (i64, i64, i64)>;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on every engine: the tables are renamed, rebuilt and filled
    /// together or not at all, and on one connection (SQLite's pool would otherwise
    /// run a statement on a connection whose snapshot predates the rename).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_guild_columns(manager).await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        db.execute_raw(Statement::from_string(
            backend,
            "UPDATE allocations SET guild_id = COALESCE((SELECT l.guild_id FROM lobbies l \
             WHERE l.id = allocations.lobby_id), '')",
        ))
        .await?;
        let mut totals = earned_per_guild(manager).await?;
        assign_payouts(manager, &mut totals).await?;
        manager
            .rename_table(
                Table::rename()
                    .table(a("balances"), a(OLD_BALANCES))
                    .to_owned(),
            )
            .await?;
        manager.create_table(balances_table()).await?;
        for ((guild, racer, currency), (pending, earned, paid)) in totals {
            let insert = Query::insert()
                .into_table(a("balances"))
                .columns([
                    a("guild_id"),
                    a("discord_id"),
                    a("currency"),
                    a("available_minor"),
                    a("pending_minor"),
                    a("paid_minor"),
                ])
                .values_panic([
                    guild.into(),
                    racer.into(),
                    currency.into(),
                    (earned - paid).into(),
                    pending.into(),
                    paid.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        manager
            .drop_table(Table::drop().table(a(OLD_BALANCES)).to_owned())
            .await?;
        for (name, table, columns) in [
            (
                "ix_allocations_guild_racer",
                "allocations",
                &["guild_id", "discord_id", "created_at"][..],
            ),
            (
                "ix_payouts_guild_racer",
                "payouts",
                &["guild_id", "discord_id"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(a(table));
            for column in columns {
                index.col(a(column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_payouts_idempotency")
                    .table(a("payouts"))
                    .col(a("idempotency_key"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ux_payouts_idempotency", "payouts"),
            ("ix_payouts_guild_racer", "payouts"),
            ("ix_allocations_guild_racer", "allocations"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(a(table)).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(a(OLD_BALANCES))
                    .col(ColumnDef::new(a("discord_id")).string().not_null())
                    .col(ColumnDef::new(a("currency")).string().not_null())
                    .col(
                        ColumnDef::new(a("available_minor"))
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(a("pending_minor")).big_integer().not_null())
                    .col(ColumnDef::new(a("paid_minor")).big_integer().not_null())
                    .primary_key(Index::create().col(a("discord_id")).col(a("currency")))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "INSERT INTO {OLD_BALANCES} (discord_id, currency, available_minor, \
                 pending_minor, paid_minor) SELECT discord_id, currency, \
                 SUM(available_minor), SUM(pending_minor), SUM(paid_minor) FROM balances \
                 GROUP BY discord_id, currency"
            ),
        ))
        .await?;
        manager
            .drop_table(Table::drop().table(a("balances")).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(a(OLD_BALANCES), a("balances"))
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("payouts", "idempotency_key"),
            ("payouts", "guild_id"),
            ("allocations", "guild_id"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(a(table))
                        .drop_column(a(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

async fn add_guild_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for (table, column, unique_key) in [
        ("allocations", "guild_id", false),
        ("payouts", "guild_id", false),
        ("payouts", "idempotency_key", true),
    ] {
        let mut def = ColumnDef::new(a(column));
        def.string();
        if unique_key {
            def.null();
        } else {
            def.not_null().default("");
        }
        manager
            .alter_table(Table::alter().table(a(table)).add_column(def).to_owned())
            .await?;
    }
    Ok(())
}

fn balances_table() -> TableCreateStatement {
    Table::create()
        .table(a("balances"))
        .col(ColumnDef::new(a("guild_id")).string().not_null())
        .col(ColumnDef::new(a("discord_id")).string().not_null())
        .col(ColumnDef::new(a("currency")).string().not_null())
        .col(
            ColumnDef::new(a("available_minor"))
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new(a("pending_minor")).big_integer().not_null())
        .col(ColumnDef::new(a("paid_minor")).big_integer().not_null())
        .primary_key(
            Index::create()
                .col(a("guild_id"))
                .col(a("discord_id"))
                .col(a("currency")),
        )
        .to_owned()
}

/// Pending and available shares per (guild, racer, currency), net of refunds.
async fn earned_per_guild(manager: &SchemaManager<'_>) -> Result<Totals, DbErr> {
    let db = manager.get_connection();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT guild_id, discord_id, currency, status, \
             CAST(SUM(amount_minor - reversed_minor) AS BIGINT) FROM allocations \
             GROUP BY guild_id, discord_id, currency, status",
        ))
        .await?;
    let mut totals = Totals::new();
    for row in rows {
        let key = (
            row.try_get_by_index::<String>(0)?,
            row.try_get_by_index::<String>(1)?,
            row.try_get_by_index::<String>(2)?,
        );
        let status: String = row.try_get_by_index(3)?;
        let net: i64 = row.try_get_by_index(4)?;
        let entry = totals.entry(key).or_default();
        if status == "pending" {
            entry.0 += net;
        } else {
            entry.1 += net;
        }
    }
    Ok(totals)
}

/// Gives each existing payout the guild where its racer earned most in its
/// currency, and adds it to that guild's paid total.
async fn assign_payouts(manager: &SchemaManager<'_>, totals: &mut Totals) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let payouts = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, discord_id, currency, amount_minor FROM payouts ORDER BY id",
        ))
        .await?;
    for row in payouts {
        let id: i64 = row.try_get_by_index(0)?;
        let racer: String = row.try_get_by_index(1)?;
        let currency: String = row.try_get_by_index(2)?;
        let amount: i64 = row.try_get_by_index(3)?;
        let guild = totals
            .iter()
            .filter(|((_, r, c), _)| *r == racer && *c == currency)
            .max_by(|(ka, a), (kb, b)| (a.0 + a.1).cmp(&(b.0 + b.1)).then(kb.0.cmp(&ka.0)))
            .map(|((g, _, _), _)| g.clone())
            .unwrap_or_default();
        let update = Query::update()
            .table(a("payouts"))
            .value(a("guild_id"), guild.clone())
            .and_where(Expr::col(a("id")).eq(id))
            .to_owned();
        manager.exec_stmt(update).await?;
        totals.entry((guild, racer, currency)).or_default().2 += amount;
    }
    Ok(())
}
