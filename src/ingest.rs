//! Ingest: run the configured sources, land what they fetch in bronze, and remember what was
//! seen so that the next run fetches and lands only what is new.
//!
//! Each source runs as its own task over the shared polite [`Http`] client; a source that
//! fails does not stop the others. Postings are buffered and written to bronze in batches
//! (one file per batch, not per page, to keep bronze free of tiny files); the source's state
//! under `_meta/ingest/<source>/state.json.gz` is saved after each batch, so a run killed
//! midway loses at most the postings of the batch in progress, which the next run fetches
//! again: nothing already landed is lost, nothing is landed twice as new.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures::future::join_all;
use object_store::{ObjectStoreExt, PutPayload};
use reqwest::{Client, RequestBuilder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::bronze;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::sources::http::{Fetched, Http, HttpError, HttpSettings, HttpStats, RequestPolicy};
use crate::sources::{self, FetchError, RawPosting, Source, SourceParser};

/// Postings buffered before they are written as one bronze file.
const BATCH: usize = 1000;

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
    pub secrets: sources::Secrets,
}

/// How a source's run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum SourceStatus {
    /// Ran to the end (some pages may still have failed: see `errors`).
    Ok,
    /// Stopped by an error.
    Failed(String),
    /// Not run, e.g. no credentials for a source nobody asked for by name.
    Skipped(String),
}

/// What one source did.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// Source name (its table in `joblake.toml`).
    pub name: String,
    /// The parser its pages go through, which is also its bronze directory.
    pub parser: String,
    /// How it ended.
    pub status: SourceStatus,
    /// List pages walked (scraped boards).
    pub list_pages: usize,
    /// Pages fetched that held postings (API pages, detail pages).
    pub pages: usize,
    /// Pages the server said had not changed (304).
    pub not_modified: usize,
    /// Postings found in those pages.
    pub postings: usize,
    /// Postings landed: never seen before, or changed since last seen.
    pub new: usize,
    /// Postings already landed with the same content: skipped.
    pub seen: usize,
    /// Pages that failed (URL and reason), the run going on without them.
    pub errors: Vec<String>,
    /// Pages whose layout did not match the site's configuration (URL and what was missing).
    pub layout_mismatches: Vec<String>,
    /// URLs not fetched because robots.txt disallows them.
    pub robots_blocked: usize,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Retries among them.
    pub retries: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Bronze files written.
    pub files: usize,
    /// Wall time, in seconds.
    pub seconds: f64,
}

impl SourceReport {
    fn new(name: &str, parser: &str) -> SourceReport {
        SourceReport {
            name: name.to_string(),
            parser: parser.to_string(),
            status: SourceStatus::Ok,
            list_pages: 0,
            pages: 0,
            not_modified: 0,
            postings: 0,
            new: 0,
            seen: 0,
            errors: Vec::new(),
            layout_mismatches: Vec::new(),
            robots_blocked: 0,
            requests: 0,
            retries: 0,
            bytes: 0,
            files: 0,
            seconds: 0.0,
        }
    }
}

/// What `ingest` did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// Run id of the bronze files written.
    pub run_id: String,
    /// One report per source, in configuration order.
    pub sources: Vec<SourceReport>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

impl IngestReport {
    /// True when at least one source ran and every source that ran failed: the only case in
    /// which `ingest` exits non-zero.
    pub fn all_failed(&self) -> bool {
        let ran: Vec<_> = self
            .sources
            .iter()
            .filter(|s| !matches!(s.status, SourceStatus::Skipped(_)))
            .collect();
        ran.is_empty()
            || ran
                .iter()
                .all(|s| matches!(s.status, SourceStatus::Failed(_)))
    }

    /// Postings landed, all sources.
    pub fn new_postings(&self) -> usize {
        self.sources.iter().map(|s| s.new).sum()
    }
}

/// Conditional-request validators of one URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

/// What a source remembers between runs, kept in the lake.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct SourceState {
    /// End of the last run that finished without a fatal error.
    last_success: Option<DateTime<Utc>>,
    /// Source id → digest of the payload last landed.
    seen: HashMap<String, String>,
    /// Detail pages already landed (scraped sites): not fetched again.
    fetched_urls: HashSet<String>,
    /// ETag / Last-Modified of list and API pages.
    validators: HashMap<String, Validators>,
}

fn state_path(name: &str) -> String {
    format!("_meta/ingest/{name}/state.json.gz")
}

async fn load_state(lake: &Lake, name: &str) -> Result<SourceState> {
    let path = lake.path(&state_path(name));
    let body = match lake.store().get(&path).await {
        Ok(found) => found.bytes().await?,
        Err(object_store::Error::NotFound { .. }) => return Ok(SourceState::default()),
        Err(e) => return Err(e.into()),
    };
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut json)
        .map_err(|e| Error::Bronze {
            file: state_path(name),
            message: format!("cannot decompress: {e}"),
        })?;
    serde_json::from_slice(&json).map_err(|e| Error::Bronze {
        file: state_path(name),
        message: format!("not a valid ingest state: {e}"),
    })
}

async fn save_state(lake: &Lake, name: &str, state: &SourceState) -> Result<()> {
    let fail = |message: String| Error::Bronze {
        file: state_path(name),
        message,
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    serde_json::to_writer(&mut gz, state).map_err(|e| fail(e.to_string()))?;
    gz.flush().map_err(|e| fail(e.to_string()))?;
    let body = gz.finish().map_err(|e| fail(e.to_string()))?;
    lake.store()
        .put(&lake.path(&state_path(name)), PutPayload::from(body))
        .await?;
    Ok(())
}

/// The first 16 hex characters of the SHA-256 of a payload: enough to tell a changed posting.
fn digest(payload: &str) -> String {
    let mut hex = hex::encode(Sha256::digest(payload.as_bytes()));
    hex.truncate(16);
    hex
}

/// What landing one page gave.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageOutcome {
    /// Postings in the page.
    pub postings: usize,
    /// Among them, postings never seen (or changed).
    pub new: usize,
}

/// A cloneable handle on the shared client, for sources that fetch several pages at once.
#[derive(Clone)]
pub struct HttpHandle {
    http: Arc<Http>,
    stats: Arc<HttpStats>,
    policy: RequestPolicy,
    rate: Option<f64>,
    cancel: Arc<AtomicBool>,
}

impl HttpHandle {
    /// GET `url` with the source's politeness policy.
    pub async fn get(&self, url: &Url) -> Result<Fetched, HttpError> {
        self.send(url, |c| c.get(url.clone())).await
    }

    /// Sends the request `build` makes (called once per attempt).
    pub async fn send<F>(&self, url: &Url, build: F) -> Result<Fetched, HttpError>
    where
        F: Fn(&Client) -> RequestBuilder,
    {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(HttpError::Request {
                url: sources::http::redact(url),
                message: "interrupted".to_string(),
            });
        }
        if let Some(rate) = self.rate {
            self.http.set_host_rate(&sources::http::host_key(url), rate);
        }
        self.http.send(url, self.policy, &self.stats, build).await
    }
}

/// One source's run: its HTTP handle, its state, its bronze batch and its report. Sources get
/// a `&mut SourceRun` and call it to fetch and to land.
pub struct SourceRun {
    lake: Lake,
    parser: &'static dyn SourceParser,
    http: HttpHandle,
    since: Option<DateTime<Utc>>,
    max_pages: Option<usize>,
    dry_run: bool,
    run_id: String,
    seq: Arc<AtomicUsize>,
    state: SourceState,
    pending: Vec<(RawPosting, DateTime<Utc>)>,
    pending_digests: HashMap<String, String>,
    pending_urls: Vec<String>,
    report: SourceReport,
}

impl SourceRun {
    /// Fetch only postings published after this instant (None: the source's own default).
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.since
    }

    /// The page limit: `--max-pages` when given, else the source's configured `default`.
    pub fn max_pages(&self, default: usize) -> usize {
        self.max_pages.unwrap_or(default)
    }

    /// True once the run has been asked to stop.
    pub fn cancelled(&self) -> bool {
        self.http.cancel.load(Ordering::Relaxed)
    }

    /// The HTTP handle, to fetch pages concurrently.
    pub fn http(&self) -> HttpHandle {
        self.http.clone()
    }

    /// GET `url`; robots.txt refusals are counted.
    pub async fn get(&mut self, url: &Url) -> Result<Fetched, HttpError> {
        let fetched = self.http.get(url).await;
        self.count_robots(&fetched);
        fetched
    }

    /// GET `url` with the validators of its last response: None when the server answers 304.
    pub async fn get_if_changed(&mut self, url: &Url) -> Result<Option<Fetched>, HttpError> {
        let known = self.state.validators.get(url.as_str()).cloned();
        let fetched = self
            .http
            .send(url, |c| {
                let mut request = c.get(url.clone());
                if let Some(v) = &known {
                    if let Some(etag) = &v.etag {
                        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
                    }
                    if let Some(lm) = &v.last_modified {
                        request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
                    }
                }
                request
            })
            .await;
        self.count_robots(&fetched);
        let fetched = fetched?;
        if fetched.status == reqwest::StatusCode::NOT_MODIFIED {
            self.report.not_modified += 1;
            return Ok(None);
        }
        let validators = Validators {
            etag: fetched.header("etag").map(str::to_string),
            last_modified: fetched.header("last-modified").map(str::to_string),
        };
        if validators.etag.is_some() || validators.last_modified.is_some() {
            self.state
                .validators
                .insert(url.as_str().to_string(), validators);
        }
        Ok(Some(fetched))
    }

    /// Sends a request built by `build` (e.g. a POST for a token).
    pub async fn send<F>(&mut self, url: &Url, build: F) -> Result<Fetched, HttpError>
    where
        F: Fn(&Client) -> RequestBuilder,
    {
        self.http.send(url, build).await
    }

    /// Counts a list page walked.
    pub fn list_page_fetched(&mut self) {
        self.report.list_pages += 1;
    }

    /// Records a request made through [`SourceRun::http`] that failed: a robots.txt refusal
    /// is counted, anything else listed as a page error.
    pub fn request_failed(&mut self, url: &Url, error: &HttpError) {
        match error {
            HttpError::RobotsDisallowed { .. } => self.report.robots_blocked += 1,
            e => self.page_failed(url, e),
        }
    }

    fn count_robots<T>(&mut self, result: &Result<T, HttpError>) {
        if let Err(HttpError::RobotsDisallowed { .. }) = result {
            self.report.robots_blocked += 1;
        }
    }

    /// Splits a fetched page with the source's parser and lands its new postings. A page the
    /// parser refuses is recorded as an error of this source and lands nothing.
    pub async fn land_page(&mut self, url: &Url, body: &[u8]) -> Result<PageOutcome> {
        match self.parser.split(body) {
            Ok(postings) => self.land_postings(url, postings).await,
            Err(e) => {
                self.page_failed(url, &e);
                Ok(PageOutcome::default())
            }
        }
    }

    /// Lands postings extracted from the page at `url`: those seen before with the same
    /// content are counted and skipped.
    pub async fn land_postings(
        &mut self,
        url: &Url,
        postings: Vec<RawPosting>,
    ) -> Result<PageOutcome> {
        let fetched_at = Utc::now();
        let page_url = sources::http::redact(url);
        let mut outcome = PageOutcome {
            postings: postings.len(),
            new: 0,
        };
        self.report.pages += 1;
        self.report.postings += postings.len();
        for mut posting in postings {
            let hash = digest(&posting.payload);
            let known = self.state.seen.get(&posting.source_id) == Some(&hash)
                || self.pending_digests.get(&posting.source_id) == Some(&hash);
            if known {
                self.report.seen += 1;
                continue;
            }
            outcome.new += 1;
            self.report.new += 1;
            if posting.url.is_none() {
                posting.url = Some(page_url.clone());
            }
            self.pending_digests.insert(posting.source_id.clone(), hash);
            self.pending.push((posting, fetched_at));
        }
        self.pending_urls.push(url.as_str().to_string());
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(outcome)
    }

    /// True when the detail page at `url` was landed by an earlier run.
    pub fn already_fetched(&self, url: &Url) -> bool {
        self.state.fetched_urls.contains(url.as_str())
    }

    /// Records a page that could not be used; the run goes on.
    pub fn page_failed(&mut self, url: &Url, error: &dyn std::fmt::Display) {
        let url = sources::http::redact(url);
        let message = error.to_string();
        // HTTP errors already name the URL.
        let line = if message.contains(&url) {
            message
        } else {
            format!("{url}: {message}")
        };
        tracing::warn!("{}: {line}", self.report.name);
        self.report.errors.push(line);
    }

    /// Records a page that no longer matches the site's configuration: nothing is landed.
    pub fn layout_mismatch(&mut self, url: &Url, what: &str) {
        let line = format!("{}: {what}", sources::http::redact(url));
        tracing::warn!("{}: layout changed? {line}", self.report.name);
        self.report.layout_mismatches.push(line);
    }

    /// Writes the buffered postings as one bronze file and saves the state that covers them.
    async fn flush(&mut self) -> Result<()> {
        if self.dry_run {
            self.pending.clear();
            self.pending_digests.clear();
            self.pending_urls.clear();
            return Ok(());
        }
        if !self.pending.is_empty() {
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            bronze::write_postings(
                &self.lake,
                self.parser.name(),
                self.pending.iter().map(|(p, at)| (p, *at)),
                &self.run_id,
                seq,
            )
            .await?;
            self.report.files += 1;
        }
        self.pending.clear();
        self.state.seen.extend(self.pending_digests.drain());
        self.state.fetched_urls.extend(self.pending_urls.drain(..));
        save_state(&self.lake, &self.report.name, &self.state).await
    }
}

/// Runs the selected sources concurrently and lands what they fetch.
pub async fn ingest(
    lake: &Lake,
    settings: &HttpSettings,
    declared: &BTreeMap<String, serde_json::Value>,
    options: &IngestOptions,
) -> Result<IngestReport> {
    let started = Instant::now();
    let run_id = bronze::new_run_id();
    let entries = sources::configured(declared).map_err(|e| Error::Config(e.to_string()))?;
    for wanted in &options.sources {
        if !entries.iter().any(|e| &e.name == wanted) {
            let known: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
            return Err(Error::Config(format!(
                "no source named `{wanted}`: the configured sources are {}",
                known.join(", ")
            )));
        }
    }
    let http = Arc::new(Http::new(settings.clone()).map_err(|e| Error::Config(e.to_string()))?);
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
            lake,
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
    lake: &Lake,
    http: &Arc<Http>,
    entry: sources::SourceEntry,
    named: bool,
    options: &IngestOptions,
    run_id: &str,
    seq: Arc<AtomicUsize>,
) -> Result<SourceReport> {
    let started = Instant::now();
    let source: Box<dyn Source> = match sources::build(&entry, &options.secrets) {
        Ok(s) => s,
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
    let parser = sources::parser_for(source.parser()).map_err(|e| Error::Source {
        file: entry.name.clone(),
        source: e,
    })?;
    let state = load_state(lake, &entry.name).await?;
    // Without --since, fetch what appeared since the last success, with an hour of overlap
    // for postings indexed late by the source; seen postings are skipped anyway.
    let since = options
        .since
        .or_else(|| state.last_success.map(|t| t - chrono::Duration::hours(1)));
    let stats = Arc::new(HttpStats::default());
    let mut run = SourceRun {
        lake: lake.clone(),
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
        Err(FetchError::Lake(e)) => return Err(e),
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

    #[test]
    fn all_failed_ignores_skipped_sources() {
        let mut ok = SourceReport::new("a", "adzuna");
        let mut failed = SourceReport::new("b", "remotive");
        failed.status = SourceStatus::Failed("boom".into());
        let mut skipped = SourceReport::new("c", "adzuna");
        skipped.status = SourceStatus::Skipped("no key".into());
        let report = |sources| IngestReport {
            run_id: String::new(),
            sources,
            seconds: 0.0,
        };
        assert!(!report(vec![ok.clone(), failed.clone()]).all_failed());
        assert!(report(vec![failed.clone(), skipped.clone()]).all_failed());
        ok.status = SourceStatus::Ok;
        assert!(!report(vec![ok, skipped]).all_failed());
    }
}
