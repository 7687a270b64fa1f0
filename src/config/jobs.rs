//! Jobs, as `joblake.toml` declares them (`[schedule]`, `[schedule.jobs.<name>]`): their steps,
//! cron, retries and sources. Plain settings, below the runner (`ops::runs`) and the scheduler
//! (`ops::schedule`) that carry them out.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use croner::Cron;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::maintain::duration_serde;

/// A step of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Generate the demo sample and land it in bronze (`joblake demo`).
    Demo,
    /// Fetch from the configured sources into bronze.
    Ingest,
    /// Consume the `[stream] url` topic into bronze until caught up (in `joblake stream`: one
    /// cycle of it).
    Stream,
    /// Run the models: bronze → silver → gold (always followed by the data tests).
    Refresh,
    /// The data tests (after a refresh, they are the refresh's own).
    Test,
    /// Each source's latest landing judged against the `[quality]` thresholds (after a
    /// refresh, always).
    Quality,
    /// Mirror gold (and the run log) into the warehouse.
    Mirror,
    /// Compaction, checkpoints, vacuum, bronze retention.
    Maintain,
}

impl Step {
    /// The step's name in configs and logs.
    pub fn name(self) -> &'static str {
        match self {
            Step::Demo => "demo",
            Step::Ingest => "ingest",
            Step::Stream => "stream",
            Step::Refresh => "refresh",
            Step::Test => "test",
            Step::Quality => "quality",
            Step::Mirror => "mirror",
            Step::Maintain => "maintain",
        }
    }

    /// The steps whose failure stops this one (when they are in the same job).
    pub fn depends_on(self) -> &'static [Step] {
        match self {
            Step::Demo | Step::Ingest | Step::Stream | Step::Maintain => &[],
            Step::Refresh => &[Step::Ingest, Step::Demo, Step::Stream],
            Step::Test | Step::Quality => &[Step::Refresh],
            Step::Mirror => &[Step::Test, Step::Refresh],
        }
    }
}

/// A job: steps run together, on a cron when scheduled (`[schedule.jobs.<name>]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// Cron expression, 5 fields (minute precision) or 6 (seconds first), or `@hourly`,
    /// `@daily`...; evaluated in UTC.
    pub cron: String,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// Attempts after a failed one, within the same slot.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Wait before a retry (doubled after each failed attempt).
    #[serde(default = "default_retry_delay", with = "duration_serde")]
    pub retry_delay: Duration,
    /// Sources its ingest step runs (empty: every enabled source), e.g. the APIs hourly and
    /// the scraped boards daily as two jobs.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Its refresh rebuilds every table from all of bronze (`refresh --full`), e.g. a weekly
    /// rebuild after a change of the models.
    #[serde(default)]
    pub full_refresh: bool,
    /// Set to false to keep a job in the file without running it.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_retries() -> u32 {
    2
}
fn default_retry_delay() -> Duration {
    Duration::from_secs(60)
}
fn default_true() -> bool {
    true
}

/// The jobs used when `joblake.toml` defines none: the pipeline every hour at :05, the
/// maintenance every night at 03:30 UTC.
pub fn default_jobs() -> BTreeMap<String, JobSpec> {
    let job = |cron: &str, steps: Vec<Step>| JobSpec {
        cron: cron.to_string(),
        steps,
        retries: default_retries(),
        retry_delay: default_retry_delay(),
        sources: Vec::new(),
        full_refresh: false,
        enabled: true,
    };
    BTreeMap::from([
        (
            "pipeline".to_string(),
            job(
                "5 * * * *",
                vec![Step::Ingest, Step::Refresh, Step::Test, Step::Mirror],
            ),
        ),
        (
            "maintain".to_string(),
            job("30 3 * * *", vec![Step::Maintain]),
        ),
    ])
}

/// Distinct jobs in the demo sample unless told otherwise (`joblake demo --jobs`).
pub const DEMO_JOBS: usize = 3000;
/// The demo sample's seed unless told otherwise (`joblake demo --seed`).
pub const DEMO_SEED: u64 = 42;

/// The job `joblake demo` runs (never scheduled): the sample landed, then refreshed, tested
/// and mirrored like ingested postings, so that a demo is logged in `meta.runs` like any run.
pub fn demo_job() -> JobSpec {
    JobSpec {
        // Not on a cron: only `joblake demo` starts it.
        cron: String::new(),
        steps: vec![Step::Demo, Step::Refresh, Step::Test, Step::Mirror],
        retries: 0,
        retry_delay: default_retry_delay(),
        sources: Vec::new(),
        full_refresh: false,
        enabled: true,
    }
}

/// The job of each cycle of `joblake stream` (never scheduled): what the topic brought since the
/// last cycle landed in bronze, then refreshed and tested.
pub fn stream_job() -> JobSpec {
    JobSpec {
        // Not on a cron: `joblake stream` starts a cycle when messages wait.
        cron: String::new(),
        steps: vec![Step::Stream, Step::Refresh, Step::Test],
        retries: 0,
        retry_delay: default_retry_delay(),
        sources: Vec::new(),
        full_refresh: false,
        enabled: true,
    }
}

/// `[schedule]` in `joblake.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// Where the health and metrics endpoint listens (`""` turns it off). Port 0: any free
    /// port, printed at start.
    pub metrics_addr: String,
    /// How long a lease lasts without renewal: a holder that dies frees its job after this.
    #[serde(with = "duration_serde")]
    pub lease_ttl: Duration,
    /// The jobs (`[schedule.jobs.<name>]`); none: `pipeline` hourly and `maintain` nightly.
    pub jobs: BTreeMap<String, JobSpec>,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            metrics_addr: "127.0.0.1:9464".to_string(),
            lease_ttl: Duration::from_secs(60),
            jobs: BTreeMap::new(),
        }
    }
}

impl ScheduleSettings {
    /// The configured jobs, or the default ones.
    pub fn jobs(&self) -> BTreeMap<String, JobSpec> {
        if self.jobs.is_empty() {
            default_jobs()
        } else {
            self.jobs.clone()
        }
    }
}

/// Parses a job's cron expression (5 fields, 6 with seconds first, or `@hourly`...).
pub fn parse_cron(job: &str, expression: &str) -> Result<Cron> {
    Cron::from_str(expression).map_err(|e| {
        Error::Config(format!(
            "[schedule.jobs.{job}] cron = \"{expression}\": {e} (expected e.g. \"5 * * * *\", \"*/10 * * * * *\" or \"@daily\")"
        ))
    })
}
