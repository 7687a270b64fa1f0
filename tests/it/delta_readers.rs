//! The silver and gold tables are real Delta tables: Python's `deltalake` (with pyarrow) opens
//! every one and sees the same rows and versions as joblake, after a full refresh and after an
//! incremental one that replaced rows by key; the change data feed a merge writes, applied to
//! a table's rows before, gives its rows after. Needs `JOBLAKE_PYTHON`, a Python with
//! `deltalake` installed (`.ci/run` makes one); unset, the tests say so and pass over.

use std::collections::BTreeMap;

use crate::util::*;

/// Runs a script of `tests/fixtures` with `python`; returns what it printed, as JSON.
fn python_json<T: serde::de::DeserializeOwned>(
    python: &std::ffi::OsStr,
    script: &str,
    args: &[&str],
) -> T {
    let script = format!("{}/tests/fixtures/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json from the script")
}

/// What `read_delta.py` says of each table of `t`'s lake, checked against joblake: the same
/// tables, and each with joblake's rows and version.
async fn read_by_python(
    python: &std::ffi::OsStr,
    t: &TempLake,
) -> BTreeMap<String, serde_json::Value> {
    let lake = t.dir.path().to_str().expect("a UTF-8 path");
    let seen: BTreeMap<String, serde_json::Value> = python_json(python, "read_delta.py", &[lake]);
    let mut expected = std::collections::BTreeSet::new();
    for layer in ["silver", "gold"] {
        for name in t.lake.list_tables(layer).await.expect("listing") {
            expected.insert(format!("{layer}.{name}"));
        }
    }
    assert_eq!(
        seen.keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        expected
    );
    for (table, info) in &seen {
        let rows = query_i64(&t.lake, &format!("SELECT count(*) FROM {table}")).await;
        assert_eq!(info["rows"].as_i64(), Some(rows), "{table}: {info}");
        let (layer, name) = table.split_once('.').expect("qualified");
        let version = t.lake.table(layer, name).await.expect("table").version();
        assert_eq!(info["version"].as_u64(), version, "{table}");
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_deltalake_reads_every_table() {
    let Some(python) = std::env::var_os("JOBLAKE_PYTHON") else {
        eprintln!("JOBLAKE_PYTHON is not set: skipping the independent Delta reader check");
        return;
    };
    let t = refreshed_demo(120).await;
    let seen = read_by_python(&python, &t).await;
    for (table, info) in &seen {
        assert_eq!(info["reader"], "pyarrow", "{table}: {info}");
    }
    assert_eq!(
        seen["silver.job_postings"]["partitions"],
        serde_json::json!(["posted_month"])
    );
}

/// After an incremental refresh that replaced rows by key: the tables analysts query are
/// still read by pyarrow (their merges wrote files again, and their protocol needs no reader
/// feature: `lake::rewrite`), the ones only models read (`deletion_vectors: keep`) by
/// DataFusion; and the change data feed of the merged tables replays their merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_reads_every_table_and_the_change_feed_after_an_incremental_refresh() {
    let Some(python) = std::env::var_os("JOBLAKE_PYTHON") else {
        eprintln!("JOBLAKE_PYTHON is not set: skipping the independent Delta reader check");
        return;
    };
    let t = temp_lake();
    joblake::pipeline::generate(&t.lake, &postings_spec(7, 2_000), &[], 2)
        .await
        .expect("generates");
    run_refresh(&t.lake, false).await;
    let replaced = ["silver.job_postings", "gold.fact_job_posting"];
    let mut before = Vec::new();
    for table in replaced {
        let (layer, name) = table.split_once('.').expect("qualified");
        let version = t.lake.table(layer, name).await.expect("table").version();
        before.push(version.expect("a version"));
    }
    joblake::pipeline::generate(&t.lake, &postings_spec(8, 20), &[], 2)
        .await
        .expect("generates");
    let report = run_refresh(&t.lake, false).await;
    for table in replaced {
        assert!(
            merged(&report, table),
            "{table}'s rows were replaced by key"
        );
    }

    let seen = read_by_python(&python, &t).await;
    let models = joblake::project::model::load_models(&joblake::project::Project::embedded())
        .expect("models");
    for (table, info) in &seen {
        let kept = models
            .iter()
            .any(|m| &m.qualified() == table && m.keep_deletion_vectors);
        if !kept {
            assert_eq!(
                (info["reader"].as_str(), info["reader_version"].as_u64()),
                (Some("pyarrow"), Some(1)),
                "{table}: {info}"
            );
        }
    }
    assert!(
        seen.values().any(|info| info["reader"] == "datafusion"),
        "a table that keeps its vectors needs the feature: {seen:?}"
    );

    for (table, from) in replaced.into_iter().zip(before) {
        let (layer, name) = table.split_once('.').expect("qualified");
        let to = t.lake.table(layer, name).await.expect("table").version();
        let path = t.dir.path().join(layer).join(name);
        let replay: serde_json::Value = python_json(
            &python,
            "replay_changes.py",
            &[
                path.to_str().expect("a UTF-8 path"),
                &from.to_string(),
                &to.expect("a version").to_string(),
            ],
        );
        assert_eq!(replay["equal"], true, "{table}: {replay}");
        assert_eq!(replay["deleted_not_there"], 0, "{table}: {replay}");
        assert!(
            replay["inserted"].as_u64() > Some(0) && replay["deleted"].as_u64() > Some(0),
            "{table}: {replay}"
        );
    }
}

/// Every data file of silver and gold is written as `joblake::lake::parquet` says: Zstandard,
/// row groups bounded (delta-rs alone writes Snappy, one row group per file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_files_are_zstd_in_bounded_row_groups() {
    use deltalake::parquet::basic::Compression;
    use deltalake::parquet::file::reader::{FileReader, SerializedFileReader};
    use joblake::lake::parquet::ROW_GROUP_ROWS;

    let t = refreshed_demo(120).await;

    let mut files = 0;
    for layer in ["silver", "gold"] {
        for name in t.lake.list_tables(layer).await.expect("listing") {
            for path in data_files(&t.lake, layer, &name).await {
                let reader = SerializedFileReader::new(std::fs::File::open(&path).expect("file"))
                    .expect("parquet");
                for group in reader.metadata().row_groups() {
                    assert!(group.num_rows() <= ROW_GROUP_ROWS as i64, "{layer}.{name}");
                    for column in group.columns() {
                        assert!(
                            matches!(column.compression(), Compression::ZSTD(_)),
                            "{}: {:?} is {:?}",
                            path.display(),
                            column.column_path(),
                            column.compression()
                        );
                    }
                }
                files += 1;
            }
        }
    }
    assert!(files > 20, "a file per table at least: {files}");
}

/// The data files of the latest version of a local lake's table.
async fn data_files(
    lake: &joblake::lake::Lake,
    layer: &str,
    name: &str,
) -> Vec<std::path::PathBuf> {
    let table = lake.table(layer, name).await.expect("table");
    let snapshot = table.snapshot().expect("snapshot");
    let url = lake.table_url(layer, name).expect("table URL");
    snapshot
        .log_data()
        .iter()
        // The log's paths are relative to the table, percent-encoded as URLs are.
        .map(|file| {
            url.join(&file.path())
                .expect("file URL")
                .to_file_path()
                .expect("a local file")
        })
        .collect()
}

/// A model that ends in `ORDER BY` keeps that order in its files (delta-rs, planning the
/// query itself, dropped it): `gold.bridge_posting_skill` is stored by skill, then posting.
#[tokio::test]
async fn an_ordered_model_keeps_its_order_in_its_files() {
    use deltalake::arrow::array::Int64Array;
    use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let t = refreshed_demo(120).await;

    let mut rows = 0;
    for path in data_files(&t.lake, "gold", "bridge_posting_skill").await {
        let file = std::fs::File::open(&path).expect("file");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("parquet")
            .build()
            .expect("reader");
        let mut keys: Vec<(i64, i64)> = Vec::new();
        for batch in reader {
            let batch = batch.expect("batch");
            let column = |name: &str| {
                batch
                    .column_by_name(name)
                    .and_then(|c| c.as_any().downcast_ref::<Int64Array>().cloned())
                    .expect("an i64 column")
            };
            let (skill, posting) = (column("skill_key"), column("posting_key"));
            keys.extend(
                skill
                    .values()
                    .iter()
                    .copied()
                    .zip(posting.values().iter().copied()),
            );
        }
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{}: rows out of (skill_key, posting_key) order",
            path.display()
        );
        rows += keys.len();
    }
    assert_eq!(
        i64::try_from(rows).expect("rows"),
        query_i64(&t.lake, "SELECT count(*) FROM gold.bridge_posting_skill").await
    );
    assert!(rows > 100, "the demo's bridge has rows: {rows}");
}
