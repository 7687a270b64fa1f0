//! Bronze as DataFusion tables: `bronze.<source>` and `bronze.envelopes` (every source). A scan
//! is a [`BronzeScanExec`], a plan node that names the files it reads, so that a cluster can
//! send it to another process over the same lake (`engine::cluster::codec`).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use deltalake::arrow::array::AsArray;
use deltalake::arrow::datatypes::{Int64Type, SchemaRef};
use deltalake::datafusion::catalog::{SchemaProvider, Session, TableProvider};
use deltalake::datafusion::common::tree_node::TreeNodeRecursion;
use deltalake::datafusion::datasource::TableType;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::execution::{SendableRecordBatchStream, TaskContext};
use deltalake::datafusion::logical_expr::Expr;
use deltalake::datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use deltalake::datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PhysicalExpr, PlanProperties,
};
use futures::StreamExt;
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use super::line_cache::{self, FileLines};
use super::{BronzeFile, MAX_DECODED_BYTES, SCHEMA, decode_columns, list_files, positions_batch};
use crate::error::Error;
use crate::lake::Lake;
use crate::meter::RunMeter;

/// Which bronze files a table exposes.
#[derive(Debug, Clone, Default)]
pub enum FileSelection {
    /// Every file.
    #[default]
    All,
    /// Every file except these (relative paths): what an incremental refresh has not consumed.
    Except(Arc<HashSet<String>>),
}

/// `bronze.<source>` (or `bronze.envelopes` for all sources) as a DataFusion table. Files are
/// listed when a query is planned, so the table always shows what is in bronze now.
#[derive(Debug)]
pub struct BronzeTable {
    lake: Lake,
    source: Option<String>,
    selection: FileSelection,
    /// Scan in one partition, whatever the session's target: what a cluster needs
    /// ([`BronzeTable::from_spec`]).
    single_partition: bool,
}

impl BronzeTable {
    /// A table over one source's files (`None`: all sources).
    pub fn new(lake: Lake, source: Option<String>, selection: FileSelection) -> Self {
        BronzeTable {
            lake,
            source,
            selection,
            single_partition: false,
        }
    }

    /// What the table exposes, without the lake: how it travels to another process.
    pub fn spec(&self) -> BronzeTableSpec {
        let except = match &self.selection {
            FileSelection::All => None,
            FileSelection::Except(done) => {
                let mut done: Vec<String> = done.iter().cloned().collect();
                done.sort();
                Some(done)
            }
        };
        BronzeTableSpec {
            source: self.source.clone(),
            except,
        }
    }

    /// The table `spec` describes, over `lake`, as a cluster's scheduler plans it: scanned in
    /// one partition. Ballista hands each task a slice of a stage's partitions and cuts the
    /// leaves of the plan down to it, but only the leaves it knows (its shuffles, DataFusion's
    /// file and memory scans); every task would run all partitions of a scan of its own kind,
    /// so a split scan would be read once per task. One partition is read once. A model that
    /// unions several sources still reads them in parallel, one task per source.
    pub fn from_spec(lake: Lake, spec: BronzeTableSpec) -> Self {
        let selection = match spec.except {
            None => FileSelection::All,
            Some(done) => FileSelection::Except(Arc::new(done.into_iter().collect())),
        };
        BronzeTable {
            single_partition: true,
            ..BronzeTable::new(lake, spec.source, selection)
        }
    }
}

/// A [`BronzeTable`] without its lake.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BronzeTableSpec {
    /// One source, or all (None).
    pub source: Option<String>,
    /// The files left out (relative paths); None: none.
    pub except: Option<Vec<String>>,
}

#[async_trait]
impl TableProvider for BronzeTable {
    fn schema(&self) -> SchemaRef {
        SCHEMA.clone()
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
        let external = |e: Error| DataFusionError::External(Box::new(e));
        let mut files = list_files(&self.lake, self.source.as_deref())
            .await
            .map_err(external)?;
        if let FileSelection::Except(done) = &self.selection {
            files.retain(|f| !done.contains(&f.relative));
        }
        // Spread the files over the session's partitions so that the plan runs in parallel;
        // each partition reads and decodes its files one after the other as the plan pulls
        // them, so that a refresh of a million postings never holds all of bronze in memory.
        let n = if self.single_partition {
            1
        } else {
            state.config().target_partitions().max(1)
        };
        // A query that only needs record positions (a count, the reconciliation test) skips
        // parsing the envelopes, and reads no file whose positions were cached by a run.
        let parse = projection.is_none_or(|p| p.iter().any(|i| !POSITION_COLUMNS.contains(i)));
        let known_lines = Arc::new(if parse {
            BTreeMap::new()
        } else {
            line_cache::known(&self.lake, &files).await
        });
        tracing::debug!(
            "bronze scan: {} files, parse={parse}, {} positions cached",
            files.len(),
            known_lines.len()
        );
        let partitions = spread(files, n);
        let spec = BronzeScanSpec {
            partitions,
            projection: projection.cloned(),
            limit,
            parse,
            known_lines,
        };
        Ok(Arc::new(BronzeScanExec::new(self.lake.clone(), spec)?))
    }
}

/// What a bronze scan reads: enough to rebuild it in another process over the same lake.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BronzeScanSpec {
    /// The files of each output partition, read in order.
    pub partitions: Vec<Vec<BronzeFile>>,
    /// The columns of [`SCHEMA`] produced (None: all).
    pub projection: Option<Vec<usize>>,
    /// Stop after this many rows.
    pub limit: Option<usize>,
    /// Parse the envelopes (false: only the position columns are read).
    pub parse: bool,
    /// Without `parse`: the files whose positions are cached (by relative path), not read;
    /// shared with the scan's partitions.
    #[serde(default)]
    pub known_lines: Arc<BTreeMap<String, FileLines>>,
}

/// The scan of bronze files: each partition fetches and decodes its files as the plan pulls
/// batches.
#[derive(Debug)]
pub struct BronzeScanExec {
    spec: BronzeScanSpec,
    inner: Arc<StreamingTableExec>,
}

impl BronzeScanExec {
    /// The scan `spec` describes, reading from `lake`.
    pub fn new(lake: Lake, spec: BronzeScanSpec) -> DfResult<BronzeScanExec> {
        let partitions: Vec<Arc<dyn PartitionStream>> = spec
            .partitions
            .iter()
            .map(|files| {
                Arc::new(BronzePartition {
                    lake: lake.clone(),
                    files: files.clone(),
                    parse: spec.parse,
                    known: spec.known_lines.clone(),
                }) as Arc<dyn PartitionStream>
            })
            .collect();
        let inner = StreamingTableExec::try_new(
            SCHEMA.clone(),
            partitions,
            spec.projection.as_ref(),
            Vec::new(),
            false,
            spec.limit,
        )?;
        Ok(BronzeScanExec {
            spec,
            inner: Arc::new(inner),
        })
    }

    /// What the scan reads.
    pub fn spec(&self) -> &BronzeScanSpec {
        &self.spec
    }
}

impl DisplayAs for BronzeScanExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let files: usize = self.spec.partitions.iter().map(Vec::len).sum();
        write!(
            f,
            "BronzeScanExec: files={files}, partitions={}, parse={}",
            self.spec.partitions.len(),
            self.spec.parse
        )?;
        if !self.spec.known_lines.is_empty() {
            write!(f, ", cached={}", self.spec.known_lines.len())?;
        }
        if let Some(limit) = self.spec.limit {
            write!(f, ", limit={limit}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for BronzeScanExec {
    fn name(&self) -> &str {
        "BronzeScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.inner.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(DataFusionError::Internal(
                "BronzeScanExec is a leaf: it takes no children".into(),
            ))
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        self.inner.execute(partition, context)
    }
}

/// One partition of a bronze scan: its files, fetched and decoded as the plan pulls batches
/// (two in flight, so that reading the next file overlaps decoding this one).
#[derive(Debug)]
struct BronzePartition {
    lake: Lake,
    files: Vec<BronzeFile>,
    /// Parse the envelopes (false: only position columns are read).
    parse: bool,
    /// Files whose positions are known without reading them ([`line_cache`]).
    known: Arc<BTreeMap<String, FileLines>>,
}

/// Columns of [`SCHEMA`] known without parsing a line: source, ingest_date, bronze_file,
/// bronze_line.
const POSITION_COLUMNS: [usize; 4] = [0, 6, 7, BRONZE_LINE];

/// The `bronze_line` column of [`SCHEMA`].
const BRONZE_LINE: usize = 8;

impl PartitionStream for BronzePartition {
    fn schema(&self) -> &SchemaRef {
        &SCHEMA
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let store = self.lake.store();
        // A run's session carries its meter (engine::session): the run's "rows in".
        let meter = ctx.session_config().get_extension::<RunMeter>();
        // A refresh records the positions it reads (a query session does not write to the lake).
        let marked = ctx
            .session_config()
            .get_extension::<line_cache::RecordLines>()
            .is_some();
        let recorded = (!self.parse && marked)
            .then(|| Arc::new(std::sync::Mutex::new(Vec::<(String, FileLines)>::new())));
        let parse = self.parse;
        let known = self.known.clone();
        let external = |e: Error| DataFusionError::External(Box::new(e));
        let read = {
            let recorded = recorded.clone();
            move |file: BronzeFile| {
                let store = store.clone();
                let meter = meter.clone();
                let known = known.clone();
                let recorded = recorded.clone();
                async move {
                    let batch = match known.get(&file.relative) {
                        Some(lines) => {
                            positions_batch(&file, lines.lines().collect()).map_err(external)?
                        }
                        None => {
                            let raw = store
                                .get(&file.path)
                                .await
                                .map_err(|e| external(e.into()))?
                                .bytes()
                                .await
                                .map_err(|e| external(e.into()))?;
                            let decoding = file.clone();
                            let batch = tokio::task::spawn_blocking(move || {
                                decode_columns(&decoding, &raw, parse, MAX_DECODED_BYTES)
                            })
                            .await
                            .map_err(|e| DataFusionError::External(Box::new(e)))?
                            .map_err(external)?;
                            if let Some(recorded) = &recorded {
                                let lines = batch.column(BRONZE_LINE).as_primitive::<Int64Type>();
                                let entry = FileLines::of(&file, lines);
                                if let Ok(mut recorded) = recorded.lock() {
                                    recorded.push((file.relative.clone(), entry));
                                }
                            }
                            batch
                        }
                    };
                    if let Some(meter) = meter {
                        meter.add_rows_decoded(batch.num_rows() as u64);
                    }
                    Ok(batch)
                }
            }
        };
        let batches = futures::stream::iter(self.files.clone())
            .map(read)
            .buffered(2);
        // Once the partition is read, what it read is recorded (empty for a query session).
        let lake = self.lake.clone();
        let record = futures::stream::once(async move {
            if let Some(recorded) = recorded {
                let entries = recorded
                    .lock()
                    .map(|mut r| std::mem::take(&mut *r))
                    .unwrap_or_default();
                line_cache::record(&lake, entries).await;
            }
        })
        .filter_map(|()| futures::future::ready(None));
        Box::pin(RecordBatchStreamAdapter::new(
            SCHEMA.clone(),
            batches.chain(record),
        ))
    }
}

/// The `bronze` schema: one table per known source, plus `envelopes` (all sources).
#[derive(Debug)]
pub struct BronzeSchema {
    lake: Lake,
    selection: FileSelection,
}

impl BronzeSchema {
    /// Name of the table that unions every source.
    pub const ALL: &'static str = "envelopes";

    /// The schema over `lake`, exposing the selected files.
    pub fn new(lake: Lake, selection: FileSelection) -> Self {
        BronzeSchema { lake, selection }
    }
}

#[async_trait]
impl SchemaProvider for BronzeSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = joblake_sources::source_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.push(Self::ALL.to_string());
        names
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        let source = if name == Self::ALL {
            None
        } else if joblake_sources::source_names().contains(&name) {
            Some(name.to_string())
        } else {
            return Ok(None);
        };
        Ok(Some(Arc::new(BronzeTable::new(
            self.lake.clone(),
            source,
            self.selection.clone(),
        ))))
    }

    fn table_exist(&self, name: &str) -> bool {
        name == Self::ALL || joblake_sources::source_names().contains(&name)
    }
}

/// Deals `items` round-robin into at most `n` groups (at least one, empty when there is
/// nothing), so that neighbouring files, which are often of similar size, land in different
/// groups. Used for the bronze scan's partitions and a Delta snapshot's file groups on a
/// cluster.
pub fn spread<T: Clone>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let mut groups = vec![Vec::new(); n.min(items.len()).max(1)];
    let len = groups.len();
    for (i, item) in items.into_iter().enumerate() {
        groups[i % len].push(item);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_deals_round_robin_into_at_most_n_groups() {
        assert_eq!(
            spread(vec![1, 2, 3, 4, 5], 2),
            vec![vec![1, 3, 5], vec![2, 4]]
        );
        assert_eq!(spread(vec![1, 2], 8), vec![vec![1], vec![2]]);
        assert_eq!(spread(Vec::<u8>::new(), 4), vec![Vec::<u8>::new()]);
        assert_eq!(spread(vec![1, 2, 3], 0), vec![vec![1, 2, 3]]);
    }
}
