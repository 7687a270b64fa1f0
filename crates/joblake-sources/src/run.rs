//! One source's run: its HTTP handle, what it remembers, its batch of new postings and its
//! report. A source gets a `&mut SourceRun` and calls it to fetch and to land.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use reqwest::{Client, RequestBuilder};
use sha2::{Digest, Sha256};
use url::Url;

use crate::http::{self, Fetched, Http, HttpError, HttpStats, RequestPolicy};
use crate::landing::{Landing, LandingError};
use crate::report::SourceReport;
use crate::state::{SourceState, Validators};
use crate::{RawPosting, SourceParser};

/// Postings buffered before they are written as one bronze file.
const BATCH: usize = 1000;

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
    pub(crate) http: Arc<Http>,
    pub(crate) stats: Arc<HttpStats>,
    pub(crate) policy: RequestPolicy,
    pub(crate) rate: Option<f64>,
    pub(crate) cancel: Arc<AtomicBool>,
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
                url: http::redact(url),
                message: "interrupted".to_string(),
            });
        }
        if let Some(rate) = self.rate {
            self.http.set_host_rate(&http::host_key(url), rate);
        }
        self.http.send(url, self.policy, &self.stats, build).await
    }
}

/// One source's run: its HTTP handle, its state, its batch of new postings and its report.
/// Sources get a `&mut SourceRun` and call it to fetch and to land.
pub struct SourceRun<'a> {
    pub(crate) landing: &'a dyn Landing,
    pub(crate) parser: &'static dyn SourceParser,
    pub(crate) http: HttpHandle,
    pub(crate) since: Option<DateTime<Utc>>,
    pub(crate) max_pages: Option<usize>,
    pub(crate) dry_run: bool,
    pub(crate) run_id: String,
    pub(crate) seq: Arc<AtomicUsize>,
    pub(crate) state: SourceState,
    pub(crate) pending: Vec<(RawPosting, DateTime<Utc>)>,
    pub(crate) pending_digests: HashMap<String, String>,
    pub(crate) pending_urls: Vec<String>,
    pub(crate) report: SourceReport,
}

impl SourceRun<'_> {
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
    /// The state keeps them under the URL with its secrets redacted.
    pub async fn get_if_changed(&mut self, url: &Url) -> Result<Option<Fetched>, HttpError> {
        let key = http::redact(url);
        let known = self.state.validators.get(&key).cloned();
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
            self.state.validators.insert(key, validators);
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
    pub async fn land_page(&mut self, url: &Url, body: &[u8]) -> Result<PageOutcome, LandingError> {
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
    ) -> Result<PageOutcome, LandingError> {
        let fetched_at = Utc::now();
        let page_url = http::redact(url);
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
        // The state never holds a secret: the page's URL as shown in messages.
        self.pending_urls.push(page_url);
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(outcome)
    }

    /// True when the detail page at `url` was landed by an earlier run.
    pub fn already_fetched(&self, url: &Url) -> bool {
        self.state.fetched_urls.contains(&http::redact(url))
    }

    /// Records a page that could not be used; the run goes on.
    pub fn page_failed(&mut self, url: &Url, error: &dyn std::fmt::Display) {
        let url = http::redact(url);
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
        let line = format!("{}: {what}", http::redact(url));
        tracing::warn!("{}: layout changed? {line}", self.report.name);
        self.report.layout_mismatches.push(line);
    }

    /// Lands the buffered postings as one bronze file and saves the state that covers them.
    pub(crate) async fn flush(&mut self) -> Result<(), LandingError> {
        if self.dry_run {
            self.pending.clear();
            self.pending_digests.clear();
            self.pending_urls.clear();
            return Ok(());
        }
        if !self.pending.is_empty() {
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            self.landing
                .land(self.parser.name(), &self.pending, &self.run_id, seq)
                .await?;
            self.report.files += 1;
        }
        self.pending.clear();
        self.state.seen.extend(self.pending_digests.drain());
        self.state.fetched_urls.extend(self.pending_urls.drain(..));
        self.state.save(self.landing, &self.report.name).await
    }
}
