//! `joblake land`: raw files, as a source returned them, into bronze.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Context, render};
use crate::ops::runs::steps;
use crate::pipeline;

/// The arguments of `joblake land`.
#[derive(Args)]
pub struct LandArgs {
    /// Source whose format the files are in.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(joblake_sources::source_names()))]
    source: String,
    /// Files to land.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Lands the files (audited); fails when a file was refused.
pub async fn run(ctx: &Context, args: LandArgs) -> Result<ExitCode> {
    let LandArgs { source, files } = args;
    let report = pipeline::land_paths_with(&ctx.lake, &source, &files, &ctx.config.land).await?;
    steps::audit_land(&ctx.lake, &[(source.clone(), report.clone())]).await?;
    render::print_land(&source, &report, ctx.quiet);
    Ok(if report.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
