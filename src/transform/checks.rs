//! Data tests: queries that must return no rows. Declared checks in model headers (unique,
//! not_null, relationships, accepted_values) are turned into small generated queries; singular
//! tests are the files of `tests/` in the SQL project.

use std::collections::BTreeMap;
use std::time::Instant;

use deltalake::arrow::array::{Array, AsArray};
use deltalake::arrow::datatypes::Int64Type;
use deltalake::arrow::util::pretty::pretty_format_batches;
use deltalake::datafusion::prelude::SessionContext;
use futures::StreamExt;
use serde::Serialize;

use crate::project::Project;
use crate::project::model::{Check, Model};

/// The outcome of one data test.
#[derive(Debug, Clone, Serialize)]
pub struct TestOutcome {
    /// Test name, e.g. `unique_silver.job_postings_posting_id` or a file stem.
    pub name: String,
    /// Rows the query returned (0 = pass).
    pub failing_rows: usize,
    /// The first failing rows, rendered as a table.
    pub sample: Option<String>,
    /// The query could not run at all.
    pub error: Option<String>,
    /// Wall time in seconds (a not_null test probed with its table's others: its share).
    pub seconds: f64,
}

impl TestOutcome {
    /// True when the test passed.
    pub fn passed(&self) -> bool {
        self.failing_rows == 0 && self.error.is_none()
    }
}

/// A named query that must return no rows.
#[derive(Debug, Clone)]
pub struct DataTest {
    /// Test name.
    pub name: String,
    /// The query.
    pub sql: String,
    /// For a not_null check, (table, column): all of a table's not_null checks are first
    /// probed with one scan, and only a column with nulls runs its own query.
    pub not_null: Option<(String, String)>,
}

/// The generated queries for the declared checks of `models`, then the singular tests.
pub fn collect(models: &[Model], project: &Project) -> Vec<DataTest> {
    let mut tests = Vec::new();
    for m in models {
        let t = m.qualified();
        for check in &m.checks {
            let (kind, cols, sql) = match check {
                Check::Unique(cols) => {
                    let c = cols.join(", ");
                    (
                        "unique",
                        cols.join("_"),
                        format!(
                            "SELECT {c}, count(*) AS n FROM {t} GROUP BY {c} HAVING count(*) > 1"
                        ),
                    )
                }
                Check::NotNull(c) => (
                    "not_null",
                    c.clone(),
                    format!("SELECT * FROM {t} WHERE {c} IS NULL"),
                ),
                Check::Relationship {
                    column,
                    table,
                    to_column,
                } => (
                    "relationship",
                    column.clone(),
                    format!(
                        "SELECT c.{column} FROM {t} c LEFT JOIN {table} p ON c.{column} = p.{to_column} \
                         WHERE c.{column} IS NOT NULL AND p.{to_column} IS NULL"
                    ),
                ),
                Check::AcceptedValues { column, values } => (
                    "accepted_values",
                    column.clone(),
                    format!(
                        "SELECT {column}, count(*) AS n FROM {t} WHERE {column} NOT IN ({}) GROUP BY {column}",
                        values.join(", ")
                    ),
                ),
            };
            let not_null = match check {
                Check::NotNull(c) => Some((t.clone(), c.clone())),
                _ => None,
            };
            tests.push(DataTest {
                name: format!("{kind}:{t}.{cols}"),
                sql,
                not_null,
            });
        }
    }
    for (path, sql) in project.files_in("tests", ".sql") {
        let name = path.trim_start_matches("tests/").trim_end_matches(".sql");
        tests.push(DataTest {
            name: name.to_string(),
            sql: sql.to_string(),
            not_null: None,
        });
    }
    tests
}

/// Runs every test; a test that cannot run is reported as an error, not a panic.
pub async fn run(ctx: &SessionContext, tests: &[DataTest]) -> Vec<TestOutcome> {
    let probed = probe_not_null(ctx, tests).await;
    // Most tests are small queries whose time goes to planning and opening tables: a few at a
    // time keep both the cores and the store busy. `buffered` keeps the declared order.
    // The futures are built first: a stream mapping through a closure that borrows `probed`
    // is not provably `Send` to the scheduler's `tokio::spawn` (a higher-ranked lifetime limit).
    let pending: Vec<_> = tests
        .iter()
        .map(|test| {
            let probed = test.not_null.as_ref().and_then(|key| probed.get(key));
            outcome(ctx, test, probed.copied())
        })
        .collect();
    futures::stream::iter(pending)
        .buffered(TESTS_AT_ONCE)
        .collect()
        .await
}

/// The outcome of `test`: passed without a query of its own when the not_null probe found
/// its column clean (`probed`: its share of the probe's time).
async fn outcome(ctx: &SessionContext, test: &DataTest, probed: Option<f64>) -> TestOutcome {
    match probed {
        Some(seconds) => TestOutcome {
            name: test.name.clone(),
            failing_rows: 0,
            sample: None,
            error: None,
            seconds,
        },
        None => run_one(ctx, test).await,
    }
}

/// Data tests run concurrently.
const TESTS_AT_ONCE: usize = 4;

/// Counts the nulls of every not_null column of a table in one scan (a table of a million
/// rows has up to nine such checks, each a full scan of its own). Returns the checks found
/// clean, with their share of the probe's time; the others, and those of a probe that could
/// not run, go through their own query, which gives the failing rows.
async fn probe_not_null(
    ctx: &SessionContext,
    tests: &[DataTest],
) -> BTreeMap<(String, String), f64> {
    let mut by_table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (table, column) in tests.iter().filter_map(|t| t.not_null.as_ref()) {
        by_table.entry(table).or_default().push(column);
    }
    let pending: Vec<_> = by_table
        .into_iter()
        .map(|(table, columns)| probe_table(ctx, table, columns))
        .collect();
    let clean: Vec<Vec<_>> = futures::stream::iter(pending)
        .buffer_unordered(TESTS_AT_ONCE)
        .collect()
        .await;
    clean.into_iter().flatten().collect()
}

/// The not_null columns of `table` found without nulls, with their share of the scan's time.
async fn probe_table(
    ctx: &SessionContext,
    table: &str,
    columns: Vec<&str>,
) -> Vec<((String, String), f64)> {
    let started = Instant::now();
    let counts: Vec<String> = columns
        .iter()
        .map(|c| format!("count(*) FILTER (WHERE {c} IS NULL)"))
        .collect();
    let sql = format!("SELECT {} FROM {table}", counts.join(", "));
    let batches = match ctx.sql(&sql).await {
        Ok(df) => df.collect().await,
        Err(e) => Err(e),
    };
    let Ok(batches) = batches else {
        return Vec::new();
    };
    let Some(row) = batches.iter().find(|b| b.num_rows() == 1) else {
        return Vec::new();
    };
    let share = started.elapsed().as_secs_f64() / columns.len() as f64;
    columns
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            row.column(*i)
                .as_primitive_opt::<Int64Type>()
                .is_some_and(|a| !a.is_null(0) && a.value(0) == 0)
        })
        .map(|(_, column)| ((table.to_string(), column.to_string()), share))
        .collect()
}

async fn run_one(ctx: &SessionContext, test: &DataTest) -> TestOutcome {
    let started = Instant::now();
    let result = async {
        let batches = ctx.sql(&test.sql).await?.collect().await?;
        Ok::<_, deltalake::datafusion::error::DataFusionError>(batches)
    }
    .await;
    let seconds = started.elapsed().as_secs_f64();
    tracing::debug!("data test {}: {seconds:.3} s", test.name);
    match result {
        Ok(batches) => {
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            let sample = (rows > 0)
                .then(|| {
                    let head: Vec<_> = batches
                        .iter()
                        .take(1)
                        .map(|b| b.slice(0, b.num_rows().min(5)))
                        .collect();
                    pretty_format_batches(&head).ok().map(|t| t.to_string())
                })
                .flatten();
            TestOutcome {
                name: test.name.clone(),
                failing_rows: rows,
                sample,
                error: None,
                seconds,
            }
        }
        Err(e) => TestOutcome {
            name: test.name.clone(),
            failing_rows: 0,
            sample: None,
            error: Some(e.to_string()),
            seconds,
        },
    }
}
