//! `joblake maintain`: compaction, checkpoints, vacuum, bronze retention.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Context, render, signals};
use crate::ops::runs::steps;

/// The arguments of `joblake maintain`.
#[derive(Args)]
pub struct MaintainArgs {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Maintains every table under the `tables` lease (audited).
pub async fn run(ctx: &Context, args: MaintainArgs) -> Result<ExitCode> {
    let run_ctx = ctx.run_context(signals::stop_on_signals(
        "maintenance under way finishes first",
    ));
    let spinner = render::spinner(
        ctx.quiet || args.json,
        "compacting, checkpointing, vacuuming",
    );
    let report = steps::maintain(&run_ctx, None).await;
    spinner.finish_and_clear();
    let report = report?.context("stopped while waiting for the tables lease")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if !ctx.quiet {
        render::print_maintain(&report);
    }
    Ok(ExitCode::SUCCESS)
}
