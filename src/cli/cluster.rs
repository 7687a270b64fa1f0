//! `joblake cluster scheduler` and `joblake cluster executor`: the processes of a Ballista
//! cluster that runs joblake's models (docs/scale.md).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::Context;
use crate::lake::EngineSettings;

/// The arguments of `joblake cluster`.
#[derive(Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    role: Role,
}

/// What this process is in the cluster.
#[derive(Subcommand)]
enum Role {
    /// Plan the jobs clients send and hand their tasks to the executors.
    Scheduler {
        /// Address to serve on.
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
        /// Seconds without a heartbeat after which an executor counts as lost and its tasks
        /// run elsewhere (joblake's executors beat every 5 seconds).
        #[arg(long, default_value_t = 60)]
        executor_timeout: u64,
    },
    /// Run tasks for the scheduler and serve their shuffle output to the other executors.
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:50050")]
        scheduler: String,
        /// Address to serve on (`0.0.0.0` for other machines).
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// The host name other executors and the scheduler reach this one by (default: the
        /// bind address).
        #[arg(long)]
        external_host: Option<String>,
        /// Port of the Arrow Flight service (shuffle reads).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// Port of the gRPC service (tasks from the scheduler).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once (default: the machine's cores).
        #[arg(long)]
        slots: Option<usize>,
        /// Directory of the shuffle files this executor writes and serves (default: a new
        /// temporary directory).
        #[arg(long)]
        work_dir: Option<std::path::PathBuf>,
    },
}

/// Runs the scheduler or an executor until the process is stopped.
pub async fn run(ctx: &Context, args: ClusterArgs) -> Result<ExitCode> {
    // A cluster process runs its work itself: an `[engine] cluster` setting is for clients.
    let lake = ctx.lake.clone().with_engine_settings(EngineSettings {
        cluster: None,
        ..ctx.lake.engine_settings().clone()
    });
    match args.role {
        Role::Scheduler {
            bind,
            executor_timeout,
        } => {
            crate::ops::cluster::scheduler(&lake, &ctx.project, bind, executor_timeout).await?;
        }
        Role::Executor {
            scheduler,
            bind_host,
            external_host,
            port,
            grpc_port,
            slots,
            work_dir,
        } => {
            let slots = slots.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let serve = crate::ops::cluster::Serve {
                bind_host,
                external_host,
                port,
                grpc_port,
                slots,
                work_dir,
            };
            let (host, port) = scheduler
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
                .ok_or_else(|| anyhow::anyhow!("--scheduler {scheduler}: expected HOST:PORT"))?;
            crate::ops::cluster::executor(&lake, &ctx.project, (host, port), serve).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
