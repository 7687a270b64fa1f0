//! The run log: `_meta/runs` (one row per run) and `_meta/run_steps` (one row per step of a
//! run), both Delta tables, queryable as `meta.runs` and `meta.run_steps`.

use chrono::{DateTime, Utc};
use deltalake::arrow::datatypes::{DataType, Field, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::lake::Lake;
use crate::lake::meta;
use crate::meter::{self, EnergyModel, Usage};

/// Table of runs under `_meta/`.
pub const RUNS: &str = "runs";
/// Table of steps under `_meta/`.
pub const STEPS: &str = "run_steps";

/// How a run ended, as written in `meta.runs.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every step succeeded.
    Succeeded,
    /// A step was partial (a source failed, the rest went on) and none failed.
    Partial,
    /// A step failed.
    Failed,
    /// Stopped by a signal between steps.
    Cancelled,
    /// Its process died holding its lease (logged by the next holder).
    Lost,
}

impl RunStatus {
    /// The word stored in the run log.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Lost => "lost",
        }
    }

    /// True when the run did its work (succeeded or partial).
    pub fn completed(self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Partial)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a step ended, as written in `meta.run_steps.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It did all its work.
    Succeeded,
    /// It did part of its work (e.g. one source of an ingest failed).
    Partial,
    /// It failed.
    Failed,
    /// It did not run (a step it depends on failed, or a stop was requested).
    Skipped,
}

impl StepStatus {
    /// The word stored in the run log.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Succeeded => "succeeded",
            StepStatus::Partial => "partial",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

impl std::fmt::Display for StepStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One run of a job, as logged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique, time-ordered id (UUID v7).
    pub run_id: String,
    /// The job that ran (`pipeline`, `maintain`, ...).
    pub job: String,
    /// `manual` (`joblake run`) or `scheduled` (`joblake schedule`).
    pub trigger: String,
    /// Attempt number within its slot (1 = first try; retries count up).
    pub attempt: i64,
    /// The cron slot it ran for (manual runs: none).
    pub slot: Option<DateTime<Utc>>,
    /// Host and process that ran it.
    pub host: String,
    /// User that ran it.
    pub user: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time.
    pub ended_at: DateTime<Utc>,
    /// How it ended.
    pub status: RunStatus,
    /// The step that failed, if any.
    pub failed_step: Option<String>,
    /// Why it failed or stopped.
    pub error: Option<String>,
    /// Rows read by all steps.
    pub rows_in: Option<i64>,
    /// Rows written by all steps.
    pub rows_out: Option<i64>,
    /// Bytes read by all steps.
    pub bytes_read: Option<i64>,
    /// Bytes written by all steps.
    pub bytes_written: Option<i64>,
    /// Wall seconds from start to end.
    pub wall_seconds: f64,
    /// CPU seconds of all steps.
    pub cpu_seconds: Option<f64>,
    /// Highest peak memory of the steps.
    pub peak_memory_bytes: Option<i64>,
    /// Estimated energy, watt-hours.
    pub energy_wh: f64,
    /// Estimated emissions, grams of CO₂e.
    pub co2e_g: f64,
    /// The steps, in order (kept in `_meta/run_steps`).
    #[serde(skip)]
    pub steps: Vec<StepRecord>,
}

/// One step of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    /// The run it belongs to.
    pub run_id: String,
    /// The job.
    pub job: String,
    /// Position in the run, from 1.
    pub position: i64,
    /// `ingest`, `refresh`, `test`, `mirror` or `maintain`.
    pub step: String,
    /// How it ended.
    pub status: StepStatus,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// Start time (skipped steps: when they were skipped).
    pub started_at: DateTime<Utc>,
    /// End time.
    pub ended_at: DateTime<Utc>,
    /// Rows read (see docs/operations.md for what each step counts).
    pub rows_in: Option<i64>,
    /// Rows written.
    pub rows_out: Option<i64>,
    /// Bytes read from the lake by the step.
    pub bytes_read: Option<i64>,
    /// Bytes written to the lake by the step.
    pub bytes_written: Option<i64>,
    /// Wall seconds.
    pub wall_seconds: f64,
    /// CPU seconds.
    pub cpu_seconds: Option<f64>,
    /// Peak resident memory during the step.
    pub peak_memory_bytes: Option<i64>,
    /// Estimated energy, watt-hours.
    pub energy_wh: f64,
    /// Estimated emissions, grams of CO₂e.
    pub co2e_g: f64,
    /// Step-specific figures as JSON (sources, tables, files compacted...).
    pub detail: Option<String>,
}

impl StepRecord {
    /// A step at `position` (from 1) of a run, succeeded until told otherwise, costing nothing yet.
    pub fn new(run_id: &str, job: &str, position: i64, step: &str) -> StepRecord {
        let now = Utc::now();
        StepRecord {
            run_id: run_id.to_string(),
            job: job.to_string(),
            position,
            step: step.to_string(),
            status: StepStatus::Succeeded,
            error: None,
            started_at: now,
            ended_at: now,
            rows_in: None,
            rows_out: None,
            bytes_read: None,
            bytes_written: None,
            wall_seconds: 0.0,
            cpu_seconds: None,
            peak_memory_bytes: None,
            energy_wh: 0.0,
            co2e_g: 0.0,
            detail: None,
        }
    }

    /// Fills the cost columns from `usage` under `model`.
    pub fn set_usage(&mut self, usage: &Usage, model: &EnergyModel) {
        let i = |v: Option<u64>| v.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        self.bytes_read = i(usage.bytes_read);
        self.bytes_written = i(usage.bytes_written);
        self.wall_seconds = usage.wall_seconds;
        self.cpu_seconds = usage.cpu_seconds;
        self.peak_memory_bytes = i(usage.peak_memory_bytes);
        self.energy_wh = model.watt_hours(usage);
        self.co2e_g = model.co2e_grams(self.energy_wh);
    }
}

impl RunRecord {
    /// A run started at `started_at` by this process, succeeded until told otherwise.
    pub fn new(run_id: &str, job: &str, trigger: &str, started_at: DateTime<Utc>) -> RunRecord {
        RunRecord {
            run_id: run_id.to_string(),
            job: job.to_string(),
            trigger: trigger.to_string(),
            attempt: 1,
            slot: None,
            host: meter::process_label(),
            user: meter::user_name(),
            started_at,
            ended_at: started_at,
            status: RunStatus::Succeeded,
            failed_step: None,
            error: None,
            rows_in: None,
            rows_out: None,
            bytes_read: None,
            bytes_written: None,
            wall_seconds: 0.0,
            cpu_seconds: None,
            peak_memory_bytes: None,
            energy_wh: 0.0,
            co2e_g: 0.0,
            steps: Vec::new(),
        }
    }

    /// Sums the steps into the run's totals (wall time is the run's own).
    pub fn total_steps(&mut self) {
        let sum_i = |f: fn(&StepRecord) -> Option<i64>| {
            let values: Vec<i64> = self.steps.iter().filter_map(f).collect();
            (!values.is_empty()).then(|| values.iter().sum())
        };
        self.rows_in = sum_i(|s| s.rows_in);
        self.rows_out = sum_i(|s| s.rows_out);
        self.bytes_read = sum_i(|s| s.bytes_read);
        self.bytes_written = sum_i(|s| s.bytes_written);
        self.peak_memory_bytes = self.steps.iter().filter_map(|s| s.peak_memory_bytes).max();
        let cpu: Vec<f64> = self.steps.iter().filter_map(|s| s.cpu_seconds).collect();
        self.cpu_seconds = (!cpu.is_empty()).then(|| cpu.iter().sum());
        self.energy_wh = self.steps.iter().map(|s| s.energy_wh).sum();
        self.co2e_g = self.steps.iter().map(|s| s.co2e_g).sum();
    }
}

fn ts(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

fn cost_fields() -> Vec<Field> {
    vec![
        Field::new("rows_in", DataType::Int64, true),
        Field::new("rows_out", DataType::Int64, true),
        Field::new("bytes_read", DataType::Int64, true),
        Field::new("bytes_written", DataType::Int64, true),
        Field::new("wall_seconds", DataType::Float64, false),
        Field::new("cpu_seconds", DataType::Float64, true),
        Field::new("peak_memory_bytes", DataType::Int64, true),
        Field::new("energy_wh", DataType::Float64, false),
        Field::new("co2e_g", DataType::Float64, false),
    ]
}

/// Arrow schema of `_meta/runs`.
pub fn runs_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("job", DataType::Utf8, false),
        Field::new("trigger", DataType::Utf8, false),
        Field::new("attempt", DataType::Int64, false),
        ts("slot", true),
        Field::new("host", DataType::Utf8, false),
        Field::new("user", DataType::Utf8, false),
        ts("started_at", false),
        ts("ended_at", false),
        Field::new("status", DataType::Utf8, false),
        Field::new("failed_step", DataType::Utf8, true),
        Field::new("error", DataType::Utf8, true),
    ];
    fields.extend(cost_fields());
    meta::schema(fields)
}

/// Arrow schema of `_meta/run_steps`.
pub fn steps_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("job", DataType::Utf8, false),
        Field::new("position", DataType::Int64, false),
        Field::new("step", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, true),
        ts("started_at", false),
        ts("ended_at", false),
    ];
    fields.extend(cost_fields());
    fields.push(Field::new("detail", DataType::Utf8, true));
    meta::schema(fields)
}

/// Writes a finished run: its steps first, then the run row, so that a run listed in
/// `meta.runs` always has its steps.
pub async fn record(lake: &Lake, run: &RunRecord) -> Result<()> {
    if !run.steps.is_empty() {
        meta::append(lake, STEPS, steps_schema(), &run.steps, false).await?;
    }
    meta::append(lake, RUNS, runs_schema(), std::slice::from_ref(run), false).await?;
    Ok(())
}
