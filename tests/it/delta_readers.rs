//! The silver and gold tables are real Delta tables: Python's `deltalake` (with pyarrow) opens
//! every one and sees the same rows and versions as joblake. Needs `JOBLAKE_PYTHON`, a Python
//! with `deltalake` installed (`.ci/run` makes one); unset, the test says so and passes over.

use std::collections::BTreeMap;

use joblake::pipeline::land_demo;

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_deltalake_reads_every_table() {
    let Some(python) = std::env::var_os("JOBLAKE_PYTHON") else {
        eprintln!("JOBLAKE_PYTHON is not set: skipping the independent Delta reader check");
        return;
    };
    let t = temp_lake();
    land_demo(&t.lake, &small_demo(120))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/read_delta.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(t.dir.path())
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("json from the script");
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
    assert_eq!(
        seen["silver.job_postings"]["partitions"],
        serde_json::json!(["posted_month"])
    );
}

/// Every data file of silver and gold is written as `joblake::lake::parquet` says: Zstandard,
/// row groups bounded (delta-rs alone writes Snappy, one row group per file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_files_are_zstd_in_bounded_row_groups() {
    use deltalake::parquet::basic::Compression;
    use deltalake::parquet::file::reader::{FileReader, SerializedFileReader};
    use joblake::lake::parquet::ROW_GROUP_ROWS;

    let t = temp_lake();
    land_demo(&t.lake, &small_demo(120))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;

    let mut files = 0;
    for layer in ["silver", "gold"] {
        for name in t.lake.list_tables(layer).await.expect("listing") {
            let table = t.lake.table(layer, &name).await.expect("table");
            let snapshot = table.snapshot().expect("snapshot");
            for file in snapshot.log_data().iter() {
                // The log's paths are relative to the table, percent-encoded as URLs are.
                let path = t
                    .lake
                    .table_url(layer, &name)
                    .expect("table URL")
                    .join(&file.path())
                    .expect("file URL")
                    .to_file_path()
                    .expect("a local file");
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
