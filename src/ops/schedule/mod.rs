//! `joblake schedule`: runs the jobs of `joblake.toml` on their cron, for as long as it lives.
//!
//! Each job has its own loop. At each slot it takes the job's lease in the lake
//! ([`lease`]): if another scheduler (or a `joblake run`) holds it, or already ran that slot,
//! the slot is skipped here. A failed run is retried per the job's policy while the lease is
//! held; a run that outlasts later slots makes them skipped, never queued. A stop request lets
//! the running steps finish, then every loop ends and the leases are released.

pub mod metrics;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use croner::Cron;

pub use crate::config::jobs::{ScheduleSettings, parse_cron};
use crate::error::{Error, Result};
use crate::lake::lease::{self, Acquired};
use crate::ops::runs::{self, JobSpec, RunContext, Trigger};
use metrics::Metrics;

/// Runs the scheduler until `ctx.stop` is set. `only` limits it to some jobs.
pub async fn run(ctx: RunContext, only: &[String]) -> Result<()> {
    let settings = ctx.config.schedule.clone();
    let mut jobs = settings.jobs();
    if !only.is_empty() {
        for name in only {
            runs::job(&jobs, name)?;
        }
        jobs.retain(|name, _| only.contains(name));
    }
    jobs.retain(|_, job| job.enabled);
    if jobs.is_empty() {
        return Err(Error::Config("no enabled job to schedule".into()));
    }
    let mut parsed = Vec::new();
    let metrics = Arc::new(Mutex::new(Metrics::new()));
    for (name, job) in &jobs {
        parsed.push((name.clone(), job.clone(), parse_cron(name, &job.cron)?));
        if let Ok(mut m) = metrics.lock() {
            m.job(name, &job.cron);
        }
    }
    let _endpoint = if settings.metrics_addr.is_empty() {
        None
    } else {
        let endpoint = metrics::serve(&settings.metrics_addr, metrics.clone())?;
        eprintln!(
            "joblake schedule: metrics at http://{}/metrics, health at http://{}/health",
            endpoint.addr, endpoint.addr
        );
        Some(endpoint)
    };
    eprintln!(
        "joblake schedule: {} job(s) on {}: {}",
        parsed.len(),
        ctx.lake.display(),
        parsed
            .iter()
            .map(|(n, j, _)| format!("{n} [{}]", j.cron))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let loops = parsed.into_iter().map(|(name, job, cron)| {
        let ctx = ctx.clone();
        let metrics = metrics.clone();
        let ttl = settings.lease_ttl;
        tokio::spawn(async move { job_loop(ctx, name, job, cron, ttl, metrics).await })
    });
    for handle in futures::future::join_all(loops).await {
        match handle {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(Error::Internal(format!("a job loop panicked: {e}"))),
        }
    }
    eprintln!("joblake schedule: stopped");
    Ok(())
}

/// Sleeps until `until` or until a stop is requested; false when stopped.
async fn sleep_until(until: DateTime<Utc>, ctx: &RunContext) -> bool {
    loop {
        if ctx.stop.load(Ordering::SeqCst) {
            return false;
        }
        let left = (until - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        if left.is_zero() {
            return true;
        }
        tokio::time::sleep(left.min(Duration::from_millis(100))).await;
    }
}

async fn job_loop(
    ctx: RunContext,
    name: String,
    job: JobSpec,
    cron: Cron,
    ttl: Duration,
    metrics: Arc<Mutex<Metrics>>,
) -> Result<()> {
    let note = |f: &dyn Fn(&mut Metrics)| {
        if let Ok(mut m) = metrics.lock() {
            f(&mut m);
        }
    };
    let mut after = Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now);
    loop {
        // Whole seconds: every scheduler must name a slot by the same instant.
        let slot = cron
            .find_next_occurrence(&after, false)
            .map_err(|e| Error::Config(format!("job {name}: no next slot for its cron: {e}")))?
            .with_nanosecond(0)
            .unwrap_or(after);
        note(&|m| m.next_run(&name, slot));
        if !sleep_until(slot, &ctx).await {
            return Ok(());
        }
        let run_id = crate::bronze::new_run_id();
        match lease::try_acquire(&ctx.lake, &name, ttl, Some(slot), Some(&run_id)).await {
            Ok(Acquired::Held { guard, lost }) => {
                if let Some(lost) = lost {
                    tracing::warn!(
                        "job {name}: {} died holding it (run {}); taking over",
                        lost.holder,
                        lost.run_id.as_deref().unwrap_or("?")
                    );
                    if let Err(e) = runs::record_lost(&ctx.lake, &name, &lost).await {
                        tracing::warn!("job {name}: could not log the lost run: {e}");
                    }
                }
                note(&|m| m.running(&name, true));
                run_with_retries(&ctx, &name, &job, slot, &run_id, &metrics).await;
                note(&|m| m.running(&name, false));
                if let Err(e) = guard.release().await {
                    tracing::warn!("job {name}: releasing its lease: {e} (it will expire)");
                }
            }
            Ok(Acquired::Busy(holder)) => {
                tracing::info!(
                    "job {name}: slot {slot} skipped, {} holds the job",
                    holder.holder
                );
                note(&|m| m.skipped(&name, "busy"));
            }
            Ok(Acquired::SlotTaken(holder)) => {
                tracing::info!("job {name}: slot {slot} already run by {}", holder.holder);
                note(&|m| m.skipped(&name, "taken"));
            }
            Err(e) => {
                // The lake is unreachable: say so, and try again at the next slot.
                tracing::error!("job {name}: cannot take its lease: {e}");
                note(&|m| m.skipped(&name, "error"));
            }
        }
        // Slots that passed while this one ran are skipped, not queued.
        let now = Utc::now();
        let missed = cron
            .iter_after(slot)
            .take_while(|t| *t <= now)
            .take(10_000)
            .count();
        if missed > 0 {
            tracing::warn!("job {name}: its run outlasted {missed} slot(s), skipped");
            for _ in 0..missed {
                note(&|m| m.skipped(&name, "overrun"));
            }
        }
        after = now.max(slot).with_nanosecond(0).unwrap_or(slot);
        if ctx.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
    }
}

async fn run_with_retries(
    ctx: &RunContext,
    name: &str,
    job: &JobSpec,
    slot: DateTime<Utc>,
    first_run_id: &str,
    metrics: &Arc<Mutex<Metrics>>,
) {
    let mut run_id = first_run_id.to_string();
    for attempt in 1..=job.retries + 1 {
        let result = runs::execute(
            ctx,
            name,
            job,
            Trigger::Scheduled(slot),
            attempt,
            &run_id,
            &|_| {},
        )
        .await;
        let failed = match result {
            Ok(run) => {
                eprintln!(
                    "joblake schedule: {name} run {} {} in {:.1} s{}",
                    run.run_id,
                    run.status,
                    run.wall_seconds,
                    run.error
                        .as_ref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                );
                if let Ok(mut m) = metrics.lock() {
                    m.finished(&run);
                }
                run.status == crate::lake::run_log::RunStatus::Failed
            }
            Err(e) => {
                tracing::error!("job {name}: the run could not be logged: {e}");
                true
            }
        };
        if !failed || attempt > job.retries {
            return;
        }
        let wait = job.retry_delay * 2u32.saturating_pow(attempt - 1);
        eprintln!(
            "joblake schedule: {name} attempt {attempt} failed; retrying in {}",
            humantime::format_duration(wait)
        );
        if !sleep_until(
            Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
            ctx,
        )
        .await
        {
            return;
        }
        run_id = crate::bronze::new_run_id();
    }
}
