//! A Delta table as the cluster reads it: the Parquet files of one snapshot, resolved on the
//! client. delta-rs's own scan has no codec to reach Ballista's executors (delta-rs issue
//! 4171); a plain Parquet scan of the snapshot's files has one in DataFusion itself. The files
//! are the whole table only without deletion vectors: a table with them is refused (a refresh
//! on a cluster purges them first, `transform::run`).

use std::sync::Arc;

use async_trait::async_trait;
use deltalake::DeltaTable;
use deltalake::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use deltalake::datafusion::catalog::{Session, TableProvider};
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::datasource::TableType;
use deltalake::datafusion::datasource::listing::PartitionedFile;
use deltalake::datafusion::datasource::physical_plan::ParquetSource;
use deltalake::datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use deltalake::datafusion::datasource::source::DataSourceExec;
use deltalake::datafusion::datasource::table_schema::TableSchema;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::execution::object_store::ObjectStoreUrl;
use deltalake::datafusion::logical_expr::Expr;
use deltalake::datafusion::physical_plan::ExecutionPlan;
use serde::{Deserialize, Serialize};

use crate::bronze::table::spread;

/// One data file of the snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataFile {
    /// Path in the object store (from its root, no leading slash).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// The file's partition values, as the Delta log writes them (None: null), in the order of
    /// [`DeltaFiles::partition_columns`].
    pub partition_values: Vec<Option<String>>,
}

/// The files of one Delta snapshot, as a table DataFusion (and Ballista) can scan.
#[derive(Debug, Clone)]
pub struct DeltaFiles {
    /// The table's schema, in Delta's column order (the order SQL sees).
    schema: SchemaRef,
    /// The object store the paths are in (`file://`, `s3://bucket`).
    store_url: String,
    partition_columns: Vec<String>,
    files: Vec<DataFile>,
}

/// What [`DeltaFiles`] serializes to; the schema travels beside it in the plan.
#[derive(Serialize, Deserialize)]
pub struct DeltaFilesSpec {
    /// The object store of the files.
    pub store_url: String,
    /// Partition columns, in the order of each file's values.
    pub partition_columns: Vec<String>,
    /// The data files.
    pub files: Vec<DataFile>,
}

impl DeltaFiles {
    /// The files of `table`'s loaded snapshot, read through the provider's schema.
    pub async fn of(table: &DeltaTable) -> DfResult<DeltaFiles> {
        let schema = table.table_provider().await?.schema();
        let state = table
            .snapshot()
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        // The executors read whole files: rows a deletion vector removed would come back.
        if let Some(file) = state
            .log_data()
            .iter()
            .find(|f| f.deletion_vector_descriptor().is_some())
        {
            return Err(DataFusionError::Plan(format!(
                "{}: file {} has rows replaced in place (deletion vectors), which the cluster \
                 does not read; run `joblake maintain` (compaction) or `joblake refresh --full` \
                 on one machine first",
                table.table_url(),
                file.path()
            )));
        }
        let partition_columns = state.metadata().partition_columns().to_vec();
        let url = table.table_url();
        let store_url = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
        let root = url.path().trim_matches('/').to_string();
        let files = state
            .log_data()
            .iter()
            .map(|f| {
                let values = f.partition_values_map();
                DataFile {
                    path: format!("{root}/{}", f.path()),
                    size: f.size().max(0) as u64,
                    partition_values: partition_columns
                        .iter()
                        .map(|c| values.get(c).cloned().flatten())
                        .collect(),
                }
            })
            .collect();
        Ok(DeltaFiles {
            schema,
            store_url,
            partition_columns,
            files,
        })
    }

    /// The table back from its spec and schema (on the scheduler).
    pub fn from_spec(spec: DeltaFilesSpec, schema: SchemaRef) -> DeltaFiles {
        DeltaFiles {
            schema,
            store_url: spec.store_url,
            partition_columns: spec.partition_columns,
            files: spec.files,
        }
    }

    /// Its spec, to serialize.
    pub fn spec(&self) -> DeltaFilesSpec {
        DeltaFilesSpec {
            store_url: self.store_url.clone(),
            partition_columns: self.partition_columns.clone(),
            files: self.files.clone(),
        }
    }

    /// The schema of the Parquet files (the table's columns less the partition columns) and
    /// the partition columns, as DataFusion's file scan wants them.
    fn split_schema(&self) -> DfResult<(SchemaRef, Vec<FieldRef>)> {
        let file_fields: Vec<FieldRef> = self
            .schema
            .fields()
            .iter()
            .filter(|f| !self.partition_columns.contains(f.name()))
            .cloned()
            .collect();
        let partition_fields = self
            .partition_columns
            .iter()
            .map(|c| {
                self.schema
                    .field_with_name(c)
                    .map(|f| Arc::new(Field::clone(f)))
                    .map_err(DataFusionError::from)
            })
            .collect::<DfResult<Vec<_>>>()?;
        Ok((Arc::new(Schema::new(file_fields)), partition_fields))
    }
}

/// A partition value as the Delta log writes it (None: null), typed as the table declares the
/// column. delta-rs declares partition columns dictionary-encoded; the scan must produce the
/// declared type, or the batches would not match the plan's schema.
fn partition_value(value: Option<&str>, data_type: &DataType) -> DfResult<ScalarValue> {
    match (value, data_type) {
        (Some(v), DataType::Dictionary(key, inner)) => Ok(ScalarValue::Dictionary(
            key.clone(),
            Box::new(ScalarValue::try_from_string(v.to_string(), inner)?),
        )),
        (Some(v), t) => ScalarValue::try_from_string(v.to_string(), t),
        (None, t) => ScalarValue::try_from(t),
    }
}

#[async_trait]
impl TableProvider for DeltaFiles {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let (file_schema, partition_fields) = self.split_schema()?;
        // The scan's columns are the file's, then the partition columns: map the table's
        // column order (the order SQL sees) onto it.
        let scan_index = |name: &str| -> DfResult<usize> {
            if let Some(i) = self.partition_columns.iter().position(|c| c == name) {
                return Ok(file_schema.fields().len() + i);
            }
            file_schema.index_of(name).map_err(DataFusionError::from)
        };
        let wanted: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let indices = wanted
            .iter()
            .map(|&i| scan_index(self.schema.field(i).name()))
            .collect::<DfResult<Vec<_>>>()?;
        let types: Vec<_> = partition_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let files = self
            .files
            .iter()
            .map(|f| {
                let values = f
                    .partition_values
                    .iter()
                    .zip(&types)
                    .map(|(v, t)| partition_value(v.as_deref(), t))
                    .collect::<DfResult<Vec<_>>>()?;
                Ok(PartitionedFile::new(f.path.clone(), f.size).with_partition_values(values))
            })
            .collect::<DfResult<Vec<_>>>()?;
        // One group per file up to the session's target partitions, so that the executors
        // share the scan.
        let groups = spread(files, state.config().target_partitions().max(1));
        let source = Arc::new(ParquetSource::new(
            TableSchema::builder(file_schema)
                .with_table_partition_cols(partition_fields)
                .build(),
        ));
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::parse(&self.store_url)?, source)
            .with_file_groups(groups.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(Some(indices))?
            .with_limit(limit)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}
