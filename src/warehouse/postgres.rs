//! PostgreSQL: binary `COPY` into unlogged staging tables, then one transaction that
//! truncates the live tables and fills them from staging.

use std::str::FromStr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgPool};

use deltalake::datafusion::prelude::SessionContext;

use super::pgcopy::{self, HEADER, PgType, TRAILER};
use super::{Load, TableMirror, read_gold};
use crate::error::{Error, Result};

/// Bytes buffered before they are sent to the server.
const CHUNK: usize = 1 << 20;

pub(super) async fn connect(url: &str) -> std::result::Result<PgPool, sqlx::Error> {
    // Bulk statements are slow by nature: sqlx's slow-statement warnings would be noise.
    let options = PgConnectOptions::from_str(url)?
        .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(3600));
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
}

fn sql_error(context: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |e| Error::Warehouse(format!("{context}: {e}"))
}

/// The columns of `gold.<table>` in the warehouse, with their types.
async fn columns(conn: &mut PgConnection, table: &str) -> Result<Vec<(String, PgType)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, udt_name::text FROM information_schema.columns \
         WHERE table_schema = 'gold' AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_error("reading the warehouse columns"))?;
    if rows.is_empty() {
        return Err(Error::Warehouse(format!(
            "gold.{table} does not exist in the warehouse"
        )));
    }
    rows.into_iter()
        .map(|(name, udt)| match PgType::from_udt(&udt) {
            Some(t) => Ok((name, t)),
            None => Err(Error::Warehouse(format!(
                "gold.{table}.{name}: type {udt} is not one the mirror can load"
            ))),
        })
        .collect()
}

/// COPYs `gold.<table>` of the lake into `joblake.stage_<table>`; returns the rows.
async fn stage(conn: &mut PgConnection, ctx: &SessionContext, table: &str) -> Result<u64> {
    let columns = columns(conn, table).await?;
    let stage = format!("joblake.stage_{table}");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP TABLE IF EXISTS {stage}; \
         CREATE UNLOGGED TABLE {stage} (LIKE gold.{table} INCLUDING DEFAULTS)"
    )))
    .execute(&mut *conn)
    .await
    .map_err(sql_error("creating the staging table"))?;
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    let types: Vec<PgType> = columns.iter().map(|(_, t)| *t).collect();
    let list = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stream = read_gold(ctx, table, &names).await?;
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY {stage} ({list}) FROM STDIN WITH (FORMAT binary)"
        ))
        .await
        .map_err(sql_error("starting COPY"))?;
    let mut buf = Vec::with_capacity(CHUNK + CHUNK / 4);
    buf.extend_from_slice(HEADER);
    let mut rows = 0;
    // On any error the copy is dropped, which sends CopyFail: the staging table stays empty.
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += super::rows(&batch);
        pgcopy::encode(&batch, &types, &mut buf)
            .map_err(|e| Error::Warehouse(format!("encoding gold.{table}: {e}")))?;
        if buf.len() >= CHUNK {
            copy.send(std::mem::take(&mut buf))
                .await
                .map_err(sql_error("sending COPY data"))?;
            buf.reserve(CHUNK + CHUNK / 4);
        }
    }
    buf.extend_from_slice(TRAILER);
    copy.send(buf)
        .await
        .map_err(sql_error("sending COPY data"))?;
    copy.finish()
        .await
        .map_err(|e| Error::Warehouse(format!("COPY into {stage}: {e}")))?;
    Ok(rows)
}

/// Stages every table, then swaps them in one transaction with the new mirror state.
pub(super) async fn load(
    pool: &PgPool,
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
    let mut tx = conn
        .begin()
        .await
        .map_err(sql_error("beginning the swap"))?;
    let live = loads
        .iter()
        .map(|l| format!("gold.{}", l.table))
        .collect::<Vec<_>>()
        .join(", ");
    // Foreign keys are checked row by row on INSERT, which costs more than the load itself:
    // they are dropped and added back (one set-based validation each) inside the transaction,
    // so the data is just as checked when it commits, and nothing is visible before.
    let names: Vec<String> = loads.iter().map(|l| format!("gold.{}", l.table)).collect();
    let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
         FROM pg_constraint WHERE contype = 'f' \
         AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))",
    )
    .bind(&names)
    .fetch_all(&mut *tx)
    .await
    .map_err(sql_error("reading the foreign keys"))?;
    for (table, name, _) in &foreign_keys {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "ALTER TABLE {table} DROP CONSTRAINT \"{name}\""
        )))
        .execute(&mut *tx)
        .await
        .map_err(sql_error("dropping a foreign key"))?;
    }
    // Secondary indexes are cheaper to build once than to maintain row by row: dropped here,
    // created again after the INSERTs (primary keys stay: the foreign keys need them).
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
         WHERE i.indrelid::regclass::text = ANY($1) AND NOT i.indisprimary \
         AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .bind(&names)
    .fetch_all(&mut *tx)
    .await
    .map_err(sql_error("reading the indexes"))?;
    for (index, _) in &indexes {
        sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX {index}")))
            .execute(&mut *tx)
            .await
            .map_err(sql_error("dropping an index"))?;
    }
    // One TRUNCATE for all: tables referencing each other must go together.
    sqlx::raw_sql(AssertSqlSafe(format!("TRUNCATE {live}")))
        .execute(&mut *tx)
        .await
        .map_err(sql_error("truncating the live tables"))?;
    for (load, table) in loads.iter().zip(&report) {
        let t = &load.table;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "INSERT INTO gold.{t} SELECT * FROM joblake.stage_{t}"
        )))
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::Warehouse(format!("filling gold.{t}: {e}")))?;
        sqlx::query(
            "INSERT INTO joblake.mirror_state (table_name, delta_version, row_count, mirrored_at) \
             VALUES ($1, $2, $3, now()) ON CONFLICT (table_name) DO UPDATE SET \
             delta_version = excluded.delta_version, row_count = excluded.row_count, \
             mirrored_at = excluded.mirrored_at",
        )
        .bind(t)
        .bind(i64::try_from(load.version).unwrap_or(i64::MAX))
        .bind(i64::try_from(table.rows).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(sql_error("recording the mirror state"))?;
    }
    for (_, definition) in &indexes {
        sqlx::raw_sql(AssertSqlSafe(definition.clone()))
            .execute(&mut *tx)
            .await
            .map_err(sql_error("creating an index"))?;
    }
    for (table, name, definition) in &foreign_keys {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"
        )))
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::Warehouse(format!("{table}: foreign key {name} does not hold: {e}")))?;
    }
    tx.commit()
        .await
        .map_err(sql_error("committing the swap"))?;
    let swap = swap_started.elapsed().as_secs_f64();

    let stages = loads
        .iter()
        .map(|l| format!("joblake.stage_{}", l.table))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::raw_sql(AssertSqlSafe(format!("DROP TABLE IF EXISTS {stages}")))
        .execute(&mut *conn)
        .await
        .map_err(sql_error("dropping the staging tables"))?;
    Ok((report, swap))
}
