//! SQLite: batched INSERTs into staging tables, then one `BEGIN IMMEDIATE` transaction that
//! replaces the live tables' rows. In WAL mode readers keep seeing the previous data until it
//! commits.

use std::str::FromStr;
use std::time::{Duration, Instant};

use deltalake::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::prelude::SessionContext;
use futures::StreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{
    AssertSqlSafe, ConnectOptions, Connection, QueryBuilder, Sqlite, SqliteConnection, SqlitePool,
};

use super::{Load, TableMirror, read_gold};
use crate::error::{Error, Result};

/// SQLite accepts up to 32766 bound values per statement.
const MAX_BINDS: usize = 32_000;

pub(super) async fn connect(url: &str) -> std::result::Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(60))
        .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(3600));
    SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
}

fn sql_error(context: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |e| Error::Warehouse(format!("{context}: {e}"))
}

/// SQLite storage classes of the warehouse's columns.
#[derive(Clone, Copy)]
enum Class {
    Integer,
    Real,
    Text,
}

enum Column {
    Integer(Int64Array),
    Real(Float64Array),
    Text(StringArray),
}

impl Column {
    fn new(array: &ArrayRef, class: Class) -> Result<Column> {
        let target = match class {
            Class::Integer => DataType::Int64,
            Class::Real => DataType::Float64,
            Class::Text => DataType::Utf8,
        };
        let a = cast(array, &target)?;
        Ok(match class {
            Class::Integer => Column::Integer(a.as_primitive().clone()),
            Class::Real => Column::Real(a.as_primitive().clone()),
            Class::Text => Column::Text(a.as_string::<i32>().clone()),
        })
    }
}

async fn columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<(String, Class)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT name, upper(type) FROM pragma_table_info(?1) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *conn)
            .await
            .map_err(sql_error("reading the warehouse columns"))?;
    if rows.is_empty() {
        return Err(Error::Warehouse(format!(
            "{table} does not exist in the warehouse"
        )));
    }
    rows.into_iter()
        .map(|(name, ty)| {
            let class = match ty.as_str() {
                "INTEGER" => Class::Integer,
                "REAL" => Class::Real,
                "TEXT" => Class::Text,
                other => {
                    return Err(Error::Warehouse(format!(
                        "{table}.{name}: type {other} is not one the mirror can load"
                    )));
                }
            };
            Ok((name, class))
        })
        .collect()
}

async fn stage(conn: &mut SqliteConnection, ctx: &SessionContext, table: &str) -> Result<u64> {
    let columns = columns(conn, table).await?;
    let stage = format!("joblake_stage_{table}");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP TABLE IF EXISTS {stage}; CREATE TABLE {stage} AS SELECT * FROM {table} WHERE 0"
    )))
    .execute(&mut *conn)
    .await
    .map_err(sql_error("creating the staging table"))?;
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    let list = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let per_statement = (MAX_BINDS / names.len().max(1)).clamp(1, 1000);
    let mut stream = read_gold(ctx, table, &names).await?;
    let mut tx = conn
        .begin()
        .await
        .map_err(sql_error("beginning the load"))?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        let cols = batch
            .columns()
            .iter()
            .zip(&columns)
            .map(|(a, (_, class))| Column::new(a, *class))
            .collect::<Result<Vec<_>>>()?;
        let mut start = 0;
        while start < batch.num_rows() {
            let end = (start + per_statement).min(batch.num_rows());
            let mut insert: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("INSERT INTO {stage} ({list}) "));
            insert.push_values(start..end, |mut row, i| {
                for c in &cols {
                    match c {
                        Column::Integer(a) => row.push_bind(a.is_valid(i).then(|| a.value(i))),
                        Column::Real(a) => row.push_bind(a.is_valid(i).then(|| a.value(i))),
                        Column::Text(a) => {
                            row.push_bind(a.is_valid(i).then(|| a.value(i).to_string()))
                        }
                    };
                }
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(|e| Error::Warehouse(format!("loading {stage}: {e}")))?;
            start = end;
        }
    }
    tx.commit()
        .await
        .map_err(sql_error("committing the load"))?;
    Ok(rows)
}

/// Stages every table, then replaces the live rows in one transaction. `loads` come in the
/// project's mirror order: the star's referenced tables before those referencing them.
pub(super) async fn load(
    pool: &SqlitePool,
    ctx: &SessionContext,
    loads: &[Load],
) -> Result<(Vec<TableMirror>, f64)> {
    let mut conn = pool.acquire().await.map_err(sql_error("connecting"))?;
    let mut report = Vec::new();
    for load in loads {
        let started = Instant::now();
        let rows = stage(&mut conn, ctx, &load.table).await?;
        report.push(TableMirror {
            table: load.table.clone(),
            version: load.version,
            rows,
            unchanged: false,
            seconds: started.elapsed().as_secs_f64(),
        });
    }

    let swap_started = Instant::now();
    // IMMEDIATE: take the write lock now rather than fail to upgrade later.
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(sql_error("beginning the swap"))?;
    let result = swap(&mut conn, loads, &report).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = sqlx::raw_sql(AssertSqlSafe(end)).execute(&mut *conn).await;
    if ended.is_err() {
        // A COMMIT refused (a deferred foreign key) leaves the transaction open.
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    }
    result?;
    ended.map_err(sql_error("committing the swap"))?;
    let swap_seconds = swap_started.elapsed().as_secs_f64();

    for load in loads {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP TABLE IF EXISTS joblake_stage_{}",
            load.table
        )))
        .execute(&mut *conn)
        .await
        .map_err(sql_error("dropping the staging tables"))?;
    }
    Ok((report, swap_seconds))
}

async fn swap(conn: &mut SqliteConnection, loads: &[Load], report: &[TableMirror]) -> Result<()> {
    // Foreign keys are checked at COMMIT, on the final rows: a project whose models declare
    // fewer relationships than the migrations' keys still swaps. Referencing tables are
    // emptied first and filled last all the same.
    sqlx::raw_sql("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *conn)
        .await
        .map_err(sql_error("deferring the foreign keys"))?;
    for load in loads.iter().rev() {
        sqlx::raw_sql(AssertSqlSafe(format!("DELETE FROM {}", load.table)))
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::Warehouse(format!("emptying {}: {e}", load.table)))?;
    }
    for (load, table) in loads.iter().zip(report) {
        let t = &load.table;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "INSERT INTO {t} SELECT * FROM joblake_stage_{t}"
        )))
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::Warehouse(format!("filling {t}: {e}")))?;
        sqlx::query(
            "INSERT INTO joblake_mirror_state (table_name, delta_version, row_count, mirrored_at) \
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT (table_name) DO UPDATE SET delta_version = excluded.delta_version, \
             row_count = excluded.row_count, mirrored_at = excluded.mirrored_at",
        )
        .bind(t)
        .bind(i64::try_from(load.version).unwrap_or(i64::MAX))
        .bind(i64::try_from(table.rows).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await
        .map_err(sql_error("recording the mirror state"))?;
    }
    Ok(())
}
