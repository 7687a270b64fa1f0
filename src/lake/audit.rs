//! The audit trail: `_meta/audit`, one row per action that changed the lake or the warehouse
//! (land, ingest, refresh of a table, mirror, maintenance, bronze expiry), with when, who,
//! where, the command line and the outcome.
//!
//! Append-only by construction: this module offers `record` and nothing else, and the table is
//! created with `delta.appendOnly = true`, so Delta refuses deletes, updates and overwrites from
//! any writer (delta-rs, Spark, ...). Maintenance may compact its files; rows never change.

use chrono::{DateTime, Utc};
use deltalake::arrow::datatypes::{DataType, Field, SchemaRef, TimeUnit};
use serde::Serialize;

use crate::error::Result;
use crate::lake::Lake;
use crate::lake::meta;
use crate::meter;

/// Table of the audit trail under `_meta/`.
pub const TABLE: &str = "audit";

/// One audited action.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    /// When the action ended.
    pub at: DateTime<Utc>,
    /// Who: the user running the process.
    pub user: String,
    /// Where: host name and process id.
    pub host: String,
    /// The command line, with secrets hidden.
    pub command: String,
    /// The run this action belongs to, if any.
    pub run_id: Option<String>,
    /// `land`, `ingest`, `refresh`, `mirror`, `optimize`, `vacuum`, `checkpoint`,
    /// `expire_bronze`, `archive_bronze`.
    pub action: String,
    /// What it changed: `bronze/adzuna`, `silver.job_postings`, the warehouse URL, ...
    pub target: String,
    /// Delta version written, when the target is a Delta table.
    pub version: Option<i64>,
    /// Rows (or files, for maintenance) the action added or changed.
    pub rows: Option<i64>,
    /// `ok` or `failed`.
    pub outcome: String,
    /// Details: the error, files removed, ...
    pub detail: Option<String>,
}

impl AuditEvent {
    /// An event for `action` on `target` by this process, now.
    pub fn new(action: &str, target: impl Into<String>) -> AuditEvent {
        AuditEvent {
            at: Utc::now(),
            user: meter::user_name(),
            host: meter::process_label(),
            command: command_line(),
            run_id: None,
            action: action.to_string(),
            target: target.into(),
            version: None,
            rows: None,
            outcome: "ok".to_string(),
            detail: None,
        }
    }

    /// Sets the Delta version written.
    pub fn version(mut self, version: Option<u64>) -> Self {
        self.version = version.map(|v| v as i64);
        self
    }

    /// Sets the rows (or files) changed.
    pub fn rows(mut self, rows: Option<u64>) -> Self {
        self.rows = rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX));
        self
    }

    /// Marks the action failed, with why.
    pub fn failed(mut self, error: impl std::fmt::Display) -> Self {
        self.outcome = "failed".to_string();
        self.detail = Some(error.to_string());
        self
    }

    /// Sets the details.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Ties the event to a run.
    pub fn run(mut self, run_id: Option<&str>) -> Self {
        self.run_id = run_id.map(str::to_string);
        self
    }
}

/// Arrow schema of `_meta/audit`.
pub fn schema() -> SchemaRef {
    meta::schema(vec![
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("user", DataType::Utf8, false),
        Field::new("host", DataType::Utf8, false),
        Field::new("command", DataType::Utf8, false),
        Field::new("run_id", DataType::Utf8, true),
        Field::new("action", DataType::Utf8, false),
        Field::new("target", DataType::Utf8, false),
        Field::new("version", DataType::Int64, true),
        Field::new("rows", DataType::Int64, true),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, true),
    ])
}

/// Appends `events` to the trail, in one commit.
pub async fn record(lake: &Lake, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    meta::append(lake, TABLE, schema(), events, true).await?;
    Ok(())
}

/// The process's command line with secrets hidden: passwords in URLs, and the values of
/// options whose name says key, secret, token or password.
pub fn command_line() -> String {
    let mut out = Vec::new();
    let mut hide_next = false;
    for arg in std::env::args() {
        if hide_next {
            out.push("***".to_string());
            hide_next = false;
            continue;
        }
        let lower = arg.to_ascii_lowercase();
        let secret_flag = lower.starts_with("--")
            && ["key", "secret", "token", "password"]
                .iter()
                .any(|s| lower.contains(s));
        if secret_flag {
            match arg.split_once('=') {
                Some((flag, _)) => out.push(format!("{flag}=***")),
                None => {
                    out.push(arg);
                    hide_next = true;
                }
            }
        } else if arg.contains("://") {
            out.push(crate::redact::redacted(&arg));
        } else {
            out.push(arg);
        }
    }
    out.join(" ")
}
