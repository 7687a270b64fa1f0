//! `joblake demo`: a generated sample landed, refreshed, tested and mirrored, as the built-in
//! `demo` job through the same runner as `joblake run`, so that it is logged in `meta.runs`.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use joblake_gen::DemoSpec;

use super::run::{self as job, RUN_STOPS};
use super::{Context, render, signals};
use crate::config::jobs::{DEMO_JOBS, DEMO_SEED, demo_job};
use crate::lake::run_log::RunStatus;
use crate::ops::runs::{Reports, StepReport};

/// The arguments of `joblake demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Distinct jobs to generate (each is published on one to three sources).
    #[arg(long, default_value_t = DEMO_JOBS)]
    jobs: usize,
    /// Random seed: the same seed and anchor give the same sample.
    #[arg(long, default_value_t = DEMO_SEED)]
    seed: u64,
    /// "Today" for the sample (YYYY-MM-DD): postings are dated in the months before it.
    #[arg(long)]
    anchor: Option<chrono::NaiveDate>,
    /// Where to write the dashboard of the demo lake (`joblake dashboard`).
    #[arg(long, default_value = "dashboard.html")]
    dashboard: std::path::PathBuf,
}

/// Runs the `demo` job and prints what each step did, then the tables and what to try. Fails
/// when a step failed (with its error) or a data test failed (with the failures); 130 when a
/// signal stopped it.
pub async fn run(ctx: &Context, args: DemoArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let quiet = ctx.quiet;
    let mut run_ctx = ctx.run_context(signals::stop_on_signals(RUN_STOPS));
    run_ctx.demo = Some(DemoSpec {
        seed: args.seed,
        jobs: args.jobs,
        anchor: args
            .anchor
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
    });
    let reports = Reports::default();
    run_ctx.reports = Some(reports.clone());
    let record = job::run_job(&run_ctx, "demo", &demo_job(), quiet).await?;
    let (mut tests_failed, mut mirrored) = (false, None);
    for report in reports.take() {
        match report {
            StepReport::Land(landed) if !quiet => render::print_land_summary(&landed),
            StepReport::Land(_) => {}
            StepReport::Refresh(refreshed) => {
                tests_failed = !refreshed.failed_tests().is_empty();
                if !quiet {
                    render::print_refresh(&refreshed);
                } else if tests_failed {
                    render::print_failures(&refreshed);
                }
            }
            StepReport::Mirror(m) => mirrored = Some(m),
            StepReport::Stream(_) => {}
        }
    }
    match record.status {
        // print_refresh or print_failures showed them.
        _ if tests_failed => return Ok(ExitCode::FAILURE),
        RunStatus::Failed | RunStatus::Lost => anyhow::bail!(
            "demo run {}: {} failed: {}",
            record.run_id,
            record.failed_step.as_deref().unwrap_or("a step"),
            record.error.as_deref().unwrap_or("unknown error")
        ),
        RunStatus::Cancelled => {
            eprintln!("demo run {} stopped by a signal", record.run_id);
            return Ok(job::exit_for(&record));
        }
        RunStatus::Succeeded | RunStatus::Partial => {}
    }
    let page = crate::dashboard::write(&ctx.lake, &ctx.project, &args.dashboard).await?;
    if !quiet && let Some(mirrored) = mirrored {
        render::print_mirror(&mirrored);
        let tables = crate::pipeline::tables(&ctx.lake, &ctx.project).await?;
        render::print_tables(&tables);
        super::dashboard::print_written(&args.dashboard, &page, false);
        render::print_demo_ready(
            &ctx.lake.display(),
            started.elapsed().as_secs_f64(),
            &mirrored.warehouse,
        );
    }
    Ok(job::exit_for(&record))
}
