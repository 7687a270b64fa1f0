//! Runs: one execution of a job's steps (ingest → refresh → data tests → quality check → mirror, or
//! maintain), measured, audited and logged in `_meta/runs`. `joblake run` starts one by hand;
//! the scheduler ([`crate::ops::schedule`]) starts them on their cron.
//!
//! A step that fails stops the steps that depend on it (they are logged as skipped, with
//! why), and the run's status names the failed step. A stop request (SIGTERM, Ctrl-C) lets the
//! running step reach a safe point — ingest lands what it fetched, a refresh stops before its
//! next model or pass and puts back the tables it wrote (its data tests, once started, finish),
//! a mirror completes its swap — and skips the rest.

pub mod steps;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;

use crate::config::Config;
pub use crate::config::jobs::{JobSpec, Step, default_jobs};
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::lake::lease;
use crate::lake::run_log::{self as log, RunRecord, RunStatus, StepRecord, StepStatus};
use crate::meter::RunMeter;
use crate::pipeline::LandReport;
use crate::project::Project;
use crate::stream::consume::{ConsumeReport, CycleLimits};
use crate::transform::RefreshReport;
use crate::warehouse::MirrorReport;

/// How the run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `joblake run`.
    Manual,
    /// The scheduler, for the cron slot given.
    Scheduled(chrono::DateTime<Utc>),
    /// `joblake stream`: a cycle of consumption and refresh.
    Stream,
}

impl Trigger {
    fn name(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled(_) => "scheduled",
            Trigger::Stream => "stream",
        }
    }

    fn slot(self) -> Option<chrono::DateTime<Utc>> {
        match self {
            Trigger::Manual | Trigger::Stream => None,
            Trigger::Scheduled(slot) => Some(slot),
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The lake.
    pub lake: Lake,
    /// The SQL models.
    pub project: Project,
    /// The configuration (sources, warehouse, energy model, maintenance, leases).
    pub config: Config,
    /// Set to stop after the running step.
    pub stop: Arc<AtomicBool>,
    /// Sources' credentials.
    pub secrets: joblake_sources::Secrets,
    /// The sample the demo step generates (`joblake demo`'s arguments; None: the defaults).
    pub demo: Option<joblake_gen::DemoSpec>,
    /// Where the steps keep their typed reports, when the caller renders them (`joblake
    /// demo`); None (the scheduler): nothing is kept.
    pub reports: Option<Reports>,
    /// When the `stream` step's cycle ends (None: when the topic is drained).
    pub stream_limits: Option<CycleLimits>,
}

impl RunContext {
    /// A context that stops on `stop`, with no secrets, no demo spec and no reports kept.
    pub fn new(lake: Lake, project: Project, config: Config, stop: Arc<AtomicBool>) -> Self {
        RunContext {
            lake,
            project,
            config,
            stop,
            secrets: joblake_sources::Secrets::default(),
            demo: None,
            reports: None,
            stream_limits: None,
        }
    }

    /// Keeps a step's report if the caller asked for them (`make` runs only then).
    pub fn keep(&self, make: impl FnOnce() -> StepReport) {
        if let Some(reports) = &self.reports
            && let Ok(mut kept) = reports.0.lock()
        {
            kept.push(make());
        }
    }
}

/// The typed reports of a run's steps, in step order.
#[derive(Debug, Clone, Default)]
pub struct Reports(Arc<Mutex<Vec<StepReport>>>);

impl Reports {
    /// Takes the reports kept so far.
    pub fn take(&self) -> Vec<StepReport> {
        self.0
            .lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .unwrap_or_default()
    }
}

/// A step's report, as the single command would print it.
#[derive(Debug, Clone)]
pub enum StepReport {
    /// What the demo step landed, source by source.
    Land(Vec<(String, LandReport)>),
    /// The refresh, with its data tests.
    Refresh(RefreshReport),
    /// The mirror into the warehouse.
    Mirror(MirrorReport),
    /// A consumption cycle of the stream.
    Stream(ConsumeReport),
}

/// Runs `job`'s steps once and logs the run. Errors of a step are recorded in the run, not
/// returned: the result is an error only when the run could not be logged at all.
pub async fn execute(
    ctx: &RunContext,
    job_name: &str,
    job: &JobSpec,
    trigger: Trigger,
    attempt: u32,
    run_id: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<RunRecord> {
    let started_at = Utc::now();
    let run_started = std::time::Instant::now();
    // The run's own meter: its steps work through a lake handle that counts into it, so that
    // a run overlapping another in this process is charged its own work (crate::meter).
    let meter = RunMeter::start();
    let metered = RunContext {
        lake: ctx.lake.metered(meter.clone()),
        ..ctx.clone()
    };
    let unmetered = ctx;
    let ctx = &metered;
    let mut run = RunRecord::new(run_id, job_name, trigger.name(), started_at);
    run.attempt = i64::from(attempt);
    run.slot = trigger.slot();
    let mut steps = job.steps.clone();
    // The data tests are part of every refresh: log them as their own step.
    if let Some(i) = steps.iter().position(|s| *s == Step::Refresh)
        && !steps.contains(&Step::Test)
    {
        steps.insert(i + 1, Step::Test);
    }
    // So is the quality check of what the refresh read: after the tests.
    if !steps.contains(&Step::Quality)
        && let Some(i) = steps.iter().position(|s| *s == Step::Test)
        && steps.contains(&Step::Refresh)
    {
        steps.insert(i + 1, Step::Quality);
    }
    let model = &ctx.config.energy;
    let mut outcomes: BTreeMap<&'static str, StepStatus> = BTreeMap::new();
    let mut pending_tests: Option<Box<steps::StepDone>> = None;
    for (i, step) in steps.iter().copied().enumerate() {
        let mut record = StepRecord::new(run_id, job_name, i as i64 + 1, step.name());
        let blocked = step.depends_on().iter().find(|d| {
            matches!(
                outcomes.get(d.name()),
                Some(StepStatus::Failed | StepStatus::Skipped)
            )
        });
        // The tests of a refresh that ran are always logged: they ran with it.
        let stopping =
            ctx.stop.load(Ordering::SeqCst) && !(step == Step::Test && pending_tests.is_some());
        if let Some(dep) = blocked {
            record.status = StepStatus::Skipped;
            record.error = Some(format!("{} {}", dep.name(), outcomes[dep.name()]));
        } else if stopping {
            record.status = StepStatus::Skipped;
            record.error = Some("stopped by a signal before it started".to_string());
            if run.status == RunStatus::Succeeded {
                run.status = RunStatus::Cancelled;
                run.error = Some("stopped by a signal".to_string());
            }
        } else {
            progress(step.name());
            let mark = meter.mark();
            let result = match (step, pending_tests.take()) {
                (Step::Test, Some(done)) => Ok(*done),
                (Step::Test, None) => steps::test(ctx).await,
                _ => {
                    steps::run(ctx, job, step, run_id, &|what: &str| {
                        progress(&format!("{} {what}", step.name()))
                    })
                    .await
                }
            };
            let usage = meter.usage(&mark);
            match result {
                Ok(mut done) => {
                    record.set_usage(done.usage.as_ref().unwrap_or(&usage), model);
                    record.rows_in = done.rows_in;
                    record.rows_out = done.rows_out;
                    record.detail = done.detail.take();
                    if let Some(problem) = done.failure.take() {
                        record.status = StepStatus::Failed;
                        record.error = Some(problem);
                    } else if let Some(partial) = done.partial.take() {
                        record.status = StepStatus::Partial;
                        record.error = Some(partial);
                        if run.status == RunStatus::Succeeded {
                            run.status = RunStatus::Partial;
                        }
                    }
                    pending_tests = done.tests.take();
                }
                // A refresh stopped at a safe point put its tables back: the run was
                // cancelled, not failed.
                Err(e @ Error::Stopped { .. }) => {
                    record.set_usage(&usage, model);
                    record.status = StepStatus::Skipped;
                    record.error = Some(e.to_string());
                    if run.status == RunStatus::Succeeded {
                        run.status = RunStatus::Cancelled;
                        run.error = Some("stopped by a signal".to_string());
                    }
                }
                Err(e) => {
                    record.set_usage(&usage, model);
                    record.status = StepStatus::Failed;
                    record.error = Some(e.to_string());
                }
            }
            if record.status == StepStatus::Failed {
                run.status = RunStatus::Failed;
                if run.failed_step.is_none() {
                    run.failed_step = Some(step.name().to_string());
                    run.error = record.error.clone();
                }
            }
        }
        record.ended_at = Utc::now();
        outcomes.insert(step.name(), record.status);
        run.steps.push(record);
    }
    run.ended_at = Utc::now();
    run.total_steps();
    run.wall_seconds = run_started.elapsed().as_secs_f64();
    meter.finish();
    let ctx = unmetered;
    log::record(&ctx.lake, &run).await?;
    if job.steps.contains(&Step::Mirror) && outcomes.get("mirror") == Some(&StepStatus::Succeeded) {
        let url = steps::warehouse_url(ctx);
        if let Err(e) = crate::warehouse::mirror_runs(&ctx.lake, &url).await {
            tracing::warn!("the run log was not mirrored (the next mirror will): {e}");
        }
    }
    Ok(run)
}

/// Logs the run of a holder that died holding its lease, so that the run log shows it.
pub async fn record_lost(lake: &Lake, job: &str, lost: &lease::LeaseInfo) -> Result<()> {
    let Some(run_id) = &lost.run_id else {
        return Ok(());
    };
    let trigger = if lost.slot.is_some() {
        "scheduled"
    } else {
        "manual"
    };
    let mut run = RunRecord::new(run_id, job, trigger, lost.acquired_at);
    run.slot = lost.slot;
    run.host = lost.holder.clone();
    run.user = String::new();
    run.status = RunStatus::Lost;
    // A holder found dead on this host is taken over before its lease expires: it ended by now.
    let now = chrono::Utc::now();
    if lost.holder_is_dead() && now < lost.expires_at {
        run.ended_at = now;
        run.error = Some(format!(
            "{}: the process is gone from this host (killed or crashed); its lease was taken over at {now}",
            lost.holder
        ));
    } else {
        run.ended_at = lost.expires_at;
        run.error = Some(format!(
            "{} stopped renewing its lease, which expired at {}: the process died or hung",
            lost.holder, lost.expires_at
        ));
    }
    run.wall_seconds = (run.ended_at - lost.acquired_at)
        .to_std()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    log::record(lake, &run).await
}

/// The job `name` from the configuration (or the defaults).
pub fn job<'a>(jobs: &'a BTreeMap<String, JobSpec>, name: &str) -> Result<&'a JobSpec> {
    jobs.get(name).ok_or_else(|| {
        Error::Config(format!(
            "no job `{name}`: the jobs are {}",
            jobs.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })
}
