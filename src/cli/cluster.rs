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
    },
    /// Run tasks for the scheduler and serve their shuffle output to the other executors.
    Executor {
        /// The scheduler's address.
        #[arg(long, default_value = "127.0.0.1:50050")]
        scheduler: SocketAddr,
        /// Port of the Arrow Flight service (shuffle reads).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// Port of the gRPC service (tasks from the scheduler).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once (default: the machine's cores).
        #[arg(long)]
        slots: Option<usize>,
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
        Role::Scheduler { bind } => {
            crate::ops::cluster::scheduler(&lake, &ctx.project, bind).await?;
        }
        Role::Executor {
            scheduler,
            port,
            grpc_port,
            slots,
        } => {
            let slots = slots.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            crate::ops::cluster::executor(&lake, &ctx.project, scheduler, port, grpc_port, slots)
                .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
