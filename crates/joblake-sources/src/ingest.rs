//! Ingest: run the configured sources, hand what they fetch to the [`Landing`], and remember
//! what was seen so that the next run fetches and lands only what is new.
//!
//! Each source runs as its own task over the shared polite [`Http`] client; a source that
//! fails does not stop the others. Postings are buffered and landed in batches (one file per
//! batch, not per page, to keep bronze free of tiny files); the source's state is saved after
//! each batch, so a run killed midway loses at most the postings of the batch in progress,
//! which the next run fetches again: nothing already landed is lost, nothing is landed twice
//! as new. A failure of the landing stops the whole ingest.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures::future::join_all;

use crate::FetchError;
use crate::config::{self, Secrets, SourceEntry};
use crate::http::{Http, HttpSettings, HttpStats};
use crate::landing::{Landing, LandingError};
use crate::report::{IngestReport, SourceReport, SourceStatus};
use crate::run::{HttpHandle, SourceRun};
use crate::state::SourceState;

/// What to ingest and how.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Source names to run (empty: every enabled source).
    pub sources: Vec<String>,
    /// Fetch postings published since then, instead of since each source's last success.
    pub since: Option<DateTime<Utc>>,
    /// Stop each source after this many pages (list or API pages).
    pub max_pages: Option<usize>,
    /// Fetch and parse, but write nothing: no bronze file, no state.
    pub dry_run: bool,
    /// Set to stop fetching (Ctrl-C): postings already fetched are still landed.
    pub cancel: Arc<AtomicBool>,
    /// Credentials (default: from the environment).
    pub secrets: Secrets,
    /// The run id of the files landed (None: a new one, from [`Landing::new_run_id`]).
    pub run_id: Option<String>,
}

/// Why `ingest` stopped before its sources ran to their end.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The sources' configuration is invalid, or a source asked for is not declared.
    #[error("{0}")]
    Config(String),
    /// The landing failed: nothing more is ingested.
    #[error(transparent)]
    Landing(#[from] LandingError),
}

/// Runs the selected sources concurrently and hands what they fetch to `landing`.
pub async fn ingest(
    landing: &dyn Landing,
    settings: &HttpSettings,
    declared: &BTreeMap<String, serde_json::Value>,
    options: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let run_id = match &options.run_id {
        Some(id) => id.clone(),
        None => landing.new_run_id(),
    };
    let entries = config::configured(declared).map_err(|e| IngestError::Config(e.to_string()))?;
    for wanted in &options.sources {
        if !entries.iter().any(|e| &e.name == wanted) {
            let known: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
            return Err(IngestError::Config(format!(
                "no source named `{wanted}`: the configured sources are {}",
                known.join(", ")
            )));
        }
    }
    let http =
        Arc::new(Http::new(settings.clone()).map_err(|e| IngestError::Config(e.to_string()))?);
    let seq = Arc::new(AtomicUsize::new(0));
    let mut runs = Vec::new();
    for entry in entries {
        let named = options.sources.contains(&entry.name);
        if !options.sources.is_empty() && !named {
            continue;
        }
        if !entry.enabled && !named {
            continue;
        }
        runs.push(run_source(
            landing,
            &http,
            entry,
            named,
            options,
            &run_id,
            seq.clone(),
        ));
    }
    let mut reports = Vec::new();
    for result in join_all(runs).await {
        reports.push(result?);
    }
    Ok(IngestReport {
        run_id,
        sources: reports,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn run_source(
    landing: &dyn Landing,
    http: &Arc<Http>,
    entry: SourceEntry,
    named: bool,
    options: &IngestOptions,
    run_id: &str,
    seq: Arc<AtomicUsize>,
) -> Result<SourceReport, LandingError> {
    let started = Instant::now();
    let (source, parser) = match config::build_with_parser(&entry, &options.secrets) {
        Ok(built) => built,
        Err(FetchError::MissingCredentials(why)) if !named => {
            let mut report = SourceReport::new(&entry.name, &entry.kind);
            report.status = SourceStatus::Skipped(why);
            return Ok(report);
        }
        Err(e) => {
            let mut report = SourceReport::new(&entry.name, &entry.kind);
            report.status = SourceStatus::Failed(e.to_string());
            return Ok(report);
        }
    };
    // A server that echoes the request must not bring this source's credentials into a message.
    http.hide(options.secrets.used());
    let state = SourceState::load(landing, &entry.name).await?;
    // Without --since, fetch what appeared since the last success, with an hour of overlap
    // for postings indexed late by the source; seen postings are skipped anyway.
    let since = options
        .since
        .or_else(|| state.last_success.map(|t| t - chrono::Duration::hours(1)));
    let stats = Arc::new(HttpStats::default());
    let mut run = SourceRun {
        landing,
        parser,
        http: HttpHandle {
            http: http.clone(),
            stats: stats.clone(),
            policy: source.policy(),
            rate: entry.requests_per_second,
            cancel: options.cancel.clone(),
        },
        since,
        max_pages: options.max_pages.or(entry.max_pages),
        dry_run: options.dry_run,
        run_id: run_id.to_string(),
        seq,
        state,
        pending: Vec::new(),
        pending_digests: HashMap::new(),
        pending_urls: Vec::new(),
        report: SourceReport::new(&entry.name, parser.name()),
    };
    let outcome = source.fetch(&mut run).await;
    let run_started =
        Utc::now() - chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    // Whatever happened, what was fetched is landed.
    match outcome {
        Ok(()) if !run.cancelled() => {
            run.state.last_success = Some(run_started);
        }
        Ok(()) => run.report.status = SourceStatus::Failed("interrupted".to_string()),
        Err(FetchError::Landing(e)) => return Err(e),
        Err(e) => run.report.status = SourceStatus::Failed(e.to_string()),
    }
    run.flush().await?;
    let mut report = run.report;
    // Nothing usable came back (e.g. the only page was truncated JSON): that is a failure.
    if report.status == SourceStatus::Ok
        && report.pages == 0
        && report.list_pages == 0
        && report.not_modified == 0
        && let Some(first) = report.errors.first()
    {
        report.status = SourceStatus::Failed(first.clone());
    }
    report.requests = stats.requests.load(Ordering::Relaxed);
    report.retries = stats.retries.load(Ordering::Relaxed);
    report.bytes = stats.bytes.load(Ordering::Relaxed);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Parses `--since`: a duration back from now (`36h`, `7d`, `2w`) or a date or timestamp
/// (`2026-11-01`, `2026-11-01T08:00:00Z`).
pub fn parse_since(text: &str, now: DateTime<Utc>) -> std::result::Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    match humantime::parse_duration(text) {
        Ok(d) => chrono::Duration::from_std(d)
            .map(|d| now - d)
            .map_err(|e| format!("`{text}`: {e}")),
        Err(e) => Err(format!(
            "`{text}` is neither a duration (36h, 7d) nor a date (2026-11-01): {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_dates_and_timestamps() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("36h", now).expect("duration").to_rfc3339(),
            "2026-11-23T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-01", now).expect("date").to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-01T08:00:00+01:00", now)
                .expect("timestamp")
                .to_rfc3339(),
            "2026-11-01T07:00:00+00:00"
        );
        let err = parse_since("yesterday", now).expect_err("not a duration");
        assert!(err.contains("yesterday"), "{err}");
    }
}
