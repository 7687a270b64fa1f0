//! Scans of tables with deletion vectors read their files side by side.
//!
//! delta-rs 1.1 plans the Parquet scan of a table whose files carry deletion vectors as one
//! group of files, read one after the other: each row must keep its position in its file (the
//! vector is applied above the scan, by file id and the position the reader reports), so
//! DataFusion may not split files into byte ranges, and nothing else spreads them. This rule,
//! last of the physical ones, deals whole files out to as many groups as the session has
//! partitions, under one `CoalescePartitionsExec`: the same single stream as before for the
//! scan above it, the same Parquet source (delta-rs checks that it is its own), the files
//! decoded side by side. A full scan of `silver.job_postings` with vectors at 1M postings:
//! 0.63–0.71 s → 0.47–0.48 s (docs/performance.md). delta-rs also leaves the query's filters
//! out of such a scan (every column of every row is decoded), and refuses a changed Parquet
//! source, so that stays: the tables analysts query are compacted after a merge
//! (`lake::deletion_vectors::compact`).

use std::sync::Arc;

use deltalake::datafusion::common::config::ConfigOptions;
use deltalake::datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use deltalake::datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfig, FileScanConfigBuilder,
};
use deltalake::datafusion::datasource::source::DataSourceExec;
use deltalake::datafusion::error::Result;
use deltalake::datafusion::physical_optimizer::PhysicalOptimizerRule;
use deltalake::datafusion::physical_plan::ExecutionPlan;
use deltalake::datafusion::physical_plan::Partitioning;
use deltalake::datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;

/// The column delta-rs reads each row's position in its file into, for deletion vectors.
const POSITION_COLUMN: &str = "__delta_rs_physical_position";

/// The rule (last of the physical optimizer's).
#[derive(Debug, Default)]
pub struct ParallelDeletionVectorScans;

impl PhysicalOptimizerRule for ParallelDeletionVectorScans {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let partitions = config.execution.target_partitions.max(1);
        plan.transform_up(|node| {
            let Some(source) = node.downcast_ref::<DataSourceExec>() else {
                return Ok(Transformed::no(node));
            };
            let Some(scan) = source.data_source().downcast_ref::<FileScanConfig>() else {
                return Ok(Transformed::no(node));
            };
            let files: Vec<_> = scan
                .file_groups
                .iter()
                .flat_map(|g| g.iter().cloned())
                .collect();
            let reads_positions = scan
                .file_source()
                .table_schema()
                .virtual_columns()
                .iter()
                .any(|f| f.name() == POSITION_COLUMN);
            if !reads_positions || scan.file_groups.len() != 1 || files.len() < 2 {
                return Ok(Transformed::no(node));
            }
            // Largest first, each to the group with the fewest bytes so far.
            let mut files = files;
            files.sort_by_key(|f| std::cmp::Reverse(f.object_meta.size));
            let groups_n = partitions.min(files.len());
            let mut groups: Vec<(u64, Vec<_>)> = vec![(0, Vec::new()); groups_n];
            for file in files {
                if let Some(group) = groups.iter_mut().min_by_key(|(bytes, _)| *bytes) {
                    group.0 += file.object_meta.size;
                    group.1.push(file);
                }
            }
            let groups: Vec<FileGroup> =
                groups.into_iter().map(|(_, f)| FileGroup::new(f)).collect();
            let scan = FileScanConfigBuilder::from(scan.clone())
                .with_file_groups(groups)
                .with_output_partitioning(Some(Partitioning::UnknownPartitioning(groups_n)))
                .build();
            let parallel: Arc<dyn ExecutionPlan> = DataSourceExec::from_data_source(scan);
            Ok(Transformed::yes(Arc::new(CoalescePartitionsExec::new(
                parallel,
            ))))
        })
        .data()
    }

    fn name(&self) -> &str {
        "parallel_deletion_vector_scans"
    }

    fn schema_check(&self) -> bool {
        true
    }
}
