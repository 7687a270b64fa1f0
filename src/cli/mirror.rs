//! `joblake mirror`: gold into the warehouse BI tools read.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Context, render};
use crate::ops::runs::steps;
use crate::warehouse::MirrorOptions;

/// The arguments of `joblake mirror`.
#[derive(Args)]
pub struct MirrorArgs {
    /// postgres://user@host/db?sslmode=require or sqlite://file.db (default: config,
    /// JOBLAKE_WAREHOUSE_URL, else a SQLite file in the lake directory).
    #[arg(long)]
    warehouse: Option<String>,
    /// Reload every table, changed or not.
    #[arg(long)]
    full: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Applies the pending migrations and reloads the changed tables (audited).
pub async fn run(ctx: &Context, args: MirrorArgs) -> Result<ExitCode> {
    let url = ctx.warehouse_url(args.warehouse);
    let spinner = render::spinner(ctx.quiet || args.json, "mirroring gold into the warehouse");
    let options = MirrorOptions { full: args.full };
    let report = steps::mirror(&ctx.lake, &ctx.project, &url, options, None).await?;
    spinner.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if !ctx.quiet {
        render::print_mirror(&report);
    }
    Ok(ExitCode::SUCCESS)
}
