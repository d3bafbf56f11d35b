//! A lighter write set per sale: fewer index entries for the same rows.
//! - `processed_events` and `sale_refs` are keyed by what makes them unique,
//!   (provider, shop, event id or reference): their primary key is that key,
//!   where it was a surrogate id with a unique index beside it (two index
//!   entries per row, now one; on SQLite the tables are `WITHOUT ROWID`, so the
//!   row lives in its key's tree).
//! - `journal_entries` loses its two secondary indexes (by transaction, by
//!   account): only `verify` reads the entries, in one pass over the table.
//! - `allocations` loses `(guild_id, discord_id, created_at)`: a racer's
//!   allocations are found by `(discord_id, created_at)` in every guild or one,
//!   and the leaderboard reads the balances, which hold the same sums.
//!
//! The tables are rebuilt (SQLite cannot change a primary key in place); `down`
//! rebuilds them as they were.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A keyed table: its name, its key's columns, the other columns (all text but
/// for the named ones), and the unique index it had beside its surrogate id.
struct Keyed {
    table: &'static str,
    key: [&'static str; 3],
    rest: &'static [&'static str],
    old_index: &'static str,
}

const KEYED: [Keyed; 2] = [
    Keyed {
        table: "processed_events",
        key: ["provider", "shop", "event_id"],
        rest: &["kind", "received_at"],
        old_index: "ux_processed_events_event",
    },
    Keyed {
        table: "sale_refs",
        key: ["provider", "shop", "reference"],
        rest: &["sale_id"],
        old_index: "ux_sale_refs_reference",
    },
];

/// Indexes dropped: (name, table, columns).
const DROPPED: [(&str, &str, &[&str]); 3] = [
    (
        "ix_journal_entries_tx",
        "journal_entries",
        &["transaction_id"],
    ),
    (
        "ix_journal_entries_account",
        "journal_entries",
        &["account", "currency"],
    ),
    (
        "ix_allocations_guild_racer",
        "allocations",
        &["guild_id", "discord_id", "created_at"],
    ),
];

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// A column of a keyed table, by its name.
fn column(name: &str) -> ColumnDef {
    match name {
        "received_at" => timestamp_with_time_zone(a(name)),
        "sale_id" => big_integer(a(name)),
        _ => string(a(name)),
    }
}

impl Keyed {
    fn staging(&self) -> String {
        format!("{}_rebuilt", self.table)
    }

    fn columns(&self) -> String {
        self.key
            .iter()
            .chain(self.rest)
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The table keyed by its natural key (`up`) or by a surrogate id (`down`),
    /// under a staging name.
    fn create(&self, natural: bool, backend: DbBackend) -> String {
        let mut table = Table::create();
        table.table(a(&self.staging()));
        if !natural {
            table.col(big_pk_auto(a("id")));
        }
        for name in self.key.iter().chain(self.rest) {
            table.col(column(name));
        }
        if natural {
            let mut key = Index::create();
            key.name(format!("pk_{}", self.table));
            for name in self.key {
                key.col(a(name));
            }
            table.primary_key(&mut key);
        }
        let sql = backend.build(&table).sql;
        if natural && backend == DbBackend::Sqlite {
            format!("{sql} WITHOUT ROWID")
        } else {
            sql
        }
    }

    async fn rebuild(&self, manager: &SchemaManager<'_>, natural: bool) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let (table, staging, columns) = (self.table, self.staging(), self.columns());
        // One batch, on one connection (the pool's other connections may still
        // read the schema as it was), all or nothing: PostgreSQL runs each
        // migration in a transaction, SQLite this savepoint.
        let (begin, end) = match backend {
            DbBackend::Sqlite => ("SAVEPOINT rebuild; ", "; RELEASE rebuild"),
            _ => ("", ""),
        };
        db.execute_unprepared(&format!(
            "{begin}{create}; \
             INSERT INTO \"{staging}\" ({columns}) SELECT {columns} FROM \"{table}\"; \
             DROP TABLE \"{table}\"; \
             ALTER TABLE \"{staging}\" RENAME TO \"{table}\"{end}",
            create = self.create(natural, backend)
        ))
        .await?;
        if !natural {
            let mut index = Index::create();
            index.name(self.old_index).table(a(table)).unique();
            for name in self.key {
                index.col(a(name));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for keyed in &KEYED {
            keyed.rebuild(manager, true).await?;
        }
        for (name, table, _) in DROPPED {
            manager
                .drop_index(Index::drop().name(name).table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in DROPPED {
            let mut index = Index::create();
            index.name(name).table(a(table));
            for column in columns {
                index.col(a(column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        for keyed in &KEYED {
            keyed.rebuild(manager, false).await?;
        }
        Ok(())
    }
}
