//! Multi-row inserts whose statement text does not depend on the row count where
//! the engine allows it, so that the driver prepares each once per connection:
//! on PostgreSQL one `INSERT ... SELECT * FROM UNNEST($1, $2, ...)` with one
//! array per column, whatever the number of rows; on SQLite `VALUES` rows in
//! chunks of [`ROWS_PER_INSERT`] (it has no arrays). Columns are named by the
//! entities' column enums; every value of a column must be of one type and not
//! NULL (PostgreSQL arrays are bound without NULLs).

use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{ArrayType, Expr, ExprTrait, Value};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityName, QueryResult, Statement};

use super::LedgerError;

/// Rows per multi-row `VALUES` insert on SQLite: stays under its 32,766 bound
/// parameters for tables of up to 32 columns.
pub(super) const ROWS_PER_INSERT: usize = 1_000;

/// Rows for one table, held column by column.
pub(super) struct Bulk {
    table: &'static str,
    columns: Vec<&'static str>,
    /// One list of values per column, each as long as there are rows.
    cells: Vec<Vec<Value>>,
    /// What follows the rows: `ON CONFLICT ...`, `RETURNING ...`.
    tail: String,
}

impl Bulk {
    pub fn new<E: EntityName, C: ColumnTrait>(entity: E, columns: &[C]) -> Self {
        Bulk {
            table: entity.table_name(),
            columns: columns.iter().map(|c| c.as_str()).collect(),
            cells: columns.iter().map(|_| Vec::new()).collect(),
            tail: String::new(),
        }
    }

    /// Appends `ON CONFLICT ...` or `RETURNING ...` (plain SQL, column names quoted).
    pub fn tail(mut self, sql: &str) -> Self {
        self.tail.push(' ');
        self.tail.push_str(sql);
        self
    }

    /// Adds one row, its values in the order of the columns.
    pub fn push<const N: usize>(&mut self, row: [Value; N]) {
        debug_assert_eq!(N, self.columns.len(), "one value per column");
        for (column, value) in self.cells.iter_mut().zip(row) {
            column.push(value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cells.first().is_none_or(Vec::is_empty)
    }

    /// Writes every row; answers what `RETURNING` gave, if anything.
    pub async fn exec(self, db: &impl ConnectionTrait) -> Result<Vec<QueryResult>, LedgerError> {
        let mut returned = Vec::new();
        for statement in self.statements(db.get_database_backend()) {
            returned.extend(db.query_all_raw(statement).await?);
        }
        Ok(returned)
    }

    fn statements(self, backend: DbBackend) -> Vec<Statement> {
        if self.is_empty() {
            return Vec::new();
        }
        let head = format!(
            "INSERT INTO \"{}\" ({})",
            self.table,
            self.columns
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        match backend {
            DbBackend::Postgres => {
                let arrays: Vec<Value> = self
                    .cells
                    .into_iter()
                    .map(|values| {
                        let ty = values.first().map_or(ArrayType::String, Value::array_type);
                        Value::Array(ty, Some(Box::new(values)))
                    })
                    .collect();
                let params: Vec<String> = (1..=arrays.len()).map(|n| format!("${n}")).collect();
                let sql = format!(
                    "{head} SELECT * FROM UNNEST({}){}",
                    params.join(", "),
                    self.tail
                );
                vec![Statement::from_sql_and_values(backend, sql, arrays)]
            }
            _ => {
                let width = self.columns.len();
                let rows = self.cells[0].len();
                let mut by_row: Vec<Vec<Value>> = vec![Vec::with_capacity(width); rows];
                for column in self.cells {
                    for (row, value) in by_row.iter_mut().zip(column) {
                        row.push(value);
                    }
                }
                let one_row = format!("({})", vec!["?"; width].join(", "));
                by_row
                    .chunks(ROWS_PER_INSERT)
                    .map(|chunk| {
                        let sql = format!(
                            "{head} VALUES {}{}",
                            vec![one_row.as_str(); chunk.len()].join(", "),
                            self.tail
                        );
                        let values = chunk.iter().flatten().cloned().collect::<Vec<_>>();
                        Statement::from_sql_and_values(backend, sql, values)
                    })
                    .collect()
            }
        }
    }
}

/// `column` is one of `values`: on PostgreSQL `= ANY($1)` with one array, so the
/// statement's text is the same for any number of values; elsewhere `IN (...)`.
pub(super) fn one_of<C: ColumnTrait>(column: C, values: &[String], backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => {
            let array = Value::Array(
                ArrayType::String,
                Some(Box::new(values.iter().cloned().map(Value::from).collect())),
            );
            Expr::col(column).eq(PgFunc::any(Expr::val(array)))
        }
        _ => column.is_in(values.iter().cloned()),
    }
}

#[cfg(test)]
mod tests {
    use entity::processed_event::{Column, Entity};

    use super::*;

    fn events(n: usize) -> Bulk {
        let mut bulk =
            Bulk::new(Entity, &[Column::Shop, Column::EventId]).tail("ON CONFLICT DO NOTHING");
        for i in 0..n {
            bulk.push(["main".into(), format!("evt_{i}").into()]);
        }
        bulk
    }

    #[test]
    fn postgres_gets_one_statement_of_arrays_whatever_the_row_count() {
        let one = events(1).statements(DbBackend::Postgres);
        let many = events(2_500).statements(DbBackend::Postgres);
        assert_eq!(many.len(), 1);
        assert_eq!(one[0].sql, many[0].sql);
        assert_eq!(
            many[0].sql,
            r#"INSERT INTO "processed_events" ("shop", "event_id") SELECT * FROM UNNEST($1, $2) ON CONFLICT DO NOTHING"#
        );
        let values = many[0].values.as_ref().expect("values");
        assert_eq!(values.0.len(), 2);
        assert!(
            matches!(&values.0[1], Value::Array(ArrayType::String, Some(v)) if v.len() == 2_500)
        );
    }

    #[test]
    fn sqlite_gets_values_rows_in_chunks() {
        let statements = events(2_500).statements(DbBackend::Sqlite);
        assert_eq!(statements.len(), 3);
        assert!(statements[0].sql.starts_with(
            r#"INSERT INTO "processed_events" ("shop", "event_id") VALUES (?, ?), (?, ?)"#
        ));
        assert!(statements[2].sql.ends_with("(?, ?) ON CONFLICT DO NOTHING"));
        let last = statements[2].values.as_ref().expect("values");
        assert_eq!(last.0.len(), 1_000);
        assert!(events(0).statements(DbBackend::Sqlite).is_empty());
    }
}
