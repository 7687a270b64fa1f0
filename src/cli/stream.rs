//! `joblake stream`: a Kafka topic consumed into bronze in micro-batches, exactly once, with an
//! incremental refresh after each cycle (`docs/streaming.md`).

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Context, render, signals};
use crate::lake::run_log::RunStatus;
use crate::ops::stream;
use crate::stream::KafkaUrl;

/// The arguments of `joblake stream`.
#[derive(Args)]
pub struct StreamArgs {
    /// The topic: kafka://HOST:PORT[,HOST:PORT...]/TOPIC (default: `[stream] url`).
    #[arg(long)]
    from: Option<String>,
    /// Consume only these partitions (repeatable; default: `[stream] partitions`, else all).
    #[arg(long = "partition")]
    partitions: Vec<i32>,
    /// One cycle: consume until caught up, refresh, exit (for a cron job or a test).
    #[arg(long)]
    once: bool,
    /// Serve health and Prometheus metrics here (default: `[stream] metrics_addr`; "" for none).
    #[arg(long)]
    metrics_addr: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// The signal message of the stream: what happens before it stops.
const STREAM_STOPS: &str = "the batch in hand is committed first";

/// Consumes until stopped (or one cycle with `--once`); exits 1 when the last cycle failed.
pub async fn run(ctx: &Context, args: StreamArgs) -> Result<ExitCode> {
    let mut run_ctx = ctx.run_context(signals::stop_on_signals(STREAM_STOPS));
    let settings = &mut run_ctx.config.stream;
    if let Some(from) = args.from {
        settings.url = Some(from);
    }
    if !args.partitions.is_empty() {
        settings.partitions = args.partitions;
    }
    if let Some(addr) = args.metrics_addr {
        settings.metrics_addr = addr;
    }
    let url = KafkaUrl::resolve(None, settings)?;
    let quiet = ctx.quiet || args.json;
    if !quiet {
        eprintln!("consuming {url} into {}", ctx.lake.display());
    }
    let summary = stream::run(
        &run_ctx,
        args.once,
        &|addr| {
            if !quiet {
                eprintln!("metrics on http://{addr}/metrics");
            }
        },
        &|run, consumed| {
            if !quiet {
                render::print_stream_cycle(run, consumed);
            }
        },
    )
    .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !ctx.quiet {
        render::print_stream_summary(&summary);
    }
    Ok(match summary.last_status {
        Some(RunStatus::Failed | RunStatus::Lost) => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}
