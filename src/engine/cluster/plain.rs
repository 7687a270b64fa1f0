//! Results cross from the cluster to the client without view or dictionary types.
//!
//! DataFusion reads strings as `Utf8View`: each value a 16-byte view into shared buffers. A
//! join's output keeps views into all of its inputs' buffers, and Ballista's Arrow Flight
//! server slices every result batch into ~2 MB messages; Arrow IPC writes a sliced view array
//! with all the buffers it points into, so each message carried the whole batch again. A
//! `silver.job_postings` of 61k postings (110 MB of JSON) took 5 minutes to reach the client
//! (LZ4-compressing the copies), against 2 seconds as plain `Utf8` (docs/scale.md).
//!
//! [`PlainResults`] wraps the cluster's query planner: the plan sent to the scheduler ends in
//! a cast of every view-typed column to its plain type (so the executors write compact
//! arrays), and the client casts them back, so that callers see the types they planned.
//! Dictionary-encoded columns (Delta partition values) travel as their values too: Ballista
//! 55 returned them decoded while still declaring the dictionary type.

use std::sync::Arc;

use async_trait::async_trait;
use deltalake::arrow::datatypes::{DataType, Field, Fields};
use deltalake::datafusion::catalog::Session;
use deltalake::datafusion::common::Column;
use deltalake::datafusion::error::Result as DfResult;
use deltalake::datafusion::execution::context::QueryPlanner;
use deltalake::datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast};
use deltalake::datafusion::physical_expr::PhysicalExpr;
use deltalake::datafusion::physical_expr::expressions::{CastExpr, Column as PhysicalColumn};
use deltalake::datafusion::physical_plan::ExecutionPlan;
use deltalake::datafusion::physical_plan::projection::ProjectionExec;

/// A query planner (Ballista's) whose plans return view-typed columns as plain ones over the
/// wire and cast them back in this process.
#[derive(Debug)]
pub struct PlainResults(pub Arc<dyn QueryPlanner + Send + Sync>);

#[async_trait]
impl QueryPlanner for PlainResults {
    async fn create_physical_plan(
        &self,
        plan: &LogicalPlan,
        state: &dyn Session,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let fields = plan.schema().fields().clone();
        let plain: Vec<DataType> = fields.iter().map(|f| plain_type(f.data_type())).collect();
        let changes = fields.iter().zip(&plain).any(|(f, t)| f.data_type() != t);
        // Statements, DDL and EXPLAIN are planned as they are: their output is not a result
        // set read from executors.
        let query = !matches!(
            plan,
            LogicalPlan::Explain(_)
                | LogicalPlan::Analyze(_)
                | LogicalPlan::Ddl(_)
                | LogicalPlan::Dml(_)
                | LogicalPlan::Statement(_)
                | LogicalPlan::Copy(_)
                | LogicalPlan::DescribeTable(_)
        );
        if !changes || !query {
            return self.0.create_physical_plan(plan, state).await;
        }
        // Qualified columns: a result may hold two columns of the same name from two tables.
        let casts: Vec<Expr> = plan
            .schema()
            .iter()
            .zip(&plain)
            .map(|((qualifier, field), to)| {
                let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
                if field.data_type() == to {
                    column
                } else {
                    cast(column, to.clone()).alias_qualified(qualifier.cloned(), field.name())
                }
            })
            .collect();
        let sent = LogicalPlanBuilder::from(plan.clone())
            .project(casts)?
            .build()?;
        let remote = self.0.create_physical_plan(&sent, state).await?;
        let arrived = remote.schema();
        let back = fields.iter().enumerate().map(|(i, field)| {
            let column = Arc::new(PhysicalColumn::new(field.name(), i));
            let expr: Arc<dyn PhysicalExpr> = if arrived.field(i).data_type() == field.data_type() {
                column
            } else {
                Arc::new(CastExpr::new(column, field.data_type().clone(), None))
            };
            (expr, field.name().clone())
        });
        Ok(Arc::new(ProjectionExec::try_new(back, remote)?))
    }
}

/// `data_type` with every view type, nested ones included, replaced by its plain equivalent.
pub fn plain_type(data_type: &DataType) -> DataType {
    let field = |f: &Field| {
        Arc::new(
            Field::new(f.name(), plain_type(f.data_type()), f.is_nullable())
                .with_metadata(f.metadata().clone()),
        )
    };
    match data_type {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        // A Delta partition column is dictionary-encoded; Ballista 55 returned it decoded to
        // its values with the dictionary type still declared, which the writer refused.
        DataType::Dictionary(_, values) => plain_type(values),
        DataType::List(f) => DataType::List(field(f)),
        DataType::LargeList(f) => DataType::LargeList(field(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(field(f), *n),
        DataType::Struct(fields) => {
            DataType::Struct(fields.iter().map(|f| field(f)).collect::<Fields>())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_types_become_plain_nested_ones_too() {
        let list = |t: DataType| DataType::List(Arc::new(Field::new("item", t, true)));
        assert_eq!(plain_type(&DataType::Utf8View), DataType::Utf8);
        assert_eq!(plain_type(&DataType::BinaryView), DataType::Binary);
        assert_eq!(plain_type(&list(DataType::Utf8View)), list(DataType::Utf8));
        let st = |t: DataType| DataType::Struct(Fields::from(vec![Field::new("a", t, false)]));
        assert_eq!(plain_type(&st(DataType::Utf8View)), st(DataType::Utf8));
        let dict = DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8));
        assert_eq!(plain_type(&dict), DataType::Utf8);
        assert_eq!(plain_type(&DataType::Int64), DataType::Int64);
        assert_eq!(plain_type(&DataType::Utf8), DataType::Utf8);
    }
}
