//! The run log in the warehouse: the runs of `meta.runs` / `meta.run_steps` the warehouse does
//! not hold yet are inserted (`meta.*` in PostgreSQL, `meta_*` tables in SQLite). Runs never
//! change once logged, so inserting the missing ones is the whole sync.

use std::collections::HashSet;

use deltalake::arrow::array::RecordBatch;
use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::Warehouse;
use crate::bronze::FileSelection;
use crate::engine;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::lake::meta;
use crate::lake::run_log::{RUNS, RunRecord, STEPS, StepRecord};
use crate::project::Project;

/// Rows per INSERT statement (20 columns each: well under SQLite's bind limit).
const CHUNK: usize = 500;

/// Inserts the runs (and their steps) the warehouse at `url` lacks; returns how many.
pub async fn mirror_runs(lake: &Lake, url: &str) -> Result<usize> {
    if !lake.is_table(meta::DIR, RUNS).await? {
        return Ok(0);
    }
    let warehouse = Warehouse::connect(url).await?;
    warehouse.migrate().await?;
    let held: HashSet<String> = match &warehouse {
        Warehouse::Postgres(pool) => {
            sqlx::query_scalar("SELECT run_id FROM meta.runs")
                .fetch_all(pool)
                .await
        }
        Warehouse::Sqlite(pool) => {
            sqlx::query_scalar("SELECT run_id FROM meta_runs")
                .fetch_all(pool)
                .await
        }
    }
    .map_err(|e| Error::Warehouse(format!("reading the warehouse's run log: {e}")))?
    .into_iter()
    .collect();

    let ctx = engine::session(lake, &Project::embedded(), FileSelection::All).await?;
    let runs: Vec<RunRecord> = read(&ctx, RUNS).await?;
    let runs: Vec<RunRecord> = runs
        .into_iter()
        .filter(|r| !held.contains(&r.run_id))
        .collect();
    if runs.is_empty() {
        warehouse.close().await;
        return Ok(0);
    }
    let wanted: HashSet<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    let steps: Vec<StepRecord> = if lake.is_table(meta::DIR, STEPS).await? {
        read::<StepRecord>(&ctx, STEPS)
            .await?
            .into_iter()
            .filter(|s| wanted.contains(s.run_id.as_str()))
            .collect()
    } else {
        Vec::new()
    };
    let fail = |e: sqlx::Error| Error::Warehouse(format!("inserting the run log: {e}"));
    match &warehouse {
        Warehouse::Postgres(pool) => {
            let mut tx = pool.begin().await.map_err(fail)?;
            for chunk in runs.chunks(CHUNK) {
                let mut q: QueryBuilder<Postgres> =
                    QueryBuilder::new(format!("INSERT INTO meta.runs ({RUN_COLUMNS}) "));
                q.push_values(chunk, |mut b, r| push_run!(b, r, |t| t));
                q.build().execute(&mut *tx).await.map_err(fail)?;
            }
            for chunk in steps.chunks(CHUNK) {
                let mut q: QueryBuilder<Postgres> =
                    QueryBuilder::new(format!("INSERT INTO meta.run_steps ({STEP_COLUMNS}) "));
                q.push_values(chunk, |mut b, s| push_step!(b, s, |t| t));
                q.build().execute(&mut *tx).await.map_err(fail)?;
            }
            tx.commit().await.map_err(fail)?;
        }
        Warehouse::Sqlite(pool) => {
            let mut tx = pool.begin().await.map_err(fail)?;
            let text = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339();
            for chunk in runs.chunks(CHUNK) {
                let mut q: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("INSERT INTO meta_runs ({RUN_COLUMNS}) "));
                q.push_values(chunk, |mut b, r| push_run!(b, r, text));
                q.build().execute(&mut *tx).await.map_err(fail)?;
            }
            for chunk in steps.chunks(CHUNK) {
                let mut q: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("INSERT INTO meta_run_steps ({STEP_COLUMNS}) "));
                q.push_values(chunk, |mut b, s| push_step!(b, s, text));
                q.build().execute(&mut *tx).await.map_err(fail)?;
            }
            tx.commit().await.map_err(fail)?;
        }
    }
    warehouse.close().await;
    Ok(runs.len())
}

const RUN_COLUMNS: &str = "run_id, job, trigger, attempt, slot, host, \"user\", started_at, ended_at, \
     status, failed_step, error, rows_in, rows_out, bytes_read, bytes_written, wall_seconds, \
     cpu_seconds, peak_memory_bytes, energy_wh, co2e_g";

const STEP_COLUMNS: &str = "run_id, job, position, step, status, error, started_at, ended_at, \
     rows_in, rows_out, bytes_read, bytes_written, wall_seconds, cpu_seconds, peak_memory_bytes, \
     energy_wh, co2e_g, detail";

/// Binds a run's columns in `RUN_COLUMNS` order; `ts` converts timestamps for the database.
macro_rules! push_run {
    ($b:ident, $r:ident, $ts:expr) => {{
        let ts = $ts;
        $b.push_bind($r.run_id.clone())
            .push_bind($r.job.clone())
            .push_bind($r.trigger.clone())
            .push_bind($r.attempt)
            .push_bind($r.slot.map(ts))
            .push_bind($r.host.clone())
            .push_bind($r.user.clone())
            .push_bind(ts($r.started_at))
            .push_bind(ts($r.ended_at))
            .push_bind($r.status.as_str())
            .push_bind($r.failed_step.clone())
            .push_bind($r.error.clone())
            .push_bind($r.rows_in)
            .push_bind($r.rows_out)
            .push_bind($r.bytes_read)
            .push_bind($r.bytes_written)
            .push_bind($r.wall_seconds)
            .push_bind($r.cpu_seconds)
            .push_bind($r.peak_memory_bytes)
            .push_bind($r.energy_wh)
            .push_bind($r.co2e_g);
    }};
}

/// Binds a step's columns in `STEP_COLUMNS` order.
macro_rules! push_step {
    ($b:ident, $s:ident, $ts:expr) => {{
        let ts = $ts;
        $b.push_bind($s.run_id.clone())
            .push_bind($s.job.clone())
            .push_bind($s.position)
            .push_bind($s.step.clone())
            .push_bind($s.status.as_str())
            .push_bind($s.error.clone())
            .push_bind(ts($s.started_at))
            .push_bind(ts($s.ended_at))
            .push_bind($s.rows_in)
            .push_bind($s.rows_out)
            .push_bind($s.bytes_read)
            .push_bind($s.bytes_written)
            .push_bind($s.wall_seconds)
            .push_bind($s.cpu_seconds)
            .push_bind($s.peak_memory_bytes)
            .push_bind($s.energy_wh)
            .push_bind($s.co2e_g)
            .push_bind($s.detail.clone());
    }};
}
use {push_run, push_step};

/// Reads `meta.<table>` whole into records (the run log is small: a row per run).
async fn read<T: serde::de::DeserializeOwned>(
    ctx: &deltalake::datafusion::prelude::SessionContext,
    table: &str,
) -> Result<Vec<T>> {
    let batches: Vec<RecordBatch> = ctx
        .sql(&format!("SELECT * FROM {}.{table}", meta::SCHEMA))
        .await?
        .collect()
        .await?;
    let mut buf = Vec::new();
    {
        let mut writer = deltalake::arrow::json::ArrayWriter::new(&mut buf);
        for b in &batches {
            writer.write(b)?;
        }
        writer.finish()?;
    }
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&buf).map_err(|e| Error::Meta {
        table: format!("{}.{table}", meta::SCHEMA),
        message: format!("does not read back: {e}"),
    })
}
