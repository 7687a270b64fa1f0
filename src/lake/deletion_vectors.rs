//! Rows replaced in place: the rows of some keys are marked deleted in the files that hold
//! them (Delta deletion vectors) and their new rows added in new files, in one commit.
//!
//! A Delta table written copy-on-write rewrites every file that holds a changed row. An
//! increment of 1% of the postings touches postings in every file, so a merge that way
//! rewrites the table (docs/performance.md, "Why the incremental refresh misses its target").
//! Here the files stay: each touched file is re-added with a deletion vector, the set of its
//! row positions that no longer count, and readers skip them (delta-rs's `DeltaScanNext`
//! applies them; the cluster's file lists refuse such a table, `engine::cluster::table`).
//! [`compact`] and [`purge`] take the vectors away again (compaction reads through them):
//! a refresh does so right after a merge of a table analysts query, and once a table that
//! keeps its vectors passes a bound of small files or deleted rows ([`compact_past`], from
//! `transform::merge`); `joblake maintain` does so for every table.
//!
//! The vectors of one commit go in one file beside the data files
//! (`deletion_vector_<uuid>.bin`, the Delta protocol's format, written by the Delta kernel
//! that delta-rs bundles); a file already carrying a vector gets the union of both.

use std::collections::HashSet;
use std::sync::Arc;

use delta_kernel::actions::deletion_vector::{
    DeletionVectorDescriptor as KernelDescriptor, DeletionVectorStorageType,
};
use delta_kernel::actions::deletion_vector_writer::{
    KernelDeletionVector, StreamingDeletionVectorWriter,
};
use deltalake::DeltaTable;
use deltalake::arrow::array::{Array, AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafile::writer::DeltaWriter;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, DeletionVectorDescriptor, StorageType, TableFeatures};
use deltalake::parquet::arrow::ProjectionMask;
use deltalake::parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use deltalake::protocol::DeltaOperation;
use object_store::ObjectStoreExt;
use roaring::RoaringTreemap;

use crate::error::{Error, Result};

/// What [`replace_rows`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replaced {
    /// Rows marked deleted by this commit (rows deleted before not counted).
    pub deleted: u64,
    /// Files that got a (new or larger) deletion vector.
    pub files_touched: usize,
    /// Rows added.
    pub added: usize,
}

/// Replaces, in one commit, every row of `table` whose `key` column holds one of `keys` by
/// `rows` (which should hold the new rows of those keys, and only those). `key` is a text
/// column of the files (not a partition column). Turns the table's `deletionVectors`
/// feature on first, in a commit of its own, when it is not yet on. Returns the table at the
/// new version.
pub async fn replace_rows(
    mut table: DeltaTable,
    key: &str,
    keys: &HashSet<String>,
    rows: Vec<RecordBatch>,
    writer_properties: deltalake::parquet::file::properties::WriterProperties,
    properties: CommitProperties,
) -> Result<(DeltaTable, Replaced)> {
    if !has_deletion_vectors_feature(&table)? {
        table = table
            .add_feature()
            .with_feature(TableFeatures::DeletionVectors)
            .with_allow_protocol_versions_increase(true)
            .await?;
    }
    let snapshot = table.snapshot()?.clone();
    if snapshot
        .metadata()
        .partition_columns()
        .iter()
        .any(|c| c == key)
    {
        return Err(Error::Config(format!(
            "rows are replaced by a column of the files, not by the partition column {key}"
        )));
    }
    let store = table.object_store();
    let table_url = table.table_url().clone();
    let engine = table.log_store().engine(None);
    let mut actions = Vec::new();
    let mut dv_bytes = Vec::new();
    let mut writer = StreamingDeletionVectorWriter::new(&mut dv_bytes);
    let dv_uuid = uuid::Uuid::new_v4();
    let mut replaced = Replaced::default();
    for KeyedFile {
        add,
        remove,
        positions,
    } in keyed_files(&table, key, keys).await?
    {
        let before = match &add.deletion_vector {
            Some(dv) => read_vector(dv, &engine, &table_url)?,
            None => RoaringTreemap::new(),
        };
        let mut union = before.clone();
        union.extend(positions);
        if union.len() == before.len() {
            continue; // every matching row was deleted already
        }
        replaced.deleted += union.len() - before.len();
        replaced.files_touched += 1;
        let mut vector = KernelDeletionVector::new();
        vector.add_deleted_row_indexes(union.iter());
        let written = writer
            .write_deletion_vector(vector)
            .map_err(|e| Error::DeletionVector {
                file: add.path.clone(),
                message: e.to_string(),
            })?;
        actions.push(Action::Remove(remove));
        actions.push(Action::Add(Add {
            data_change: true,
            deletion_vector: Some(DeletionVectorDescriptor {
                storage_type: StorageType::UuidRelativePath,
                path_or_inline_dv: z85::encode(dv_uuid.as_bytes()),
                offset: Some(written.offset),
                size_in_bytes: written.size_in_bytes,
                cardinality: written.cardinality,
            }),
            ..add
        }));
    }
    writer.finalize().map_err(|e| Error::DeletionVector {
        file: format!("deletion_vector_{dv_uuid}.bin"),
        message: e.to_string(),
    })?;
    if !actions.is_empty() {
        let path = deltalake::Path::from(format!("deletion_vector_{dv_uuid}.bin"));
        store.put(&path, dv_bytes.into()).await?;
    }
    let added = rows.iter().map(RecordBatch::num_rows).sum();
    if added > 0 {
        let partition_columns = snapshot.metadata().partition_columns().to_vec();
        let (config, schema) =
            super::parquet::stored_writer(&table, &partition_columns, writer_properties).await?;
        let mut rows_writer = DeltaWriter::new(store, config);
        for batch in rows {
            if batch.num_rows() == 0 {
                continue;
            }
            rows_writer
                .write(&super::parquet::conform(batch, &schema)?)
                .await?;
        }
        actions.extend(rows_writer.close().await?.into_iter().map(Action::Add));
    }
    replaced.added = added;
    if actions.is_empty() {
        return Ok((table, replaced));
    }
    let table = commit_merge(table, &snapshot, key, keys.len(), actions, properties).await?;
    Ok((table, replaced))
}

/// Commits a merge's `actions` (rows of `keys` keys of `key` replaced) on `snapshot`;
/// returns `table` at the new version.
pub(super) async fn commit_merge(
    mut table: DeltaTable,
    snapshot: &deltalake::table::state::DeltaTableState,
    key: &str,
    keys: usize,
    actions: Vec<Action>,
    properties: CommitProperties,
) -> Result<DeltaTable> {
    let operation = DeltaOperation::Merge {
        predicate: None,
        merge_predicate: Some(format!("{key} in {keys} keys")),
        matched_predicates: Vec::new(),
        not_matched_predicates: Vec::new(),
        not_matched_by_source_predicates: Vec::new(),
    };
    CommitBuilder::from(properties)
        .with_actions(actions)
        .build(Some(snapshot), table.log_store(), operation)
        .await?;
    table.update_incremental(None).await?;
    Ok(table)
}

/// How many data files are read (or rewritten) at once: one per core, so that a table of
/// gigabytes is not held in memory whole.
pub(super) fn file_permits() -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(cores()))
}

/// The cores files are read or written on at once (2 when the machine does not say).
pub(super) fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A data file holding rows of the keys a replacement takes away.
pub(super) struct KeyedFile {
    /// The file's action as the log holds it (re-added with a vector, or rewritten).
    pub add: Add,
    /// The action that removes it.
    pub remove: deltalake::kernel::Remove,
    /// The positions (from 0, in file order) of its rows of those keys.
    pub positions: Vec<u64>,
}

/// The data files of `table`'s loaded version that hold rows whose `key` is in `keys`, with
/// their positions. Every file's key column is read side by side (a task a file: decoding is
/// the cost), a few at a time: each is fetched whole, and a table of ten million postings is
/// gigabytes.
pub(super) async fn keyed_files(
    table: &DeltaTable,
    key: &str,
    keys: &HashSet<String>,
) -> Result<Vec<KeyedFile>> {
    let store = table.object_store();
    let shared_keys = Arc::new(keys.clone());
    let permits = file_permits();
    let reads: Vec<_> = table
        .snapshot()?
        .log_data()
        .iter()
        .map(|file| {
            #[allow(deprecated)]
            let add = file.add_action();
            let (store, key, keys, permits) = (
                Arc::clone(&store),
                key.to_string(),
                Arc::clone(&shared_keys),
                Arc::clone(&permits),
            );
            let read = tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let positions = key_positions(&store, &add, &key, &keys).await;
                (add, positions)
            });
            (file.remove_action(true), read)
        })
        .collect();
    let mut files = Vec::new();
    for (remove, read) in reads {
        let (add, positions) = read
            .await
            .map_err(|e| Error::Internal(format!("reading a file's keys: {e}")))?;
        let positions = positions?;
        if !positions.is_empty() {
            files.push(KeyedFile {
                add,
                remove,
                positions,
            });
        }
    }
    Ok(files)
}

/// A data file this small counts as a fragment: the files a merge adds (a 1% increment's rows
/// of one partition), not those a full write or a compaction leaves (a month of
/// `silver.job_postings` at a million postings is files of about 24 MB).
pub const FRAGMENT_BYTES: i64 = 16 * 1024 * 1024;

/// How far a table's files have drifted from what a compaction leaves: small files piling up
/// in a partition, and rows its deletion vectors mark deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fragmentation {
    /// The most files under [`FRAGMENT_BYTES`] that one partition holds.
    pub small_files: usize,
    /// Rows the files' deletion vectors mark deleted.
    pub deleted_rows: u64,
    /// Rows of the files, deleted ones included (from the files' statistics).
    pub rows: u64,
}

/// When a refresh compacts a table it replaced rows in: past any bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactAt {
    /// More small files than this in one partition.
    pub small_files: usize,
    /// More than this share of the rows marked deleted.
    pub deleted_share: f64,
    /// Any row marked deleted once the table holds more rows than this (None: no such bound).
    pub any_deleted_past_rows: Option<u64>,
}

impl CompactAt {
    /// For a table that keeps its vectors, in a lake whose steps run in passes of `pass_rows`
    /// rows (`EngineSettings::pass_rows_in_effect`). A step reading it in passes decodes each
    /// file that carries a vector whole in every pass (delta-rs reads such files without the
    /// pass's filter), so once the table is larger than a pass a vector costs more at the next
    /// refresh than compacting it now: at 10M postings (23 passes) a +1% refresh took 467 s
    /// after `joblake maintain` (41.5 s) against 572 s before it, and each refresh was slower
    /// than the one before while vectors piled up (docs/performance.md). Without passes:
    /// [`CompactAt::KEPT_VECTORS`].
    pub fn kept_vectors(pass_rows: Option<u64>) -> CompactAt {
        CompactAt {
            any_deleted_past_rows: pass_rows,
            ..CompactAt::KEPT_VECTORS
        }
    }

    /// For a table whose merges leave their vectors (`deletion_vectors: keep`, read by models
    /// only, side by side through the vectors: `engine::dv_scan`): a merge of 1% new postings
    /// adds a small file and marks under 1% of the rows deleted, so the table is compacted
    /// about every 32nd merge instead of growing until `joblake maintain`.
    pub const KEPT_VECTORS: CompactAt = CompactAt {
        small_files: 32,
        deleted_share: 0.25,
        any_deleted_past_rows: None,
    };

    /// For a table whose merges write files again (`super::rewrite`): no vectors, and each
    /// merge leaves a file of new rows in the partitions they enter that held none of the
    /// replaced rows (a new month). Compacted once one holds more than a few of them, as a
    /// partition in several files reads slower (docs/performance.md).
    pub const REWRITTEN: CompactAt = CompactAt {
        small_files: 4,
        deleted_share: 1.0,
        any_deleted_past_rows: None,
    };
}

impl Fragmentation {
    /// The fragmentation of `table`'s loaded version.
    pub fn of(table: &DeltaTable) -> Result<Fragmentation> {
        let mut small: std::collections::HashMap<Vec<Option<String>>, usize> =
            std::collections::HashMap::new();
        let mut fragmentation = Fragmentation::default();
        for file in table.snapshot()?.log_data().iter() {
            fragmentation.rows += file.num_records().unwrap_or(0) as u64;
            if let Some(dv) = file.deletion_vector_descriptor() {
                fragmentation.deleted_rows += dv.cardinality.max(0) as u64;
            }
            if file.size() < FRAGMENT_BYTES {
                let mut partition: Vec<_> = file.partition_values_map().into_iter().collect();
                partition.sort();
                let key = partition.into_iter().map(|(_, v)| v).collect();
                *small.entry(key).or_default() += 1;
            }
        }
        fragmentation.small_files = small.into_values().max().unwrap_or(0);
        Ok(fragmentation)
    }

    /// The share of the rows marked deleted.
    pub fn deleted_share(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.deleted_rows as f64 / self.rows as f64
        }
    }

    /// True when past any bound of `at`.
    pub fn exceeds(&self, at: CompactAt) -> bool {
        self.small_files > at.small_files
            || self.deleted_share() > at.deleted_share
            || (self.deleted_rows > 0 && at.any_deleted_past_rows.is_some_and(|r| self.rows > r))
    }
}

/// [`compact`]s `table` when its [`Fragmentation`] exceeds `at`; returns the table and the
/// fragmentation it had when it was compacted (`None`: left as it is).
pub async fn compact_past(
    table: DeltaTable,
    at: CompactAt,
    writer_properties: deltalake::parquet::file::properties::WriterProperties,
) -> Result<(DeltaTable, Option<Fragmentation>)> {
    let fragmentation = Fragmentation::of(&table)?;
    if !fragmentation.exceeds(at) {
        return Ok((table, None));
    }
    Ok((
        compact(table, writer_properties).await?,
        Some(fragmentation),
    ))
}

/// After rows were replaced: each partition's files compacted (the marked files with the new
/// rows' files, through the vectors, as `joblake maintain` does), then the files compaction
/// left alone purged ([`purge`]). The table holds plain files again, as many as before the
/// replacement: a query over `silver.job_postings` at 1M postings took 120–134 ms with a
/// month in three files (one large, two of new rows) and 88–104 ms once compacted.
pub async fn compact(
    table: DeltaTable,
    writer_properties: deltalake::parquet::file::properties::WriterProperties,
) -> Result<DeltaTable> {
    let (table, _) = table
        .optimize()
        .with_writer_properties(writer_properties.clone())
        .await?;
    Ok(purge(table, writer_properties).await?.0)
}

/// Rewrites every file of `table` that carries a deletion vector without the rows it
/// removes, in one commit that changes no row (`dataChange: false`, as compaction does):
/// compaction leaves a file alone when it is over its target size or alone in its partition,
/// and such a file would keep its vector. Returns the table and how many files were purged.
pub async fn purge(
    mut table: DeltaTable,
    writer_properties: deltalake::parquet::file::properties::WriterProperties,
) -> Result<(DeltaTable, usize)> {
    let snapshot = table.snapshot()?.clone();
    let mut marked = Vec::new();
    for file in snapshot.log_data().iter() {
        #[allow(deprecated)]
        let add = file.add_action();
        if add.deletion_vector.is_some() {
            marked.push((add, file.remove_action(false)));
        }
    }
    if marked.is_empty() {
        return Ok((table, 0));
    }
    // A file a task, on the runtime's threads: decoding and encoding are the cost (a month
    // of job_postings at 1M postings is one file).
    let permits = file_permits();
    let tasks: Vec<_> = marked
        .iter()
        .map(|(add, _)| {
            let (table, add, properties) = (table.clone(), add.clone(), writer_properties.clone());
            let permits = Arc::clone(&permits);
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                rewrite_without_deleted(&table, &add, properties).await
            })
        })
        .collect();
    let mut actions = Vec::new();
    for task in tasks {
        let adds = task
            .await
            .map_err(|e| Error::Internal(format!("purging a file: {e}")))??;
        actions.extend(adds.into_iter().map(|add| {
            Action::Add(Add {
                data_change: false,
                ..add
            })
        }));
    }
    let purged = marked.len();
    actions.extend(marked.into_iter().map(|(_, remove)| Action::Remove(remove)));
    CommitBuilder::default()
        .with_actions(actions)
        .build(
            Some(&snapshot),
            table.log_store(),
            DeltaOperation::Optimize {
                predicate: None,
                target_size: 0,
            },
        )
        .await?;
    table.update_incremental(None).await?;
    Ok((table, purged))
}

/// Writes the rows of the data file `add` that its deletion vector keeps to new files of
/// `table`; returns their actions (not committed).
async fn rewrite_without_deleted(
    table: &DeltaTable,
    add: &Add,
    writer_properties: deltalake::parquet::file::properties::WriterProperties,
) -> Result<Vec<Add>> {
    let Some(dv) = &add.deletion_vector else {
        return Ok(Vec::new());
    };
    let engine = table.log_store().engine(None);
    let deleted = read_vector(dv, &engine, table.table_url())?;
    let failed = |message: String| Error::DeletionVector {
        file: add.path.clone(),
        message,
    };
    let path = deltalake::Path::from_url_path(&add.path).map_err(|e| failed(e.to_string()))?;
    let bytes = table.object_store().get(&path).await?.bytes().await?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|b| b.build())
        .map_err(|e| failed(e.to_string()))?;
    let partition_columns = table.snapshot()?.metadata().partition_columns().to_vec();
    let (config, schema) =
        super::parquet::stored_writer(table, &partition_columns, writer_properties).await?;
    let mut rows_writer = DeltaWriter::new(table.object_store(), config);
    let mut row: u64 = 0;
    for batch in reader {
        let batch = batch?;
        let keep: deltalake::arrow::array::BooleanArray = (0..batch.num_rows() as u64)
            .map(|i| Some(!deleted.contains(row + i)))
            .collect();
        row += batch.num_rows() as u64;
        let kept = deltalake::arrow::compute::filter_record_batch(&batch, &keep)?;
        if kept.num_rows() == 0 {
            continue;
        }
        let kept = with_partition_values(kept, add, &schema)?;
        rows_writer
            .write(&super::parquet::conform(kept, &schema)?)
            .await?;
    }
    Ok(rows_writer.close().await?)
}

/// A file's rows with its partition columns (which Delta keeps in the log, not in the file),
/// as the table's schema types them.
pub(super) fn with_partition_values(
    batch: RecordBatch,
    add: &Add,
    schema: &deltalake::arrow::datatypes::SchemaRef,
) -> Result<RecordBatch> {
    let mut fields = batch.schema().fields().to_vec();
    let mut columns = batch.columns().to_vec();
    for (name, value) in &add.partition_values {
        if batch.column_by_name(name).is_some() {
            continue;
        }
        let field = schema.field_with_name(name)?;
        let text =
            deltalake::arrow::array::StringArray::from(vec![value.clone(); batch.num_rows()]);
        columns.push(cast(&text, field.data_type())?);
        fields.push(Arc::new(field.clone()));
    }
    let schema = Arc::new(deltalake::arrow::datatypes::Schema::new(fields));
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// Whether `table`'s protocol has the `deletionVectors` reader feature.
fn has_deletion_vectors_feature(table: &DeltaTable) -> Result<bool> {
    let snapshot = table.snapshot()?;
    Ok(snapshot
        .protocol()
        .reader_features()
        .is_some_and(|f| f.contains(&delta_kernel::table_features::TableFeature::DeletionVectors)))
}

/// The positions (from 0, in file order) of the rows of a data file whose `key` is in `keys`.
async fn key_positions(
    store: &Arc<dyn deltalake::ObjectStore>,
    add: &Add,
    key: &str,
    keys: &HashSet<String>,
) -> Result<Vec<u64>> {
    let mut positions = Vec::new();
    for_each_key(store, &add.path, key, |row, value| {
        if value.is_some_and(|v| keys.contains(v)) {
            positions.push(row);
        }
    })
    .await?;
    Ok(positions)
}

/// Calls `f` with the position (from 0, in file order) and the `key` value, as text, of every
/// row of the data file at `path` (relative to the table whose `store` it is). The file is
/// fetched whole and only its key column decoded (on S3 a ranged read of that column would
/// fetch less: a next step).
pub async fn for_each_key(
    store: &Arc<dyn deltalake::ObjectStore>,
    path: &str,
    key: &str,
    mut f: impl FnMut(u64, Option<&str>),
) -> Result<()> {
    let reader = read_columns(store, path, &[key]).await?;
    let mut row: u64 = 0;
    for batch in reader {
        let batch = batch?;
        let column = cast(batch.column(0), &DataType::Utf8)?;
        let values = column.as_string::<i32>();
        for i in 0..values.len() {
            f(row + i as u64, values.is_valid(i).then(|| values.value(i)));
        }
        row += values.len() as u64;
    }
    Ok(())
}

/// A reader of the columns `names` of the data file at `path` (relative to the table whose
/// `store` it is), in the file's order of columns. The file is fetched whole.
pub(super) async fn read_columns(
    store: &Arc<dyn deltalake::ObjectStore>,
    path: &str,
    names: &[&str],
) -> Result<ParquetRecordBatchReader> {
    let failed = |message: String| Error::DeletionVector {
        file: path.to_string(),
        message,
    };
    let location = deltalake::Path::from_url_path(path).map_err(|e| failed(e.to_string()))?;
    let bytes = store.get(&location).await?.bytes().await?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| failed(e.to_string()))?;
    let indices = names
        .iter()
        .map(|name| {
            builder
                .schema()
                .fields()
                .iter()
                .position(|f| f.name() == name)
                .ok_or_else(|| failed(format!("no column {name}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
    builder
        .with_projection(mask)
        .build()
        .map_err(|e| failed(e.to_string()))
}

/// The row positions a file's current deletion vector removes, read by the Delta kernel.
pub(super) fn read_vector(
    dv: &DeletionVectorDescriptor,
    engine: &Arc<dyn delta_kernel::Engine>,
    table_url: &url::Url,
) -> Result<RoaringTreemap> {
    let storage_type = match dv.storage_type {
        StorageType::UuidRelativePath => DeletionVectorStorageType::PersistedRelative,
        StorageType::Inline => DeletionVectorStorageType::Inline,
        StorageType::AbsolutePath => DeletionVectorStorageType::PersistedAbsolute,
    };
    let descriptor = KernelDescriptor {
        storage_type,
        path_or_inline_dv: dv.path_or_inline_dv.clone(),
        offset: dv.offset,
        size_in_bytes: dv.size_in_bytes,
        cardinality: dv.cardinality,
    };
    descriptor
        .read(engine.storage_handler(), table_url)
        .map_err(|e| Error::DeletionVector {
            file: dv.path_or_inline_dv.clone(),
            message: e.to_string(),
        })
}
