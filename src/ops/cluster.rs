//! `joblake cluster scheduler` and `joblake cluster executor`: Ballista's scheduler and executor
//! with joblake's functions, codecs and the lake's object store compiled in, so that the plans a
//! joblake client sends can be decoded and run.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use deltalake::datafusion::execution::SessionStateBuilder;
use deltalake::datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use deltalake::datafusion::prelude::SessionConfig;

use crate::bronze::FileSelection;
use crate::engine;
use crate::engine::cluster::codec::JoblakeLogicalCodec;
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

/// Runs a scheduler on `bind` until the process is stopped.
pub async fn scheduler(lake: &Lake, project: &Project, bind: SocketAddr) -> Result<()> {
    // The template session: joblake's functions, which the client's plans name.
    let template = engine::session(lake, project, FileSelection::All)
        .await?
        .state();
    let runtime = lake_runtime(lake)?;
    let mut config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        ..SchedulerConfig::default()
    };
    config.override_logical_codec = Some(Arc::new(JoblakeLogicalCodec::default()));
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
        print_thread_info: false,
        override_function_registry: Some(Arc::new(registry)),
        override_logical_codec: Some(Arc::new(JoblakeLogicalCodec::default())),
        override_runtime_producer: Some(Arc::new(move |_: &SessionConfig| Ok(runtime.clone()))),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(cluster_error)
}
