//! Rows replaced by key. In place with deletion vectors (`joblake::lake::deletion_vectors`,
//! for tables only models read): the engine's reads see the new rows and not the old, the
//! files stay, earlier versions keep their rows, a second replacement adds to a file's
//! vector, and a full refresh and `maintain` take such a table back to plain files, and a
//! merged table is compacted once its small files or deleted rows pass a bound. By writing
//! the files that hold them again (`joblake::lake::rewrite`, for tables analysts query): the
//! same rows, no vector and no reader feature, and the change in the change data feed. The
//! rows a table's merges changed are read back from their commits
//! (`joblake::lake::inputs::row_changes`).

use std::collections::HashSet;

use deltalake::arrow::array::{Array, AsArray};

use joblake::lake::changed_rows::changed_keys;
use joblake::lake::deletion_vectors::{
    CompactAt, Fragmentation, compact_past, purge, replace_rows,
};
use joblake::lake::inputs::row_changes;
use joblake::lake::rewrite;
use joblake::maintain::{self, MaintainSettings};

use crate::util::*;

const TITLES: &str = "SELECT posting_id, title FROM silver.job_postings ORDER BY posting_id";
const EDITED: &str = "SELECT * REPLACE (title || ' (edited)' AS title) FROM silver.job_postings";

/// The rows of `keys` as they are now, their titles marked.
async fn edited_rows(
    lake: &joblake::lake::Lake,
    keys: &[String],
) -> Vec<deltalake::arrow::array::RecordBatch> {
    let list: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    query(
        lake,
        &format!("{EDITED} WHERE posting_id IN ({})", list.join(", ")),
    )
    .await
}

/// `silver.job_postings` holds `rows` rows, each posting once.
async fn each_posting_once(lake: &joblake::lake::Lake, rows: i64) {
    let total = query_i64(lake, "SELECT count(*) FROM silver.job_postings").await;
    let postings = query_i64(
        lake,
        "SELECT count(DISTINCT posting_id) FROM silver.job_postings",
    )
    .await;
    assert_eq!((total, postings), (rows, rows), "rows, postings");
}

/// The data files of `table`'s loaded version.
fn file_paths(table: &deltalake::DeltaTable) -> HashSet<String> {
    table
        .snapshot()
        .expect("snapshot")
        .log_data()
        .iter()
        .map(|f| f.path().to_string())
        .collect()
}

/// The Arrow types the data files `paths` of `silver.job_postings` store, as `column: type`.
fn stored_types(t: &TempLake, paths: &HashSet<String>) -> std::collections::BTreeSet<String> {
    let mut types = std::collections::BTreeSet::new();
    for path in paths {
        let file = t.dir.path().join("silver/job_postings").join(path);
        let file = std::fs::File::open(&file).expect("a data file");
        let reader =
            deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .expect("parquet");
        for field in reader.schema().fields() {
            types.insert(format!("{}: {}", field.name(), field.data_type()));
        }
    }
    types
}

/// A table after a replacement, and what it replaced.
type Replacement = (
    deltalake::DeltaTable,
    joblake::lake::deletion_vectors::Replaced,
);

/// How rows are replaced.
#[derive(Clone, Copy)]
enum How {
    /// In place, with deletion vectors (`replace_rows`).
    Vectors,
    /// By writing the files that hold them again (`rewrite::replace_rows`).
    Rewrite,
}

/// Replaces the rows of `keys` in `silver.job_postings` by their edited rows.
async fn edit(lake: &joblake::lake::Lake, keys: &[String], how: How) -> Replacement {
    let new_rows = edited_rows(lake, keys).await;
    replace(lake, keys, new_rows, how).await
}

/// Replaces the rows of `keys` in `silver.job_postings` by `rows`.
async fn replace(
    lake: &joblake::lake::Lake,
    keys: &[String],
    rows: Vec<deltalake::arrow::array::RecordBatch>,
    how: How,
) -> Replacement {
    let table = lake.table("silver", "job_postings").await.expect("table");
    let keys: HashSet<String> = keys.iter().cloned().collect();
    let properties = joblake::lake::parquet::writer_properties();
    if let How::Rewrite = how {
        rewrite::replace_rows(
            table,
            "posting_id",
            &keys,
            rows,
            properties,
            Default::default(),
            rewrite::Writers::default(),
        )
        .await
    } else {
        replace_rows(
            table,
            "posting_id",
            &keys,
            rows,
            properties,
            Default::default(),
        )
        .await
    }
    .expect("replaced")
}

/// The count of rows of `silver.job_postings` among `keys` whose title was edited.
fn edited(keys: &[String]) -> String {
    let list: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    format!(
        "SELECT count(*) FROM silver.job_postings WHERE title LIKE '% (edited)' AND posting_id IN ({})",
        list.join(", ")
    )
}

/// The keys of `column` that the commits of `silver.job_postings` after `from`, up to `to`,
/// changed, sorted; None when they are not read from the log.
async fn logged_keys(
    lake: &joblake::lake::Lake,
    from: u64,
    to: u64,
    column: &str,
) -> Option<Vec<String>> {
    let changes = row_changes(lake, "silver", "job_postings", from, to)
        .await
        .expect("log read")?;
    let table = lake.table("silver", "job_postings").await.expect("table");
    let mut keys: Vec<String> = changed_keys(&table, &changes, column)
        .await
        .expect("keys read")
        .into_iter()
        .collect();
    keys.sort();
    Some(keys)
}

/// The first `n` posting ids of `silver.job_postings`.
async fn posting_ids(lake: &joblake::lake::Lake, n: usize) -> Vec<String> {
    let batches = query(
        lake,
        &format!("SELECT posting_id FROM silver.job_postings ORDER BY posting_id LIMIT {n}"),
    )
    .await;
    let ids: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            let c = deltalake::arrow::compute::cast(
                b.column(0),
                &deltalake::arrow::datatypes::DataType::Utf8,
            )
            .expect("text");
            let c = c.as_string::<i32>().clone();
            (0..c.len())
                .map(|i| c.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ids.len(), n);
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_replaced_with_deletion_vectors_read_as_new_and_old_versions_keep_theirs() {
    let t = refreshed_demo(120).await;
    let rows = query_i64(&t.lake, "SELECT count(*) FROM silver.job_postings").await;
    let ids = posting_ids(&t.lake, 5).await;
    let table = t.lake.table("silver", "job_postings").await.expect("table");
    let before = table.version().expect("version");
    let files_before = file_paths(&table);

    // The first three postings replaced by their edited rows.
    let (table, replaced) = edit(&t.lake, &ids[..3], How::Vectors).await;
    assert_eq!(replaced.deleted, 3, "{replaced:?}");
    assert_eq!(replaced.added, 3, "{replaced:?}");
    assert!(replaced.files_touched >= 1);
    assert!(files_with_vectors(&table) >= 1, "the files carry vectors");
    let first_version = table.version().expect("version");
    let files_after = file_paths(&table);
    assert!(
        files_before.is_subset(&files_after),
        "no file was rewritten: every earlier file is still in the table"
    );
    // The new rows' files store the types the others do (string views), as a rewrite's.
    let added: HashSet<String> = files_after.difference(&files_before).cloned().collect();
    assert!(!added.is_empty());
    assert_eq!(stored_types(&t, &added), stored_types(&t, &files_before));
    each_posting_once(&t.lake, rows).await;
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 3);
    // Read file by file in parallel (engine::dv_scan), not as delta-rs plans it: one group.
    let plan = query_text(
        &t.lake,
        "EXPLAIN SELECT count(*) FROM silver.job_postings WHERE title LIKE '%a%'",
    )
    .await;
    assert!(plan.contains("DeltaScanExec"), "{plan}");
    assert!(
        plan.contains(" groups: ["),
        "files spread over groups: {plan}"
    );
    // The version before (the feature was turned on in a commit of its own, after it) reads
    // the rows as they were.
    assert_eq!(
        query_i64(
            &t.lake,
            &format!(
                "SELECT count(*) FROM table_at('silver.job_postings', {before}) WHERE title LIKE '% (edited)'"
            ),
        )
        .await,
        0
    );

    // Again: one posting already replaced (its new row is in a new file) and one not. Its old
    // row, deleted already, stays deleted; its newer row goes.
    let (_, replaced) = edit(&t.lake, &[ids[0].clone(), ids[4].clone()], How::Vectors).await;
    assert_eq!(replaced.deleted, 2, "{replaced:?}");
    each_posting_once(&t.lake, rows).await;
    assert_eq!(
        query_i64(
            &t.lake,
            &format!(
                "SELECT count(*) FROM silver.job_postings WHERE title LIKE '% (edited) (edited)' AND posting_id = '{}'",
                ids[0]
            ),
        )
        .await,
        1,
        "the row replaced twice holds the second edit"
    );
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 4);

    // A restore (what a refresh whose data tests fail does) takes the vectors back with the
    // rows: to the first replacement, then to before it.
    let restored = |version: u64| {
        let lake = t.lake.clone();
        async move {
            lake.table("silver", "job_postings")
                .await
                .expect("table")
                .restore()
                .with_version_to_restore(version)
                .await
                .expect("restored");
        }
    };
    restored(first_version).await;
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 3);
    each_posting_once(&t.lake, rows).await;
    restored(before).await;
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 0);
    each_posting_once(&t.lake, rows).await;
    edit(&t.lake, &ids[..3], How::Vectors).await;
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 3);

    // The files with vectors rewritten without the rows they remove: the same rows, in a
    // commit that changes none.
    let titles = || query_text(&t.lake, TITLES);
    let answer = titles().await;
    let table = t.lake.table("silver", "job_postings").await.expect("table");
    let with_vectors = files_with_vectors(&table);
    assert!(with_vectors >= 1);
    let files_before = file_paths(&table);
    let (table, purged) = purge(table, joblake::lake::parquet::writer_properties())
        .await
        .expect("purged");
    let table_version = table.version();
    assert_eq!(purged, with_vectors);
    assert_eq!(files_with_vectors(&table), 0);
    // The files written again store the types the files they replace did.
    let files_after = file_paths(&table);
    let written: HashSet<String> = files_after.difference(&files_before).cloned().collect();
    assert!(!written.is_empty());
    assert_eq!(stored_types(&t, &written), stored_types(&t, &files_before));
    assert_eq!(titles().await, answer);
    let (again, none) = purge(table, joblake::lake::parquet::writer_properties())
        .await
        .expect("nothing to purge");
    assert_eq!(none, 0);
    assert_eq!(
        again.version(),
        table_version,
        "nothing to purge: no commit"
    );

    // Compaction after it: the same rows.
    maintain::maintain(&t.lake, &MaintainSettings::default(), None)
        .await
        .expect("maintained");
    let table = t.lake.table("silver", "job_postings").await.expect("table");
    assert_eq!(files_with_vectors(&table), 0);
    assert_eq!(titles().await, answer);

    // A full refresh overwrites the table with its own rows again.
    let report = run_refresh(&t.lake, true).await;
    assert!(report.failed_tests().is_empty());
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM silver.job_postings").await,
        rows
    );
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_merges_changed_are_read_back_from_their_commits() {
    let t = refreshed_demo(120).await;
    let ids = posting_ids(&t.lake, 6).await;
    let version = |table: &deltalake::DeltaTable| table.version().expect("version");
    let start = version(&t.lake.table("silver", "job_postings").await.expect("table"));
    let (table, _) = edit(&t.lake, &ids[..3], How::Vectors).await;
    let first = version(&table);
    // ids[0] again (its row now in the file the first merge added), and ids[4].
    edit(&t.lake, &[ids[0].clone(), ids[4].clone()], How::Vectors).await;
    // ids[5] deleted, no row added: found by the vector alone.
    let (table, deleted) = replace(&t.lake, &ids[5..6], Vec::new(), How::Vectors).await;
    assert_eq!((deleted.deleted, deleted.added), (1, 0));
    // Compaction in between changes no row.
    let (table, purged) = purge(table, joblake::lake::parquet::writer_properties())
        .await
        .expect("purged");
    assert!(purged >= 1);
    let end = version(&table);
    let keys = |from: u64, to: u64| logged_keys(&t.lake, from, to, "posting_id");
    let mut want: Vec<String> = ids.iter().filter(|&id| *id != ids[3]).cloned().collect();
    want.sort();
    assert_eq!(keys(start, end).await, Some(want), "every merge");
    let mut later = vec![ids[0].clone(), ids[4].clone(), ids[5].clone()];
    later.sort();
    assert_eq!(
        keys(first, end).await,
        Some(later),
        "the merges after the first"
    );
    assert_eq!(
        keys(end - 1, end).await,
        Some(Vec::new()),
        "a purge changes no row"
    );
    // A table written whole removes its files: its changes are not read from the log.
    run_refresh(&t.lake, true).await;
    let rewritten = version(&t.lake.table("silver", "job_postings").await.expect("table"));
    assert_eq!(keys(end, rewritten).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_table_is_compacted_once_past_a_bound_and_not_before() {
    let t = refreshed_demo(120).await;
    let rows = query_i64(&t.lake, "SELECT count(*) FROM silver.job_postings").await;
    let table = t.lake.table("silver", "job_postings").await.expect("table");
    let written = Fragmentation::of(&table).expect("measured");
    assert_eq!(written.rows, rows as u64, "rows from the files' statistics");
    assert_eq!(
        written.deleted_rows, 0,
        "a full write marks nothing deleted"
    );

    // Two merges, each into the partitions of its postings: a small file more there, and
    // the rows they replace marked deleted.
    let ids = posting_ids(&t.lake, 4).await;
    edit(&t.lake, &ids[..3], How::Vectors).await;
    let (table, _) = edit(&t.lake, &ids[3..], How::Vectors).await;
    let merged = Fragmentation::of(&table).expect("measured");
    assert_eq!(merged.deleted_rows, 4, "{merged:?}");
    assert_eq!(
        merged.rows,
        rows as u64 + 4,
        "deleted rows still in the files"
    );
    assert!(merged.small_files > written.small_files, "{merged:?}");
    let answer = query_text(&t.lake, TITLES).await;

    // Within the bound: left as it is, vectors and all.
    let version = table.version();
    let (table, compacted) = compact_past(
        table,
        CompactAt {
            small_files: merged.small_files,
            deleted_share: 1.0,
            any_deleted_past_rows: None,
        },
        joblake::lake::parquet::writer_properties(),
    )
    .await
    .expect("looked at");
    assert_eq!(compacted, None);
    assert_eq!(table.version(), version, "no commit");
    assert!(files_with_vectors(&table) > 0);

    // Past it (one small file fewer allowed): compacted, the same rows in plain files.
    let (table, compacted) = compact_past(
        table,
        CompactAt {
            small_files: merged.small_files - 1,
            deleted_share: 1.0,
            any_deleted_past_rows: None,
        },
        joblake::lake::parquet::writer_properties(),
    )
    .await
    .expect("compacted");
    assert_eq!(compacted, Some(merged));
    assert_eq!(files_with_vectors(&table), 0);
    let after = Fragmentation::of(&table).expect("measured");
    assert_eq!((after.deleted_rows, after.rows), (0, rows as u64));
    assert!(!after.exceeds(CompactAt::KEPT_VECTORS), "{after:?}");
    assert_eq!(query_text(&t.lake, TITLES).await, answer);
    each_posting_once(&t.lake, rows).await;

    // Past the share of deleted rows alone.
    let (table, _) = edit(&t.lake, &ids[..1], How::Vectors).await;
    let share = Fragmentation::of(&table).expect("measured").deleted_share();
    assert!(share > 0.0);
    let (table, compacted) = compact_past(
        table,
        CompactAt {
            small_files: usize::MAX,
            deleted_share: share / 2.0,
            any_deleted_past_rows: None,
        },
        joblake::lake::parquet::writer_properties(),
    )
    .await
    .expect("compacted");
    assert!(compacted.is_some());
    assert_eq!(files_with_vectors(&table), 0);
    each_posting_once(&t.lake, rows).await;

    // Where steps read in passes: any deleted row, once the table is larger than a pass.
    assert_eq!(CompactAt::kept_vectors(None), CompactAt::KEPT_VECTORS);
    let (table, _) = edit(&t.lake, &ids[1..2], How::Vectors).await;
    let held = Fragmentation::of(&table).expect("measured");
    assert_eq!(held.deleted_rows, 1, "{held:?}");
    let (table, compacted) = compact_past(
        table,
        CompactAt::kept_vectors(Some(held.rows)),
        joblake::lake::parquet::writer_properties(),
    )
    .await
    .expect("looked at");
    assert_eq!(compacted, None, "a table of one pass keeps its vector");
    let (table, compacted) = compact_past(
        table,
        CompactAt::kept_vectors(Some(held.rows - 1)),
        joblake::lake::parquet::writer_properties(),
    )
    .await
    .expect("compacted");
    assert_eq!(compacted, Some(held));
    assert_eq!(files_with_vectors(&table), 0);
    each_posting_once(&t.lake, rows).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_replaced_by_writing_files_again_keep_the_protocol_and_feed_the_changes() {
    let t = refreshed_demo(120).await;
    let rows = query_i64(&t.lake, "SELECT count(*) FROM silver.job_postings").await;
    let ids = posting_ids(&t.lake, 6).await;
    let table = t.lake.table("silver", "job_postings").await.expect("table");
    let start = table.version().expect("version");
    let files_before = file_paths(&table);
    let titles = query_text(&t.lake, TITLES).await;

    let (table, replaced) = edit(&t.lake, &ids[..3], How::Rewrite).await;
    assert_eq!((replaced.deleted, replaced.added), (3, 3), "{replaced:?}");
    assert!(replaced.files_touched >= 1);
    let first = table.version().expect("version");
    each_posting_once(&t.lake, rows).await;
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 3);
    // No vector, and no reader feature: any Delta reader opens the table.
    assert_eq!(files_with_vectors(&table), 0);
    let snapshot = table.snapshot().expect("snapshot");
    assert_eq!(snapshot.protocol().min_reader_version(), 1);
    assert_eq!(
        snapshot
            .metadata()
            .configuration()
            .get(rewrite::CHANGE_DATA_FEED)
            .map(String::as_str),
        Some("true")
    );
    // The files that held the rows are gone from the table, the others stay.
    let files_after = file_paths(&table);
    assert_eq!(
        files_before.difference(&files_after).count(),
        replaced.files_touched
    );
    // The new files store the Arrow types the old ones did (string views, dictionaries), not
    // the plain strings of the table's Delta schema: they read slower.
    let types = |paths: &HashSet<String>| stored_types(&t, paths);
    let written: HashSet<String> = files_after.difference(&files_before).cloned().collect();
    assert!(!written.is_empty());
    assert_eq!(types(&written), types(&files_before));
    assert!(
        types(&written).iter().any(|t| t.contains("Utf8View")),
        "{:?}",
        types(&written)
    );
    // The version before reads as it was.
    assert_eq!(
        query_text(
            &t.lake,
            &TITLES.replace(
                "silver.job_postings",
                &format!("table_at('silver.job_postings', {start})")
            )
        )
        .await,
        titles
    );

    // Again, with a posting replaced already; then one deleted without a new row.
    let (_, replaced) = edit(&t.lake, &[ids[0].clone(), ids[4].clone()], How::Rewrite).await;
    assert_eq!((replaced.deleted, replaced.added), (2, 2), "{replaced:?}");
    let (table, deleted) = replace(&t.lake, &ids[5..6], Vec::new(), How::Rewrite).await;
    assert_eq!((deleted.deleted, deleted.added), (1, 0));
    each_posting_once(&t.lake, rows - 1).await;
    assert_eq!(query_i64(&t.lake, &edited(&ids)).await, 4);
    let end = table.version().expect("version");

    // The keys each commit changed, from its change data (the commit turning the feed on
    // changed none): by posting, and by another column of the rows.
    let mut want: Vec<String> = ids.iter().filter(|&id| *id != ids[3]).cloned().collect();
    want.sort();
    assert_eq!(
        logged_keys(&t.lake, start, end, "posting_id").await,
        Some(want)
    );
    let mut later = vec![ids[0].clone(), ids[4].clone(), ids[5].clone()];
    later.sort();
    assert_eq!(
        logged_keys(&t.lake, first, end, "posting_id").await,
        Some(later)
    );
    let edited_titles = logged_keys(&t.lake, end - 1, end, "title")
        .await
        .expect("read from the log");
    assert_eq!(edited_titles.len(), 1, "{edited_titles:?}");
}

/// A large file is written again in parts at once, each of its own row groups: the rows a
/// part keeps and deletes are found by their positions in the whole file, and a part whose
/// share of row groups is empty writes nothing. (`silver.listing_history` is one file at a
/// million postings: written by one core, its merge took 1.4 s.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_is_written_again_in_parts_at_once() {
    use deltalake::arrow::array::{Int64Array, RecordBatch, StringArray};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    use deltalake::parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    let t = temp_lake();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("n", DataType::Int64, false),
    ]));
    let batch = |ids: std::ops::Range<i64>, offset: i64| {
        RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(StringArray::from_iter_values(
                    ids.clone().map(|i| format!("k{i}")),
                )),
                Arc::new(Int64Array::from_iter_values(ids.map(|i| i + offset))),
            ],
        )
        .expect("batch")
    };
    // One file of 100 rows in 10 row groups.
    let table = t
        .lake
        .table("silver", "parts")
        .await
        .expect("table")
        .write(vec![batch(0..100, 0)])
        .with_writer_properties(
            WriterProperties::builder()
                .set_max_row_group_row_count(Some(10))
                .build(),
        )
        .await
        .expect("written");
    assert_eq!(file_paths(&table).len(), 1);
    // Keys in the first, a middle and the last row group, one at a row group's edge, and a
    // key no row has; their new rows, and one new key.
    let keys: HashSet<String> = ["k0", "k19", "k20", "k57", "k99", "k500"]
        .iter()
        .map(|k| k.to_string())
        .collect();
    let new_rows = vec![
        batch(0..1, 1000),
        batch(19..21, 1000),
        batch(57..58, 1000),
        batch(500..501, 1000),
    ];
    let (table, replaced) = rewrite::replace_rows(
        table,
        "id",
        &keys,
        new_rows,
        joblake::lake::parquet::writer_properties(),
        Default::default(),
        // Three cores for one file: three parts of its row groups (3, 3 and 4), each to its
        // own file, the new rows with the last. Every file counts as large here.
        rewrite::Writers {
            cores: 3,
            own_writer_bytes: 1,
        },
    )
    .await
    .expect("replaced");
    assert_eq!(
        (replaced.deleted, replaced.added, replaced.files_touched),
        (5, 5, 1),
        "{replaced:?}"
    );
    assert_eq!(file_paths(&table).len(), 3, "{:?}", file_paths(&table));
    let rows = |sql: &str| {
        let lake = &t.lake;
        let sql = sql.to_string();
        async move {
            query(lake, &sql)
                .await
                .iter()
                .flat_map(|b| {
                    let ids = deltalake::arrow::compute::cast(b.column(0), &DataType::Utf8)
                        .expect("text");
                    let ids = ids.as_string::<i32>().clone();
                    let ns = b
                        .column(1)
                        .as_primitive::<deltalake::arrow::datatypes::Int64Type>()
                        .clone();
                    (0..b.num_rows())
                        .map(move |i| (ids.value(i).to_string(), ns.value(i)))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        }
    };
    let now = rows("SELECT id, n FROM silver.parts ORDER BY n").await;
    let mut expected: Vec<(String, i64)> = (0..100)
        .map(|i| (format!("k{i}"), i))
        .filter(|(k, _)| !keys.contains(k))
        .chain(
            [0, 19, 20, 57, 500]
                .into_iter()
                .map(|i| (format!("k{i}"), i + 1000)),
        )
        .collect();
    expected.sort_by_key(|(_, n)| *n);
    assert_eq!(now, expected);
    // The change data: the five rows as they were, and as they are.
    let (deleted, inserted) = rewrite_changes(&t, &table);
    assert_eq!(deleted, vec![0, 19, 20, 57, 99]);
    assert_eq!(inserted, vec![1000, 1019, 1020, 1057, 1500]);
}

/// The `n` of the rows the change data files of `table`'s last commit deleted and inserted,
/// sorted.
fn rewrite_changes(t: &TempLake, table: &deltalake::DeltaTable) -> (Vec<i64>, Vec<i64>) {
    let version = table.version().expect("version");
    let log = t
        .dir
        .path()
        .join(format!("silver/parts/_delta_log/{version:020}.json"));
    let (mut deleted, mut inserted) = (Vec::new(), Vec::new());
    for line in std::fs::read_to_string(log).expect("commit").lines() {
        let action: serde_json::Value = serde_json::from_str(line).expect("json");
        let Some(path) = action["cdc"]["path"].as_str() else {
            continue;
        };
        let file = std::fs::File::open(t.dir.path().join("silver/parts").join(path)).expect("cdc");
        let reader =
            deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .expect("parquet")
                .build()
                .expect("reader");
        for batch in reader {
            let batch = batch.expect("batch");
            let n = batch
                .column_by_name("n")
                .expect("n")
                .as_primitive::<deltalake::arrow::datatypes::Int64Type>()
                .clone();
            let kind = deltalake::arrow::compute::cast(
                batch.column_by_name(rewrite::CHANGE_TYPE).expect("kind"),
                &deltalake::arrow::datatypes::DataType::Utf8,
            )
            .expect("text");
            let kind = kind.as_string::<i32>();
            for i in 0..batch.num_rows() {
                match kind.value(i) {
                    "delete" => deleted.push(n.value(i)),
                    "insert" => inserted.push(n.value(i)),
                    other => panic!("change type {other}"),
                }
            }
        }
    }
    deleted.sort_unstable();
    inserted.sort_unstable();
    (deleted, inserted)
}

/// A restore (how a failed refresh puts its tables back) undoes the commits after the
/// version it goes back to: the rows added since a version are those up to the restored one
/// and after the restore, so the next refresh still merges by key. (After two failed +1%
/// refreshes of a 10M lake, `posting_records`' restores made every merge compare whole
/// versions, which ran out of memory, and the tables were written whole.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_added_are_followed_across_a_restore() {
    use deltalake::arrow::array::{Int64Array, RecordBatch};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    let t = temp_lake();
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
    let batch = |n: i64| {
        RecordBatch::try_new(
            Arc::clone(&schema),
            vec![Arc::new(Int64Array::from(vec![n]))],
        )
        .expect("batch")
    };
    let append = |table: deltalake::DeltaTable, n: i64| {
        let before = file_paths(&table);
        async move {
            let table = table
                .write(vec![batch(n)])
                .with_save_mode(deltalake::protocol::SaveMode::Append)
                .await
                .expect("appended");
            let added: Vec<String> = file_paths(&table).difference(&before).cloned().collect();
            (table, added)
        }
    };
    let table = t
        .lake
        .table("silver", "grown")
        .await
        .expect("table")
        .write(vec![batch(0)])
        .await
        .expect("written"); // version 0
    let (table, one) = append(table, 1).await; // 1
    let (table, _) = append(table, 2).await; // 2: undone below
    let (table, _) = table
        .restore()
        .with_version_to_restore(1)
        .await
        .expect("restored"); // 3
    let (table, four) = append(table, 4).await; // 4
    assert_eq!(table.version(), Some(4));
    let added = |from: u64| {
        let lake = &t.lake;
        async move {
            row_changes(lake, "silver", "grown", from, 4)
                .await
                .expect("read")
                .map(|c| {
                    assert!(c.marked.is_empty() && c.change_files.is_empty());
                    let mut added = c.added;
                    added.sort();
                    added
                })
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        added(1).await,
        Some(sorted(four.clone())),
        "from the restored version"
    );
    assert_eq!(
        added(0).await,
        Some(sorted([one, four.clone()].concat())),
        "from before it"
    );
    // From a version the restore undid: its rows are gone, which appends cannot say.
    assert_eq!(added(2).await, None);
    assert_eq!(added(3).await, Some(sorted(four)), "from the restore");
}
