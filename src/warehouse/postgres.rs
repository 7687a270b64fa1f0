//! PostgreSQL: binary `COPY` into staging tables that get the live tables' keys and indexes,
//! then one transaction that swaps them in under the live names, with the foreign keys,
//! views, comments and privileges that hung on the tables they replace.

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

/// Statements that run one after the other in a transaction.
async fn run_all(conn: &mut PgConnection, statements: &[String], context: &str) -> Result<()> {
    for statement in statements {
        sqlx::raw_sql(AssertSqlSafe(statement.clone()))
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::Warehouse(format!("{context}: {e} (in: {statement})")))?;
    }
    Ok(())
}

/// The suffix of staging objects' names.
const NEXT: &str = "__next";

/// Builds `joblake.stage_<table>`: same columns as the live table, loaded by binary COPY, then
/// given the live table's primary key and indexes (built once, after the load, which is
/// faster than maintaining them row by row). Returns the rows.
async fn stage(conn: &mut PgConnection, ctx: &SessionContext, table: &str) -> Result<u64> {
    let columns = columns(conn, table).await?;
    let stage = format!("joblake.stage_{table}");
    // Logged like the live table it will become (an unlogged table would have to be
    // rewritten to become durable).
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP TABLE IF EXISTS {stage}; \
         CREATE TABLE {stage} (LIKE gold.{table} INCLUDING DEFAULTS INCLUDING COMMENTS)"
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
    let mut stream = read_gold(ctx, table, &names, &[]).await?;
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
        rows += batch.num_rows() as u64;
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

    // The live table's primary key and indexes, under names ending in __next.
    let primary: Vec<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE contype = 'p' AND conrelid = $1::regclass",
    )
    .bind(format!("gold.{table}"))
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_error("reading the primary key"))?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass \
         AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
    )
    .bind(format!("gold.{table}"))
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_error("reading the indexes"))?;
    let mut statements = Vec::new();
    for (name, definition) in primary {
        statements.push(format!(
            "ALTER TABLE {stage} ADD CONSTRAINT \"{name}{NEXT}\" {definition}"
        ));
    }
    for (name, definition) in indexes {
        let renamed = definition
            .replacen(
                &format!(" {name} ON "),
                &format!(" \"{name}{NEXT}\" ON "),
                1,
            )
            .replacen(&format!(" ON gold.{table} "), &format!(" ON {stage} "), 1);
        statements.push(renamed);
    }
    // Statistics now, so that the first BI queries on the new table get good plans.
    statements.push(format!("ANALYZE {stage}"));
    run_all(conn, &statements, "indexing the staging table").await?;
    Ok(rows)
}

/// GRANT statements giving `relation`'s privileges (other than its owner's) to the same
/// roles, for the relation that replaces it.
async fn grants(conn: &mut PgConnection, relation: &str) -> Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END, \
         a.privilege_type FROM pg_class c, aclexplode(c.relacl) a \
         WHERE c.oid = $1::regclass AND a.grantee <> c.relowner",
    )
    .bind(relation)
    .fetch_all(&mut *conn)
    .await
    .map_err(sql_error("reading privileges"))?;
    Ok(rows
        .into_iter()
        .map(|(grantee, privilege)| format!("GRANT {privilege} ON {relation} TO {grantee}"))
        .collect())
}

/// Stages every table, then swaps the staging tables in for the live ones in one
/// transaction: readers wait only for that metadata change and the foreign-key checks.
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
        report.push(TableMirror::loaded(load, rows, started));
    }

    let swap_started = Instant::now();
    let mut tx = conn
        .begin()
        .await
        .map_err(sql_error("beginning the swap"))?;
    let names: Vec<String> = loads.iter().map(|l| format!("gold.{}", l.table)).collect();
    // What hangs on the live tables and must hang on their replacements: foreign keys, views
    // (they point at tables, not names), table comments and privileges.
    let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
         FROM pg_constraint WHERE contype = 'f' \
         AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))",
    )
    .bind(&names)
    .fetch_all(&mut *tx)
    .await
    .map_err(sql_error("reading the foreign keys"))?;
    let views: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT c.oid::regclass::text, pg_get_viewdef(c.oid), obj_description(c.oid, 'pg_class') \
         FROM pg_class c WHERE c.relkind = 'v' AND c.relnamespace = 'gold'::regnamespace \
         ORDER BY c.oid",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(sql_error("reading the views"))?;
    let mut after = Vec::new();
    for name in &names {
        let comment: Option<String> =
            sqlx::query_scalar("SELECT obj_description($1::regclass, 'pg_class')")
                .bind(name)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql_error("reading a comment"))?;
        if let Some(c) = comment {
            after.push(format!(
                "COMMENT ON TABLE {name} IS '{}'",
                c.replace('\'', "''")
            ));
        }
        after.extend(grants(&mut tx, name).await?);
    }
    for (table, name, definition) in &foreign_keys {
        after.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"
        ));
    }
    for (view, definition, comment) in &views {
        after.push(format!("CREATE VIEW {view} AS {definition}"));
        if let Some(c) = comment {
            after.push(format!(
                "COMMENT ON VIEW {view} IS '{}'",
                c.replace('\'', "''")
            ));
        }
        after.extend(grants(&mut tx, view).await?);
    }

    let mut swap = Vec::new();
    // A table outside this load that references one inside it (a warehouse migrated for
    // `fact_posting_prediction`, loaded from a project without it) would block the DROP: its
    // key is dropped here and added back after, checked against the new rows.
    for (table, name, _) in foreign_keys.iter().filter(|(t, _, _)| !names.contains(t)) {
        swap.push(format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""));
    }
    for (view, _, _) in &views {
        swap.push(format!("DROP VIEW {view}"));
    }
    // One statement: tables referencing each other go together.
    swap.push(format!("DROP TABLE {}", names.join(", ")));
    for load in loads {
        let t = &load.table;
        swap.push(format!("ALTER TABLE joblake.stage_{t} SET SCHEMA gold"));
        swap.push(format!("ALTER TABLE gold.stage_{t} RENAME TO {t}"));
    }
    run_all(&mut tx, &swap, "swapping in the new tables").await?;
    // The indexes (and the primary key) take back the names of the ones they replace.
    let renamed: Vec<String> = sqlx::query_scalar(
        "SELECT format('ALTER INDEX gold.%I RENAME TO %I', c.relname, \
                left(c.relname, length(c.relname) - length($2))) \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid::regclass::text = ANY($1) AND c.relname LIKE '%' || $2",
    )
    .bind(&names)
    .bind(NEXT)
    .fetch_all(&mut *tx)
    .await
    .map_err(sql_error("listing the new indexes"))?;
    run_all(&mut tx, &renamed, "renaming the new indexes").await?;
    run_all(&mut tx, &after, "restoring keys, views and privileges").await?;
    for (load, table) in loads.iter().zip(&report) {
        sqlx::query(
            "INSERT INTO joblake.mirror_state (table_name, delta_version, row_count, mirrored_at) \
             VALUES ($1, $2, $3, now()) ON CONFLICT (table_name) DO UPDATE SET \
             delta_version = excluded.delta_version, row_count = excluded.row_count, \
             mirrored_at = excluded.mirrored_at",
        )
        .bind(&load.table)
        .bind(i64::try_from(load.version).unwrap_or(i64::MAX))
        .bind(i64::try_from(table.rows).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(sql_error("recording the mirror state"))?;
    }
    tx.commit()
        .await
        .map_err(sql_error("committing the swap"))?;
    Ok((report, swap_started.elapsed().as_secs_f64()))
}
