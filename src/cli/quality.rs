//! `joblake quality`: each source's latest landing, judged against the `[quality]` thresholds.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Context, render};

/// The arguments of `joblake quality`.
#[derive(Args)]
pub struct QualityArgs {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Prints the latest run of every source with its completeness, rejects and duplicates, and the
/// thresholds it breaks. Exits 1 when one is broken.
pub async fn run(ctx: &Context, args: QualityArgs) -> Result<ExitCode> {
    let report = crate::quality::check_now(&ctx.lake, &ctx.project, &ctx.config.quality).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        render::print_quality(&report, ctx.quiet);
    }
    Ok(if report.breaches.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
