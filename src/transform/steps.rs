//! A model's query with steps: every statement of the file but the last is a
//! `CREATE TABLE name AS SELECT ...` whose result the later ones read, kept for the model only.
//! DataFusion inlines a CTE wherever it is named, so an expensive CTE read in several places
//! runs once per place; a step runs once.
//!
//! A step is held in memory, unless memory is bounded (`[engine] memory_limit_mb`) or the
//! queries run on a cluster: then it is written as a Delta table under `_meta/steps/` and read
//! back from there. On a cluster an in-memory table would travel inside every plan that reads
//! it (an HTTP/2 error past a few megabytes, seen at 100k postings), where a Delta table
//! travels as its file list.
//!
//! A step that calls `joblake_pass(value)` runs in passes when its model is given more than
//! one ([`crate::engine::pass_udf`]): once per pass, each time over the rows whose value falls
//! in that pass, appending to the step's table. With the right value (the block of listings
//! that are compared with each other, the listing whose records are aggregated) every pass
//! computes its part of the result alone, so the step holds one pass at a time in memory.
//!
//! A pass that runs out of memory (DataFusion's "Resources exhausted": a hash join's build
//! side cannot spill) committed nothing, so it is split in two and both halves run again: pass
//! p of n is exactly passes p and p + n of 2n. The passes are planned from row counts, and how
//! much one row holds varies by step and by data; splitting keeps a refresh going where a pass
//! came out larger than planned (a 10M refresh under 3 GB failed in the openings' joins that
//! way, docs/performance.md).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use deltalake::DeltaTableError;
use deltalake::datafusion::common::TableReference;
use deltalake::datafusion::dataframe::DataFrame;
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::physical_plan::displayable;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::datafusion::sql::parser::{DFParser, Statement};
use deltalake::datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;

use crate::engine::{self, pass_udf};
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::model::calls_pass;

/// Where the steps' tables are written: `_meta/steps/<name>`.
const STEPS: &str = "_meta/steps";

/// How many times a pass that runs out of memory may be split in two: a step planned in 20
/// passes may run in up to 640.
const MAX_SPLITS: u32 = 5;

/// How DataFusion's `ResourcesExhausted` error displays (its `Display` prefix).
const RESOURCES_EXHAUSTED: &str = "Resources exhausted";

/// The tables a model's steps made, and its query; [`Steps::drop`] removes the tables.
#[derive(Debug, Default)]
pub struct Steps {
    /// Each step's name, and whether it was written to the lake (on a cluster or under a
    /// memory limit).
    tables: Vec<(String, bool)>,
    /// The most passes one step ran in (splits included); 0 when none was written to the lake.
    passes: u64,
    /// The model's query, the file's last statement, when it calls `joblake_pass`: it can be
    /// planned again in passes ([`Steps::query_in_passes`]).
    query: Option<Statement>,
}

impl Steps {
    /// The most passes one of the steps ran in, counting the passes split because they ran
    /// out of memory; 1 when no step ran in passes.
    pub fn passes(&self) -> u64 {
        self.passes.max(1)
    }

    /// How many passes the model's query may be split into when it runs out of memory
    /// whole: none (1) unless it calls `joblake_pass`, memory is bounded and the queries run
    /// on this machine.
    pub fn query_max_passes(&self, lake: &Lake) -> u64 {
        if self.query.is_none()
            || !splits_here(lake)
            || lake.engine_settings().memory_limit_mb.is_none()
        {
            return 1;
        }
        1 << MAX_SPLITS
    }

    /// The model's query in `passes` passes, run one after the other and read as one table
    /// ([`engine::pass_chain`]): the model is still written in one commit, holding one pass's
    /// hash tables at a time. For a query that ran out of memory whole.
    pub async fn query_in_passes(
        &mut self,
        ctx: &SessionContext,
        passes: u64,
    ) -> Result<DataFrame> {
        let Some(query) = &self.query else {
            return Err(Error::Config(
                "a model's query without joblake_pass runs whole".into(),
            ));
        };
        let mut plans = Vec::new();
        for pass in 0..passes {
            pass_udf::register(ctx, pass, passes);
            let plan = ctx.state().statement_to_plan(query.clone()).await;
            pass_udf::register(ctx, 0, 1);
            plans.push(plan?);
        }
        self.passes = self.passes.max(passes);
        let table = engine::pass_chain::PassChain::table(plans, ctx.state())?;
        Ok(ctx.read_table(std::sync::Arc::new(table))?)
    }

    /// Drops the steps' tables from the session and deletes their files.
    pub async fn drop(self, lake: &Lake, ctx: &SessionContext) {
        for (name, stored) in self.tables {
            if let Err(e) = ctx.deregister_table(TableReference::bare(name.as_str())) {
                tracing::debug!("step table {name} not dropped: {e}");
            }
            if stored && let Err(e) = lake.remove_table(STEPS, &name).await {
                tracing::warn!("the files of step table {name} were not removed: {e}");
            }
        }
    }
}

/// Runs the steps of `sql` (every statement but the last, each a `CREATE TABLE ... AS`) and
/// plans the last one, the model's query. A step that calls `joblake_pass()` runs in `passes`
/// passes. On error, the steps made so far are dropped.
pub async fn plan(
    lake: &Lake,
    ctx: &SessionContext,
    sql: &str,
    passes: u64,
    stop: Option<&AtomicBool>,
) -> Result<(DataFrame, Steps)> {
    let mut statements = DFParser::parse_sql(sql)?;
    let Some(last) = statements.pop_back() else {
        return Err(Error::Config("a model file without a query".into()));
    };
    let mut steps = Steps {
        query: calls_pass(&last.to_string()).then(|| last.clone()),
        ..Steps::default()
    };
    for statement in statements {
        if let Err(e) = run_step(lake, ctx, statement, passes, stop, &mut steps).await {
            steps.drop(lake, ctx).await;
            return Err(e);
        }
    }
    let query = async {
        let plan = ctx.state().statement_to_plan(last).await?;
        Ok::<_, Error>(ctx.execute_logical_plan(plan).await?)
    };
    match query.await {
        Ok(df) => Ok((df, steps)),
        Err(e) => {
            steps.drop(lake, ctx).await;
            Err(e)
        }
    }
}

async fn run_step(
    lake: &Lake,
    ctx: &SessionContext,
    statement: Statement,
    passes: u64,
    stop: Option<&AtomicBool>,
    steps: &mut Steps,
) -> Result<()> {
    let (name, query) = match &statement {
        Statement::Statement(s) => match s.as_ref() {
            SqlStatement::CreateTable(c) if c.query.is_some() && c.name.0.len() == 1 => {
                (c.name.to_string(), c.query.clone())
            }
            other => return Err(not_a_step(&other.to_string())),
        },
        other => return Err(not_a_step(&other.to_string())),
    };
    let Some(query) = query else {
        return Err(not_a_step(&statement.to_string()));
    };
    let started = std::time::Instant::now();
    let settings = lake.engine_settings();
    if settings.cluster.is_none() && settings.memory_limit_mb.is_none() && passes <= 1 {
        // Executing a CREATE TABLE ... AS plan runs its query and registers the result.
        let plan = ctx.state().statement_to_plan(statement).await?;
        ctx.execute_logical_plan(plan).await?.collect().await?;
        tracing::debug!("step {name}: {:.2} s", started.elapsed().as_secs_f64());
        trace_rows(ctx, &name).await?;
        steps.tables.push((name, false));
        return Ok(());
    }
    // Only a step that calls joblake_pass can run in passes, or split one.
    let in_passes = calls_pass(&query.to_string());
    let passes = if in_passes { passes.max(1) } else { 1 };
    let splittable = in_passes && splits_here(lake);
    let query = Statement::Statement(Box::new(SqlStatement::Query(query)));
    steps.tables.push((name.clone(), true));
    // The slices still to run, each `pass` of `of`. One that runs out of memory is split in two
    // and run again: pass p of n holds exactly the rows of passes p and p + n of 2n.
    let mut slices: VecDeque<(u64, u64)> = (0..passes).map(|p| (p, passes)).collect();
    let finest = passes.saturating_mul(1 << MAX_SPLITS);
    let mut table = lake.table(STEPS, &name).await?;
    let mut ran = 0;
    while let Some((pass, of)) = slices.pop_front() {
        // A stop request ends the step between passes: a pass of a 10M refresh takes
        // seconds, the whole step minutes.
        if ran > 0 && stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(Error::Stopped {
                at: format!("pass {} of {of} of step {name}", pass + 1),
            });
        }
        pass_udf::register(ctx, pass, of);
        let written = async {
            let plan = ctx.state().statement_to_plan(query.clone()).await?;
            let df = ctx.execute_logical_plan(plan).await?;
            let (input, state) = engine::writer_input(lake, ctx, df).await?;
            // Which side of each join is built, when a pass runs out of memory: the plan as
            // the writer runs it (RUST_LOG=joblake::transform::steps=trace).
            if tracing::enabled!(tracing::Level::TRACE) && ran == 0 {
                let plan = state.create_physical_plan(&input).await?;
                tracing::trace!(
                    "step {name}: plan\n{}",
                    displayable(plan.as_ref()).indent(true)
                );
            }
            let write = table
                .write(Vec::new())
                .with_input_plan(input)
                .with_session_state(state)
                .with_table_name(name.clone())
                .with_writer_properties(crate::lake::parquet::writer_properties());
            let write = if ran == 0 {
                write
                    .with_save_mode(SaveMode::Overwrite)
                    .with_schema_mode(SchemaMode::Overwrite)
            } else {
                write.with_save_mode(SaveMode::Append)
            };
            Ok::<_, Error>(write.await?)
        }
        .await;
        pass_udf::register(ctx, 0, 1);
        match written {
            Ok(written) => {
                table = written;
                ran += 1;
                if passes > 1 || of > 1 {
                    tracing::debug!("step {name}: pass {} of {of} written", pass + 1);
                }
            }
            Err(e) if splittable && is_out_of_memory(&e) => {
                if of >= finest {
                    return Err(Error::StepMemory {
                        step: name,
                        pass: pass + 1,
                        passes: of,
                        splits: MAX_SPLITS,
                        message: e.to_string(),
                    });
                }
                tracing::info!(
                    "step {name}: pass {} of {of} ran out of memory, run again as two passes of {}",
                    pass + 1,
                    of * 2
                );
                // Only this pass: a pass runs out of memory while its hash tables are built,
                // early, so trying the next one at its planned size costs little; splitting
                // every pass would scan their probe sides twice as often (a 10M refresh under
                // 2 GB: 8 s a pass of the openings' `placed` step, its failed passes 1-2 s).
                slices.push_front((pass + of, of * 2));
                slices.push_front((pass, of * 2));
                // Nothing of the failed pass was committed (its files, if any, go with the
                // step's table); the next pass that is written still overwrites.
                table = lake.table(STEPS, &name).await?;
            }
            Err(e) => return Err(e),
        }
    }
    steps.passes = steps.passes.max(ran);
    tracing::debug!(
        "step {name}: {:.2} s in {ran} pass(es)",
        started.elapsed().as_secs_f64()
    );
    let provider = engine::delta_provider(lake, &table).await?;
    ctx.register_table(TableReference::bare(name.as_str()), provider)?;
    trace_rows(ctx, &name).await?;
    Ok(())
}

/// Logs how many rows step `name` holds (trace level): how many later steps join with, where
/// a pass runs out of memory.
async fn trace_rows(ctx: &SessionContext, name: &str) -> Result<()> {
    if tracing::enabled!(tracing::Level::TRACE) {
        let rows = engine::count_rows(ctx, name).await?;
        tracing::trace!("step {name}: {rows} rows");
    }
    Ok(())
}

/// Whether passes may be split here: not on a cluster, whose executors know one pass only
/// (each half would run the whole step again).
fn splits_here(lake: &Lake) -> bool {
    lake.engine_settings().cluster.is_none()
}

/// Whether `e` is DataFusion's "Resources exhausted": an operator that cannot spill (a hash
/// join's build side, above all) needed more than the memory limit left it.
pub fn is_out_of_memory(e: &Error) -> bool {
    match e {
        Error::DataFusion(e) => matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)),
        // delta-rs keeps most DataFusion errors of a write as their text only
        // (`From<DataFusionError> for DeltaTableError`: `Generic(err.to_string())`).
        Error::Delta(e) => match e.as_ref() {
            DeltaTableError::Generic(text) => text.contains(RESOURCES_EXHAUSTED),
            DeltaTableError::GenericError { source } => source
                .downcast_ref::<DataFusionError>()
                .is_some_and(|e| matches!(e.find_root(), DataFusionError::ResourcesExhausted(_))),
            _ => false,
        },
        _ => false,
    }
}

/// The error for a statement before a model's query that is not a step.
fn not_a_step(statement: &str) -> Error {
    let head: String = statement.chars().take(80).collect();
    Error::Config(format!(
        "only `CREATE TABLE name AS SELECT ...` may come before a model's query, not `{head}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use deltalake::arrow::array::{AsArray, Int64Array};

    /// Column `i` of a query's first row, as a 64-bit integer.
    fn first_row(batches: &[deltalake::arrow::array::RecordBatch], i: usize) -> i64 {
        batches[0]
            .column(i)
            .as_primitive::<deltalake::arrow::datatypes::Int64Type>()
            .value(0)
    }

    #[tokio::test]
    async fn steps_are_tables_the_query_reads_removed_after_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake =
            Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake opens");
        let ctx = SessionContext::new();
        let (df, steps) = plan(
            &lake,
            &ctx,
            "CREATE TABLE t AS SELECT CAST(1 AS BIGINT) AS x;\nSELECT x + 1 AS y FROM t",
            1,
            None,
        )
        .await
        .expect("plans");
        let batches = df.collect().await.expect("runs");
        let y: &Int64Array = batches[0].column(0).as_primitive();
        assert_eq!(y.value(0), 2);
        assert!(
            !lake.is_table(STEPS, "t").await.expect("lists"),
            "on one machine a step is held in memory"
        );
        steps.drop(&lake, &ctx).await;
        assert!(ctx.table("t").await.is_err(), "the step's table is dropped");

        let err = plan(&lake, &ctx, "SELECT 1; SELECT 2", 1, None)
            .await
            .expect_err("not a step");
        assert!(err.to_string().contains("only `CREATE TABLE"), "{err}");
        // A query that fails drops the steps made before it.
        plan(
            &lake,
            &ctx,
            "CREATE TABLE u AS SELECT 1 AS x; SELECT nope FROM u",
            1,
            None,
        )
        .await
        .expect_err("no such column");
        assert!(ctx.table("u").await.is_err(), "the step's table is dropped");
    }

    #[tokio::test]
    async fn a_step_in_passes_writes_each_pass_and_gives_the_whole_result() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake =
            Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake opens");
        // Delta's planner runs the write node, as in a refresh's session.
        let state = deltalake::datafusion::execution::SessionStateBuilder::new()
            .with_default_features()
            .with_query_planner(deltalake::delta_datafusion::planner::DeltaPlanner::new())
            .build();
        let ctx = SessionContext::new_with_state(state);
        engine::register_lake_store(&ctx.runtime_env(), &lake).expect("store");
        ctx.register_udf(pass_udf::udf(0, 1));
        // 40 groups of 3 rows: a pass must hold every row of a group for its count to be 3.
        let sql = "CREATE TABLE g AS \
                   SELECT k, count(*) AS n FROM (SELECT 'key' || CAST(v % 40 AS VARCHAR) AS k \
                   FROM generate_series(1, 120) AS s(v)) WHERE joblake_pass(k) GROUP BY k;\n\
                   SELECT count(*) AS groups, min(n) AS least, max(n) AS most FROM g";
        let (df, steps) = plan(&lake, &ctx, sql, 4, None).await.expect("plans");
        let batches = df.collect().await.expect("runs");
        let col = |i: usize| first_row(&batches, i);
        assert_eq!(
            (col(0), col(1), col(2)),
            (40, 3, 3),
            "each group once, whole"
        );
        let table = lake.table(STEPS, "g").await.expect("opens");
        assert_eq!(table.version(), Some(3), "one commit per pass");
        // Pass 2 of 4 alone: a part of the groups, not all of them.
        ctx.register_udf(pass_udf::udf(1, 4));
        let part = ctx
            .sql("SELECT count(DISTINCT k) FROM (SELECT 'key' || CAST(v % 40 AS VARCHAR) AS k FROM generate_series(1, 120) AS s(v)) WHERE joblake_pass(k)")
            .await
            .expect("plans")
            .collect()
            .await
            .expect("runs");
        let n = part[0]
            .column(0)
            .as_primitive::<deltalake::arrow::datatypes::Int64Type>()
            .value(0);
        assert!(n > 0 && n < 40, "pass 2 of 4 took {n} of 40 groups");
        steps.drop(&lake, &ctx).await;
        assert!(
            !lake.is_table(STEPS, "g").await.expect("lists"),
            "the step's files are removed with it"
        );

        // A stop request ends the step after the pass under way, and drops it.
        let stop = AtomicBool::new(true);
        let err = plan(&lake, &ctx, sql, 4, Some(&stop))
            .await
            .expect_err("stopped");
        assert!(
            matches!(&err, Error::Stopped { at } if at == "pass 2 of 4 of step g"),
            "{err}"
        );
        assert!(ctx.table("g").await.is_err(), "the step's table is dropped");
    }

    /// A session limited to `bytes`, one partition (no repartitions), Delta's planner.
    fn limited_session(lake: &Lake, bytes: usize) -> SessionContext {
        use deltalake::datafusion::execution::memory_pool::GreedyMemoryPool;
        use deltalake::datafusion::execution::runtime_env::RuntimeEnvBuilder;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(bytes)))
            .build_arc()
            .expect("runtime");
        let state = deltalake::datafusion::execution::SessionStateBuilder::new()
            .with_default_features()
            .with_config(
                deltalake::datafusion::prelude::SessionConfig::new().with_target_partitions(1),
            )
            .with_runtime_env(runtime)
            .with_query_planner(deltalake::delta_datafusion::planner::DeltaPlanner::new())
            .build();
        let ctx = SessionContext::new_with_state(state);
        engine::register_lake_store(&ctx.runtime_env(), lake).expect("store");
        ctx.register_udf(pass_udf::udf(0, 1));
        ctx
    }

    /// A join whose build side holds the pass's rows (40,000 of about 210 bytes in all): a
    /// hash join cannot spill.
    const JOIN_IN_PASSES: &str = "CREATE TABLE j AS \
        WITH src AS (SELECT 'k' || CAST(v AS VARCHAR) AS k, repeat('x', 200) || CAST(v AS VARCHAR) AS payload \
                     FROM generate_series(1, 40000) AS s(v)) \
        SELECT a.k, length(a.payload) + length(b.payload) AS len FROM src a JOIN src b ON a.k = b.k \
        WHERE joblake_pass(a.k) AND joblake_pass(b.k);\n\
        SELECT count(*) AS n, sum(len) AS total FROM j";

    #[tokio::test]
    async fn a_pass_that_runs_out_of_memory_is_split_until_it_fits() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake =
            Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake opens");
        // A step table of that name left behind (a killed refresh): the first pass written
        // replaces it, even when the first one tried ran out of memory.
        let roomy = limited_session(&lake, 1 << 30);
        let (_, left_behind) = plan(&lake, &roomy, JOIN_IN_PASSES, 2, None)
            .await
            .expect("plans");
        assert_eq!(left_behind.passes(), 2);
        // Two passes of about 4 MB each, under a limit of 1.5 MB: they fit in eight.
        let ctx = limited_session(&lake, 3 * 1024 * 1024 / 2);
        let (df, steps) = plan(&lake, &ctx, JOIN_IN_PASSES, 2, None)
            .await
            .expect("plans");
        let batches = df.collect().await.expect("runs");
        let col = |i: usize| first_row(&batches, i);
        // Every row once: 40,000 of them, and the payloads' lengths (201..=205 characters).
        let total: i64 = (1..=40_000i64)
            .map(|v| 2 * (200 + v.to_string().len() as i64))
            .sum();
        assert_eq!((col(0), col(1)), (40_000, total));
        assert!(
            steps.passes() > 2,
            "the two planned passes were split: ran {}",
            steps.passes()
        );
        steps.drop(&lake, &ctx).await;

        // Without enough memory for any split, the error names the step and the setting.
        let ctx = limited_session(&lake, 16 * 1024);
        let err = plan(&lake, &ctx, JOIN_IN_PASSES, 2, None)
            .await
            .expect_err("too little memory");
        let text = err.to_string();
        assert!(
            text.contains("step j") && text.contains("memory_limit_mb"),
            "{text}"
        );
        assert!(ctx.table("j").await.is_err(), "the step's table is dropped");

        // A step without joblake_pass is not split: its error is DataFusion's.
        let ctx = limited_session(&lake, 16 * 1024);
        let err = plan(
            &lake,
            &ctx,
            &JOIN_IN_PASSES.replace("WHERE joblake_pass(a.k) AND joblake_pass(b.k)", ""),
            2,
            None,
        )
        .await
        .expect_err("too little memory");
        assert!(is_out_of_memory(&err), "{err}");
        assert!(!err.to_string().contains("splits"), "{err}");
    }
}
