//! A query's result handed to the Delta writer as one stream. delta-rs plans its input again
//! under nodes of its own, which (1) have no codec to reach a cluster, so a model run on a
//! cluster is streamed back to this process and written here, and (2) do not ask for their
//! input's order, so DataFusion drops a model's final `ORDER BY` before the write: an ordered
//! model is streamed too, and its files keep its order (row groups then cover narrow ranges of
//! the sort keys, which scans skip by their statistics).

use std::sync::{Arc, Mutex};

use deltalake::arrow::datatypes::SchemaRef;
use deltalake::datafusion::catalog::streaming::StreamingTable;
use deltalake::datafusion::datasource::provider_as_source;
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::execution::{
    SendableRecordBatchStream, SessionState, SessionStateBuilder, TaskContext,
};
use deltalake::datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use deltalake::datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::datafusion::physical_plan::streaming::PartitionStream;
use deltalake::datafusion::prelude::{DataFrame, SessionContext};
use deltalake::delta_datafusion::planner::DeltaPlanner;
use futures::StreamExt;

use crate::error::Result;

/// True when `plan` returns its rows in an order the query asked for: a final `ORDER BY`
/// (under projections, which keep the rows' order), without `LIMIT`.
pub fn is_ordered(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Sort(sort) => sort.fetch.is_none(),
        LogicalPlan::Projection(p) => is_ordered(&p.input),
        _ => false,
    }
}

/// `df`'s result as a plan the Delta writer reads as one stream, in the order the query gives
/// its rows, with the session the writer plans it in. The writer pulls the batches as it
/// writes them (never all in memory).
pub async fn as_one_stream(
    ctx: &SessionContext,
    df: DataFrame,
) -> Result<(LogicalPlan, Arc<SessionState>)> {
    // The DataFrame's types, which the writer checks every batch against. The optimized plan
    // may declare a logically equal one instead (`Utf8View` for `Utf8`, seen in
    // `gold.dim_job_family`): cast to the DataFrame's.
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let stream = df.execute_stream().await?;
    let expected = schema.clone();
    let cast = stream
        .map(move |batch| batch.and_then(|b| Ok(crate::lake::parquet::conform(b, &expected)?)));
    let stream: SendableRecordBatchStream =
        Box::pin(RecordBatchStreamAdapter::new(schema.clone(), cast));
    let once = Arc::new(OnceStream {
        schema: schema.clone(),
        stream: Mutex::new(Some(stream)),
    });
    let table = StreamingTable::try_new(schema, vec![once])?;
    let plan = LogicalPlanBuilder::scan("query_result", provider_as_source(Arc::new(table)), None)?
        .build()?;
    let local = SessionStateBuilder::new()
        .with_default_features()
        .with_config(ctx.state().config().clone())
        .with_runtime_env(ctx.runtime_env())
        .with_query_planner(DeltaPlanner::new())
        .build();
    Ok((plan, Arc::new(local)))
}

/// A stream that can be read once: the query's result.
struct OnceStream {
    schema: SchemaRef,
    stream: Mutex<Option<SendableRecordBatchStream>>,
}

impl std::fmt::Debug for OnceStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnceStream")
    }
}

impl PartitionStream for OnceStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let taken = self.stream.lock().ok().and_then(|mut s| s.take());
        taken.unwrap_or_else(|| {
            let again = DataFusionError::Internal("the query's result was already read".into());
            Box::pin(RecordBatchStreamAdapter::new(
                self.schema.clone(),
                futures::stream::once(async move { Err(again) }),
            ))
        })
    }
}
