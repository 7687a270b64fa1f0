//! How the data files of every Delta table are written: the one set of Parquet writer
//! properties that the refresh, its steps, the `meta.*` tables and compaction share.
//!
//! delta-rs's defaults are Snappy and DataFusion's row-group bound of 1,048,576 rows, which at
//! a million postings put each table file in one row group: the writer buffers a whole file
//! before it flushes, and a reader can neither skip part of a file by its statistics nor split
//! it. Measured at 1M postings (docs/performance.md): Zstandard level 1 with row groups of
//! 131,072 rows takes the same time to write and to query, silver and gold take 44% less
//! space (797 → 458 MB), and the peak memory of a refresh falls (4.16 → 3.91 GB full,
//! 3.18 → 2.18 GB incremental).
//!
//! Rows a merge adds to a table (`super::rewrite`, `super::deletion_vectors`) are written in the
//! Arrow types its files already hold ([`stored_writer`]), not in the plain types of its Delta
//! schema.

use std::sync::Arc;

use delta_kernel::table_properties::DataSkippingNumIndexedCols;
use deltalake::DeltaTable;
use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use deltalake::datafile::writer::WriterConfig;
use deltalake::parquet::arrow::parquet_to_arrow_schema;
use deltalake::parquet::basic::{Compression, ZstdLevel};
use deltalake::parquet::file::metadata::ParquetMetaDataReader;
use deltalake::parquet::file::properties::WriterProperties;
use object_store::ObjectStoreExt;

use crate::error::{Error, Result};

/// Rows per row group, at most: the size DuckDB writes (122,880) rounded to a power of two.
/// The writer holds one row group per open file in memory before it writes it out.
pub const ROW_GROUP_ROWS: usize = 131_072;

/// The Zstandard level: at 1, job-posting tables take 44% less space than with Snappy at the
/// same write speed here (docs/performance.md); higher levels were not measured.
pub const ZSTD_LEVEL: i32 = 1;

/// The writer properties of every Delta data file joblake writes.
pub fn writer_properties() -> WriterProperties {
    // Levels 1..=22 are valid; the constant is one of them.
    let level = ZstdLevel::try_new(ZSTD_LEVEL).unwrap_or_default();
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("joblake {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// `batch` as a table's writer takes it: the columns of `schema`, found by name, cast to its
/// types (a query gives string views where a table holds strings), with its field names and
/// nullability. Unchanged when it already has that schema.
pub fn conform(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    if batch.schema().fields() == schema.fields() {
        return Ok(batch);
    }
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let column = batch.column_by_name(field.name()).ok_or_else(|| {
                ArrowError::SchemaError(format!("the rows have no column {}", field.name()))
            })?;
            if column.data_type() == field.data_type() {
                Ok(Arc::clone(column))
            } else {
                cast(column, field.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(Arc::clone(schema), columns)
}

/// How rows are added to `table` (a merge's new rows, a partition written again): in the
/// Arrow types its data files hold (a full write stores string views and dictionaries as the
/// query gave them, and a file of plain strings read 25–30% slower: `silver/search_titles`
/// took 139–167 ms at 1M against 106–117 ms), taken from the footer of its smallest file;
/// with the table's statistics settings. Returns delta-rs's writer configuration and the
/// schema batches are written in (partition columns included).
pub async fn stored_writer(
    table: &DeltaTable,
    partition_columns: &[String],
    writer_properties: WriterProperties,
) -> Result<(WriterConfig, SchemaRef)> {
    let snapshot = table.snapshot()?;
    let table_schema = snapshot.snapshot().arrow_schema();
    let stored = match snapshot.log_data().iter().min_by_key(|f| f.size()) {
        Some(file) => Some(stored_schema(table, file.path().as_ref(), file.size() as u64).await?),
        None => None,
    };
    // The table's columns in its order, each typed as the files hold it (or as the table
    // declares it: a partition column, one no file has).
    let fields: Vec<_> = table_schema
        .fields()
        .iter()
        .map(|field| {
            stored
                .as_ref()
                .and_then(|s| s.field_with_name(field.name()).ok())
                .filter(|_| !partition_columns.contains(field.name()))
                .map_or_else(
                    || Arc::clone(field),
                    |f| Arc::new(f.clone().with_nullable(field.is_nullable())),
                )
        })
        .collect();
    let configuration = snapshot.metadata().configuration();
    let indexed = configuration
        .get("delta.dataSkippingNumIndexedCols")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(deltalake::table::config::DEFAULT_NUM_INDEX_COLS);
    let stats_columns = configuration
        .get("delta.dataSkippingStatsColumns")
        .map(|v| v.split(',').map(str::to_string).collect());
    let schema = Arc::new(Schema::new(fields));
    let config = WriterConfig::new(
        Arc::clone(&schema),
        partition_columns.to_vec(),
        Some(writer_properties),
        None,
        None,
        DataSkippingNumIndexedCols::NumColumns(indexed),
        stats_columns,
    );
    Ok((config, schema))
}

/// The Arrow schema a data file stores (its footer's, read alone: two ranged reads).
async fn stored_schema(table: &DeltaTable, path: &str, size: u64) -> Result<SchemaRef> {
    let failed = |message: String| Error::DeletionVector {
        file: path.to_string(),
        message,
    };
    let location = deltalake::Path::from_url_path(path).map_err(|e| failed(e.to_string()))?;
    let store = table.object_store();
    if size < 8 {
        return Err(failed("shorter than a Parquet footer".into()));
    }
    let tail = store.get_range(&location, size - 8..size).await?;
    let tail: [u8; 8] = tail
        .as_ref()
        .try_into()
        .map_err(|_| failed("no Parquet footer".into()))?;
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if &tail[4..] != b"PAR1" || footer + 8 > size {
        return Err(failed("not a Parquet file".into()));
    }
    let bytes = store
        .get_range(&location, size - 8 - footer..size - 8)
        .await?;
    let metadata =
        ParquetMetaDataReader::decode_metadata(&bytes).map_err(|e| failed(e.to_string()))?;
    let file = metadata.file_metadata();
    let schema = parquet_to_arrow_schema(file.schema_descr(), file.key_value_metadata())
        .map_err(|e| failed(e.to_string()))?;
    Ok(Arc::new(schema))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use deltalake::arrow::array::{Int64Array, RecordBatch};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};
    use deltalake::parquet::arrow::ArrowWriter;
    use deltalake::parquet::file::reader::{FileReader, SerializedFileReader};

    use super::*;

    #[test]
    fn files_are_zstd_in_bounded_row_groups() {
        let rows = ROW_GROUP_ROWS * 2 + 10;
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let values = Int64Array::from_iter_values(0..i64::try_from(rows).unwrap());
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).unwrap();
        let mut bytes = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut bytes, schema, Some(writer_properties())).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.num_row_groups(), 3, "two full row groups and the rest");
        for group in meta.row_groups() {
            assert!(group.num_rows() <= ROW_GROUP_ROWS as i64);
            assert!(matches!(
                group.column(0).compression(),
                Compression::ZSTD(_)
            ));
        }
        assert!(
            meta.file_metadata()
                .created_by()
                .unwrap()
                .starts_with("joblake ")
        );
    }
}
