//! Filters that test cheap conditions first and costly ones on the rows left.
//!
//! DataFusion evaluates a conjunctive filter (`a AND b AND c`) as one expression over every
//! row of a batch: the right side of an `AND` is evaluated on the rows the left side kept only
//! when those are at most a fifth of the batch. A search such as `country = 'FR' AND title
//! ILIKE '%data engineer%' AND array_has(skills, 'Apache Spark')` keeps a quarter of the
//! postings with its first test, so `ILIKE` ran over every title: most of the query's time.
//! This rule, after DataFusion's physical rules, splits such a filter in two: a filter of its
//! cheap conditions (comparisons, null tests, `IN` lists over columns and literals), then one
//! of the rest, which sees only the rows the first one kept. Nothing else changes: the same
//! conditions, in their order within each filter, the outer filter keeping the original's
//! projection and limit. Moving a condition after another can only spare it rows, so a
//! condition that would fail on a row another one drops no longer fails the query.

use std::sync::Arc;

use deltalake::datafusion::common::config::ConfigOptions;
use deltalake::datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use deltalake::datafusion::error::Result;
use deltalake::datafusion::physical_expr::expressions::{
    BinaryExpr, CastExpr, Column, InListExpr, IsNotNullExpr, IsNullExpr, Literal, NegativeExpr,
    NotExpr, TryCastExpr,
};
use deltalake::datafusion::physical_expr::{PhysicalExpr, conjunction, split_conjunction};
use deltalake::datafusion::physical_optimizer::PhysicalOptimizerRule;
use deltalake::datafusion::physical_plan::ExecutionPlan;
use deltalake::datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};

/// The rule (after DataFusion's physical rules).
#[derive(Debug, Default)]
pub struct FilterCascade;

impl PhysicalOptimizerRule for FilterCascade {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(filter) = node.downcast_ref::<FilterExec>() else {
                return Ok(Transformed::no(node));
            };
            let (cheap, costly): (Vec<_>, Vec<_>) = split_conjunction(filter.predicate())
                .into_iter()
                .cloned()
                .partition(|c| is_cheap(c.as_ref()));
            if cheap.is_empty() || costly.is_empty() {
                return Ok(Transformed::no(node));
            }
            let first = FilterExecBuilder::new(conjunction(cheap), Arc::clone(filter.input()))
                .with_default_selectivity(filter.default_selectivity())
                .with_batch_size(filter.batch_size())
                .build()?;
            let then = FilterExecBuilder::from(filter)
                .with_predicate(conjunction(costly))
                .with_input(Arc::new(first))
                .build()?;
            Ok(Transformed::yes(Arc::new(then)))
        })
        .data()
    }

    fn name(&self) -> &str {
        "filter_cascade"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// True when `expr` costs about a comparison per row: columns, literals, comparisons,
/// arithmetic and boolean logic, null tests, casts and `IN` lists of such. String matching
/// (`LIKE`, regular expressions) and every function call are costly.
fn is_cheap(expr: &dyn PhysicalExpr) -> bool {
    let node_cheap = if let Some(binary) = expr.downcast_ref::<BinaryExpr>() {
        use deltalake::datafusion::logical_expr::Operator as Op;
        let op = binary.op();
        op.is_logic_operator()
            || op.is_numerical_operators()
            || matches!(
                op,
                Op::Eq
                    | Op::NotEq
                    | Op::Lt
                    | Op::LtEq
                    | Op::Gt
                    | Op::GtEq
                    | Op::IsDistinctFrom
                    | Op::IsNotDistinctFrom
            )
    } else {
        expr.is::<Column>()
            || expr.is::<Literal>()
            || expr.is::<IsNullExpr>()
            || expr.is::<IsNotNullExpr>()
            || expr.is::<NotExpr>()
            || expr.is::<NegativeExpr>()
            || expr.is::<CastExpr>()
            || expr.is::<TryCastExpr>()
            || expr.is::<InListExpr>()
    };
    node_cheap && expr.children().into_iter().all(|c| is_cheap(c.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::datafusion::arrow::compute::concat_batches;
    use deltalake::datafusion::arrow::record_batch::RecordBatch;
    use deltalake::datafusion::prelude::SessionContext;

    /// The rows of `sql`, as one batch.
    async fn rows(ctx: &SessionContext, sql: &str) -> RecordBatch {
        let batches = ctx
            .sql(sql)
            .await
            .expect("sql")
            .collect()
            .await
            .expect("rows");
        concat_batches(&batches[0].schema(), &batches).expect("concat")
    }

    /// The physical plan of `sql` over a small table, as text.
    async fn plan_of(sql: &str) -> String {
        let ctx = SessionContext::new();
        ctx.sql(
            "CREATE TABLE t AS VALUES ('FR', 'Data Engineer', 3), ('DE', 'Data Engineer', 2), \
             ('FR', 'Chef', 1)",
        )
        .await
        .expect("table");
        let plan = ctx
            .sql(sql)
            .await
            .expect("plans")
            .create_physical_plan()
            .await
            .expect("physical plan");
        let plan = FilterCascade
            .optimize(plan, ctx.state().config_options())
            .expect("rule");
        deltalake::datafusion::physical_plan::displayable(plan.as_ref())
            .indent(false)
            .to_string()
    }

    #[test]
    fn cheap_and_costly_conditions() {
        use deltalake::datafusion::common::ScalarValue;
        use deltalake::datafusion::logical_expr::Operator;
        let col: Arc<dyn PhysicalExpr> = Arc::new(Column::new("c", 0));
        let lit: Arc<dyn PhysicalExpr> = Arc::new(Literal::new(ScalarValue::from("FR")));
        let eq = BinaryExpr::new(Arc::clone(&col), Operator::Eq, Arc::clone(&lit));
        assert!(is_cheap(&eq));
        let regex = BinaryExpr::new(Arc::clone(&col), Operator::RegexIMatch, Arc::clone(&lit));
        assert!(!is_cheap(&regex));
        let not_regex = NotExpr::new(Arc::new(regex));
        assert!(!is_cheap(&not_regex));
        assert!(is_cheap(&IsNullExpr::new(Arc::clone(&col))));
    }

    #[tokio::test]
    async fn splits_only_filters_with_both_kinds() {
        let both = plan_of(
            "SELECT column2 FROM t WHERE column1 = 'FR' AND column2 ILIKE '%data%' \
             AND column3 > 0",
        )
        .await;
        let filters: Vec<&str> = both.lines().filter(|l| l.contains("FilterExec")).collect();
        assert_eq!(filters.len(), 2, "{both}");
        // The costly filter sits above the cheap one, which holds both comparisons.
        assert!(filters[0].contains("ILIKE"), "{both}");
        assert!(!filters[1].contains("ILIKE"), "{both}");
        assert!(
            filters[1].contains("column1") && filters[1].contains("column3"),
            "{both}"
        );

        let cheap_only = plan_of("SELECT * FROM t WHERE column1 = 'FR' AND column3 > 0").await;
        assert_eq!(cheap_only.matches("FilterExec").count(), 1, "{cheap_only}");
        let costly_only = plan_of("SELECT * FROM t WHERE column2 ILIKE '%data%'").await;
        assert_eq!(
            costly_only.matches("FilterExec").count(),
            1,
            "{costly_only}"
        );
    }

    #[tokio::test]
    async fn same_rows_as_one_filter() {
        let ctx = SessionContext::new();
        let state = ctx.state();
        let cascaded = deltalake::datafusion::execution::SessionStateBuilder::from(state)
            .with_physical_optimizer_rule(Arc::new(FilterCascade))
            .build();
        let with_rule = SessionContext::new_with_state(cascaded);
        let sql = "SELECT v, s FROM (SELECT value AS v, CAST(value % 7 AS VARCHAR) || 'x' AS s \
                   FROM generate_series(1, 50000)) WHERE v % 3 = 0 AND s LIKE '%2x' \
                   AND v > 10 ORDER BY v";
        let (plain, cascade) = (rows(&ctx, sql).await, rows(&with_rule, sql).await);
        assert_eq!(plain, cascade);
        assert!(cascade.num_rows() > 1000);
    }
}
