//! Empty relations that reach the scheduler whole. The optimizer turns a filter it can prove
//! false (`WHERE trained_models() > 0` with no model trained, `WHERE 1 = 2`, `LIMIT 0`) into
//! an `EmptyRelation` that keeps the columns of what it replaced, but datafusion-proto 55
//! sends an empty relation as its `produce_one_row` flag alone: the scheduler rebuilds it with
//! no columns, and a node above that names one fails to decode ("No field named
//! __unnest_placeholder(predicted.p)", the predictions model on a lake without a model).
//!
//! This rule, the last of a cluster client's optimizer, puts such a relation back as
//! `SELECT NULL::type AS column, ... WHERE false` over one empty row, which the codec carries
//! with its columns. The scheduler's own optimizer folds it back into an empty relation, which
//! then only travels as a physical plan (whose empty node keeps its schema).

use std::sync::Arc;

use deltalake::datafusion::common::tree_node::Transformed;
use deltalake::datafusion::common::{DFSchema, Result as DfResult, ScalarValue};
use deltalake::datafusion::logical_expr::{
    EmptyRelation, Expr, Filter, LogicalPlan, Projection, lit,
};
use deltalake::datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};

/// The optimizer rule (cluster clients only).
#[derive(Debug, Default)]
pub struct SendableEmpty;

impl OptimizerRule for SendableEmpty {
    fn name(&self) -> &str {
        "joblake_sendable_empty"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> DfResult<Transformed<LogicalPlan>> {
        match &plan {
            LogicalPlan::EmptyRelation(e)
                if !e.produce_one_row && !e.schema.fields().is_empty() =>
            {
                Ok(Transformed::yes(no_rows_of(&e.schema)?))
            }
            _ => Ok(Transformed::no(plan)),
        }
    }
}

/// `SELECT NULL::t1 AS c1, ... WHERE false`: no rows, the columns (and qualifiers) of `schema`.
fn no_rows_of(schema: &DFSchema) -> DfResult<LogicalPlan> {
    let columns = schema
        .iter()
        .map(|(qualifier, field)| {
            let null = ScalarValue::try_from(field.data_type())?;
            Ok(lit(null).alias_qualified(qualifier.cloned(), field.name()))
        })
        .collect::<DfResult<Vec<Expr>>>()?;
    let one_row = LogicalPlan::EmptyRelation(EmptyRelation {
        produce_one_row: true,
        schema: Arc::new(DFSchema::empty()),
    });
    let projection = Projection::try_new(columns, Arc::new(one_row))?;
    let filter = Filter::try_new(lit(false), Arc::new(LogicalPlan::Projection(projection)))?;
    Ok(LogicalPlan::Filter(filter))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_proto::bytes::{logical_plan_from_bytes, logical_plan_to_bytes};
    use deltalake::datafusion::execution::SessionStateBuilder;
    use deltalake::datafusion::prelude::SessionContext;

    /// A query whose false filter sits under an unnest, as in the predictions model.
    const QUERY: &str = "SELECT unnest(p) FROM \
        (SELECT named_struct('a', x, 'b', x * 2) AS p FROM (VALUES (1), (2)) AS t(x) WHERE 1 > 2)";

    async fn optimized(with_rule: bool) -> LogicalPlan {
        let mut state = SessionStateBuilder::new().with_default_features();
        if with_rule {
            state = state.with_optimizer_rule(Arc::new(SendableEmpty));
        }
        let ctx = SessionContext::new_with_state(state.build());
        let df = ctx.sql(QUERY).await.expect("plans");
        ctx.state().optimize(df.logical_plan()).expect("optimizes")
    }

    #[tokio::test]
    async fn an_empty_relation_under_other_nodes_survives_the_codec() {
        let ctx = SessionContext::new();
        let sent = |plan: &LogicalPlan| -> DfResult<LogicalPlan> {
            let bytes = logical_plan_to_bytes(plan)?;
            logical_plan_from_bytes(&bytes, &ctx.task_ctx())
        };
        // Without the rule the decoded plan has lost the columns (the failure this fixes)...
        let plain = optimized(false).await;
        let err = sent(&plain).expect_err("the bare empty relation loses its columns");
        assert!(err.to_string().contains("No field named"), "{err}");
        // ...with it, the plan decodes, gives the same columns, and runs to no rows.
        let plan = optimized(true).await;
        let back = sent(&plan).expect("decodes");
        back.schema()
            .has_equivalent_names_and_types(plan.schema())
            .expect("the same columns");
        let rows: usize = ctx
            .execute_logical_plan(back)
            .await
            .expect("plans")
            .collect()
            .await
            .expect("runs")
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows, 0);
    }
}
