//! `joblake run`, `joblake schedule` and `joblake runs`: jobs run once, on their cron, and
//! the run log. [`run_job`] is the one way the command line runs a job (`demo` too).

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Context, render, signals};
use crate::lake::lease;
use crate::lake::run_log::{RunRecord, RunStatus};
use crate::ops::runs::{self, JobSpec, RunContext, Trigger};
use crate::query::exec::{ExecOptions, run_sql};
use crate::query::output::{Format, TableStyle};

/// The arguments of `joblake run`.
#[derive(Args)]
pub struct RunArgs {
    /// The job (`[schedule.jobs.<name>]`; built in: pipeline, maintain).
    #[arg(default_value = "pipeline")]
    job: String,
    /// Print the run record as JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `joblake schedule`.
#[derive(Args)]
pub struct ScheduleArgs {
    /// Schedule only these jobs (repeatable; default: all enabled jobs).
    #[arg(long = "job")]
    jobs: Vec<String>,
}

/// The arguments of `joblake runs`.
#[derive(Args)]
pub struct RunsArgs {
    /// How many runs.
    #[arg(long, default_value_t = 10)]
    last: usize,
    /// Only this job's runs.
    #[arg(long)]
    job: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// The signal message of a run: what happens before it stops.
pub(crate) const RUN_STOPS: &str = "the running step reaches a safe point first (a refresh: before its next model or pass, its tables put back)";

/// Runs a configured job once and prints its record.
pub async fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let jobs = ctx.config.schedule.jobs();
    let spec = runs::job(&jobs, &args.job)?.clone();
    let run_ctx = ctx.run_context(signals::stop_on_signals(RUN_STOPS));
    let run = run_job(&run_ctx, &args.job, &spec, ctx.quiet || args.json).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&render::run_json(&run))?);
    } else if !ctx.quiet {
        render::print_run(&run);
    }
    Ok(exit_for(&run))
}

/// Runs `job` once, now, under its lease (refused while it runs elsewhere; a holder that
/// died is logged as lost first), through the same runner as the scheduler.
pub async fn run_job(
    ctx: &RunContext,
    job: &str,
    spec: &JobSpec,
    quiet: bool,
) -> Result<RunRecord> {
    let run_id = crate::bronze::new_run_id();
    let ttl = ctx.config.schedule.lease_ttl;
    let guard = match lease::try_acquire(&ctx.lake, job, ttl, None, Some(&run_id)).await? {
        lease::Acquired::Held { guard, lost } => {
            if let Some(lost) = lost {
                eprintln!(
                    "warning: {} died while running {job} (run {}); its lease expired",
                    lost.holder,
                    lost.run_id.as_deref().unwrap_or("?")
                );
                runs::record_lost(&ctx.lake, job, &lost).await?;
            }
            guard
        }
        lease::Acquired::Busy(h) | lease::Acquired::SlotTaken(h) => {
            anyhow::bail!(
                "job {job} is already running: {} holds it since {} (run {}); its lease expires at {} unless renewed",
                h.holder,
                h.acquired_at.format("%Y-%m-%d %H:%M:%S UTC"),
                h.run_id.as_deref().unwrap_or("?"),
                h.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
            );
        }
    };
    let spinner = render::spinner(quiet, &format!("{job}: starting"));
    let result = runs::execute(ctx, job, spec, Trigger::Manual, 1, &run_id, &|step| {
        spinner.set_message(format!("{job}: {step}"));
    })
    .await;
    spinner.finish_and_clear();
    guard.release().await?;
    Ok(result?)
}

/// A run's exit code: failure when it failed, 130 when a signal stopped it.
pub(crate) fn exit_for(run: &RunRecord) -> ExitCode {
    match run.status {
        RunStatus::Succeeded | RunStatus::Partial => ExitCode::SUCCESS,
        // Stopped by a signal between steps, as shells report it.
        RunStatus::Cancelled => ExitCode::from(130),
        RunStatus::Failed | RunStatus::Lost => ExitCode::FAILURE,
    }
}

/// Runs the jobs on their cron until a signal stops them.
pub async fn schedule(ctx: &Context, args: ScheduleArgs) -> Result<ExitCode> {
    let run_ctx = ctx.run_context(signals::stop_on_signals(RUN_STOPS));
    crate::ops::schedule::run(run_ctx, &args.jobs).await?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the last runs of the run log.
pub async fn runs(ctx: &Context, args: RunsArgs) -> Result<ExitCode> {
    let lake = &ctx.lake;
    if !lake
        .is_table(crate::lake::meta::DIR, crate::lake::run_log::RUNS)
        .await?
    {
        println!(
            "No run logged in {} yet: `joblake run` or `joblake schedule` log theirs.",
            lake.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let filter = match &args.job {
        Some(j) => format!("WHERE job = '{}'", j.replace('\'', "''")),
        None => String::new(),
    };
    let sql = include_str!("../../sql/reports/recent_runs.sql")
        .replace("{filter}", &filter)
        .replace("{limit}", &args.last.to_string());
    let session = crate::query::repl::sql_session(lake, &ctx.project).await?;
    let options = ExecOptions {
        format: args.format,
        style: TableStyle {
            max_rows: usize::MAX,
            width: super::sql::columns(),
            ..TableStyle::default()
        },
        allow_writes: false,
        timing: false,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    run_sql(&session, &sql, &options, &mut out, None).await?;
    std::io::Write::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}
