//! What a refresh reports: each model's run (how, rows, version, time, peak), the data tests,
//! the tables a failed refresh put back, and the events its caller's progress sees.

use serde::Serialize;

use super::checks::TestOutcome;
use crate::project::model::Materialized;

/// What one model did.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    /// Qualified name.
    pub model: String,
    /// How it ran: a view, written whole, appended, or its rows replaced by key.
    pub materialized: RunKind,
    /// Rows the table holds after the refresh (views: none).
    pub rows: Option<i64>,
    /// Delta version written (None: nothing written).
    pub version: Option<u64>,
    /// Wall time in seconds.
    pub seconds: f64,
    /// The passes its steps ran in (docs/models.md): more than one under a memory limit, and
    /// more than planned when a pass ran out of memory and was split.
    pub passes: u64,
    /// Peak resident memory of the process while it ran, in bytes (None for a view, which
    /// runs when read, and where unknown).
    pub peak_memory_bytes: Option<u64>,
}

/// How a refresh ran a model (the report's `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A view: nothing written, it runs when read.
    View,
    /// A table written whole.
    Table,
    /// An incremental model: the records of new bronze files appended.
    Incremental,
    /// A table written whole from its increment (`increments/`).
    Increment,
    /// A table whose rows of the keys whose inputs changed were replaced (`merge_on`).
    Merge,
    /// A table whose increment returned the rows that replace the stored ones of their keys.
    IncrementMerge,
}

impl RunKind {
    /// How a model of this materialization runs when it is neither an increment nor merged.
    pub fn of(materialized: Materialized) -> Self {
        match materialized {
            Materialized::View => RunKind::View,
            Materialized::Table => RunKind::Table,
            Materialized::Incremental => RunKind::Incremental,
        }
    }

    /// Whether it replaced rows by key rather than writing the table whole.
    pub fn is_merge(self) -> bool {
        matches!(self, RunKind::Merge | RunKind::IncrementMerge)
    }

    /// The name the report shows.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::View => "view",
            RunKind::Table => "table",
            RunKind::Incremental => "incremental",
            RunKind::Increment => "table (increment)",
            RunKind::Merge => "table (merge)",
            RunKind::IncrementMerge => "table (increment, merge)",
        }
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as the name the report shows, as when it was a string.
impl Serialize for RunKind {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshReport {
    /// Whether it was a full rebuild.
    pub full: bool,
    /// Bronze files in the lake.
    pub bronze_files: usize,
    /// Bronze files read by this refresh.
    pub bronze_files_read: usize,
    /// Models run (empty when there was nothing new).
    pub models: Vec<ModelReport>,
    /// Data test outcomes.
    pub tests: Vec<TestOutcome>,
    /// Tables restored to their previous version because a test failed.
    pub rolled_back: Vec<RolledBack>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// A table a failed refresh restored to the version it had before, or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolledBack {
    /// Qualified name, e.g. `silver.job_postings`.
    pub table: String,
    /// The Delta version it was restored to; `None`: the failed refresh created the table, and
    /// it was removed.
    pub version: Option<u64>,
}

impl std::fmt::Display for RolledBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.version {
            Some(v) => write!(f, "{} -> version {v}", self.table),
            None => write!(
                f,
                "{} -> removed (created by the failed refresh)",
                self.table
            ),
        }
    }
}

/// Where a refresh is, reported to its caller's progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshEvent {
    /// A model is about to run (or be skipped, when nothing new reaches it).
    Model {
        /// Qualified name.
        model: String,
        /// How it runs.
        materialized: RunKind,
    },
    /// The models are done; the data tests start (a run splits the refresh's cost here).
    DataTests,
}

impl std::fmt::Display for RefreshEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefreshEvent::Model {
                model,
                materialized,
            } => write!(f, "{model} ({materialized})"),
            RefreshEvent::DataTests => f.write_str("data tests"),
        }
    }
}

impl RefreshReport {
    /// True when nothing needed to run.
    pub fn up_to_date(&self) -> bool {
        self.models.is_empty()
    }

    /// The failed tests.
    pub fn failed_tests(&self) -> Vec<&TestOutcome> {
        self.tests.iter().filter(|t| !t.passed()).collect()
    }

    /// The restored tables as text, e.g. `silver.job_postings -> version 3, gold.x -> version 2`.
    pub fn rolled_back_list(&self) -> String {
        let texts: Vec<String> = self.rolled_back.iter().map(ToString::to_string).collect();
        texts.join(", ")
    }
}
