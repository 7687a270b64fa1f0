//! Data tests: queries that must return no rows. Declared checks in model headers (unique,
//! not_null, relationships, accepted_values) are turned into small generated queries; singular
//! tests are the files of `tests/` in the SQL project.
//!
//! After a refresh whose tests passed, the next one checks a declared check on the rows that
//! changed since (`Changes`): a table not written since holds still, a duplicate or a null must
//! involve a row the table did not have then, and a missing reference a new row or a key its
//! parent lost. Such a form finds every failure the whole check would (it reads a superset of
//! the changed rows, `lake::file_diff`); when it finds rows, the whole check runs and reports
//! them. Singular tests always read whole tables.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use deltalake::arrow::array::{Array, AsArray, RecordBatch};
use deltalake::arrow::datatypes::Int64Type;
use deltalake::arrow::util::pretty::pretty_format_batches;
use deltalake::datafusion::datasource::MemTable;
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::prelude::SessionContext;
use futures::StreamExt;
use serde::Serialize;

use crate::error::Result;
use crate::lake::changed_rows::{self, Side as RowSide};
use crate::lake::{Lake, TableStamp, inputs};
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
    /// What it read.
    pub scope: TestScope,
    /// It could not run for lack of memory (under `memory_limit_mb`, beside other tests): it
    /// runs again alone.
    #[serde(skip)]
    pub(crate) out_of_memory: bool,
}

/// The rows a data test read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestScope {
    /// Its tables whole.
    Whole,
    /// The rows changed since its tables last passed (`Changes`), and the rows they meet.
    Changed,
    /// Nothing: its tables were not written since they last passed.
    Unchanged,
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
    /// The query, over whole tables.
    pub sql: String,
    /// The declared check it comes from, with its table (None: a singular test). All of a
    /// table's not_null checks are first probed with one scan, and only a column with nulls
    /// runs its own query.
    pub check: Option<(String, Check)>,
}

impl DataTest {
    /// (table, column) of a not_null check.
    fn not_null(&self) -> Option<(&str, &str)> {
        match &self.check {
            Some((table, Check::NotNull(column))) => Some((table, column)),
            _ => None,
        }
    }
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
                check: Some((t.clone(), check.clone())),
            });
        }
    }
    for (path, sql) in project.files_in("tests", ".sql") {
        let name = path.trim_start_matches("tests/").trim_end_matches(".sql");
        tests.push(DataTest {
            name: name.to_string(),
            sql: sql.to_string(),
            check: None,
        });
    }
    tests
}

/// What changed in each table since its data tests last passed, as relations registered in
/// the tests' session. A table absent here is read whole.
#[derive(Debug, Default)]
pub struct Changes {
    tables: BTreeMap<String, Change>,
}

/// How a table changed since its tests last passed: the rows it gained and those it lost.
#[derive(Debug, Clone, PartialEq)]
struct Change {
    gained: Side,
    lost: Side,
}

/// One side of a [`Change`].
#[derive(Debug, Clone, PartialEq)]
enum Side {
    /// No such row.
    None,
    /// The relation (registered in the tests' session) holding these columns of them.
    Rows {
        relation: String,
        columns: BTreeSet<String>,
    },
    /// Not read apart (too many, or not known from the table's commits): checks that need
    /// them read the tables whole.
    Whole,
}

impl Side {
    /// The relation of the rows if it holds `columns`: Ok(None) when there are none, Err when
    /// they are read whole.
    fn relation(&self, columns: &[&String]) -> std::result::Result<Option<&str>, ()> {
        match self {
            Side::None => Ok(None),
            Side::Rows {
                relation,
                columns: held,
            } if columns.iter().all(|c| held.contains(*c)) => Ok(Some(relation)),
            Side::Rows { .. } | Side::Whole => Err(()),
        }
    }
}

/// More changed rows than this share of a table's: looking them up costs about what the
/// whole check does.
const MAX_CHANGED_SHARE: f64 = 0.5;

impl Changes {
    /// Finds what changed in each of `tables` (qualified names) since the version `tested`
    /// stamps for it, reads the columns `tests` check of the rows it gained and lost, and
    /// registers them in `ctx`. A table whose changes its commits do not say (no stamp,
    /// rewritten whole, an earlier version gone) is left out: its checks read it whole.
    pub async fn since(
        lake: &Lake,
        ctx: &SessionContext,
        tests: &[DataTest],
        tables: &[String],
        tested: &BTreeMap<String, TableStamp>,
    ) -> Result<Changes> {
        let mut changes = Changes::default();
        if lake.engine_settings().cluster.is_some() {
            return Ok(changes);
        }
        // The columns the checks read of each table's gained rows, and of its lost ones.
        let mut gained: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut lost: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (table, check) in tests.iter().filter_map(|t| t.check.as_ref()) {
            let columns = gained.entry(table).or_default();
            match check {
                Check::Unique(cols) => columns.extend(cols.iter().cloned()),
                Check::NotNull(c) | Check::AcceptedValues { column: c, .. } => {
                    columns.insert(c.clone());
                }
                Check::Relationship {
                    column,
                    table: parent,
                    to_column,
                } => {
                    columns.insert(column.clone());
                    lost.entry(parent).or_default().insert(to_column.clone());
                }
            }
        }
        for table in tables {
            let (Some(then), Some((layer, name))) = (tested.get(table), table.split_once('.'))
            else {
                continue;
            };
            if let Some(change) = Self::of_table(
                lake,
                ctx,
                (layer, name),
                then,
                gained.get(table.as_str()),
                lost.get(table.as_str()),
            )
            .await?
            {
                changes.tables.insert(table.clone(), change);
            }
        }
        Ok(changes)
    }

    /// The change of `layer.name` since `then`, its sides read and registered; None when
    /// its commits do not say.
    async fn of_table(
        lake: &Lake,
        ctx: &SessionContext,
        (layer, name): (&str, &str),
        then: &TableStamp,
        gained_columns: Option<&BTreeSet<String>>,
        lost_columns: Option<&BTreeSet<String>>,
    ) -> Result<Option<Change>> {
        let table = format!("{layer}.{name}");
        let Some(now) = lake.stamp(layer, name).await? else {
            return Ok(None);
        };
        if now == *then {
            return Ok(Some(Change {
                gained: Side::None,
                lost: Side::None,
            }));
        }
        // The version stamped must still be the one in the log (not a table written again).
        let mut earlier = lake.unloaded_table(layer, name)?;
        if now.version < then.version || earlier.load_version(then.version).await.is_err() {
            return Ok(None);
        }
        let committed_at = earlier
            .snapshot()?
            .version_timestamp(then.version)
            .and_then(chrono::DateTime::from_timestamp_millis);
        if committed_at != then.committed_at {
            return Ok(None);
        }
        let Some(row_changes) =
            inputs::row_changes(lake, layer, name, then.version, now.version).await?
        else {
            tracing::debug!("{table}: changed by other commits than appends and merges");
            return Ok(None);
        };
        let current = lake.table(layer, name).await?;
        let snapshot = current.snapshot()?;
        let partitions = snapshot.metadata().partition_columns().to_vec();
        let rows: u64 = snapshot
            .log_data()
            .iter()
            .map(|f| f.num_records().unwrap_or(0) as u64)
            .sum();
        let side = async |kind: RowSide, columns: Option<&BTreeSet<String>>, any: bool| {
            if !any {
                return Ok::<_, crate::error::Error>(Side::None);
            }
            let columns: Vec<String> = columns
                .into_iter()
                .flatten()
                .filter(|c| !partitions.contains(c))
                .cloned()
                .collect();
            if columns.is_empty() {
                return Ok(Side::Whole);
            }
            let (schema, batches) =
                match changed_rows::read(&current, &row_changes, &columns, kind).await {
                    Ok(read) => read,
                    Err(e) => {
                        tracing::info!("{table}: its changed rows could not be read: {e}");
                        return Ok(Side::Whole);
                    }
                };
            let read: usize = batches.iter().map(RecordBatch::num_rows).sum();
            tracing::debug!("{table}: {read} rows {kind:?} of {rows}");
            if read as f64 > MAX_CHANGED_SHARE * rows.max(1) as f64 {
                return Ok(Side::Whole);
            }
            let relation = format!(
                "__changes_{}_{layer}_{name}",
                if kind == RowSide::Gained {
                    "gained"
                } else {
                    "lost"
                }
            );
            ctx.register_table(
                relation.as_str(),
                Arc::new(MemTable::try_new(schema, vec![batches])?),
            )?;
            Ok(Side::Rows {
                relation,
                columns: columns.into_iter().collect(),
            })
        };
        let any_gained = !row_changes.added.is_empty() || !row_changes.change_files.is_empty();
        let any_lost = !row_changes.marked.is_empty() || !row_changes.change_files.is_empty();
        let gained = side(RowSide::Gained, gained_columns, any_gained).await?;
        let lost = side(RowSide::Lost, lost_columns, any_lost).await?;
        Ok(Some(Change { gained, lost }))
    }

    /// The relation of `table`'s gained rows with `columns`: Ok(None) when it gained none,
    /// Err when its checks read it whole.
    fn gained(&self, table: &str, columns: &[&String]) -> std::result::Result<Option<&str>, ()> {
        self.tables.get(table).ok_or(())?.gained.relation(columns)
    }

    /// The relation of the rows `table` lost, as [`Changes::gained`].
    fn lost(&self, table: &str, columns: &[&String]) -> std::result::Result<Option<&str>, ()> {
        self.tables.get(table).ok_or(())?.lost.relation(columns)
    }
}

/// How a test runs given what changed.
#[derive(Debug, Clone, PartialEq)]
enum Form {
    /// It holds without a query: nothing it reads changed in a way that could break it.
    Holds,
    /// This query over the changed rows returns a superset of the failures' keys (none when
    /// the whole test passes).
    Changed(String),
    /// Its own query, over whole tables.
    Whole,
}

/// The form of a declared `check` of `table` given `changes`.
fn form(table: &str, check: &Check, changes: &Changes) -> Form {
    match check {
        Check::Unique(cols) => match changes.gained(table, &cols.iter().collect::<Vec<_>>()) {
            Err(()) => Form::Whole,
            Ok(None) => Form::Holds,
            Ok(Some(new)) => {
                let distinct = cols.join(", ");
                let of_t: Vec<String> = cols.iter().map(|c| format!("t.{c}")).collect();
                let on: Vec<String> = cols
                    .iter()
                    .map(|c| format!("(t.{c} IS NOT DISTINCT FROM k.{c})"))
                    .collect();
                // The new keys on the build side of the join: the table is only probed.
                Form::Changed(format!(
                    "SELECT {of_t}, count(*) AS n FROM (SELECT DISTINCT {distinct} FROM {new}) k \
                     JOIN {table} t ON {on} GROUP BY {of_t} HAVING count(*) > 1",
                    of_t = of_t.join(", "),
                    on = on.join(" AND ")
                ))
            }
        },
        Check::NotNull(column) => match changes.gained(table, &[column]) {
            Err(()) => Form::Whole,
            Ok(None) => Form::Holds,
            Ok(Some(new)) => Form::Changed(format!("SELECT * FROM {new} WHERE {column} IS NULL")),
        },
        Check::AcceptedValues { column, values } => match changes.gained(table, &[column]) {
            Err(()) => Form::Whole,
            Ok(None) => Form::Holds,
            Ok(Some(new)) => Form::Changed(format!(
                "SELECT {column}, count(*) AS n FROM {new} WHERE {column} NOT IN ({}) GROUP BY {column}",
                values.join(", ")
            )),
        },
        Check::Relationship {
            column,
            table: parent,
            to_column,
        } => {
            let (Ok(new), Ok(lost)) = (
                changes.gained(table, &[column]),
                changes.lost(parent, &[to_column]),
            ) else {
                return Form::Whole;
            };
            // A reference breaks on a new row, or on a row whose key its parent lost.
            let keys: Vec<String> = new
                .map(|new| format!("SELECT {column} AS k FROM {new}"))
                .into_iter()
                .chain(lost.map(|lost| format!("SELECT {to_column} AS k FROM {lost}")))
                .collect();
            if keys.is_empty() {
                return Form::Holds;
            }
            Form::Changed(format!(
                "WITH v AS (SELECT DISTINCT k FROM ({}) u WHERE k IS NOT NULL), \
                 kept AS (SELECT DISTINCT p.{to_column} AS k FROM v JOIN {parent} p ON p.{to_column} = v.k) \
                 SELECT c.{column} FROM v JOIN {table} c ON c.{column} = v.k \
                 LEFT JOIN kept ON c.{column} = kept.k WHERE kept.k IS NULL",
                keys.join(" UNION ALL ")
            ))
        }
    }
}

/// Runs every test; a test that cannot run is reported as an error, not a panic. `changes`
/// says which tables to read whole (all of them when it is empty).
pub async fn run(ctx: &SessionContext, tests: &[DataTest], changes: &Changes) -> Vec<TestOutcome> {
    let probed = probe_not_null(ctx, tests, changes).await;
    // Most tests are small queries whose time goes to planning and opening tables: a few at a
    // time keep both the cores and the store busy. The singular tests start first: they read
    // across tables and hold the longest ones (the bronze reconciliation, 0.8 s at 1M
    // postings), which last in line ran alone after every other. Each test starts as soon as
    // one ends; the outcomes come back in the declared order.
    // The futures are built first: a stream mapping through a closure that borrows `probed`
    // is not provably `Send` to the scheduler's `tokio::spawn` (a higher-ranked lifetime limit).
    let pending: Vec<_> = start_order(tests)
        .into_iter()
        .map(|i| {
            let test = &tests[i];
            let probed = test
                .not_null()
                .and_then(|(t, c)| probed.get(&(t.to_string(), c.to_string())))
                .copied();
            let form = form_of(test, changes);
            async move { (i, outcome(ctx, test, form, probed).await) }
        })
        .collect();
    let mut outcomes: Vec<(usize, TestOutcome)> = futures::stream::iter(pending)
        .buffer_unordered(TESTS_AT_ONCE)
        .collect()
        .await;
    outcomes.sort_by_key(|(i, _)| *i);
    let mut outcomes: Vec<TestOutcome> = outcomes.into_iter().map(|(_, o)| o).collect();
    // A test that ran out of memory beside the others (a hash join over ten million keys
    // under `memory_limit_mb`) runs again alone, with the whole pool.
    for (test, done) in tests.iter().zip(outcomes.iter_mut()) {
        if done.out_of_memory {
            tracing::info!(
                "data test {} ran out of memory beside others: run alone",
                test.name
            );
            let seconds = done.seconds;
            *done = outcome(ctx, test, form_of(test, changes), None).await;
            done.seconds += seconds;
        }
    }
    outcomes
}

/// How `test` reads its tables this time: a singular test reads them whole.
fn form_of(test: &DataTest, changes: &Changes) -> Form {
    match &test.check {
        Some((table, check)) => form(table, check, changes),
        None => Form::Whole,
    }
}

/// The order tests start in: the singular tests first, then the declared checks, each group
/// in its declared order.
fn start_order(tests: &[DataTest]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tests.len()).collect();
    order.sort_by_key(|&i| tests[i].check.is_some());
    order
}

/// The outcome of `test` in `form`: passed without a query of its own when the not_null probe
/// found its column clean (`probed`: its share of the probe's time). A form over the changed
/// rows that finds rows hands over to the whole test, which reports the failures exactly.
async fn outcome(
    ctx: &SessionContext,
    test: &DataTest,
    form: Form,
    probed: Option<(f64, TestScope)>,
) -> TestOutcome {
    let passed = |seconds, scope| TestOutcome {
        name: test.name.clone(),
        failing_rows: 0,
        sample: None,
        error: None,
        seconds,
        scope,
        out_of_memory: false,
    };
    if let Some((seconds, scope)) = probed {
        return passed(seconds, scope);
    }
    match form {
        Form::Holds => passed(0.0, TestScope::Unchanged),
        Form::Whole => run_one(ctx, test, &test.sql, TestScope::Whole).await,
        Form::Changed(sql) => {
            let changed = run_one(ctx, test, &sql, TestScope::Changed).await;
            if changed.passed() {
                return changed;
            }
            if let Some(e) = &changed.error {
                tracing::info!("data test {}: over the changed rows: {e}", test.name);
            }
            let mut whole = run_one(ctx, test, &test.sql, TestScope::Whole).await;
            whole.seconds += changed.seconds;
            whole
        }
    }
}

/// Data tests run concurrently.
const TESTS_AT_ONCE: usize = 4;

/// Counts the nulls of every not_null column of a table in one scan (a table of a million
/// rows has up to nine such checks, each a full scan of its own), over its new rows when
/// `changes` has them. Returns the checks found clean, with their share of the probe's time
/// and what it read; the others, and those of a probe that could not run, go through their
/// own query, which gives the failing rows.
async fn probe_not_null(
    ctx: &SessionContext,
    tests: &[DataTest],
    changes: &Changes,
) -> BTreeMap<(String, String), (f64, TestScope)> {
    // (table, the relation read, its scope) -> its columns.
    let mut by_table: BTreeMap<(&str, String, TestScope), Vec<&str>> = BTreeMap::new();
    for (table, column) in tests.iter().filter_map(DataTest::not_null) {
        let (relation, scope) = match changes.gained(table, &[&column.to_string()]) {
            Err(()) => (table.to_string(), TestScope::Whole),
            Ok(None) => continue,
            Ok(Some(new)) => (new.to_string(), TestScope::Changed),
        };
        by_table
            .entry((table, relation, scope))
            .or_default()
            .push(column);
    }
    let pending: Vec<_> = by_table
        .into_iter()
        .map(|((table, relation, scope), columns)| async move {
            probe_table(ctx, &relation, &columns)
                .await
                .into_iter()
                .map(|(column, seconds)| ((table.to_string(), column), (seconds, scope)))
                .collect::<Vec<_>>()
        })
        .collect();
    let clean: Vec<Vec<_>> = futures::stream::iter(pending)
        .buffer_unordered(TESTS_AT_ONCE)
        .collect()
        .await;
    clean.into_iter().flatten().collect()
}

/// The `columns` of `relation` found without nulls, with their share of the scan's time.
async fn probe_table(ctx: &SessionContext, relation: &str, columns: &[&str]) -> Vec<(String, f64)> {
    let started = Instant::now();
    let counts: Vec<String> = columns
        .iter()
        .map(|c| format!("count(*) FILTER (WHERE {c} IS NULL)"))
        .collect();
    let sql = format!("SELECT {} FROM {relation}", counts.join(", "));
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
        .map(|(_, column)| (column.to_string(), share))
        .collect()
}

/// Runs `sql`, one form of `test`.
async fn run_one(
    ctx: &SessionContext,
    test: &DataTest,
    sql: &str,
    scope: TestScope,
) -> TestOutcome {
    let started = Instant::now();
    let result = async {
        let batches = ctx.sql(sql).await?.collect().await?;
        Ok::<_, DataFusionError>(batches)
    }
    .await;
    let seconds = started.elapsed().as_secs_f64();
    tracing::debug!("data test {} ({scope:?}): {seconds:.3} s", test.name);
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
                scope,
                out_of_memory: false,
            }
        }
        Err(e) => TestOutcome {
            name: test.name.clone(),
            failing_rows: 0,
            sample: None,
            out_of_memory: matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)),
            error: Some(e.to_string()),
            seconds,
            scope,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A declared unique check on `t` (its table registered in the session).
    fn unique(name: &str, sql: &str) -> DataTest {
        DataTest {
            name: name.into(),
            sql: sql.into(),
            check: Some(("t".into(), Check::Unique(vec!["v".into()]))),
        }
    }

    #[tokio::test]
    async fn singular_tests_start_first_and_outcomes_come_back_in_declared_order() {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE t AS VALUES (1), (2), (2)")
            .await
            .expect("table");
        // The singular test is declared last; one declared check finds rows.
        let mut tests: Vec<DataTest> = (0..6)
            .map(|i| unique(&format!("quick_{i}"), "SELECT 1 WHERE false"))
            .collect();
        tests.push(unique(
            "duplicates",
            "SELECT column1, count(*) FROM t GROUP BY column1 HAVING count(*) > 1",
        ));
        tests.push(DataTest {
            name: "singular".into(),
            sql: "SELECT count(*) AS n FROM generate_series(1, 3000000) HAVING count(*) < 0".into(),
            check: None,
        });
        let outcomes = run(&ctx, &tests, &Changes::default()).await;
        let names: Vec<&str> = outcomes.iter().map(|o| o.name.as_str()).collect();
        let declared: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, declared);
        assert_eq!(outcomes[6].failing_rows, 1, "{:?}", outcomes[6]);
        assert_eq!(outcomes[7].failing_rows, 0, "{:?}", outcomes[7]);
        assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
        assert_eq!(start_order(&tests), [7, 0, 1, 2, 3, 4, 5, 6]);
    }

    #[tokio::test]
    async fn a_test_out_of_memory_is_marked_as_such_and_still_reported() {
        use deltalake::datafusion::execution::memory_pool::GreedyMemoryPool;
        use deltalake::datafusion::execution::runtime_env::RuntimeEnvBuilder;
        use deltalake::datafusion::prelude::SessionConfig;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(1 << 20)))
            .build_arc()
            .expect("runtime");
        let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
        // A hash join builds its side in memory and cannot spill: 1 MB is not enough.
        let join = "SELECT a.value FROM generate_series(1, 200000) a \
                    JOIN generate_series(1, 200000) b ON a.value = b.value + 300000";
        let tests = vec![
            DataTest {
                name: "too_big".into(),
                sql: join.into(),
                check: None,
            },
            DataTest {
                name: "small".into(),
                sql: "SELECT 1 WHERE false".into(),
                check: None,
            },
        ];
        let outcomes = run(&ctx, &tests, &Changes::default()).await;
        assert!(outcomes[0].out_of_memory, "{:?}", outcomes[0]);
        let error = outcomes[0].error.as_deref().unwrap_or_default();
        assert!(error.contains("Resources exhausted"), "{error}");
        assert!(outcomes[1].passed() && !outcomes[1].out_of_memory);
    }
}
