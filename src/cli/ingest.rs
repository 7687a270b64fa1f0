//! `joblake ingest`: the configured sources fetched into bronze.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use joblake_sources::IngestOptions;

use super::{Context, render, signals};
use crate::ops::runs::steps;
use crate::stream::KafkaUrl;

/// The arguments of `joblake ingest`.
#[derive(Args)]
pub struct IngestArgs {
    /// Run only these sources (names of `[sources.<name>]` tables; repeatable).
    #[arg(long = "source", short = 's')]
    sources: Vec<String>,
    /// Fetch what was published since then: a duration (36h, 7d) or a date
    /// (2026-11-01). Default: since each source's last successful run.
    #[arg(long)]
    since: Option<String>,
    /// Stop each source after N pages.
    #[arg(long)]
    max_pages: Option<usize>,
    /// Fetch and parse, but write nothing to the lake.
    #[arg(long)]
    dry_run: bool,
    /// Publish to a Kafka topic (kafka://HOST:PORT/TOPIC) instead of landing files: one
    /// message per posting, the envelope bronze would hold (`joblake stream` consumes it).
    #[arg(long)]
    to: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Fetches and lands (audited); fails only when every selected source failed.
pub async fn run(ctx: &Context, args: IngestArgs) -> Result<ExitCode> {
    let since = args
        .since
        .map(|s| joblake_sources::parse_since(&s, chrono::Utc::now()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--since {e}"))?;
    let cancel = signals::stop_on_signals("landing what was fetched");
    let options = IngestOptions {
        sources: args.sources,
        since,
        max_pages: args.max_pages,
        dry_run: args.dry_run,
        cancel: cancel.clone(),
        secrets: joblake_sources::Secrets::default(),
        run_id: None,
    };
    let spinner = render::spinner(ctx.quiet || args.json, "fetching");
    let run_ctx = ctx.run_context(cancel);
    let (report, published) = match &args.to {
        Some(to) if !args.dry_run => {
            let url = KafkaUrl::parse(to)?;
            let (report, published) = steps::publish(&run_ctx, &url, &options).await?;
            (report, Some((url, published)))
        }
        _ => (steps::ingest(&run_ctx, &options, None).await?, None),
    };
    spinner.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if !ctx.quiet {
        render::print_ingest(&report, args.dry_run);
        if let Some((url, n)) = &published {
            println!("published {n} message(s) to {url}");
        }
    }
    Ok(if report.all_failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
