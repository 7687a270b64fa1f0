//! Shared fixtures: the real corpus (through `JOBLAKE_CORPUS`), temporary lakes, small
//! demo samples, and helpers to query a lake.

#![allow(dead_code)]

use std::path::PathBuf;

use chrono::NaiveDate;
use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::util::pretty::pretty_format_batches;
use joblake::bronze::FileSelection;
use joblake::engine;
use joblake::lake::Lake;
use joblake::project::Project;
use joblake::transform::{RefreshOptions, RefreshReport, RunKind, refresh};
use joblake_gen::DemoSpec;

/// The real corpus, if `JOBLAKE_CORPUS` is set. Unset: says so and returns None (a user who
/// cloned only the project). Set but missing: panics, so that CI cannot silently skip it.
pub fn corpus() -> Option<PathBuf> {
    match std::env::var_os("JOBLAKE_CORPUS") {
        None => {
            eprintln!("JOBLAKE_CORPUS is not set: skipping checks against the real corpus");
            None
        }
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.is_dir(),
                "JOBLAKE_CORPUS={} is not a directory",
                dir.display()
            );
            Some(dir)
        }
    }
}

/// A lake in a fresh temporary directory (removed when the guard drops).
pub struct TempLake {
    pub dir: tempfile::TempDir,
    pub lake: Lake,
}

pub fn temp_lake() -> TempLake {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake opens");
    TempLake { dir, lake }
}

/// A small, fixed demo sample.
pub fn small_demo(jobs: usize) -> DemoSpec {
    DemoSpec {
        seed: 7,
        jobs,
        anchor: NaiveDate::from_ymd_opt(2026, 10, 1).expect("valid date"),
    }
}

/// A fresh lake with `small_demo(jobs)` landed and refreshed, its data tests passed.
pub async fn refreshed_demo(jobs: usize) -> TempLake {
    let t = temp_lake();
    joblake::pipeline::land_demo(&t.lake, &small_demo(jobs))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;
    t
}

pub async fn run_refresh(lake: &Lake, full: bool) -> RefreshReport {
    let report = refresh(
        lake,
        &Project::embedded(),
        &RefreshOptions::new(full),
        &|_| {},
    )
    .await
    .expect("refresh runs");
    let failed: Vec<_> = report.failed_tests().into_iter().cloned().collect();
    assert!(failed.is_empty(), "data tests failed: {failed:#?}");
    report
}

/// A generated lake of about `postings` postings from `seed`, anchored on 2026-11-01 (as
/// `joblake gen --postings N --seed S --anchor 2026-11-01`).
pub fn postings_spec(seed: u64, postings: usize) -> DemoSpec {
    DemoSpec {
        seed,
        jobs: joblake::pipeline::jobs_for_postings(postings),
        anchor: NaiveDate::from_ymd_opt(2026, 11, 1).expect("a date"),
    }
}

/// True when `report`'s refresh replaced the rows of `table` by key.
pub fn merged(report: &RefreshReport, table: &str) -> bool {
    report
        .models
        .iter()
        .any(|m| m.model == table && m.materialized == RunKind::Merge)
}

/// The tables a refresh replaced rows of by key: its changed keys' (`merged`) or the rows its
/// increment returned.
pub fn merged_tables(report: &RefreshReport) -> Vec<String> {
    report
        .models
        .iter()
        .filter(|m| m.materialized.is_merge())
        .map(|m| m.model.clone())
        .collect()
}

/// The files under `dir`, at any depth.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.map(|e| e.expect("a directory entry")) {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Copies `files` (under `from`) to the same places under `to`, those `to` lacks.
pub fn copy_missing(files: &[PathBuf], from: &std::path::Path, to: &std::path::Path) {
    for file in files {
        let target = to.join(file.strip_prefix(from).expect("inside the source"));
        if !target.exists() {
            std::fs::create_dir_all(target.parent().expect("a parent")).expect("a directory");
            std::fs::copy(file, &target).expect("a copy");
        }
    }
}

/// Runs a query over the lake and returns its batches.
pub async fn query(lake: &Lake, sql: &str) -> Vec<RecordBatch> {
    let project = Project::embedded();
    let ctx = engine::session(lake, &project, FileSelection::All)
        .await
        .expect("session");
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A query's result as text (a pretty table), for comparisons and messages.
pub async fn query_text(lake: &Lake, sql: &str) -> String {
    let batches = query(lake, sql).await;
    pretty_format_batches(&batches)
        .expect("printable")
        .to_string()
}

/// A single integer from a query such as `SELECT count(*) ...`.
pub async fn query_i64(lake: &Lake, sql: &str) -> i64 {
    let batches = query(lake, sql).await;
    let b = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .unwrap_or_else(|| panic!("{sql}: no rows"));
    let col =
        deltalake::arrow::compute::cast(b.column(0), &deltalake::arrow::datatypes::DataType::Int64)
            .expect("integer column");
    col.as_any()
        .downcast_ref::<deltalake::arrow::array::Int64Array>()
        .expect("int64")
        .value(0)
}

/// The demo's Adzuna responses (`small_demo(jobs)`), each posting passed through `edit`, which
/// may change it and returns whether to keep it: what a source whose responses changed lands.
pub fn demo_adzuna_edited(
    jobs: usize,
    mut edit: impl FnMut(usize, &mut serde_json::Value) -> bool,
) -> Vec<(String, Vec<u8>)> {
    let mut n = 0;
    joblake_gen::generate(&small_demo(jobs))
        .into_iter()
        .filter(|f| f.source == "adzuna")
        .map(|f| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&f.bytes).expect("generated JSON");
            if let Some(results) = v.get_mut("results").and_then(|r| r.as_array_mut()) {
                results.retain_mut(|r| {
                    n += 1;
                    edit(n - 1, r)
                });
            }
            (f.name, serde_json::to_vec(&v).expect("JSON"))
        })
        .collect()
}

/// A server the tests need, from the environment variable `var` that `.ci/run` sets when it
/// starts the server. On CI a missing one is an error, not a skip; elsewhere the test says
/// what it skips (`otherwise`) and gets None.
pub fn test_service(var: &str, otherwise: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must provide {var} (see .ci/run)"
            );
            eprintln!("{var} is not set: {otherwise}");
            None
        }
    }
}

/// The S3-protocol server of the tests and its bucket (`JOBLAKE_TEST_S3_URL`,
/// `JOBLAKE_TEST_S3_BUCKET`; `.ci/run` starts moto), or None with a message outside CI.
pub fn s3_server() -> Option<(String, String)> {
    let url = test_service("JOBLAKE_TEST_S3_URL", "skipping the S3 checks")?;
    let bucket = test_service("JOBLAKE_TEST_S3_BUCKET", "skipping the S3 checks")?;
    Some((url, bucket))
}

/// GET `path` from `addr` (a metrics endpoint) with a plain HTTP/1.0 request: the whole
/// response, headers included.
pub fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("endpoint listening");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    response
}

/// Every listing of `silver.int_listing_openings` as `source_id>leader_source_id`, sorted.
pub async fn leaders(lake: &joblake::lake::Lake) -> Vec<String> {
    query_text(
        lake,
        "SELECT source_id || '>' || leader_source_id AS pair \
         FROM silver.int_listing_openings ORDER BY pair",
    )
    .await
    .lines()
    .filter_map(|l| {
        let cell = l.trim_matches(|c| c == '|' || c == ' ');
        cell.contains('>').then(|| cell.to_string())
    })
    .collect()
}

/// How many data files of `table`'s loaded version carry a deletion vector.
pub fn files_with_vectors(table: &deltalake::DeltaTable) -> usize {
    table
        .snapshot()
        .expect("snapshot")
        .log_data()
        .iter()
        .filter(|f| f.deletion_vector_descriptor().is_some())
        .count()
}

/// The built-in project's files, to make variants of it.
pub fn embedded_files() -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    let embedded = Project::embedded();
    for folder in ["silver", "silver/increments", "gold", "tests", "reference"] {
        for ext in [".sql", ".csv"] {
            for (path, text) in embedded.files_in(folder, ext) {
                files.insert(path.to_string(), text.to_string());
            }
        }
    }
    files
}

/// The built-in project with one more check, which the demo's data breaks: `salary_min` of
/// `silver.job_postings` not null (postings without a salary have none).
pub fn salary_min_not_null() -> Project {
    let mut files = embedded_files();
    let path = "silver/job_postings.sql".to_string();
    let sql = files[&path].replacen(
        "-- not_null: posting_id,",
        "-- not_null: salary_min, posting_id,",
        1,
    );
    assert_ne!(sql, files[&path], "the header line to extend exists");
    files.insert(path, sql);
    Project::from_files(files)
}
