//! The one place a DataFusion `SessionContext` is built. Transform, `joblake sql`, the REPL and
//! the tests all take their session from here, so that swapping the engine (e.g. for Ballista)
//! is one change.
//!
//! Catalog: `bronze.*` (raw envelopes, one table per source plus `bronze.envelopes`),
//! `silver.*` and `gold.*` (Delta tables, opened at their latest version when a query is
//! planned), `ref.*` (the reference CSVs beside the models).

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod dv_scan;
pub mod eager_aggregate;
pub mod filter_cascade;
pub mod json_udf;
pub mod listings_udf;
pub mod median_of_counts;
mod memory;
pub mod pass_chain;
pub mod pass_udf;
pub mod predict_udf;
pub mod read_only;
pub mod rollups;
pub mod streamed;
pub mod udf;

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use deltalake::datafusion::catalog::{
    MemorySchemaProvider, SchemaProvider, TableFunctionArgs, TableFunctionImpl, TableProvider,
};
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::execution::object_store::ObjectStoreUrl;
use deltalake::datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use deltalake::datafusion::execution::{SessionState, SessionStateBuilder};
use deltalake::datafusion::logical_expr::{Expr, LogicalPlan};
use deltalake::datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use deltalake::delta_datafusion::planner::DeltaPlanner;

use crate::bronze::{BronzeSchema, FileSelection};
use crate::error::{Error, Result};
use crate::lake::{DELTA_LAYERS, Lake};
use crate::project::Project;

/// Name of DataFusion's default catalog, which holds our schemas.
pub const CATALOG: &str = "datafusion";

/// Partitions per core of a session's plans on one machine without a memory limit. Work
/// per partition is uneven (the openings cluster blocks of 1 to 7,682 listings at 1M
/// postings, each costing more the larger it is), and with two partitions per core a core
/// that finishes early takes another instead of waiting: the full refresh of 1M postings took
/// 88.5-90.5 s against 91.9-97.3 s with one per core (docs/performance.md). Under a memory
/// limit the pool is shared among the spilling operators of every partition, so it stays one.
pub const PARTITIONS_PER_CORE: usize = 2;

/// Builds a session over `lake`: functions, reference tables and the layer schemas.
/// `bronze` says which bronze files the bronze tables expose (all, or the unconsumed ones).
pub async fn session(
    lake: &Lake,
    project: &Project,
    bronze: FileSelection,
) -> Result<SessionContext> {
    let settings = lake.engine_settings();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per_core = if settings.memory_limit_mb.is_none() && settings.cluster.is_none() {
        PARTITIONS_PER_CORE
    } else {
        1
    };
    let config = SessionConfig::new()
        .with_target_partitions(cores * per_core)
        .with_information_schema(true)
        .with_default_catalog_and_schema(CATALOG, "public")
        // delta-rs's own session defaults: hash-join IN-list pushdown can panic on dictionary
        // join keys, so it is disabled.
        .set_usize("datafusion.optimizer.hash_join_inlist_pushdown_max_size", 0)
        .set_usize(
            "datafusion.optimizer.hash_join_inlist_pushdown_max_distinct_values",
            0,
        );
    // A run's lake handle carries its meter: the bronze scan counts the rows it decodes there.
    let config = match lake.meter() {
        Some(meter) => config.with_extension(meter.clone()),
        None => config,
    };
    // Delta's planner executes the write and merge nodes of delta-rs operations.
    let mut state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_query_planner(DeltaPlanner::new())
        .with_optimizer_rule(Arc::new(eager_aggregate::EagerAggregate::for_project(
            project,
        )))
        // Last of the analyzer rules: it sees the plan as SQL wrote it, types resolved.
        .with_analyzer_rule(Arc::new(rollups::Rollups::for_project(lake, project)))
        // After DataFusion's physical rules: cheap conditions of a filter before costly ones.
        .with_physical_optimizer_rule(Arc::new(filter_cascade::FilterCascade))
        // Last of the physical rules: a table with deletion vectors is scanned file by file.
        .with_physical_optimizer_rule(Arc::new(dv_scan::ParallelDeletionVectorScans));
    // The settings travel with the lake handle, so two lakes (or two runs) in one process can
    // use different limits.
    if settings.memory_limit_mb.is_some() || settings.spill_dir.is_some() {
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(mb) = settings.memory_limit_mb {
            let bytes = usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
            runtime = runtime.with_memory_pool(memory::limited_pool(bytes));
        }
        if let Some(dir) = &settings.spill_dir {
            runtime = runtime.with_temp_file_path(dir);
        }
        state = state.with_runtime_env(runtime.build_arc()?);
    }
    let state = state.build();
    let state = match &settings.cluster {
        None => state,
        #[cfg(feature = "cluster")]
        Some(url) => cluster::upgrade(state, url, lake)?,
        #[cfg(not(feature = "cluster"))]
        Some(url) => {
            return Err(Error::Config(format!(
                "engine cluster `{url}`: this joblake was built without the `cluster` feature \
                 (cargo build --release --features cluster)"
            )));
        }
    };
    let mut ctx = SessionContext::new_with_state(state);
    datafusion_functions_json::register_all(&mut ctx)?;
    json_udf::register(&ctx);
    udf::register(&ctx, project)?;
    for f in predict_udf::udfs(lake.clone()) {
        ctx.register_udf(f);
    }
    // One pass: a model's steps re-register it for each of theirs (transform::steps).
    ctx.register_udf(pass_udf::udf(0, 1));
    ctx.register_udaf(median_of_counts::udaf().as_ref().clone());

    register_lake_store(&ctx.runtime_env(), lake)?;

    let catalog = ctx
        .catalog(CATALOG)
        .ok_or_else(|| Error::Internal("DataFusion's default catalog is missing".into()))?;
    catalog.register_schema("bronze", Arc::new(BronzeSchema::new(lake.clone(), bronze)))?;
    for layer in DELTA_LAYERS {
        catalog.register_schema(layer, Arc::new(DeltaSchema::new(lake.clone(), layer)))?;
    }
    // The run log and the audit trail: `meta.runs`, `meta.run_steps`, `meta.audit`.
    catalog.register_schema(
        crate::lake::meta::SCHEMA,
        Arc::new(
            DeltaSchema::new(lake.clone(), crate::lake::meta::DIR)
                .read_only(crate::lake::meta::SCHEMA),
        ),
    )?;
    let reference = Arc::new(MemorySchemaProvider::new());
    for (name, table) in project.reference_tables()? {
        reference.register_table(name, table)?;
    }
    catalog.register_schema("ref", reference)?;
    ctx.register_udtf("table_at", Arc::new(TableAt { lake: lake.clone() }));
    Ok(ctx)
}

/// A query's result as the Delta writer takes it, with the session the writer plans it in.
/// The writer runs in this process: on one machine it plans the query itself, unless the query
/// ends in `ORDER BY` (the writer's own plan would drop the order); an ordered query, and any
/// query on a cluster, is run here and its batches pulled as one stream ([`streamed`]).
pub async fn writer_input(
    lake: &Lake,
    ctx: &SessionContext,
    df: DataFrame,
) -> Result<(LogicalPlan, Arc<SessionState>)> {
    match &lake.engine_settings().cluster {
        None if streamed::is_ordered(df.logical_plan()) => streamed::as_one_stream(ctx, df).await,
        None => Ok((df.logical_plan().clone(), Arc::new(ctx.state()))),
        #[cfg(feature = "cluster")]
        Some(_) => streamed::as_one_stream(ctx, df).await,
        // A session is never built on a cluster without the feature (`session` refuses).
        #[cfg(not(feature = "cluster"))]
        Some(url) => Err(Error::Config(format!(
            "engine cluster `{url}`: this joblake was built without the `cluster` feature"
        ))),
    }
}

/// Makes the lake's store known to `runtime`'s object-store registry, through which Delta and
/// Parquet scans resolve their files. Local files are registered by default; S3 (or another
/// store) is not, and a run's metered store must replace the default so that its reads are
/// counted.
pub fn register_lake_store(runtime: &RuntimeEnv, lake: &Lake) -> Result<()> {
    if !lake.is_local() || lake.meter().is_some() {
        let base = format!(
            "{}://{}",
            lake.url().scheme(),
            lake.url().host_str().unwrap_or_default()
        );
        let url = ObjectStoreUrl::parse(&base)?;
        runtime.register_object_store(url.as_ref(), lake.store());
    }
    Ok(())
}

/// Time travel: `table_at('silver.job_postings', 3)` reads a Delta table as of a version,
/// `table_at('gold.fact_job_posting', '2026-11-24T07:00:00Z')` as of a time.
#[derive(Debug)]
struct TableAt {
    lake: Lake,
}

/// Where to travel to.
enum AsOf {
    Version(u64),
    Time(chrono::DateTime<chrono::Utc>),
}

impl TableFunctionImpl for TableAt {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let usage =
            "usage: table_at('layer.table', version) or table_at('layer.table', 'timestamp')";
        let literal = |e: &Expr| match e {
            Expr::Literal(v, _) => Some(v.clone()),
            _ => None,
        };
        let [name, when] = args.exprs() else {
            return Err(DataFusionError::Plan(usage.into()));
        };
        let Some(ScalarValue::Utf8(Some(name))) = literal(name) else {
            return Err(DataFusionError::Plan(usage.into()));
        };
        let Some((layer, table)) = name.split_once('.') else {
            return Err(DataFusionError::Plan(format!(
                "table_at: `{name}` is not layer.table (silver.x or gold.x)"
            )));
        };
        if !DELTA_LAYERS.contains(&layer) {
            return Err(DataFusionError::Plan(format!(
                "table_at: only Delta tables travel in time (silver.*, gold.*), not `{name}`"
            )));
        }
        let as_of = match literal(when) {
            Some(ScalarValue::Int64(Some(v))) if v >= 0 => AsOf::Version(v as u64),
            Some(ScalarValue::Utf8(Some(t))) => AsOf::Time(parse_instant(&t).ok_or_else(|| {
                DataFusionError::Plan(format!(
                    "table_at: `{t}` is not a timestamp (2026-11-24T07:00:00Z) or a date"
                ))
            })?),
            _ => return Err(DataFusionError::Plan(usage.into())),
        };
        let (lake, layer, table) = (self.lake.clone(), layer.to_string(), table.to_string());
        // Table functions are planned synchronously: open the table on a thread of its own.
        on_own_runtime(async move {
            let external = |e: Error| DataFusionError::External(Box::new(e));
            if !lake.is_table(&layer, &table).await.map_err(external)? {
                return Err(DataFusionError::Plan(format!(
                    "table_at: {layer}.{table} is not a Delta table of this lake"
                )));
            }
            let mut t = lake.table(&layer, &table).await.map_err(external)?;
            match as_of {
                AsOf::Version(v) => t.load_version(v as _).await,
                AsOf::Time(when) => t.load_with_datetime(when).await,
            }
            .map_err(|e| DataFusionError::Plan(format!("table_at: {layer}.{table}: {e}")))?;
            delta_scan(&lake, &t).await
        })
        .ok_or_else(|| DataFusionError::Internal("table_at: the loading thread failed".into()))?
    }
}

/// Runs `work` on a runtime and a thread of its own, for DataFusion's synchronous callbacks
/// that read the lake (schema listings, table functions, analyzer rules): blocking the
/// caller's runtime thread on it could deadlock. None when the thread could not run it.
pub(crate) fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Option<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()
            .map(|rt| rt.block_on(work))
    })
    .join()
    .ok()
    .flatten()
}

fn parse_instant(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// A layer of Delta tables. Tables are opened when a query names them, at their latest
/// version, so a session always sees the last refresh; views registered by the model runner
/// (staging models) live beside them in memory.
#[derive(Debug)]
pub struct DeltaSchema {
    lake: Lake,
    layer: &'static str,
    views: MemorySchemaProvider,
    /// Set (to the schema's SQL name) when tables are handed out read-only and no view may
    /// shadow them (`meta.*`).
    read_only: Option<&'static str>,
}

impl DeltaSchema {
    /// The schema of `layer` in `lake`.
    pub fn new(lake: Lake, layer: &'static str) -> Self {
        DeltaSchema {
            lake,
            layer,
            views: MemorySchemaProvider::new(),
            read_only: None,
        }
    }

    /// The same schema, whose tables SQL can read but never write, and where no table or
    /// view can be created: joblake alone writes them.
    pub fn read_only(mut self, sql_name: &'static str) -> Self {
        self.read_only = Some(sql_name);
        self
    }

    fn refuse_change(&self, name: &str) -> DfResult<()> {
        if let Some(schema) = self.read_only {
            return Err(DataFusionError::Plan(format!(
                "{schema}.{name}: the tables of this schema are written by joblake only"
            )));
        }
        Ok(())
    }

    fn block_on_list(&self) -> Vec<String> {
        // `table_names` is synchronous; listing one directory level is cheap.
        let lake = self.lake.clone();
        let layer = self.layer;
        on_own_runtime(async move { lake.list_tables(layer).await.ok() })
            .flatten()
            .unwrap_or_default()
    }
}

#[async_trait]
impl SchemaProvider for DeltaSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names = self.block_on_list();
        names.extend(self.views.table_names());
        names.sort();
        names.dedup();
        names
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        if let Some(view) = self.views.table(name).await? {
            return Ok(Some(view));
        }
        let table = self
            .lake
            .table(self.layer, name)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        if table.version().is_none() {
            return Ok(None);
        }
        let provider = delta_provider(&self.lake, &table).await?;
        if self.read_only.is_some() {
            return Ok(Some(Arc::new(read_only::ReadOnlyTable::new(provider))));
        }
        Ok(Some(provider))
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> DfResult<Option<Arc<dyn TableProvider>>> {
        self.refuse_change(&name)?;
        self.views.deregister_table(&name)?;
        self.views.register_table(name, table)
    }

    fn deregister_table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        self.refuse_change(name)?;
        self.views.deregister_table(name)
    }

    fn table_exist(&self, name: &str) -> bool {
        self.views.table_exist(name) || self.block_on_list().iter().any(|n| n == name)
    }
}

/// A Delta table of the lake as the session reads it: on a cluster, the snapshot's files,
/// which the executors read themselves (`cluster::table`).
pub async fn delta_provider(
    lake: &Lake,
    table: &deltalake::DeltaTable,
) -> DfResult<Arc<dyn TableProvider>> {
    #[cfg(feature = "cluster")]
    if lake.engine_settings().cluster.is_some() {
        return Ok(Arc::new(cluster::table::DeltaFiles::of(table).await?));
    }
    delta_scan(lake, table).await
}

/// True when `provider` is a Delta table of the lake as [`delta_provider`] hands it out (not a
/// view or a table registered in the session under a layer's name).
pub fn is_lake_table(provider: &dyn TableProvider) -> bool {
    #[cfg(feature = "cluster")]
    if provider.is::<cluster::table::DeltaFiles>() {
        return true;
    }
    provider.is::<deltalake::delta_datafusion::DeltaScanNext>()
}

/// The session whose settings delta-rs gives joblake's Delta scans: DataFusion's defaults.
/// delta-rs reads two settings from a session, and without one it turns Parquet row filtering
/// on: a query's filter then runs inside the Parquet decoder. For the filters analysts write
/// (half the rows pass) that cost more than it saved; with DataFusion's default
/// (`pushdown_filters` off, as its own Parquet tables have it) the filter still prunes files by
/// Delta's statistics and row groups and pages by Parquet's, then runs once on the decoded
/// batches: the median salary by country and family took 184–215 → 153–169 ms at 10M
/// postings and 44–45 → 29–31 ms at 1M (docs/performance.md).
static SCAN_SETTINGS: LazyLock<Arc<SessionState>> =
    LazyLock::new(|| Arc::new(SessionStateBuilder::new().build()));

/// A Delta table's scan, as every query of the lake reads it (the latest version or another).
/// Where steps run in passes (a memory limit set), delta-rs's row filtering stays: a pass keeps
/// one row in N, and decoding only those rows' other columns was measured faster there.
async fn delta_scan(
    lake: &Lake,
    table: &deltalake::DeltaTable,
) -> DfResult<Arc<dyn TableProvider>> {
    let scan = table.table_provider();
    if lake.engine_settings().pass_rows_in_effect().is_some() {
        scan.await
    } else {
        scan.with_session(Arc::clone(&SCAN_SETTINGS)).await
    }
}

/// Rows of `table` (a qualified name), answered from Delta statistics where it can be.
pub async fn count_rows(ctx: &SessionContext, table: &str) -> Result<i64> {
    let batches = ctx
        .sql(&format!("SELECT count(*) FROM {table}"))
        .await?
        .collect()
        .await?;
    Ok(batches
        .first()
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<deltalake::arrow::array::Int64Array>()
                .map(|a| a.value(0))
        })
        .unwrap_or(0))
}
