//! What `ingest` did, source by source.

use serde::Serialize;

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
    pub(crate) fn new(name: &str, parser: &str) -> SourceReport {
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

#[cfg(test)]
mod tests {
    use super::*;

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
