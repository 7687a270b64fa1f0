//! Rows replaced by rewriting the files that hold them (copy-on-write), with the change in
//! the table's change data feed: how a merge replaces rows in a table analysts query.
//!
//! Deletion vectors (`super::deletion_vectors`) leave the files in place, but they add the
//! `deletionVectors` reader feature to the table's protocol for good, and readers that lack
//! it refuse the table even once no file carries a vector (Python's `deltalake`
//! `to_pyarrow_table` / `to_pandas`, the most common way to open a Delta table from Python,
//! refused every merged gold table after an incremental refresh). Here each partition that
//! holds a replaced row is written again, its kept rows and the new rows of that partition,
//! in one commit: the protocol stays at reader version 1, and the table is as a compaction
//! leaves it. The small files of a partition become one; a large file is written by a writer
//! of its own, all at once (a lone large file cut by its row groups, one part per core).
//!
//! The rows the commit deleted and added are also written as change data files
//! (`_change_data/`, `cdc` actions, `_change_type` `delete` or `insert`: the Delta
//! protocol's change data feed, turned on with `delta.enableChangeDataFeed`). The tables
//! built from this one find the keys to compute again in them (`super::inputs::row_changes`)
//! instead of comparing versions, and any Delta reader can follow the changes
//! (`DeltaTable.load_cdf` in Python, `table_changes` in Spark).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use deltalake::DeltaTable;
use deltalake::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use deltalake::arrow::compute::{cast, filter_record_batch};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::datafile::writer::{DeltaWriter, WriterConfig};
use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::{Action, Add, AddCDCFile};
use deltalake::parquet::arrow::ArrowWriter;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use deltalake::parquet::file::properties::WriterProperties;
use object_store::ObjectStoreExt;
use roaring::RoaringTreemap;

use super::deletion_vectors::{
    FRAGMENT_BYTES, KeyedFile, Replaced, commit_merge, cores, keyed_files, read_vector,
    with_partition_values,
};
use crate::error::{Error, Result};

/// The table property that turns the change data feed on.
pub const CHANGE_DATA_FEED: &str = "delta.enableChangeDataFeed";

/// The column of a change data file that says what happened to its row.
pub const CHANGE_TYPE: &str = "_change_type";

/// Where change data files go, under the table.
pub const CHANGE_DATA_DIR: &str = "_change_data";

/// Replaces, in one commit, every row of `table` whose `key` column holds one of `keys` by
/// `rows` (which should hold the new rows of those keys, and only those): every file holding
/// such a row is removed, and each partition it was in written again (its other rows, then
/// the new rows of that partition, in parts that `writers` spreads over the cores); new rows
/// of other partitions go in new files. The rows
/// deleted and added are written to the change data feed, which is turned on first, in a
/// commit of its own, when it is not yet. `key` is a text column of the files (not a
/// partition column). Returns the table at the new version.
pub async fn replace_rows(
    table: DeltaTable,
    key: &str,
    keys: &HashSet<String>,
    rows: Vec<RecordBatch>,
    writer_properties: WriterProperties,
    properties: CommitProperties,
    writers: Writers,
) -> Result<(DeltaTable, Replaced)> {
    let table = with_change_data_feed(table).await?;
    let snapshot = table.snapshot()?.clone();
    let partition_columns = snapshot.metadata().partition_columns().to_vec();
    if partition_columns.iter().any(|c| c == key) {
        return Err(Error::Config(format!(
            "rows are replaced by a column of the files, not by the partition column {key}"
        )));
    }
    // The partitions to write, by their values (sorted by column, for a stable order).
    let mut partitions: BTreeMap<PartitionValues, Partition> = BTreeMap::new();
    let mut removes = Vec::new();
    let clock = std::time::Instant::now();
    for file in keyed_files(&table, key, keys).await? {
        let values = sorted(&file.add.partition_values);
        removes.push(file.remove.clone());
        partitions.entry(values).or_default().files.push(file);
    }
    let mut replaced = Replaced {
        files_touched: removes.len(),
        ..Replaced::default()
    };
    for batch in rows {
        replaced.added += batch.num_rows();
        for (values, part) in split_by_partition(&batch, &partition_columns)? {
            partitions.entry(values).or_default().rows.push(part);
        }
    }
    if partitions.is_empty() {
        return Ok((table, replaced));
    }
    let found = clock.elapsed().as_secs_f64();
    let (config, schema) =
        super::parquet::stored_writer(&table, &partition_columns, writer_properties.clone())
            .await?;
    let changes_schema = change_schema(&snapshot, &partition_columns);
    let engine = table.log_store().engine(None);
    let split = split_into(removes.len(), writers.cores);
    let mut plans = Vec::new();
    for (values, partition) in partitions {
        plans.push((
            values,
            plan_parts(partition, split, writers, &engine, &table)?,
        ));
    }
    // Every part of every partition at once, one per core.
    let permits = Arc::new(tokio::sync::Semaphore::new(writers.cores.max(1)));
    let writing: Vec<(PartitionValues, Vec<_>)> = plans
        .into_iter()
        .map(|(values, parts)| {
            let tasks = parts
                .into_iter()
                .map(|part| {
                    let (table, config, schema, changes_schema) = (
                        table.clone(),
                        config.clone(),
                        Arc::clone(&schema),
                        Arc::clone(&changes_schema),
                    );
                    let permits = Arc::clone(&permits);
                    tokio::spawn(async move {
                        let _permit = permits.acquire_owned().await;
                        write_part(&table, part, (config, schema), &changes_schema).await
                    })
                })
                .collect();
            (values, tasks)
        })
        .collect();
    let mut actions: Vec<Action> = removes.into_iter().map(Action::Remove).collect();
    for (values, tasks) in writing {
        let mut changes = Vec::new();
        for task in tasks {
            let written = task
                .await
                .map_err(|e| Error::Internal(format!("rewriting a partition: {e}")))??;
            replaced.deleted += written.deleted;
            actions.extend(written.adds.into_iter().map(Action::Add));
            changes.extend(written.changes);
        }
        let change = write_change_file(&table, &values, changes, writer_properties.clone()).await?;
        actions.extend(change.map(Action::Cdc));
    }
    let written = clock.elapsed().as_secs_f64();
    let table = commit_merge(table, &snapshot, key, keys.len(), actions, properties).await?;
    tracing::debug!(
        "rows replaced: files found in {found:.2} s, written by {:.2} s, committed by {:.2} s",
        written,
        clock.elapsed().as_secs_f64()
    );
    Ok((table, replaced))
}

/// How a merge spreads the writing of the partitions it writes again.
#[derive(Debug, Clone, Copy)]
pub struct Writers {
    /// Parts written at once (and the cores a lone large file is cut for).
    pub cores: usize,
    /// A file at least this large is written again by a writer of its own, and cut into parts
    /// of at least this size; smaller files share one ([`FRAGMENT_BYTES`] by default: the size
    /// under which a file counts as a fragment to compact).
    pub own_writer_bytes: i64,
}

impl Default for Writers {
    /// One part per core of this machine; fragments are files under [`FRAGMENT_BYTES`].
    fn default() -> Self {
        Self {
            cores: cores(),
            own_writer_bytes: FRAGMENT_BYTES,
        }
    }
}

/// `table` with its change data feed on (a commit setting [`CHANGE_DATA_FEED`], which adds
/// the `changeDataFeed` writer feature; readers need nothing new).
pub async fn with_change_data_feed(table: DeltaTable) -> Result<DeltaTable> {
    let on = table
        .snapshot()?
        .metadata()
        .configuration()
        .get(CHANGE_DATA_FEED)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if on {
        return Ok(table);
    }
    Ok(table
        .set_tbl_properties()
        .with_properties(HashMap::from([(
            CHANGE_DATA_FEED.to_string(),
            "true".to_string(),
        )]))
        .await?)
}

/// A partition's values: (column, value as the log writes it), sorted by column.
type PartitionValues = Vec<(String, Option<String>)>;

/// What one partition is written from.
#[derive(Default)]
struct Partition {
    /// Its files that hold rows of the keys replaced.
    files: Vec<KeyedFile>,
    /// The new rows that belong to it.
    rows: Vec<RecordBatch>,
}

/// A data file written again, fetched once for every part that reads it.
struct Source {
    file: KeyedFile,
    /// Rows a vector deleted before (a merge of an earlier version, interrupted before its
    /// compaction): neither kept nor changes.
    before: RoaringTreemap,
    /// The positions of its rows of the keys replaced.
    deleted: RoaringTreemap,
    bytes: tokio::sync::OnceCell<Bytes>,
}

impl Source {
    /// The file's bytes, fetched by the first part that needs them.
    async fn bytes(&self, table: &DeltaTable) -> Result<Bytes> {
        let fetched = self
            .bytes
            .get_or_try_init(|| async {
                let path = deltalake::Path::from_url_path(&self.file.add.path)
                    .map_err(|e| self.failed(e.to_string()))?;
                Ok::<_, Error>(table.object_store().get(&path).await?.bytes().await?)
            })
            .await?;
        Ok(fetched.clone())
    }

    fn failed(&self, message: String) -> Error {
        Error::DeletionVector {
            file: self.file.add.path.clone(),
            message,
        }
    }
}

/// What one writer writes: the kept rows of some row groups of some files (`k` of `n`: the
/// `k`-th of `n` even shares of a file's row groups), and new rows.
#[derive(Default)]
struct Part {
    reads: Vec<(Arc<Source>, usize, usize)>,
    rows: Vec<RecordBatch>,
}

/// Into how many parts a file may be cut, when `files` are written again on `cores`: one
/// writer per file already keeps the cores busy when there are as many files as cores, and a
/// table of one large file (`silver.listing_history`, unpartitioned) would otherwise be
/// written again by one core.
fn split_into(files: usize, cores: usize) -> usize {
    cores.checked_div(files).unwrap_or(1).max(1)
}

/// The parts a partition is written in. A file of at least `writers.own_writer_bytes` is
/// written by a writer of its own (cut into up to `split` parts of its row groups, each at
/// least that size), so that the files of a partition are written at once and a large
/// partition stays in files of the size it had; smaller files (the fragments merges leave) and
/// the partition's new rows share one writer, which makes them one file, as a compaction
/// would (with no fragment, the new rows go with the last part: no new fragment either).
fn plan_parts(
    partition: Partition,
    split: usize,
    writers: Writers,
    engine: &Arc<dyn delta_kernel::Engine>,
    table: &DeltaTable,
) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut shared = Part::default();
    for file in partition.files {
        let before = match &file.add.deletion_vector {
            Some(dv) => read_vector(dv, engine, table.table_url())?,
            None => RoaringTreemap::new(),
        };
        let size = file.add.size;
        let source = Arc::new(Source {
            deleted: file.positions.iter().copied().collect(),
            before,
            file,
            bytes: tokio::sync::OnceCell::new(),
        });
        if size < writers.own_writer_bytes {
            shared.reads.push((source, 0, 1));
            continue;
        }
        let shares = size / writers.own_writer_bytes.max(1);
        let n = split.min(usize::try_from(shares).unwrap_or(1)).max(1);
        for k in 0..n {
            parts.push(Part {
                reads: vec![(Arc::clone(&source), k, n)],
                rows: Vec::new(),
            });
        }
    }
    match parts.last_mut() {
        Some(last) if shared.reads.is_empty() => last.rows = partition.rows,
        _ => {
            shared.rows = partition.rows;
            parts.push(shared);
        }
    }
    Ok(parts)
}

/// What writing a part left.
struct Written {
    /// Its new data files.
    adds: Vec<Add>,
    /// The rows deleted and added, as change data rows.
    changes: Vec<RecordBatch>,
    /// Rows deleted.
    deleted: u64,
}

/// Writes a part's kept rows (those of its row groups not of the keys, and not deleted by a
/// vector before) and its new rows to new files; returns them with the rows deleted and added
/// as change data rows (in `changes_schema`'s types).
async fn write_part(
    table: &DeltaTable,
    part: Part,
    (config, schema): (WriterConfig, SchemaRef),
    changes_schema: &SchemaRef,
) -> Result<Written> {
    let mut writer = DeltaWriter::new(table.object_store(), config);
    let mut changes = Vec::new();
    let mut deleted_rows = 0;
    for (source, k, n) in part.reads {
        let bytes = source.bytes(table).await?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .map_err(|e| source.failed(e.to_string()))?;
        let groups = builder.metadata().row_groups();
        let (first, last) = (k * groups.len() / n, (k + 1) * groups.len() / n);
        if first == last {
            continue;
        }
        let mut row: u64 = groups[..first]
            .iter()
            .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
            .sum();
        let reader = builder
            .with_row_groups((first..last).collect())
            .build()
            .map_err(|e| source.failed(e.to_string()))?;
        let (deleted, before) = (&source.deleted, &source.before);
        for batch in reader {
            let batch = batch?;
            let rows = row..row + batch.num_rows() as u64;
            row = rows.end;
            let keep: BooleanArray = rows
                .clone()
                .map(|i| Some(!deleted.contains(i) && !before.contains(i)))
                .collect();
            let gone: BooleanArray = rows
                .map(|i| Some(deleted.contains(i) && !before.contains(i)))
                .collect();
            let kept = filter_record_batch(&batch, &keep)?;
            if kept.num_rows() > 0 {
                let kept = with_partition_values(kept, &source.file.add, &schema)?;
                writer
                    .write(&super::parquet::conform(kept, &schema)?)
                    .await?;
            }
            let gone = filter_record_batch(&batch, &gone)?;
            if gone.num_rows() > 0 {
                deleted_rows += gone.num_rows() as u64;
                changes.push(change_rows(gone, changes_schema, "delete")?);
            }
        }
    }
    for batch in part.rows {
        writer
            .write(&super::parquet::conform(batch.clone(), &schema)?)
            .await?;
        changes.push(change_rows(batch, changes_schema, "insert")?);
    }
    Ok(Written {
        adds: writer.close().await?,
        changes,
        deleted: deleted_rows,
    })
}

/// The columns of a change data file: the table's data columns (partition columns left out:
/// the `cdc` action holds them) in the plain types of its Delta schema. The rows deleted are
/// a filter of the rows read, and a filtered string view still holds every string of the
/// batch it was read in: kept until the partition's change file is written, the views of a
/// few deleted rows per batch held the whole file decoded (a merge of `job_postings` peaked
/// at 4.1-6.1 GB at 10M). A cast to plain strings copies only the rows kept.
fn change_schema(
    snapshot: &deltalake::table::state::DeltaTableState,
    partition_columns: &[String],
) -> SchemaRef {
    let fields: Vec<_> = snapshot
        .snapshot()
        .arrow_schema()
        .fields()
        .iter()
        .filter(|f| !partition_columns.contains(f.name()))
        .cloned()
        .collect();
    Arc::new(Schema::new(fields))
}

/// `batch`'s columns of `data_schema` ([`change_schema`]) with the [`CHANGE_TYPE`] column set
/// to `kind`.
fn change_rows(batch: RecordBatch, data_schema: &SchemaRef, kind: &str) -> Result<RecordBatch> {
    let batch = super::parquet::conform(batch, data_schema)?;
    let mut fields = data_schema.fields().to_vec();
    fields.push(Arc::new(Field::new(CHANGE_TYPE, DataType::Utf8, false)));
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(StringArray::from(vec![kind; batch.num_rows()])));
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// Writes `changes` (rows of one partition, of one schema) to one change data file; returns
/// its action (None when there are no rows).
async fn write_change_file(
    table: &DeltaTable,
    values: &[(String, Option<String>)],
    changes: Vec<RecordBatch>,
    writer_properties: WriterProperties,
) -> Result<Option<AddCDCFile>> {
    let Some(first) = changes.first() else {
        return Ok(None);
    };
    let failed = |message: String| Error::DeletionVector {
        file: CHANGE_DATA_DIR.to_string(),
        message,
    };
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, first.schema(), Some(writer_properties))
        .map_err(|e| failed(e.to_string()))?;
    for batch in &changes {
        writer.write(batch).map_err(|e| failed(e.to_string()))?;
    }
    writer.close().map_err(|e| failed(e.to_string()))?;
    let path = format!(
        "{CHANGE_DATA_DIR}/cdc-00000-{}.c000.zstd.parquet",
        uuid::Uuid::new_v4()
    );
    let size = bytes.len() as i64;
    table
        .object_store()
        .put(&deltalake::Path::from(path.as_str()), bytes.into())
        .await?;
    Ok(Some(AddCDCFile {
        path,
        size,
        partition_values: values.iter().cloned().collect(),
        data_change: false,
        tags: None,
    }))
}

/// A file's partition values, sorted by column.
fn sorted(values: &HashMap<String, Option<String>>) -> PartitionValues {
    let mut values: Vec<_> = values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    values.sort();
    values
}

/// `batch`'s rows by the values of its partition columns, as text (as the log writes them:
/// Delta's text of a date or a number is Arrow's cast to text), sorted by column.
fn split_by_partition(
    batch: &RecordBatch,
    partition_columns: &[String],
) -> Result<Vec<(PartitionValues, RecordBatch)>> {
    if batch.num_rows() == 0 {
        return Ok(Vec::new());
    }
    if partition_columns.is_empty() {
        return Ok(vec![(Vec::new(), batch.clone())]);
    }
    let mut columns = partition_columns.to_vec();
    columns.sort();
    let texts = columns
        .iter()
        .map(|c| {
            let column = batch.column_by_name(c).ok_or_else(|| {
                Error::Config(format!("the new rows have no partition column {c}"))
            })?;
            Ok(cast(column, &DataType::Utf8)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let texts: Vec<&StringArray> = texts
        .iter()
        .map(|t| {
            t.as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| Error::Internal("a cast to text is not text".into()))
        })
        .collect::<Result<_>>()?;
    let mut groups: BTreeMap<Vec<Option<String>>, Vec<bool>> = BTreeMap::new();
    for row in 0..batch.num_rows() {
        let values: Vec<Option<String>> = texts
            .iter()
            .map(|t| t.is_valid(row).then(|| t.value(row).to_string()))
            .collect();
        groups
            .entry(values)
            .or_insert_with(|| vec![false; batch.num_rows()])[row] = true;
    }
    groups
        .into_iter()
        .map(|(values, mask)| {
            let rows = filter_record_batch(batch, &BooleanArray::from(mask))?;
            Ok((columns.iter().cloned().zip(values).collect(), rows))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::{ListBuilder, StringViewArray, StringViewBuilder};

    /// A deleted row read with a batch of long strings: its change row must not keep the
    /// batch's strings (the 10M merge's peak came from views of a few rows per batch).
    #[test]
    fn change_rows_hold_only_their_own_strings() {
        let text = |i: usize| format!("{i:04}{}", "x".repeat(2_000));
        let titles: StringViewArray = (0..1_000).map(|i| Some(text(i))).collect();
        let mut skills = ListBuilder::new(StringViewBuilder::new());
        for i in 0..1_000 {
            skills.values().append_value(text(i));
            skills.append(true);
        }
        let read = Arc::new(Schema::new(vec![
            Field::new("title", DataType::Utf8View, true),
            Field::new_list(
                "skills",
                Field::new_list_field(DataType::Utf8View, true),
                true,
            ),
        ]));
        let batch = RecordBatch::try_new(read, vec![Arc::new(titles), Arc::new(skills.finish())])
            .expect("a batch");
        let one: BooleanArray = (0..1_000).map(|i| Some(i == 500)).collect();
        let gone = filter_record_batch(&batch, &one).expect("a filter");
        // The filter alone keeps the batch's strings: what the change rows must not do.
        assert!(gone.get_array_memory_size() > 1_000_000);
        let table = Arc::new(Schema::new(vec![
            Field::new("title", DataType::Utf8, true),
            Field::new_list("skills", Field::new_list_field(DataType::Utf8, true), true),
        ]));
        let change = change_rows(gone, &table, "delete").expect("change rows");
        assert_eq!(change.num_rows(), 1);
        assert!(
            change.get_array_memory_size() < 20_000,
            "{} bytes for one row",
            change.get_array_memory_size()
        );
        let title = cast(change.column(0), &DataType::Utf8).expect("text");
        assert_eq!(
            title
                .as_any()
                .downcast_ref::<StringArray>()
                .map(|t| t.value(0).to_string()),
            Some(text(500))
        );
    }
}
