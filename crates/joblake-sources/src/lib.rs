//! joblake's job sources: fetch job postings from APIs and boards ([`Source`]), split a raw
//! file, as a job source returned it, into one record per posting ([`SourceParser`]), and run
//! the sources ([`ingest()`]), handing what is new to a [`Landing`] (joblake's bronze zone).
//!
//! A source is one module: its parser, its configuration and its fetcher (a [`Source`]),
//! listed in the one [`REGISTRY`]; `joblake.toml` declares instances of it under
//! `[sources.<name>]` ([`configured`]).
//!
//! Each posting keeps its JSON verbatim: the exact text of its object in the file, with only the
//! insignificant whitespace outside strings removed so that it fits on one NDJSON line. Nothing
//! is re-serialised, so key order, number formatting and string escapes stay as the source wrote
//! them, and bronze holds what the source said.
//!
//! Every parser accepts, besides the source's own response shape, a bare JSON array of postings
//! and NDJSON (one posting, or one response, per line). A UTF-8 byte order mark is skipped.
//! Fetching over HTTP is kept out of the parsers so that a downloaded file and a file landed by
//! hand go through the same checks.
//!
//! Modules: [`http`] is the polite HTTP client every source shares; `run` is one source's run
//! ([`SourceRun`]: its HTTP handle, dedupe by digest, batching, conditional requests), `state`
//! what a source remembers between runs, `ingest` runs the selected sources concurrently and
//! `report` says what they did. This crate knows nothing of the lake: it lands through the
//! [`Landing`] trait.

mod adzuna;
mod arbeitnow;
mod config;
mod findwork;
mod france_travail;
pub mod http;
mod ingest;
mod jooble;
mod json;
mod jsonld;
mod landing;
mod reed;
mod registry;
mod remoteok;
mod remotive;
mod report;
mod run;
mod scrape;
mod state;
mod themuse;

use async_trait::async_trait;

use http::{HttpError, RequestPolicy};

pub use config::{
    MAX_NAME_LEN, Secrets, SourceEntry, build, check_name, configured, default_sources, endpoint,
    settings,
};
pub use ingest::{IngestError, IngestOptions, ingest, parse_since};
pub use json::{MAX_JSON_DEPTH, hash_id, json_too_deep, minify, strip_bom};
pub use landing::{Landing, LandingError};
pub use registry::{
    Builder, Fetcher, REGISTRY, SourceKind, fetcher_kind, kinds, parser_for, source_names,
};
pub use report::{IngestReport, SourceReport, SourceStatus};
pub use run::{HttpHandle, PageOutcome, SourceRun};
pub use state::StateError;

/// One posting split out of a raw source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPosting {
    /// The source's own id of the posting (never empty). If the source gives none, a stable
    /// "sha256:<first 32 hex chars>" of the minified payload.
    pub source_id: String,
    /// Canonical URL of the posting when the payload has one.
    pub url: Option<String>,
    /// The posting's JSON object exactly as the source gave it, minified to one line.
    pub payload: String,
}

/// Why a file was refused. Each message says what is wrong and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// No parser has this name.
    #[error("unknown source `{0}`: the known sources are {known}", known = source_names().join(", "))]
    UnknownSource(String),
    /// The file holds nothing but whitespace (and perhaps a byte order mark).
    #[error("the file is empty: expected {expected}")]
    Empty {
        /// What a valid file of this source looks like.
        expected: &'static str,
    },
    /// The file is not UTF-8 text.
    #[error("not UTF-8 text: invalid byte sequence at byte offset {offset}")]
    NotUtf8 {
        /// Offset of the first invalid byte in the file.
        offset: usize,
    },
    /// The file (or one of its NDJSON lines) is not valid JSON.
    #[error("not valid JSON at line {line}, column {column}: {reason}")]
    NotJson {
        /// 1-based line in the file.
        line: usize,
        /// 1-based column (in bytes) within that line.
        column: usize,
        /// What the JSON parser found wrong, e.g. "EOF while parsing a string".
        reason: String,
    },
    /// Valid JSON, but not laid out the way this source lays out its responses or postings.
    #[error("expected {expected}, found {found}")]
    UnexpectedShape {
        /// What was expected at that place.
        expected: &'static str,
        /// What was there instead, and where.
        found: String,
    },
    /// A JSON-LD input (HTML page or JSON) holds no schema.org `JobPosting`.
    #[error("no schema.org JobPosting found: {0}")]
    NoJobPosting(String),
    /// Arrays and objects nested deeper than [`MAX_JSON_DEPTH`]: no job source nests that
    /// deep, a JSON bomb does (and so may crash the readers downstream).
    #[error(
        "JSON nested more than {limit} levels deep at line {line}, column {column}: refused \
         (no job posting nests that deep)"
    )]
    TooDeep {
        /// 1-based line in the file.
        line: usize,
        /// 1-based column (in bytes) within that line.
        column: usize,
        /// The deepest nesting accepted ([`MAX_JSON_DEPTH`]).
        limit: usize,
    },
}

/// Why a source stopped.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A request failed after its retries.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The source needs credentials that the environment does not hold.
    #[error("missing credentials: {0}")]
    MissingCredentials(String),
    /// The source's `[sources.<name>]` table is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The server answered something the protocol does not allow (e.g. a token response
    /// without a token).
    #[error("{0}")]
    Protocol(String),
    /// The landing failed (bronze or the saved state): this stops the whole ingest.
    #[error(transparent)]
    Landing(#[from] LandingError),
}

/// A job source that fetches postings over HTTP. The parser its pages go through is the one
/// of its kind in the [`REGISTRY`].
#[async_trait]
pub trait Source: Send + Sync {
    /// Politeness of its requests (robots.txt, User-Agent rotation).
    fn policy(&self) -> RequestPolicy {
        RequestPolicy::default()
    }
    /// Fetches pages through `run` and lands them with it. An error stops this source only.
    async fn fetch(&self, run: &mut SourceRun<'_>) -> Result<(), FetchError>;
}

/// A parser for the files of one job source.
pub trait SourceParser: Send + Sync {
    /// Short name used on the command line and in bronze paths: "adzuna", "france_travail", ...
    fn name(&self) -> &'static str;
    /// Splits one raw file into postings. Refuses (Err) a file that is not valid for this source.
    fn split(&self, bytes: &[u8]) -> Result<Vec<RawPosting>, SourceError>;
}
