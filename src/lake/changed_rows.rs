//! Some columns of the rows a table gained or lost between two versions, read from the files
//! its commits wrote ([`super::inputs::row_changes`]): the data files appends and merges
//! added, the positions merges marked deleted in older files, and the change data files of
//! merges that rewrote files. A compaction since (files rewritten, no row changed) is looked
//! through: the files it removed are still in the table's directory until a vacuum.
//!
//! Gained rows are those of the added files and of the change data files (whose deleted rows
//! come along: a superset); lost rows those at the marked positions and of the change data
//! files (inserted rows along). That is what checks over the changed rows of a table need
//! (`transform::checks`): every row gained or lost is there.

use std::collections::HashSet;
use std::sync::Arc;

use deltalake::DeltaTable;
use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::compute::{cast, filter_record_batch};
use deltalake::arrow::datatypes::{Field, Schema, SchemaRef};
use roaring::RoaringTreemap;

use super::deletion_vectors::{file_permits, for_each_key, read_columns, read_vector};
use super::inputs::RowChanges;
use crate::error::{Error, Result};

/// Which rows of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Rows the table gained.
    Gained,
    /// Rows the table lost.
    Lost,
}

/// The `columns` of the rows `changes` of `table` (at its latest version, loaded) made it
/// gain or lose, typed as the table declares them. A column the files do not hold (a
/// partition column) is an error.
pub async fn read(
    table: &DeltaTable,
    changes: &RowChanges,
    columns: &[String],
    side: Side,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let declared = table.snapshot()?.snapshot().arrow_schema();
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| {
            declared
                .field_with_name(c)
                .map(|f| f.clone().with_nullable(true))
                .map_err(|_| Error::Internal(format!("no column {c}")))
        })
        .collect::<Result<_>>()?;
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let files = changed_files(table, changes, &[side])?;
    let store = table.object_store();
    let reads = at_once(files, "reading changed rows", |(path, positions)| {
        let (store, schema) = (Arc::clone(&store), Arc::clone(&schema));
        async move { read_file(&store, &path, &schema, positions.as_ref()).await }
    })
    .await?;
    let batches = reads.into_iter().flatten().collect();
    Ok((schema, batches))
}

/// The `key` values of the rows `changes` added (every row of the files added) and deleted
/// (the rows each marked file's vector took away since its vector before), the files read
/// side by side. `table` is the table the changes are of (loaded or not).
pub async fn changed_keys(
    table: &DeltaTable,
    changes: &RowChanges,
    key: &str,
) -> Result<HashSet<String>> {
    let files = changed_files(table, changes, &[Side::Gained, Side::Lost])?;
    let store = table.object_store();
    let reads = at_once(files, "reading a file's keys", |(path, positions)| {
        let (store, key) = (Arc::clone(&store), key.to_string());
        async move {
            let mut keys = Vec::new();
            for_each_key(&store, &path, &key, |row, value| {
                if let Some(v) = value
                    && positions.as_ref().is_none_or(|p| p.contains(row))
                {
                    keys.push(v.to_string());
                }
            })
            .await
            .map(|()| keys)
        }
    })
    .await?;
    Ok(reads.into_iter().flatten().collect())
}

/// Each file holding rows of `sides` of `changes`, with the positions of those rows (None: all
/// of them): the change data files (both sides: a superset), the added files for the rows
/// gained, the rows each marked file's vector took away since its vector before for the rows
/// lost.
fn changed_files(
    table: &DeltaTable,
    changes: &RowChanges,
    sides: &[Side],
) -> Result<Vec<(String, Option<RoaringTreemap>)>> {
    let mut files: Vec<(String, Option<RoaringTreemap>)> = changes
        .change_files
        .iter()
        .map(|p| (p.clone(), None))
        .collect();
    if sides.contains(&Side::Gained) {
        files.extend(changes.added.iter().map(|p| (p.clone(), None)));
    }
    if sides.contains(&Side::Lost) {
        let engine = table.log_store().engine(None);
        let url = table.table_url().clone();
        for marked in &changes.marked {
            let mut deleted = read_vector(&marked.after, &engine, &url)?;
            if let Some(before) = &marked.before {
                deleted -= read_vector(before, &engine, &url)?;
            }
            files.push((marked.path.clone(), Some(deleted)));
        }
    }
    Ok(files)
}

/// `read` of each of `files`, a task each, as many at once as [`file_permits`] allows (each
/// file is fetched whole); the results in the files' order. `what` names the work in an error.
async fn at_once<F, Fut, T>(
    files: Vec<(String, Option<RoaringTreemap>)>,
    what: &str,
    read: F,
) -> Result<Vec<T>>
where
    F: Fn((String, Option<RoaringTreemap>)) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let permits = file_permits();
    let tasks: Vec<_> = files
        .into_iter()
        .map(|file| {
            let (permits, read) = (Arc::clone(&permits), read(file));
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                read.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(
            task.await
                .map_err(|e| Error::Internal(format!("{what}: {e}")))??,
        );
    }
    Ok(out)
}

/// The columns of `schema` of the rows of the data file at `path` (relative to the table),
/// those at `positions` only when given (from 0, in file order).
async fn read_file(
    store: &Arc<dyn deltalake::ObjectStore>,
    path: &str,
    schema: &SchemaRef,
    positions: Option<&RoaringTreemap>,
) -> Result<Vec<RecordBatch>> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let reader = read_columns(store, path, &names).await?;
    let mut out = Vec::new();
    let mut row: u64 = 0;
    for batch in reader {
        let batch = batch?;
        let len = batch.num_rows() as u64;
        let batch = match positions {
            None => batch,
            Some(positions) => {
                let keep: deltalake::arrow::array::BooleanArray = (row..row + len)
                    .map(|r| Some(positions.contains(r)))
                    .collect();
                filter_record_batch(&batch, &keep)?
            }
        };
        row += len;
        if batch.num_rows() == 0 {
            continue;
        }
        let columns = schema
            .fields()
            .iter()
            .map(|f| {
                let column =
                    batch
                        .column_by_name(f.name())
                        .ok_or_else(|| Error::DeletionVector {
                            file: path.to_string(),
                            message: format!("no column {}", f.name()),
                        })?;
                Ok(cast(column, f.data_type())?)
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(RecordBatch::try_new(Arc::clone(schema), columns)?);
    }
    Ok(out)
}
