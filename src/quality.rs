//! Data quality of what each source landed: the latest landing run of every source, read from
//! `gold.quality_by_run_source`, judged against the thresholds of `joblake.toml` (`[quality]`).
//! `joblake quality` prints it; a run that refreshes logs it as its `quality` step, which fails
//! the run when a threshold is broken (a source suddenly at 0% salaries, or 80% rejects).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deltalake::arrow::array::{Array, AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Float64Type, Int64Type};
use serde::{Deserialize, Serialize};

use crate::bronze::FileSelection;
use crate::engine;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::maintain::duration_serde;
use crate::project::Project;

/// The fields whose completeness is measured: `<field>_share` columns of
/// `gold.quality_by_run_source`, and the keys of `min_share`.
pub const FIELDS: [&str; 9] = [
    "company",
    "description",
    "city",
    "country",
    "salary",
    "contract",
    "posted_date",
    "skills",
    "job_family",
];

/// Thresholds (`[quality]` in `joblake.toml`), judged on each source's latest landing run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QualitySettings {
    /// Largest share of a run's records that may be quarantined.
    pub max_reject_share: f64,
    /// Smallest completeness of a field among a run's valid records (`salary = 0.05`).
    pub min_share: BTreeMap<String, f64>,
    /// A field whose completeness falls below this fraction of its median over the source's
    /// previous runs fails (a sudden drop: 0.5 means "less than half of the usual"); judged
    /// once a source has three earlier runs, for fields usually in at least 20% of its
    /// postings; 0 disables the check.
    pub max_drop: f64,
    /// Runs with fewer valid records are not judged on completeness (too small a sample).
    pub min_records: i64,
    /// A source whose latest landing is older than this is stale (`3d`; unset: never).
    #[serde(with = "duration_serde::option")]
    pub max_age: Option<Duration>,
    /// Per-source thresholds replacing the ones above (`[quality.sources.adzuna]`).
    pub sources: BTreeMap<String, SourceThresholds>,
}

impl Default for QualitySettings {
    fn default() -> Self {
        QualitySettings {
            max_reject_share: 0.5,
            min_share: BTreeMap::new(),
            max_drop: 0.5,
            min_records: 20,
            max_age: None,
            sources: BTreeMap::new(),
        }
    }
}

/// A source's own thresholds; unset ones fall back to `[quality]`'s.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SourceThresholds {
    /// Replaces `max_reject_share`.
    pub max_reject_share: Option<f64>,
    /// Added to (and replacing per field) `min_share`.
    pub min_share: BTreeMap<String, f64>,
}

/// One landing run of one source, as `gold.quality_by_run_source` has it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunQuality {
    /// The landing run.
    pub run_id: String,
    /// The source.
    pub source: String,
    /// When its first record was fetched.
    pub landed_at: DateTime<Utc>,
    /// Records landed.
    pub records: i64,
    /// Records that passed validation.
    pub valid: i64,
    /// Records quarantined.
    pub rejected: i64,
    /// `rejected / records`.
    pub reject_share: f64,
    /// `reason: count, ...`, most frequent first.
    pub rejects_by_reason: Option<String>,
    /// Listings merged into a posting another listing founded.
    pub duplicates: i64,
    /// Completeness of each of [`FIELDS`] among valid records.
    pub shares: BTreeMap<String, Option<f64>>,
}

/// What broke a threshold.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Breach {
    /// Too many records quarantined.
    Rejects {
        /// The source.
        source: String,
        /// Share quarantined.
        share: f64,
        /// The threshold.
        max: f64,
    },
    /// A field below its minimum completeness.
    Completeness {
        /// The source.
        source: String,
        /// The field.
        field: String,
        /// Its completeness.
        share: f64,
        /// The threshold.
        min: f64,
    },
    /// A field far below its usual completeness for this source.
    Drop {
        /// The source.
        source: String,
        /// The field.
        field: String,
        /// Its completeness in the latest run.
        share: f64,
        /// Its median over the previous runs.
        usual: f64,
    },
    /// Nothing landed for longer than `max_age`.
    Stale {
        /// The source.
        source: String,
        /// Its latest landing.
        landed_at: DateTime<Utc>,
    },
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |v: f64| format!("{:.0}%", v * 100.0);
        match self {
            Breach::Rejects { source, share, max } => write!(
                f,
                "{source}: {} of records quarantined (at most {})",
                pct(*share),
                pct(*max)
            ),
            Breach::Completeness {
                source,
                field,
                share,
                min,
            } => write!(
                f,
                "{source}: {field} in {} of postings (at least {})",
                pct(*share),
                pct(*min)
            ),
            Breach::Drop {
                source,
                field,
                share,
                usual,
            } => write!(
                f,
                "{source}: {field} in {} of postings, usually {}",
                pct(*share),
                pct(*usual)
            ),
            Breach::Stale { source, landed_at } => write!(
                f,
                "{source}: nothing landed since {}",
                landed_at.format("%Y-%m-%d %H:%M UTC")
            ),
        }
    }
}

/// The latest run of every source and the thresholds it breaks.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    /// The latest landing run of each source, by source.
    pub latest: Vec<RunQuality>,
    /// Every threshold broken.
    pub breaches: Vec<Breach>,
}

impl QualityReport {
    /// A one-line summary of the breaches, for a failed step.
    pub fn summary(&self) -> Option<String> {
        (!self.breaches.is_empty()).then(|| {
            self.breaches
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// Reads `gold.quality_by_run_source` and judges each source's latest run.
pub async fn check(
    lake: &Lake,
    project: &Project,
    settings: &QualitySettings,
    now: DateTime<Utc>,
) -> Result<QualityReport> {
    validate(settings)?;
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    let batches = ctx
        .sql("SELECT * FROM gold.quality_by_run_source ORDER BY source, landed_at, run_id")
        .await?
        .collect()
        .await?;
    let mut runs = Vec::new();
    for batch in &batches {
        runs.extend(read_runs(batch)?);
    }
    Ok(judge(&runs, settings, now))
}

/// [`check`] as of now: what `joblake quality` and a run's `quality` step report.
pub async fn check_now(
    lake: &Lake,
    project: &Project,
    settings: &QualitySettings,
) -> Result<QualityReport> {
    check(lake, project, settings, Utc::now()).await
}

/// Refuses thresholds naming an unknown field, or shares outside 0..=1.
fn validate(settings: &QualitySettings) -> Result<()> {
    let mins = settings
        .min_share
        .iter()
        .map(|(f, v)| ("[quality] min_share", f, *v))
        .chain(
            settings
                .sources
                .iter()
                .flat_map(|(s, t)| t.min_share.iter().map(move |(f, v)| (s.as_str(), f, *v))),
        );
    for (place, field, value) in mins {
        if !FIELDS.contains(&field.as_str()) {
            return Err(Error::Config(format!(
                "{place}: unknown field `{field}` (one of {})",
                FIELDS.join(", ")
            )));
        }
        if !(0.0..=1.0).contains(&value) {
            return Err(Error::Config(format!(
                "{place}: {field} = {value} is not a share between 0 and 1"
            )));
        }
    }
    Ok(())
}

/// Judges the latest run of each source (`runs` in landing order per source).
pub fn judge(runs: &[RunQuality], settings: &QualitySettings, now: DateTime<Utc>) -> QualityReport {
    let mut by_source: BTreeMap<&str, Vec<&RunQuality>> = BTreeMap::new();
    for r in runs {
        by_source.entry(&r.source).or_default().push(r);
    }
    let mut latest = Vec::new();
    let mut breaches = Vec::new();
    for (source, mut history) in by_source {
        history.sort_by_key(|r| (r.landed_at, r.run_id.clone()));
        let Some((last, earlier)) = history.split_last() else {
            continue;
        };
        let own = settings.sources.get(source);
        let max_rejects = own
            .and_then(|o| o.max_reject_share)
            .unwrap_or(settings.max_reject_share);
        if last.reject_share > max_rejects {
            breaches.push(Breach::Rejects {
                source: source.to_string(),
                share: last.reject_share,
                max: max_rejects,
            });
        }
        if last.valid >= settings.min_records {
            for field in FIELDS {
                let Some(Some(share)) = last.shares.get(field).copied() else {
                    continue;
                };
                let min = own
                    .and_then(|o| o.min_share.get(field))
                    .or_else(|| settings.min_share.get(field));
                if let Some(&min) = min
                    && share < min
                {
                    breaches.push(Breach::Completeness {
                        source: source.to_string(),
                        field: field.to_string(),
                        share,
                        min,
                    });
                    continue;
                }
                if let Some(usual) = usual_share(earlier, field, settings.min_records)
                    && settings.max_drop > 0.0
                    && share < usual * settings.max_drop
                {
                    breaches.push(Breach::Drop {
                        source: source.to_string(),
                        field: field.to_string(),
                        share,
                        usual,
                    });
                }
            }
        }
        if let Some(max_age) = settings.max_age
            && chrono::Duration::from_std(max_age).is_ok_and(|age| last.landed_at + age < now)
        {
            breaches.push(Breach::Stale {
                source: source.to_string(),
                landed_at: last.landed_at,
            });
        }
        latest.push((*last).clone());
    }
    QualityReport { latest, breaches }
}

/// Earlier runs needed before a drop is judged: one earlier run is not a habit (and a lake
/// that holds the demo and then real data would otherwise fail its first real run).
const MIN_HISTORY: usize = 3;
/// A field present in fewer postings than this is too rare for its drop to mean anything.
const MIN_USUAL_SHARE: f64 = 0.2;

/// Median completeness of `field` over the last ten earlier runs large enough to judge, when
/// there are at least [`MIN_HISTORY`] of them and it is at least [`MIN_USUAL_SHARE`].
fn usual_share(earlier: &[&RunQuality], field: &str, min_records: i64) -> Option<f64> {
    let mut shares: Vec<f64> = earlier
        .iter()
        .rev()
        .filter(|r| r.valid >= min_records)
        .filter_map(|r| r.shares.get(field).copied().flatten())
        .take(10)
        .collect();
    if shares.len() < MIN_HISTORY {
        return None;
    }
    shares.sort_by(f64::total_cmp);
    let median = shares[shares.len() / 2];
    (median >= MIN_USUAL_SHARE).then_some(median)
}

/// The rows of one batch of `gold.quality_by_run_source`.
fn read_runs(batch: &RecordBatch) -> Result<Vec<RunQuality>> {
    let column = |name: &str, t: &DataType| -> Result<deltalake::arrow::array::ArrayRef> {
        let c = batch.column_by_name(name).ok_or_else(|| {
            Error::Config(format!("gold.quality_by_run_source has no column {name}"))
        })?;
        Ok(cast(c, t)?)
    };
    let text = |name: &str| column(name, &DataType::Utf8);
    let int = |name: &str| column(name, &DataType::Int64);
    let float = |name: &str| column(name, &DataType::Float64);
    let (run_id, source, reasons) = (text("run_id")?, text("source")?, text("rejects_by_reason")?);
    let landed = column(
        "landed_at",
        &DataType::Timestamp(deltalake::arrow::datatypes::TimeUnit::Microsecond, None),
    )?;
    let (records, valid, rejected, duplicates) = (
        int("records")?,
        int("valid")?,
        int("rejected")?,
        int("duplicates")?,
    );
    let reject_share = float("reject_share")?;
    let shares = FIELDS
        .iter()
        .map(|f| Ok((*f, float(&format!("{f}_share"))?)))
        .collect::<Result<Vec<_>>>()?;
    let s = |a: &deltalake::arrow::array::ArrayRef, i: usize| {
        let a = a.as_string::<i32>();
        (!a.is_null(i)).then(|| a.value(i).to_string())
    };
    let n =
        |a: &deltalake::arrow::array::ArrayRef, i: usize| a.as_primitive::<Int64Type>().value(i);
    let f = |a: &deltalake::arrow::array::ArrayRef, i: usize| {
        let a = a.as_primitive::<Float64Type>();
        (!a.is_null(i)).then(|| a.value(i))
    };
    let ts = landed.as_primitive::<deltalake::arrow::datatypes::TimestampMicrosecondType>();
    Ok((0..batch.num_rows())
        .map(|i| RunQuality {
            run_id: s(&run_id, i).unwrap_or_default(),
            source: s(&source, i).unwrap_or_default(),
            landed_at: DateTime::from_timestamp_micros(ts.value(i)).unwrap_or_default(),
            records: n(&records, i),
            valid: n(&valid, i),
            rejected: n(&rejected, i),
            reject_share: f(&reject_share, i).unwrap_or(0.0),
            rejects_by_reason: s(&reasons, i),
            duplicates: n(&duplicates, i),
            shares: shares
                .iter()
                .map(|(field, a)| (field.to_string(), f(a, i)))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(source: &str, hour: u32, salary: f64, reject_share: f64) -> RunQuality {
        RunQuality {
            run_id: format!("run{hour}"),
            source: source.into(),
            landed_at: DateTime::from_timestamp(1_767_225_600 + i64::from(hour) * 3600, 0)
                .unwrap_or_default(),
            records: 100,
            valid: 100,
            rejected: (reject_share * 100.0) as i64,
            reject_share,
            rejects_by_reason: None,
            duplicates: 0,
            shares: FIELDS
                .iter()
                .map(|f| {
                    (
                        f.to_string(),
                        Some(if *f == "salary" { salary } else { 0.9 }),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn a_sudden_drop_many_rejects_a_low_field_and_a_stale_source_break_thresholds() {
        let now = DateTime::from_timestamp(1_767_225_600 + 10 * 3600, 0).unwrap_or_default();
        let runs = vec![
            run("adzuna", 0, 0.5, 0.0),
            run("adzuna", 1, 0.48, 0.0),
            run("adzuna", 2, 0.52, 0.0),
            run("adzuna", 3, 0.0, 0.8),
            run("remotive", 1, 0.3, 0.0),
        ];
        let mut settings = QualitySettings::default();
        let report = judge(&runs, &settings, now);
        assert_eq!(report.latest.len(), 2);
        assert_eq!(report.latest[0].run_id, "run3", "the latest run is judged");
        let text: Vec<String> = report.breaches.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "adzuna: 80% of records quarantined (at most 50%)",
                "adzuna: salary in 0% of postings, usually 50%",
            ]
        );

        settings.min_share.insert("salary".into(), 0.4);
        settings.max_age = Some(Duration::from_secs(5 * 3600));
        settings.sources.insert(
            "adzuna".into(),
            SourceThresholds {
                max_reject_share: Some(0.9),
                ..Default::default()
            },
        );
        let text: Vec<String> = judge(&runs, &settings, now)
            .breaches
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            vec![
                "adzuna: salary in 0% of postings (at least 40%)",
                "adzuna: nothing landed since 2026-01-01 03:00 UTC",
                "remotive: salary in 30% of postings (at least 40%)",
                "remotive: nothing landed since 2026-01-01 01:00 UTC",
            ]
        );

        // Too small a run is not judged on completeness.
        settings.min_records = 1000;
        assert!(
            judge(&runs, &settings, now)
                .breaches
                .iter()
                .all(|b| !matches!(b, Breach::Completeness { .. } | Breach::Drop { .. }))
        );
    }

    #[test]
    fn unknown_fields_and_shares_out_of_range_are_refused() {
        let mut settings = QualitySettings::default();
        settings.min_share.insert("salery".into(), 0.1);
        let err = validate(&settings).expect_err("unknown field").to_string();
        assert!(err.contains("salery") && err.contains("salary"), "{err}");
        let mut settings = QualitySettings::default();
        settings.min_share.insert("salary".into(), 5.0);
        assert!(validate(&settings).is_err());
    }
}
