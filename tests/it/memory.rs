//! Refreshes under a memory limit: a model's query that calls `joblake_pass` and runs out of
//! memory whole (a hash join's build side cannot spill) runs again in passes, and is still
//! written whole, in one commit.

use std::collections::BTreeMap;

use joblake::lake::EngineSettings;
use joblake::project::Project;
use joblake::transform::{RefreshOptions, refresh};

use crate::util::*;

/// A gold model whose query joins `rows` rows of about `width` bytes with themselves: the
/// join's build side holds them all unless the query runs in passes. `unique: k` makes the
/// refresh's data test fail on a row written twice.
fn wide_join(rows: u32, width: u32, in_passes: bool) -> Project {
    let pass = if in_passes {
        "WHERE joblake_pass(a.k)"
    } else {
        ""
    };
    let sql = format!(
        "-- A self-join of generated rows.\n-- grain: k\n-- materialized: table\n-- unique: k\n\
         WITH src AS (SELECT 'k' || CAST(v AS VARCHAR) AS k, \
         repeat('x', {width}) || CAST(v AS VARCHAR) AS payload \
         FROM generate_series(1, {rows}) AS s(v))\n\
         SELECT a.k, length(a.payload) + length(b.payload) AS len \
         FROM src a JOIN src b ON a.k = b.k {pass}"
    );
    // The reference tables only: the session needs them, the built-in models are not run.
    let embedded = Project::embedded();
    let mut files: BTreeMap<String, String> = embedded
        .files_in("reference", ".csv")
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect();
    files.insert("gold/wide_join.sql".into(), sql);
    Project::from_files(files)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_that_runs_out_of_memory_runs_again_in_passes() {
    let t = temp_lake();
    let lake = t.lake.clone().with_engine_settings(EngineSettings {
        memory_limit_mb: Some(1),
        ..EngineSettings::default()
    });
    let full = async |project: Project| {
        refresh(&lake, &project, &RefreshOptions::new(true), &|_| {})
            .await
            .map_err(|e| e.to_string())
    };
    // About 8.5 MB of build side under a 1 MiB limit.
    let report = full(wide_join(40_000, 200, true))
        .await
        .expect("the query fits in passes");
    assert!(
        report.failed_tests().is_empty(),
        "no row written twice: {:?}",
        report.failed_tests()
    );
    let model = &report.models[0];
    // A table's peak is reported (the process's resident memory while it ran).
    assert!(
        model.peak_memory_bytes.is_some_and(|b| b > 0),
        "{:?}",
        model.peak_memory_bytes
    );
    assert!(
        model.passes >= 8,
        "1 MiB cannot hold an eighth of 8.5 MB with the rest: ran in {}",
        model.passes
    );
    // Every row once, with its own length: 2 × (200 + digits of v).
    let expected: i64 = (1..=40_000i64)
        .map(|v| 2 * (200 + v.to_string().len() as i64))
        .sum();
    assert_eq!(
        query_i64(&lake, "SELECT count(*) FROM gold.wide_join").await,
        40_000
    );
    assert_eq!(
        query_i64(&lake, "SELECT sum(len) FROM gold.wide_join").await,
        expected
    );
    let table = lake.table("gold", "wide_join").await.expect("opens");
    assert_eq!(table.version(), Some(0), "written in one commit");

    // Too large even in its finest passes: the error names the model and the setting.
    let text = full(wide_join(2_000, 20_000, true))
        .await
        .expect_err("40 MB in 32 passes is more than 1 MiB a pass");
    assert!(
        text.contains("gold.wide_join")
            && text.contains("32 passes")
            && text.contains("memory_limit_mb"),
        "{text}"
    );
    // A query without joblake_pass is not run again: DataFusion's error.
    let text = full(wide_join(40_000, 200, false))
        .await
        .expect_err("the whole build side does not fit");
    assert!(
        text.contains("Resources exhausted") && !text.contains("passes"),
        "{text}"
    );
    // The table written first is still there, as it was.
    assert_eq!(
        query_i64(&lake, "SELECT count(*) FROM gold.wide_join").await,
        40_000
    );
}
