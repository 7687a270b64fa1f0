//! SQLite: one write transaction replaces the mirrored tables' rows. In WAL mode readers keep
//! reading the previous data until it commits, and a mirror that dies before the commit leaves
//! nothing behind (the uncommitted pages are never seen).
//!
//! Rows are not staged and copied: that wrote every row twice and maintained every index and
//! foreign key row by row (82 s of a 91 s mirror of a 1M lake). Inside the transaction the
//! live tables are emptied (SQLite's truncate, as foreign keys are off for this connection),
//! their secondary indexes dropped, the rows inserted through one prepared statement on the
//! connection's own handle, the indexes rebuilt in one sorted pass each, and the foreign keys
//! checked on the final rows (`pragma_foreign_key_check`) before the commit: a violation rolls
//! everything back.

use std::str::FromStr;
use std::time::{Duration, Instant};

use deltalake::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::arrow::record_batch::RecordBatch;
use deltalake::datafusion::prelude::SessionContext;
use futures::StreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, SqliteConnection, SqlitePool};

use super::{Load, TableMirror, read_gold};
use crate::error::{Error, Result};

/// Page cache of the mirroring connection, in KiB (negative in the pragma): at most 1 GiB, taken
/// only as pages are touched. With SQLite's default 2 MiB a large transaction spills dirty
/// pages to the WAL over and over (system time was 60% of the mirror); 256 MiB still spilled
/// at 1M postings (the index builds rescan the fact table).
const CACHE_KIB: i64 = 1024 * 1024;

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

async fn exec(conn: &mut SqliteConnection, sql: String, context: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(sql_error(context))
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

    /// Binds row `i` of this column to parameter `index` (1-based), straight from the batch.
    fn bind(
        &self,
        statement: &mut rusqlite::Statement<'_>,
        index: usize,
        i: usize,
    ) -> rusqlite::Result<()> {
        match self {
            Column::Integer(a) => {
                statement.raw_bind_parameter(index, a.is_valid(i).then(|| a.value(i)))
            }
            Column::Real(a) => {
                statement.raw_bind_parameter(index, a.is_valid(i).then(|| a.value(i)))
            }
            Column::Text(a) => {
                statement.raw_bind_parameter(index, a.is_valid(i).then(|| a.value(i)))
            }
        }
    }
}

/// A column of a warehouse table: name, storage class, position in the primary key (0: none).
struct TableColumn {
    name: String,
    class: Class,
    key: i64,
}

async fn columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<TableColumn>> {
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT name, upper(type), pk FROM pragma_table_info(?1) ORDER BY cid")
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
        .map(|(name, ty, key)| {
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
            Ok(TableColumn { name, class, key })
        })
        .collect()
}

/// The insert of one table: one single-row statement, prepared once per batch and stepped once
/// per row on the connection's own SQLite handle (through rusqlite), its values bound straight
/// from the batch's columns. sqlx's binding (a value list built per statement, handed to its
/// worker thread) cost the fact table of a 1M lake 2.9 s, against 1.0 s for SQLite's own
/// `INSERT ... SELECT` of the same rows (docs/performance.md).
struct Inserts {
    table: String,
    classes: Vec<Class>,
    sql: String,
}

impl Inserts {
    fn new(table: &str, columns: &[TableColumn]) -> Inserts {
        let list = columns
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let values = vec!["?"; columns.len()].join(", ");
        Inserts {
            table: table.to_string(),
            classes: columns.iter().map(|c| c.class).collect(),
            sql: format!("INSERT INTO \"{table}\" ({list}) VALUES ({values})"),
        }
    }

    /// Inserts one batch, its columns in the table's order.
    async fn batch(&self, conn: &mut SqliteConnection, batch: &RecordBatch) -> Result<()> {
        let cols = batch
            .columns()
            .iter()
            .zip(&self.classes)
            .map(|(a, class)| Column::new(a, *class))
            .collect::<Result<Vec<_>>>()?;
        let failed = |e: rusqlite::Error| Error::Warehouse(format!("loading {}: {e}", self.table));
        let mut handle = conn
            .lock_handle()
            .await
            .map_err(sql_error("locking the connection"))?;
        // SAFETY: the handle is sqlx's open connection, locked for this function until `handle`
        // drops, so nothing else uses it meanwhile. The rusqlite connection made from it does
        // not own it (it never closes it) and is dropped, with its statement, before `handle`.
        #[allow(unsafe_code)]
        let raw = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }
            .map_err(failed)?;
        let mut statement = raw.prepare(&self.sql).map_err(failed)?;
        for i in 0..batch.num_rows() {
            for (index, c) in cols.iter().enumerate() {
                c.bind(&mut statement, index + 1, i).map_err(failed)?;
            }
            statement.raw_execute().map_err(failed)?;
        }
        drop(statement);
        drop(raw);
        drop(handle);
        Ok(())
    }
}

/// Refills one emptied table from gold, with its secondary indexes dropped during the load
/// and rebuilt after it.
async fn fill(conn: &mut SqliteConnection, ctx: &SessionContext, table: &str) -> Result<u64> {
    let columns = columns(conn, table).await?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master \
         WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_error("reading the warehouse indexes"))?;
    for (name, _) in &indexes {
        exec(conn, format!("DROP INDEX \"{name}\""), "dropping an index").await?;
    }

    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    // Rows in primary-key order append to the table's B-tree; in the lake's order (keys are
    // hashes) every insert lands on a random page: 3x slower for the fact table at 1M.
    let mut key: Vec<&TableColumn> = columns.iter().filter(|c| c.key > 0).collect();
    key.sort_by_key(|c| c.key);
    let order_by: Vec<String> = key.iter().map(|c| c.name.clone()).collect();
    let inserts = Inserts::new(table, &columns);
    let started = Instant::now();
    let mut stream = read_gold(ctx, table, &names, &order_by).await?;
    let mut rows = 0;
    let mut inserting = Duration::ZERO;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        let insert_started = Instant::now();
        inserts.batch(conn, &batch).await?;
        inserting += insert_started.elapsed();
    }
    let loaded = started.elapsed();

    let indexes_started = Instant::now();
    for (name, sql) in indexes {
        exec(conn, sql, &format!("rebuilding index {name}")).await?;
    }
    tracing::debug!(
        "sqlite {table}: {rows} rows in {:.2} s ({:.2} s inserting), indexes {:.2} s",
        loaded.as_secs_f64(),
        inserting.as_secs_f64(),
        indexes_started.elapsed().as_secs_f64()
    );
    Ok(rows)
}

/// Replaces the rows of every table of `loads` in one transaction. `loads` come in the
/// project's mirror order: the star's referenced tables before those referencing them.
/// Returns each table's report and the seconds of the final step (key checks and commit).
pub(super) async fn load(
    pool: &SqlitePool,
    ctx: &SessionContext,
    loads: &[Load],
) -> Result<(Vec<TableMirror>, f64)> {
    // A connection of its own: its pragmas must not outlive the mirror in the pool.
    let mut conn = pool
        .acquire()
        .await
        .map_err(sql_error("connecting"))?
        .detach();
    // Foreign keys off (only possible outside a transaction) lets DELETE truncate and the
    // load skip a lookup per key; they are checked on the final rows before the commit.
    exec(
        &mut conn,
        format!("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -{CACHE_KIB}"),
        "preparing the connection",
    )
    .await?;
    // IMMEDIATE: take the write lock now rather than fail to upgrade later.
    exec(&mut conn, "BEGIN IMMEDIATE".into(), "beginning the load").await?;
    let result = replace(&mut conn, ctx, loads).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let commit_started = Instant::now();
    let ended = exec(&mut conn, end.into(), "ending the load").await;
    if ended.is_err() {
        let _ = exec(&mut conn, "ROLLBACK".into(), "rolling back").await;
    }
    // The rows are committed: a failed checkpoint only leaves the log for a later one.
    if result.is_ok()
        && ended.is_ok()
        && let Err(e) = checkpoint(&mut conn).await
    {
        tracing::warn!("the mirror is committed, its write-ahead log not emptied: {e}");
    }
    // Closed here, not dropped: a dropped connection closes on its worker thread, possibly
    // after the pool's, and two connections closing at once leave the log to each other.
    let closed = sqlx::Connection::close(conn)
        .await
        .map_err(sql_error("closing the mirror's connection"));
    let (report, checks_seconds) = result?;
    ended?;
    closed?;
    Ok((
        report,
        checks_seconds + commit_started.elapsed().as_secs_f64(),
    ))
}

/// How long the checkpoint after a mirror waits for a reader still on the rows before it.
const CHECKPOINT_WAIT_MS: u64 = 2_000;

/// Copies the mirror's pages from the write-ahead log into the database and empties the log.
/// The transaction wrote every table again, so the log is as large as the database; SQLite
/// does this only when the last connection closes, and with a reader connected (a BI tool) none
/// closes last: the log stayed at that size. A reader still in a transaction on the rows before
/// the mirror holds it up; past [`CHECKPOINT_WAIT_MS`] the log is left for a later one.
async fn checkpoint(conn: &mut SqliteConnection) -> Result<()> {
    let started = Instant::now();
    exec(
        conn,
        format!("PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}"),
        "preparing the checkpoint",
    )
    .await?;
    let (busy, pages, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await
        .map_err(sql_error("checkpointing the write-ahead log"))?;
    tracing::debug!(
        "sqlite checkpoint: {copied} of {pages} pages copied in {:.2} s{}",
        started.elapsed().as_secs_f64(),
        if busy == 0 {
            ""
        } else {
            ", a reader held the rest back"
        }
    );
    Ok(())
}

async fn replace(
    conn: &mut SqliteConnection,
    ctx: &SessionContext,
    loads: &[Load],
) -> Result<(Vec<TableMirror>, f64)> {
    // Staging tables of the mirror before this one (it staged and copied), left by a killed run.
    let leftovers: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'joblake\\_stage\\_%' ESCAPE '\\'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_error("listing old staging tables"))?;
    for table in leftovers {
        exec(
            conn,
            format!("DROP TABLE \"{table}\""),
            "dropping an old staging table",
        )
        .await?;
    }
    for load in loads.iter().rev() {
        exec(
            conn,
            format!("DELETE FROM \"{}\"", load.table),
            &format!("emptying {}", load.table),
        )
        .await?;
    }
    let mut report = Vec::new();
    for load in loads {
        let started = Instant::now();
        let rows = fill(conn, ctx, &load.table).await?;
        sqlx::query(
            "INSERT INTO joblake_mirror_state (table_name, delta_version, row_count, mirrored_at) \
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
             ON CONFLICT (table_name) DO UPDATE SET delta_version = excluded.delta_version, \
             row_count = excluded.row_count, mirrored_at = excluded.mirrored_at",
        )
        .bind(&load.table)
        .bind(i64::try_from(load.version).unwrap_or(i64::MAX))
        .bind(i64::try_from(rows).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await
        .map_err(sql_error("recording the mirror state"))?;
        report.push(TableMirror::loaded(load, rows, started));
    }
    let checks_started = Instant::now();
    for load in loads {
        let started = Instant::now();
        check_keys(conn, &load.table).await?;
        tracing::debug!(
            "sqlite {}: keys checked in {:.2} s",
            load.table,
            started.elapsed().as_secs_f64()
        );
    }
    Ok((report, checks_started.elapsed().as_secs_f64()))
}

/// Fails naming the first row of `table` whose foreign key has no parent row.
async fn check_keys(conn: &mut SqliteConnection, table: &str) -> Result<()> {
    let broken: Option<(i64, String)> =
        sqlx::query_as("SELECT rowid, parent FROM pragma_foreign_key_check(?1) LIMIT 1")
            .bind(table)
            .fetch_optional(&mut *conn)
            .await
            .map_err(sql_error("checking the foreign keys"))?;
    match broken {
        None => Ok(()),
        Some((rowid, parent)) => Err(Error::Warehouse(format!(
            "{table}: row {rowid} refers to a row of {parent} that does not exist \
             (FOREIGN KEY constraint failed); the warehouse keeps its previous data"
        ))),
    }
}
