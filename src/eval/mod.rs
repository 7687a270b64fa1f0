//! `joblake eval`: silver measured against a hand reading of real postings.
//!
//! The real recorded responses of the corpus (`JOBLAKE_CORPUS`) are landed into a fresh lake
//! and refreshed with the project's models; `silver.posting_records` and
//! `silver.posting_sources` are then compared with the labels of `tests/eval/` (rules and
//! method: `docs/data_quality.md`). Every figure has a goal; the report lists the mismatches
//! that keep a figure below it.

pub mod labels;
pub mod score;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use deltalake::arrow::array::{Array, RecordBatch, StringArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use serde::Serialize;

use crate::bronze::FileSelection;
use crate::lake::Lake;
use crate::pipeline::land_paths;
use crate::project::Project;
use crate::transform::{RefreshOptions, refresh};
use crate::{Error, Result, engine};

pub use labels::{PairLabel, PostingLabel, SalaryLabel};
pub use score::{Figure, Goal, Metric, Mismatch, Observed, Scores};

/// Where the corpus keeps a source's recorded responses: its own folder, or `html/` for the
/// pages whose JSON-LD the `jsonld` parser reads.
fn corpus_folder(source: &str) -> &str {
    if source == "jsonld" { "html" } else { source }
}

/// The corpus files of every registered source, in a stable order.
pub fn corpus_files(corpus: &Path) -> Result<Vec<(&'static str, Vec<PathBuf>)>> {
    if !corpus.is_dir() {
        return Err(Error::Config(format!(
            "the corpus {} is not a directory (set JOBLAKE_CORPUS or --corpus)",
            corpus.display()
        )));
    }
    let mut out = Vec::new();
    for &source in joblake_sources::source_names() {
        let dir = corpus.join(corpus_folder(source));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if !files.is_empty() {
            out.push((source, files));
        }
    }
    Ok(out)
}

/// The labels to score against.
#[derive(Debug, Clone)]
pub struct Labels {
    /// Labelled postings.
    pub postings: Vec<PostingLabel>,
    /// Labelled pairs.
    pub pairs: Vec<PairLabel>,
}

impl Labels {
    /// The labels built into the binary (`tests/eval/`).
    pub fn embedded() -> Result<Labels> {
        Ok(Labels {
            postings: labels::parse_postings("postings.csv", labels::POSTINGS_CSV)?,
            pairs: labels::parse_pairs("duplicate_pairs.csv", labels::PAIRS_CSV)?,
        })
    }

    /// `postings.csv` and `duplicate_pairs.csv` of a directory.
    pub fn from_dir(dir: &Path) -> Result<Labels> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| Error::Io {
                context: format!("reading {}", path.display()),
                source,
            })
        };
        Ok(Labels {
            postings: labels::parse_postings("postings.csv", &read("postings.csv")?)?,
            pairs: labels::parse_pairs("duplicate_pairs.csv", &read("duplicate_pairs.csv")?)?,
        })
    }
}

/// What `joblake eval` measured.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Corpus files landed, per source.
    pub landed: Vec<(String, usize)>,
    /// Corpus files the parsers refused, with the reason (the corpus holds broken files on
    /// purpose).
    pub refused: Vec<(String, String)>,
    /// Data tests that failed in the refresh (none expected).
    pub failed_tests: Vec<String>,
    /// The figures.
    pub scores: Scores,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl EvalReport {
    /// Figures below their goal.
    pub fn unmet(&self) -> Vec<&Figure> {
        self.scores.overall.iter().filter(|f| !f.met()).collect()
    }
}

/// Lands the corpus into `lake` (meant to be empty), refreshes it with `project`, and scores
/// silver against `labels`.
pub async fn run(
    lake: &Lake,
    project: &Project,
    corpus: &Path,
    labels: &Labels,
) -> Result<EvalReport> {
    let started = Instant::now();
    let mut landed = Vec::new();
    let mut refused = Vec::new();
    for (source, files) in corpus_files(corpus)? {
        let report = land_paths(lake, source, &files).await?;
        landed.push((source.to_string(), report.landed.len()));
        refused.extend(report.refused);
    }
    let refreshed = refresh(lake, project, &RefreshOptions::new(true), &|_| {}).await?;
    let failed_tests = refreshed
        .failed_tests()
        .into_iter()
        .map(|t| t.name.clone())
        .collect();
    let observed = observe(lake, project).await?;
    let scores = score::score(&labels.postings, &labels.pairs, &observed);
    Ok(EvalReport {
        landed,
        refused,
        failed_tests,
        scores,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The valid record of every listing in silver, with the posting it was merged into. Columns
/// are looked up by name, so a project without one (an older `departement`-less model) is
/// measured as unknown there.
const OBSERVED_SQL: &str = "
SELECT r.*, array_to_string(r.skills, ';') AS eval_skills, s.posting_id AS eval_posting_id
FROM silver.posting_records r
LEFT JOIN silver.posting_sources s ON s.source = r.source AND s.source_id = r.source_id
WHERE r.reject_reason IS NULL
ORDER BY r.bronze_file, r.bronze_line";

async fn observe(lake: &Lake, project: &Project) -> Result<HashMap<(String, String), Observed>> {
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    let batches = ctx.sql(OBSERVED_SQL).await?.collect().await?;
    let mut out = HashMap::new();
    for batch in &batches {
        let names = [
            "source",
            "source_id",
            "salary_annual_min",
            "salary_annual_max",
            "salary_currency",
            "salary_predicted",
            "country",
            "city",
            "departement",
            "contract_type",
            "remote",
            "job_family",
            "eval_skills",
            "eval_posting_id",
        ];
        let columns = string_columns(batch, &names)?;
        let found: Vec<Option<&StringArray>> = columns.iter().map(Option::as_ref).collect();
        for row in 0..batch.num_rows() {
            let get = |i: usize| -> Option<String> {
                let c = found[i]?;
                (!c.is_null(row)).then(|| c.value(row).to_string())
            };
            let num = |i: usize| get(i).and_then(|v| v.parse::<f64>().ok());
            let key = (get(0).unwrap_or_default(), get(1).unwrap_or_default());
            // A listing fetched twice: its first valid record speaks for it.
            out.entry(key).or_insert_with(|| Observed {
                salary_annual_min: num(2),
                salary_annual_max: num(3),
                salary_currency: get(4),
                salary_predicted: get(5).as_deref() == Some("true"),
                country: get(6),
                city: get(7),
                departement: get(8),
                contract_type: get(9),
                remote: get(10).as_deref() == Some("true"),
                job_family: get(11),
                skills: get(12)
                    .unwrap_or_default()
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect::<BTreeSet<_>>(),
                posting_id: get(13),
            });
        }
    }
    Ok(out)
}

/// The named columns of `batch` as strings (None: the column does not exist).
fn string_columns(batch: &RecordBatch, names: &[&str]) -> Result<Vec<Option<StringArray>>> {
    let schema = batch.schema();
    names
        .iter()
        .map(|name| {
            let Ok(i) = schema.index_of(name) else {
                return Ok(None);
            };
            let s = cast(batch.column(i), &DataType::Utf8)?;
            s.as_any()
                .downcast_ref::<StringArray>()
                .cloned()
                .map(Some)
                .ok_or_else(|| Error::Internal("a cast to Utf8 did not give strings".into()))
        })
        .collect()
}
