//! A model's query run pass after pass, read as one table: the result of each pass
//! (`joblake_pass()` true for its rows only, [`crate::engine::pass_udf`]) streams out before
//! the next pass is planned, so only one pass's hash tables exist at a time, and the model is
//! still written in one Delta commit. `crate::transform::steps` falls back to it when a
//! model's query runs out of memory whole.

use std::sync::Arc;

use deltalake::arrow::datatypes::SchemaRef;
use deltalake::datafusion::catalog::streaming::StreamingTable;
use deltalake::datafusion::execution::{SessionState, TaskContext};
use deltalake::datafusion::logical_expr::LogicalPlan;
use deltalake::datafusion::physical_plan::SendableRecordBatchStream;
use deltalake::datafusion::physical_plan::execute_stream;
use deltalake::datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::datafusion::physical_plan::streaming::PartitionStream;
use futures::{StreamExt, TryStreamExt};

use crate::error::Result;

/// The passes of one query, each a logical plan with its own `joblake_pass`; they run in
/// order, each planned only when the one before has ended.
#[derive(Debug)]
pub struct PassChain {
    schema: SchemaRef,
    passes: Vec<LogicalPlan>,
    state: Arc<SessionState>,
}

impl PassChain {
    /// A table whose one partition streams the results of `passes`, one after another.
    /// Each plan's physical form (and its hash tables) is dropped before the next is made:
    /// a plan keeps its join's build side for as long as it lives.
    pub fn table(passes: Vec<LogicalPlan>, state: SessionState) -> Result<StreamingTable> {
        let Some(first) = passes.first() else {
            return Err(crate::error::Error::Config(
                "a query in passes needs at least one pass".into(),
            ));
        };
        let schema: SchemaRef = Arc::new(first.schema().as_arrow().clone());
        let chain = PassChain {
            schema: schema.clone(),
            passes,
            state: Arc::new(state),
        };
        Ok(StreamingTable::try_new(schema, vec![Arc::new(chain)])?)
    }
}

impl PartitionStream for PassChain {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, task: Arc<TaskContext>) -> SendableRecordBatchStream {
        let state = self.state.clone();
        let batches = futures::stream::iter(self.passes.clone())
            .then(move |pass| {
                let state = state.clone();
                let task = task.clone();
                async move {
                    let plan = state.create_physical_plan(&pass).await?;
                    // Several partitions of one pass are merged, as any single stream is.
                    execute_stream(plan, task)
                }
            })
            .try_flatten();
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches))
    }
}
