//! `joblake cluster scheduler` and `joblake cluster executor`: Ballista's scheduler and executor
//! with joblake's functions, codecs and the lake's object store compiled in, so that the plans a
//! joblake client sends can be decoded and run.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::JobId;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::{
    RuntimeStatsReport, ShuffleWritePartition, TaskColumnStats, WindowStateReport,
};
use ballista_executor::execution_engine::{
    DefaultExecutionEngine, ExecutionEngine, QueryStageExecutor,
};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use deltalake::datafusion::error::Result as DfResult;
use deltalake::datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use deltalake::datafusion::execution::{SessionStateBuilder, TaskContext};
use deltalake::datafusion::physical_plan::ExecutionPlan;
use deltalake::datafusion::physical_plan::metrics::MetricsSet;
use deltalake::datafusion::prelude::SessionConfig;

use crate::bronze::FileSelection;
use crate::engine;
use crate::engine::cluster::codec::{JoblakeLogicalCodec, JoblakePhysicalCodec};
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::Project;

fn cluster_error(e: impl std::fmt::Display) -> Error {
    Error::Cluster(e.to_string())
}

/// A runtime whose object-store registry knows the lake's store, so that the executors read
/// an S3 lake with the credentials of their own environment.
fn lake_runtime(lake: &Lake) -> Result<Arc<RuntimeEnv>> {
    let runtime = RuntimeEnvBuilder::new().build_arc()?;
    engine::register_lake_store(&runtime, lake)?;
    Ok(runtime)
}

/// Runs a scheduler on `bind` until the process is stopped; an executor silent for
/// `executor_timeout` seconds is lost (its tasks run on the others).
pub async fn scheduler(
    lake: &Lake,
    project: &Project,
    bind: SocketAddr,
    executor_timeout: u64,
) -> Result<()> {
    // The template session: joblake's functions, which the client's plans name.
    let template = engine::session(lake, project, FileSelection::All)
        .await?
        .state();
    let runtime = lake_runtime(lake)?;
    let mut config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        executor_timeout_seconds: executor_timeout,
        // With no executor left, running jobs fail after the same wait, not Ballista's 180 s.
        no_executors_grace_period_seconds: executor_timeout,
        ..SchedulerConfig::default()
    };
    config.override_logical_codec = Some(Arc::new(JoblakeLogicalCodec::new(lake.clone())));
    config.override_physical_codec = Some(Arc::new(JoblakePhysicalCodec::new(lake.clone())));
    config.override_session_builder = Some(Arc::new(move |session: SessionConfig| {
        Ok(SessionStateBuilder::new_from_existing(template.clone())
            .with_config(session)
            .with_runtime_env(runtime.clone())
            .build())
    }));
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(cluster_error)?;
    start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(cluster_error)
}

/// How often an executor tells the scheduler it is alive: often enough that a lost one is
/// noticed within the scheduler's `--executor-timeout` (Ballista's own default is 60 s).
pub const HEARTBEAT_SECONDS: u64 = 5;

/// Where and how an executor serves.
#[derive(Debug, Clone)]
pub struct Serve {
    /// Address to bind (`0.0.0.0` to serve other machines).
    pub bind_host: String,
    /// The host others reach it by (default: `bind_host`).
    pub external_host: Option<String>,
    /// Arrow Flight port (shuffle reads by other executors and the client).
    pub port: u16,
    /// gRPC port (tasks from the scheduler).
    pub grpc_port: u16,
    /// Tasks run at once.
    pub slots: usize,
    /// Where shuffle files are written (None: a new temporary directory).
    pub work_dir: Option<std::path::PathBuf>,
}

/// Runs an executor that registers with the scheduler at `scheduler` (host, port) and serves
/// as `serve` says.
pub async fn executor(
    lake: &Lake,
    project: &Project,
    scheduler: (String, u16),
    serve: Serve,
) -> Result<()> {
    let session = engine::session(lake, project, FileSelection::All).await?;
    let registry = BallistaFunctionRegistry::from(&session.state());
    let runtime = lake_runtime(lake)?;
    let config = ExecutorProcessConfig {
        bind_host: serve.bind_host,
        external_host: serve.external_host,
        port: serve.port,
        grpc_port: serve.grpc_port,
        scheduler_host: scheduler.0,
        scheduler_port: scheduler.1,
        vcores: serve.slots.max(1),
        executor_heartbeat_interval_seconds: HEARTBEAT_SECONDS,
        work_dir: serve.work_dir.map(|d| d.to_string_lossy().into_owned()),
        print_thread_info: false,
        override_function_registry: Some(Arc::new(registry)),
        override_logical_codec: Some(Arc::new(JoblakeLogicalCodec::new(lake.clone()))),
        override_physical_codec: Some(Arc::new(JoblakePhysicalCodec::new(lake.clone()))),
        override_execution_engine: Some(Arc::new(QuietEngine(DefaultExecutionEngine::new()))),
        override_runtime_producer: Some(Arc::new(move |_: &SessionConfig| Ok(runtime.clone()))),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(cluster_error)
}

/// Ballista's execution engine, minus the operator metrics a task reports. Ballista 55's
/// scheduler wants every task of a stage to report as many operator metric sets as the first
/// did; a task whose plan it cut to another shape (a branch of a union left with no partition)
/// reports one fewer, the scheduler drops the whole report, and the job never ends. Without
/// metrics every report is taken. (The metrics only feed Ballista's web UI, which joblake
/// does not build.)
struct QuietEngine(DefaultExecutionEngine);

impl ExecutionEngine for QuietEngine {
    fn create_query_stage_exec(
        &self,
        job_id: JobId,
        stage_id: usize,
        task_id: usize,
        global_output_partition_ids: Vec<usize>,
        plan: Arc<dyn ExecutionPlan>,
        work_dir: &str,
        config: &SessionConfig,
    ) -> DfResult<Arc<dyn QueryStageExecutor>> {
        let stage = self.0.create_query_stage_exec(
            job_id,
            stage_id,
            task_id,
            global_output_partition_ids,
            plan,
            work_dir,
            config,
        )?;
        Ok(Arc::new(QuietStage(stage)))
    }
}

/// A query stage that reports no operator metrics ([`QuietEngine`]).
#[derive(Debug)]
struct QuietStage(Arc<dyn QueryStageExecutor>);

impl std::fmt::Display for QuietStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[async_trait::async_trait]
impl QueryStageExecutor for QuietStage {
    async fn execute_query_stage(
        &self,
        task_id: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<Vec<ShuffleWritePartition>> {
        self.0.execute_query_stage(task_id, context).await
    }

    fn collect_plan_metrics(&self) -> Vec<MetricsSet> {
        Vec::new()
    }

    fn collect_runtime_stats_reports(&self) -> Vec<RuntimeStatsReport> {
        self.0.collect_runtime_stats_reports()
    }

    fn collect_window_state_reports(&self) -> DfResult<Vec<WindowStateReport>> {
        self.0.collect_window_state_reports()
    }

    fn collect_column_stats(&self) -> Vec<TaskColumnStats> {
        self.0.collect_column_stats()
    }
}
