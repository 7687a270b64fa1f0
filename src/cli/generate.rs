//! `joblake gen`: a large generated sample landed in bronze.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use joblake_gen::DemoSpec;

use super::{Context, render};
use crate::lake::audit::{self, AuditEvent};
use crate::pipeline;

/// The arguments of `joblake gen`.
#[derive(Args)]
pub struct GenArgs {
    /// Postings to generate (about: each job is published on one to three sources).
    #[arg(long, default_value_t = 100_000)]
    postings: usize,
    /// Only these sources (comma separated; default: all five).
    #[arg(long, value_delimiter = ',')]
    sources: Vec<String>,
    /// Random seed: the same seed and anchor give the same bytes.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// "Today" for the sample (YYYY-MM-DD).
    #[arg(long)]
    anchor: Option<chrono::NaiveDate>,
}

/// Generates and lands the sample on every core (audited).
pub async fn run(ctx: &Context, args: GenArgs) -> Result<ExitCode> {
    for s in &args.sources {
        anyhow::ensure!(
            joblake_gen::SOURCES.contains(&s.as_str()),
            "--sources: `{s}` is not generated (choose among {})",
            joblake_gen::SOURCES.join(", ")
        );
    }
    let spec = DemoSpec {
        seed: args.seed,
        jobs: pipeline::jobs_for_postings(args.postings),
        anchor: args
            .anchor
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
    };
    let message = format!("generating about {} postings", args.postings);
    let spinner = render::spinner(ctx.quiet, &message);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let report = pipeline::generate(&ctx.lake, &spec, &args.sources, cores).await?;
    spinner.finish_and_clear();
    let events = [AuditEvent::new("land", "bronze")
        .run(Some(&report.run_id))
        .rows(Some(report.records as u64))
        .detail(format!("generated: {} files", report.files))];
    audit::record(&ctx.lake, &events).await?;
    if !ctx.quiet {
        render::print_gen(&report);
    }
    Ok(ExitCode::SUCCESS)
}
