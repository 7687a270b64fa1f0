//! Data tests: queries that must return no rows. Declared checks in model headers (unique,
//! not_null, relationships, accepted_values) are turned into small generated queries; singular
//! tests are the files of `tests/` in the SQL project.

use deltalake::arrow::util::pretty::pretty_format_batches;
use deltalake::datafusion::prelude::SessionContext;
use serde::Serialize;

use super::Project;
use super::model::{Check, Model};

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
            tests.push(DataTest {
                name: format!("{kind}:{t}.{cols}"),
                sql,
            });
        }
    }
    for (path, sql) in project.files_in("tests", ".sql") {
        let name = path.trim_start_matches("tests/").trim_end_matches(".sql");
        tests.push(DataTest {
            name: name.to_string(),
            sql: sql.to_string(),
        });
    }
    tests
}

/// Runs every test; a test that errors counts as failed, the others still run.
pub async fn run(ctx: &SessionContext, tests: &[DataTest]) -> Vec<TestOutcome> {
    let mut out = Vec::with_capacity(tests.len());
    for test in tests {
        let result = async {
            let batches = ctx.sql(&test.sql).await?.collect().await?;
            Ok::<_, deltalake::datafusion::error::DataFusionError>(batches)
        }
        .await;
        out.push(match result {
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
                }
            }
            Err(e) => TestOutcome {
                name: test.name.clone(),
                failing_rows: 0,
                sample: None,
                error: Some(e.to_string()),
            },
        });
    }
    out
}
