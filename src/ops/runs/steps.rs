//! The steps of a run, each with its audit events. The single-step commands (`joblake land`,
//! `ingest`, `refresh`, `mirror`, `maintain`) go through the same functions, so every change to
//! the lake or the warehouse is audited whichever way it was started.

use std::sync::Mutex;

use futures::StreamExt;
use joblake_sources::{IngestOptions, IngestReport, SourceStatus};
use serde_json::json;

use super::{JobSpec, RunContext, Step, StepReport};
use crate::bronze::ingest;
use crate::error::Result;
use crate::lake::Lake;
use crate::lake::audit::{self, AuditEvent};
use crate::lake::lease;
use crate::maintain::{self, MaintainReport};
use crate::meter::{Mark, RunMeter, Usage};
use crate::pipeline::LandReport;
use crate::project::Project;
use crate::stream::KafkaUrl;
use crate::stream::consume::{Consumer, CycleLimits};
use crate::transform::{self, RefreshEvent, RefreshOptions, RefreshReport};
use crate::warehouse::{self, MirrorOptions, MirrorReport};

/// The lease every writer of Delta tables (refresh, maintain) holds, so that a compaction
/// never races a refresh of the same table.
pub const TABLES_LEASE: &str = "tables";

/// What a step did, for the run log.
#[derive(Debug, Default)]
pub struct StepDone {
    /// Rows read.
    pub rows_in: Option<i64>,
    /// Rows written.
    pub rows_out: Option<i64>,
    /// Step-specific figures, JSON.
    pub detail: Option<String>,
    /// Set when the step failed without an error of its own (e.g. every source failed).
    pub failure: Option<String>,
    /// Set when part of the step failed and the rest went on.
    pub partial: Option<String>,
    /// The step's cost when measured inside it (a refresh splits off its tests).
    pub usage: Option<Usage>,
    /// The data tests a refresh ran, logged as the next step.
    pub tests: Option<Box<StepDone>>,
}

fn i(v: usize) -> Option<i64> {
    Some(i64::try_from(v).unwrap_or(i64::MAX))
}

/// Runs one step of a job.
pub async fn run(
    ctx: &RunContext,
    job: &JobSpec,
    step: Step,
    run_id: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<StepDone> {
    match step {
        Step::Demo => demo(ctx, run_id).await,
        Step::Ingest => {
            let options = IngestOptions {
                sources: job.sources.clone(),
                since: None,
                max_pages: None,
                dry_run: false,
                cancel: ctx.stop.clone(),
                secrets: ctx.secrets.clone(),
                // The run's own id names the bronze files, so bronze joins meta.runs.
                run_id: Some(run_id.to_string()),
            };
            let report = ingest(ctx, &options, Some(run_id)).await?;
            Ok(ingest_done(&report))
        }
        Step::Stream => stream(ctx).await,
        Step::Refresh => refresh_step(ctx, job.full_refresh, run_id, progress).await,
        Step::Test => test(ctx).await,
        Step::Quality => quality(ctx).await,
        Step::Mirror => {
            let report = mirror(
                &ctx.lake,
                &ctx.project,
                &warehouse_url(ctx),
                MirrorOptions::default(),
                Some(run_id),
            )
            .await?;
            let rows = i(report.rows() as usize);
            ctx.keep(|| StepReport::Mirror(report.clone()));
            Ok(StepDone {
                rows_in: rows,
                rows_out: rows,
                detail: serde_json::to_string(&report).ok(),
                ..StepDone::default()
            })
        }
        Step::Maintain => {
            let Some(report) = maintain(ctx, Some(run_id)).await? else {
                return Ok(stopped_waiting());
            };
            let (before, after) = report.files();
            Ok(StepDone {
                rows_in: i(before),
                rows_out: i(after),
                detail: serde_json::to_string(&report).ok(),
                ..StepDone::default()
            })
        }
    }
}

/// One consumption cycle of the `[stream] url` topic (the partitions `[stream] partitions`
/// names, or all), audited: one event per partition that committed batches.
async fn stream(ctx: &RunContext) -> Result<StepDone> {
    let settings = &ctx.config.stream;
    let url = KafkaUrl::resolve(None, settings)?;
    let consumer = Consumer::open(&url, settings).await?;
    let limits = ctx.stream_limits.unwrap_or(CycleLimits {
        until_caught_up: true,
        deadline: None,
        max_batches: 0,
    });
    let report = consumer.cycle(&ctx.lake, &ctx.stop, limits).await?;
    let events: Vec<AuditEvent> = report
        .partitions
        .iter()
        .filter(|p| p.batches > 0)
        .map(|p| {
            AuditEvent::new("stream", format!("{url} partition {}", p.partition))
                .rows(Some(p.records as u64))
                .detail(format!(
                    "{} batches, {} messages, {} dead letters, next offset {}",
                    p.batches, p.messages, p.dead_letters, p.next_offset
                ))
        })
        .collect();
    audit::record(&ctx.lake, &events).await?;
    let dead = report.dead_letters();
    let rate = |n: usize| n as f64 / report.seconds.max(1e-9);
    let done = StepDone {
        rows_in: i(report.messages()),
        rows_out: i(report.records()),
        detail: serde_json::to_string(&json!({
            "topic": report.topic,
            "batches": report.batches(),
            "messages": report.messages(),
            "dead_letters": dead,
            "lag": report.lag(),
            "messages_per_second": rate(report.messages()),
            "bytes_per_second": rate(report.message_bytes()),
            "partitions": report.partitions,
        }))
        .ok(),
        partial: (dead > 0).then(|| format!("{dead} message(s) sent to the dead letters")),
        ..StepDone::default()
    };
    ctx.keep(|| StepReport::Stream(report));
    Ok(done)
}

/// The demo sample (the command line's spec, else `joblake demo`'s defaults) generated and
/// landed under the run's id, audited. Landing it again lands nothing: same bytes.
async fn demo(ctx: &RunContext, run_id: &str) -> Result<StepDone> {
    let spec = ctx.demo.clone().unwrap_or_else(|| joblake_gen::DemoSpec {
        seed: crate::config::jobs::DEMO_SEED,
        jobs: crate::config::jobs::DEMO_JOBS,
        anchor: chrono::Utc::now().date_naive(),
    });
    let reports = crate::pipeline::land_demo_as(&ctx.lake, &spec, run_id).await?;
    audit_land(&ctx.lake, &reports).await?;
    let count = |f: fn(&LandReport) -> usize| reports.iter().map(|(_, r)| f(r)).sum::<usize>();
    let refused = count(|r| r.refused.len());
    let done = StepDone {
        rows_out: i(count(LandReport::records)),
        detail: serde_json::to_string(&json!({
            "jobs": spec.jobs,
            "seed": spec.seed,
            "anchor": spec.anchor,
            "files_landed": count(|r| r.landed.len()),
            "already_landed": count(|r| r.already_landed.len()),
            "refused": refused,
        }))
        .ok(),
        partial: (refused > 0).then(|| format!("{refused} file(s) refused")),
        ..StepDone::default()
    };
    ctx.keep(|| StepReport::Land(reports));
    Ok(done)
}

fn stopped_waiting() -> StepDone {
    StepDone {
        failure: Some(format!(
            "stopped while waiting for the `{TABLES_LEASE}` lease"
        )),
        ..StepDone::default()
    }
}

/// Waits for the `tables` lease (None: a stop was requested while waiting).
pub async fn tables_lease(
    ctx: &RunContext,
    run_id: Option<&str>,
) -> Result<Option<lease::LeaseGuard>> {
    lease::acquire_waiting(
        &ctx.lake,
        TABLES_LEASE,
        ctx.config.schedule.lease_ttl,
        run_id,
        &ctx.stop,
    )
    .await
}

/// The warehouse the run mirrors into.
pub fn warehouse_url(ctx: &RunContext) -> String {
    ctx.config
        .warehouse
        .clone()
        .unwrap_or_else(|| warehouse::default_url(&ctx.lake))
}

fn ingest_done(report: &IngestReport) -> StepDone {
    let failed: Vec<String> = report
        .sources
        .iter()
        .filter_map(|s| match &s.status {
            SourceStatus::Failed(why) => Some(format!("{}: {why}", s.name)),
            _ => None,
        })
        .collect();
    let mut done = StepDone {
        rows_in: i(report.sources.iter().map(|s| s.postings).sum()),
        rows_out: i(report.sources.iter().map(|s| s.new).sum()),
        detail: serde_json::to_string(report).ok(),
        ..StepDone::default()
    };
    if report.all_failed() {
        done.failure = Some(if failed.is_empty() {
            "no source ran: see `joblake sources`".to_string()
        } else {
            format!("every source failed: {}", failed.join("; "))
        });
    } else if !failed.is_empty() {
        done.partial = Some(format!("failed sources: {}", failed.join("; ")));
    }
    done
}

async fn refresh_step(
    ctx: &RunContext,
    full: bool,
    run_id: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<StepDone> {
    let Some(guard) = tables_lease(ctx, Some(run_id)).await? else {
        return Ok(stopped_waiting());
    };
    // A run's lake handle is metered (runs::execute); a step run on its own gets a meter here.
    let (lake, meter) = match ctx.lake.meter() {
        Some(meter) => (ctx.lake.clone(), meter.clone()),
        None => {
            let meter = RunMeter::start();
            (ctx.lake.metered(meter.clone()), meter)
        }
    };
    let started = meter.mark();
    // The tests start when the runner says so: split the cost there.
    let at_tests: Mutex<Option<(Mark, Usage)>> = Mutex::new(None);
    let report = refresh(
        &lake,
        &ctx.project,
        &RefreshOptions {
            full,
            stop: Some(ctx.stop.clone()),
        },
        Some(run_id),
        &|event: &RefreshEvent| {
            if *event == RefreshEvent::DataTests
                && let Ok(mut t) = at_tests.lock()
            {
                let so_far = meter.usage(&started);
                *t = Some((meter.mark(), so_far));
            }
            progress(&event.to_string());
        },
    )
    .await;
    guard.release().await?;
    let (report, rows_out) = report?;
    ctx.keep(|| StepReport::Refresh(report.clone()));
    let (usage, tests_usage, decoded) = match at_tests.into_inner().ok().flatten() {
        Some((tests_started, so_far)) => (
            so_far,
            meter.usage(&tests_started),
            tests_started.rows_decoded(),
        ),
        None => (
            meter.usage(&started),
            Usage::default(),
            meter.rows_decoded(),
        ),
    };
    let decoded = decoded - started.rows_decoded();
    let failed: Vec<String> = report
        .failed_tests()
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let tests = StepDone {
        rows_in: i(report.tests.len()),
        rows_out: i(report.tests.len() - failed.len()),
        detail: serde_json::to_string(&report.tests).ok(),
        failure: (!failed.is_empty()).then(|| {
            format!(
                "{} data test(s) failed: {}; tables restored: {}",
                failed.len(),
                failed.join(", "),
                report.rolled_back_list()
            )
        }),
        usage: Some(tests_usage),
        ..StepDone::default()
    };
    Ok(StepDone {
        rows_in: i(decoded as usize),
        rows_out: Some(rows_out),
        detail: serde_json::to_string(&json!({
            "bronze_files_read": report.bronze_files_read,
            "models": report.models,
        }))
        .ok(),
        usage: Some(usage),
        tests: Some(Box::new(tests)),
        ..StepDone::default()
    })
}

/// The quality check: each source's latest landing against `[quality]`; a broken threshold
/// fails the step (and so the run), naming the source and the figure.
pub async fn quality(ctx: &RunContext) -> Result<StepDone> {
    let report = crate::quality::check_now(&ctx.lake, &ctx.project, &ctx.config.quality).await?;
    Ok(StepDone {
        rows_in: i(report.latest.len()),
        failure: report.summary(),
        detail: serde_json::to_string(&report).ok(),
        ..StepDone::default()
    })
}

/// The data tests alone, over the lake as it is.
pub async fn test(ctx: &RunContext) -> Result<StepDone> {
    let outcomes = transform::run::test(&ctx.lake, &ctx.project).await?;
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|t| !t.passed())
        .map(|t| t.name.as_str())
        .collect();
    Ok(StepDone {
        rows_in: i(outcomes.len()),
        rows_out: i(outcomes.len() - failed.len()),
        detail: serde_json::to_string(&outcomes).ok(),
        failure: (!failed.is_empty()).then(|| {
            format!(
                "{} data test(s) failed: {}",
                failed.len(),
                failed.join(", ")
            )
        }),
        ..StepDone::default()
    })
}

/// `ingest`, audited: one event per source that landed postings (or failed).
pub async fn ingest(
    ctx: &RunContext,
    options: &IngestOptions,
    run_id: Option<&str>,
) -> Result<IngestReport> {
    let lake = &ctx.lake;
    let report = ingest::ingest(lake, &ctx.config.http, &ctx.config.sources, options).await?;
    if !options.dry_run {
        let run = run_id.unwrap_or(&report.run_id);
        let events = source_events(&report, run, |name, files| {
            AuditEvent::new("ingest", format!("bronze/{name}")).detail(format!("{files} files"))
        });
        audit::record(lake, &events).await?;
    }
    Ok(report)
}

/// `ingest --to kafka://…`, audited: the sources' postings published to a topic instead of
/// landed (one event per source that published or failed). Returns the report and the
/// messages published.
pub async fn publish(
    ctx: &RunContext,
    url: &KafkaUrl,
    options: &IngestOptions,
) -> Result<(IngestReport, usize)> {
    let (report, published) = crate::stream::publish::ingest_to_kafka(
        &ctx.lake,
        url,
        &ctx.config.stream,
        &ctx.config.http,
        &ctx.config.sources,
        options,
    )
    .await?;
    let events = source_events(&report, &report.run_id, |name, files| {
        AuditEvent::new("publish", format!("{url} {name}")).detail(format!("{files} batches"))
    });
    audit::record(&ctx.lake, &events).await?;
    Ok((report, published))
}

/// One audit event per source of an ingest that landed (or published) something or failed:
/// `event(name, files)` names it, the run, rows and failure are filled in here.
fn source_events(
    report: &IngestReport,
    run_id: &str,
    event: impl Fn(&str, usize) -> AuditEvent,
) -> Vec<AuditEvent> {
    report
        .sources
        .iter()
        .filter(|s| s.files > 0 || matches!(s.status, SourceStatus::Failed(_)))
        .map(|s| {
            let e = event(&s.name, s.files)
                .run(Some(run_id))
                .rows(Some(s.new as u64));
            match &s.status {
                SourceStatus::Failed(why) => e.failed(why),
                _ => e,
            }
        })
        .collect()
}

/// `refresh`, audited: one event per table written (with its Delta version) and per table
/// restored after a failed data test. Returns the report and the rows the commits added.
pub async fn refresh(
    lake: &Lake,
    project: &Project,
    options: &RefreshOptions,
    run_id: Option<&str>,
    progress: &(dyn Fn(&RefreshEvent) + Sync),
) -> Result<(RefreshReport, i64)> {
    let report = match transform::refresh(lake, project, options, progress).await {
        Ok(r) => r,
        Err(e) => {
            let event = AuditEvent::new("refresh", "lake").run(run_id).failed(&e);
            audit::record(lake, &[event]).await?;
            return Err(e);
        }
    };
    let mut events = Vec::new();
    let mut rows_out = 0i64;
    for m in report.models.iter().filter(|m| m.version.is_some()) {
        let added = rows_added(lake, &m.model).await;
        rows_out += added.unwrap_or(0);
        events.push(
            AuditEvent::new("refresh", &m.model)
                .run(run_id)
                .version(m.version)
                .rows(added.map(|a| a.max(0) as u64))
                .detail(if report.full { "full" } else { "incremental" }),
        );
    }
    for restored in &report.rolled_back {
        events.push(
            AuditEvent::new("restore", &restored.table)
                .run(run_id)
                .detail(format!("data tests failed: {restored}")),
        );
    }
    audit::record(lake, &events).await?;
    Ok((report, rows_out))
}

/// Rows the latest commit of `layer.table` added, from its commit metrics.
async fn rows_added(lake: &Lake, qualified: &str) -> Option<i64> {
    let (layer, name) = qualified.split_once('.')?;
    let table = lake.table(layer, name).await.ok()?;
    let mut history = table.history(Some(1));
    let commit = history.next().await?.ok()?;
    commit
        .info
        .get("operationMetrics")?
        .get("num_added_rows")?
        .as_i64()
}

/// `mirror`, audited: one event per table loaded.
pub async fn mirror(
    lake: &Lake,
    project: &Project,
    url: &str,
    options: MirrorOptions,
    run_id: Option<&str>,
) -> Result<MirrorReport> {
    let target = crate::redact::redacted(url);
    let report = match warehouse::mirror(lake, project, url, options).await {
        Ok(r) => r,
        Err(e) => {
            let event = AuditEvent::new("mirror", &target).run(run_id).failed(&e);
            audit::record(lake, &[event]).await?;
            return Err(e);
        }
    };
    let events: Vec<AuditEvent> = report
        .tables
        .iter()
        .filter(|t| !t.unchanged)
        .map(|t| {
            AuditEvent::new("mirror", format!("{target} gold.{}", t.table))
                .run(run_id)
                .version(Some(t.version))
                .rows(Some(t.rows))
        })
        .collect();
    audit::record(lake, &events).await?;
    Ok(report)
}

/// `land`, audited: one event per source with the postings and files landed.
pub async fn audit_land(lake: &Lake, reports: &[(String, LandReport)]) -> Result<()> {
    let events: Vec<AuditEvent> = reports
        .iter()
        .filter(|(_, r)| !r.landed.is_empty() || !r.refused.is_empty())
        .map(|(source, r)| {
            let e = AuditEvent::new("land", format!("bronze/{source}"))
                .run(Some(&r.run_id))
                .rows(Some(r.records() as u64))
                .detail(format!(
                    "{} files landed, {} refused",
                    r.landed.len(),
                    r.refused.len()
                ));
            if r.landed.is_empty() {
                e.failed(format!("{} files refused", r.refused.len()))
            } else {
                e
            }
        })
        .collect();
    audit::record(lake, &events).await
}

/// `maintain` under the tables lease (audited inside); None when a stop was requested while
/// waiting for the lease.
pub async fn maintain(ctx: &RunContext, run_id: Option<&str>) -> Result<Option<MaintainReport>> {
    let Some(guard) = tables_lease(ctx, run_id).await? else {
        return Ok(None);
    };
    let report = maintain::maintain(&ctx.lake, &ctx.config.maintain, run_id).await;
    guard.release().await?;
    report.map(Some)
}
