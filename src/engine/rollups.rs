//! Aggregate navigation: an aggregate query over a rollup's inputs is answered from the rollup.
//!
//! A rollup (`-- rollup: true`, `project::rollup`) is `count(*)` of its inputs' joined rows per
//! grain. A query `Agg[G](σ_P(I ⋈ D1 ⋈ ... ⋈ Dn))` whose inputs I are joined as the rollup
//! joins them, and whose group keys, filters, joins to the other tables D and aggregate
//! arguments use only grain columns of I (any column of D), reads the rollup R instead:
//! `Agg'[G](σ_P(R ⋈ D1 ⋈ ... ⋈ Dn))`. Each row of R stands for `n` rows of I that agree on
//! every column the query uses, so each aggregate has an exact counterpart over R:
//! `count(*)` is `sum(n)`, `count(x)` the sum of `n` where x is set, `min`/`max` and any
//! DISTINCT aggregate are unchanged, `median(x)` is [`median_of_counts`]`(x, n)`, `sum(x)`
//! over integers `sum(x * n)` (which fails where the sum of the rows would wrap past 2^63),
//! and a rollup's own `sum`/`min`/`max` measures serve the same aggregate of a column outside
//! its grain. Anything else (an average, a float sum, a column the grain lacks, an outer join,
//! a volatile function, a table of the session under an input's name) leaves the query as it
//! is.
//!
//! A rollup answers only while its inputs hold the rows of the versions it was built from, as
//! recorded in its commit (`lake::inputs`): later commits that only compacted or vacuumed an
//! input keep them; after a refresh that rewrote the inputs and not yet the rollup, the query
//! reads the inputs. The rule runs last among the analyzer rules, on the plan as SQL wrote it
//! (before filters are pushed into scans and joins reordered), so every optimisation applies
//! to the rewritten plan.
//!
//! [`median_of_counts`]: super::median_of_counts

use std::collections::HashSet;
use std::sync::Arc;

use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::common::config::ConfigOptions;
use deltalake::datafusion::common::tree_node::{Transformed, TreeNode};
use deltalake::datafusion::common::{
    Column, DFSchemaRef, NullEquality, Result as DfResult, TableReference,
};
use deltalake::datafusion::datasource::{provider_as_source, source_as_provider};
use deltalake::datafusion::functions_aggregate::sum::sum_udaf;
use deltalake::datafusion::logical_expr::expr::AggregateFunction;
use deltalake::datafusion::logical_expr::utils::{conjunction, split_conjunction};
use deltalake::datafusion::logical_expr::{
    Aggregate, Expr, ExprSchemable, JoinType, LogicalPlan, LogicalPlanBuilder, Projection, cast,
    lit,
};
use deltalake::datafusion::optimizer::AnalyzerRule;

use super::median_of_counts;
use crate::lake::{DELTA_LAYERS, Lake};
use crate::project::Project;
use crate::project::model::load_models;
use crate::project::rollup::{InputColumn, MeasureKind, Rollup};

/// The analyzer rule: the lake's rollups.
#[derive(Debug)]
pub struct Rollups {
    lake: Lake,
    /// (layer, table, what it rolls up).
    rollups: Vec<(String, String, Rollup)>,
}

impl Rollups {
    /// The rule for `project`'s rollup models over `lake` (none when the models cannot be
    /// read: no rewrite).
    pub fn for_project(lake: &Lake, project: &Project) -> Rollups {
        let off = lake.engine_settings().rollups == Some(false);
        let mut rollups: Vec<(String, String, Rollup)> = load_models(project)
            .ok()
            .filter(|_| !off)
            .map(|models| {
                models
                    .into_iter()
                    .filter_map(|m| {
                        let rollup = m.rollup?;
                        Some((m.layer, m.name, rollup))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The first rollup that answers a query is used: the coarsest grain first, as it
        // usually has the fewest rows (a grain within another never has more), then by name.
        rollups.sort_by(|a, b| (a.2.grain.len(), &a.0, &a.1).cmp(&(b.2.grain.len(), &b.0, &b.1)));
        Rollups {
            lake: lake.clone(),
            rollups,
        }
    }
}

impl AnalyzerRule for Rollups {
    fn name(&self) -> &str {
        "joblake_rollups"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> DfResult<LogicalPlan> {
        if self.rollups.is_empty() {
            return Ok(plan);
        }
        plan.transform_down_with_subqueries(|node| {
            let LogicalPlan::Aggregate(agg) = &node else {
                return Ok(Transformed::no(node));
            };
            let Some(star) = Star::below(agg) else {
                return Ok(Transformed::no(node));
            };
            // A rewrite that cannot be built is a missed shortcut, never a failed query.
            for (layer, name, rollup) in &self.rollups {
                match self.navigate(agg, &star, layer, name, rollup) {
                    Ok(Some(plan)) => {
                        tracing::debug!("answered from the rollup {layer}.{name}");
                        return Ok(Transformed::yes(plan));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::debug!("rollup {layer}.{name} not used: {e}"),
                }
            }
            Ok(Transformed::no(node))
        })
        .map(|t| t.data)
    }
}

/// One relation of the query's join: a table (under its alias) or anything else.
struct Leaf {
    /// The relation as the query reads it (`SubqueryAlias` over a scan, a scan, ...).
    plan: LogicalPlan,
    /// `layer.table`, when it is a whole Delta table of the lake.
    table: Option<String>,
}

/// The relations below an aggregate joined by inner joins, and every condition of the joins
/// and filters between them.
fn flatten(plan: &LogicalPlan, leaves: &mut Vec<Leaf>, conditions: &mut Vec<Expr>) {
    match plan {
        LogicalPlan::Filter(f) => {
            conditions.extend(split_conjunction(&f.predicate).into_iter().cloned());
            flatten(&f.input, leaves, conditions)
        }
        // Keys compared with `=`: a join where NULL meets NULL (IS NOT DISTINCT FROM) is not
        // the rollup's.
        LogicalPlan::Join(j)
            if j.join_type == JoinType::Inner
                && !j.null_aware
                && j.null_equality == NullEquality::NullEqualsNothing =>
        {
            for (l, r) in &j.on {
                conditions.push(l.clone().eq(r.clone()));
            }
            if let Some(f) = &j.filter {
                conditions.extend(split_conjunction(f).into_iter().cloned());
            }
            flatten(&j.left, leaves, conditions);
            flatten(&j.right, leaves, conditions);
        }
        other => {
            let scan = match other {
                LogicalPlan::SubqueryAlias(a) => a.input.as_ref(),
                _ => other,
            };
            let table = match scan {
                LogicalPlan::TableScan(s)
                    if s.filters.is_empty()
                        && s.fetch.is_none()
                        && s.projection.is_none()
                        && source_as_provider(&s.source)
                            .is_ok_and(|p| super::is_lake_table(p.as_ref())) =>
                {
                    let layer = s.table_name.schema().filter(|l| DELTA_LAYERS.contains(l));
                    let catalog_ok = s.table_name.catalog().is_none_or(|c| c == super::CATALOG);
                    layer
                        .filter(|_| catalog_ok)
                        .map(|l| format!("{l}.{}", s.table_name.table()))
                }
                _ => None,
            };
            leaves.push(Leaf {
                plan: other.clone(),
                table,
            });
        }
    }
}

/// True when `e` holds a subquery, or a column of an outer query (the aggregate is itself a
/// correlated subquery): left alone, as DataFusion decorrelates a `count` over no rows to 0
/// only when it sees one.
fn has_subquery(e: &Expr) -> bool {
    e.exists(|e| {
        Ok(matches!(
            e,
            Expr::ScalarSubquery(_)
                | Expr::Exists(_)
                | Expr::InSubquery(_)
                | Expr::OuterReferenceColumn(..)
        ))
    })
    .unwrap_or(true)
}

/// What an aggregate reads: its relations and the conditions between them, taken apart once
/// and matched against each rollup.
struct Star {
    leaves: Vec<Leaf>,
    conditions: Vec<Expr>,
}

impl Star {
    /// The relations below `agg`; None when no rollup could answer it whatever they are.
    fn below(agg: &Aggregate) -> Option<Star> {
        if agg
            .group_expr
            .iter()
            .any(|e| matches!(e, Expr::GroupingSet(_)))
        {
            return None;
        }
        let mut star = Star {
            leaves: Vec::new(),
            conditions: Vec::new(),
        };
        flatten(&agg.input, &mut star.leaves, &mut star.conditions);
        // A volatile expression (random()) evaluated once per rollup row instead of once per
        // row it stands for would change the answer; a subquery may read the rows otherwise.
        let unsafe_expr = star
            .conditions
            .iter()
            .chain(&agg.group_expr)
            .chain(&agg.aggr_expr)
            .any(|e| e.is_volatile() || has_subquery(e));
        (!unsafe_expr).then_some(star)
    }
}

/// The query's relations matched to a rollup's inputs, and how its columns map.
struct Matched<'a> {
    leaves: &'a [Leaf],
    /// For each rollup input, the leaf that reads its table.
    core: Vec<usize>,
    rollup: &'a Rollup,
    /// The rollup's table as the rewritten plan names it.
    name: TableReference,
}

/// Why a column cannot be answered from the rollup.
struct Missing;

impl Matched<'_> {
    /// The leaf a column belongs to (None: none or several, or an outer reference).
    fn leaf_of(&self, c: &Column) -> Option<usize> {
        let mut found = self
            .leaves
            .iter()
            .enumerate()
            .filter(|(_, l)| l.plan.schema().has_column(c))
            .map(|(i, _)| i);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The rollup input a column of the query belongs to, if it belongs to one.
    fn input_column(&self, c: &Column) -> Result<Option<InputColumn>, Missing> {
        let leaf = self.leaf_of(c).ok_or(Missing)?;
        Ok(self
            .core
            .iter()
            .position(|&l| l == leaf)
            .map(|input| InputColumn {
                input,
                column: c.name.clone(),
            }))
    }

    /// The rollup's column for an input column.
    fn rollup_column(&self, name: &str) -> Expr {
        Expr::Column(Column::new(Some(self.name.clone()), name))
    }

    /// `e` with every column of the rollup's inputs replaced by the rollup's grain column;
    /// Missing when one is not in the grain.
    fn remap(&self, e: &Expr) -> Result<Expr, Missing> {
        let mut missing = false;
        let out = e
            .clone()
            .transform_up(|e| {
                let Expr::Column(c) = &e else {
                    return Ok(Transformed::no(e));
                };
                match self.input_column(c) {
                    Ok(None) => Ok(Transformed::no(e)),
                    Ok(Some(ic)) => match self.rollup.grain_output(&ic) {
                        Some(out) => Ok(Transformed::yes(self.rollup_column(out))),
                        None => {
                            missing = true;
                            Ok(Transformed::no(e))
                        }
                    },
                    Err(Missing) => {
                        missing = true;
                        Ok(Transformed::no(e))
                    }
                }
            })
            .map_err(|_| Missing)?
            .data;
        if missing { Err(Missing) } else { Ok(out) }
    }

    /// [`Matched::remap`] of each of `exprs`.
    fn remap_all<'e>(
        &self,
        exprs: impl IntoIterator<Item = &'e Expr>,
    ) -> Result<Vec<Expr>, Missing> {
        exprs.into_iter().map(|e| self.remap(e)).collect()
    }

    /// The rollup's measure of `kind` over the input column `e` is, if it keeps one.
    fn measure(&self, kind: MeasureKind, e: &Expr) -> Option<Expr> {
        let Expr::Column(c) = e else {
            return None;
        };
        let ic = self.input_column(c).ok()??;
        self.rollup
            .measures
            .iter()
            .find(|m| m.kind == kind && m.column == ic)
            .map(|m| self.rollup_column(&m.output))
    }
}

/// An aggregate call with new arguments (and filter), everything else kept.
fn call(
    f: &AggregateFunction,
    func: Option<Arc<deltalake::datafusion::logical_expr::AggregateUDF>>,
    args: Vec<Expr>,
    filter: Option<Expr>,
) -> Expr {
    Expr::AggregateFunction(AggregateFunction::new_udf(
        func.unwrap_or_else(|| Arc::clone(&f.func)),
        args,
        f.params.distinct,
        filter.map(Box::new),
        f.params.order_by.clone(),
        f.params.null_treatment,
    ))
}

impl Rollups {
    /// The aggregate answered from the rollup `layer.name`, or None.
    fn navigate(
        &self,
        agg: &Aggregate,
        star: &Star,
        layer: &str,
        name: &str,
        rollup: &Rollup,
    ) -> DfResult<Option<LogicalPlan>> {
        let leaves = star.leaves.as_slice();
        // Each input of the rollup read exactly once by the query.
        let mut core = Vec::new();
        for input in &rollup.inputs {
            let mut reading = leaves
                .iter()
                .enumerate()
                .filter(|(_, l)| l.table.as_deref() == Some(input.table.as_str()));
            match (reading.next(), reading.next()) {
                (Some((i, _)), None) => core.push(i),
                _ => return Ok(None),
            }
        }
        let qualified = TableReference::partial(layer, name);
        if leaves
            .iter()
            .any(|l| l.plan.schema().iter().any(|(q, _)| q == Some(&qualified)))
        {
            return Ok(None);
        }
        let m = Matched {
            leaves,
            core,
            rollup,
            name: qualified.clone(),
        };

        // The rollup's joins must all be among the conditions; they are then implied.
        let mut joined = vec![false; rollup.joins.len()];
        let mut kept = Vec::new();
        for c in &star.conditions {
            if let Expr::BinaryExpr(b) = c
                && b.op == deltalake::datafusion::logical_expr::Operator::Eq
                && let (Expr::Column(l), Expr::Column(r)) = (b.left.as_ref(), b.right.as_ref())
                && let (Ok(Some(l)), Ok(Some(r))) = (m.input_column(l), m.input_column(r))
                && let Some(i) = rollup
                    .joins
                    .iter()
                    .position(|(a, b)| (*a == l && *b == r) || (*a == r && *b == l))
            {
                joined[i] = true;
                continue;
            }
            kept.push(c);
        }
        if joined.contains(&false) {
            return Ok(None);
        }
        let (Ok(kept), Ok(groups)) = (m.remap_all(kept), m.remap_all(&agg.group_expr)) else {
            return Ok(None);
        };
        let count = m.rollup_column(&rollup.count);
        let mut aggregates = Vec::new();
        for e in &agg.aggr_expr {
            let Some(rewritten) = self.aggregate(&m, agg.input.schema(), e, &count)? else {
                return Ok(None);
            };
            aggregates.push(rewritten.alias(e.schema_name().to_string()));
        }

        // Only now open the rollup: it must have been built from the inputs as they are.
        let Some(source) = self.fresh_rollup(layer, name, rollup) else {
            return Ok(None);
        };
        let mut plan = LogicalPlanBuilder::scan(qualified, source, None)?;
        let mut joined_schemas: Vec<DFSchemaRef> = vec![plan.schema().clone()];
        let mut pending = kept;
        for (i, leaf) in m.leaves.iter().enumerate() {
            if m.core.contains(&i) {
                continue;
            }
            joined_schemas.push(leaf.plan.schema().clone());
            // The conditions this relation completes join it; the rest wait.
            let (now, later): (Vec<Expr>, Vec<Expr>) = pending.into_iter().partition(|c| {
                let refs = c.column_refs();
                refs.iter().any(|r| leaf.plan.schema().has_column(r))
                    && refs
                        .iter()
                        .all(|r| joined_schemas.iter().any(|s| s.has_column(r)))
            });
            pending = later;
            plan = if now.is_empty() {
                plan.cross_join(leaf.plan.clone())?
            } else {
                plan.join_on(leaf.plan.clone(), JoinType::Inner, now)?
            };
        }
        if let Some(rest) = conjunction(pending) {
            plan = plan.filter(rest)?;
        }
        let rewritten = Aggregate::try_new(Arc::new(plan.build()?), groups, aggregates)?;

        // The same output as the query's aggregate: names, qualifiers and types.
        let (old, new) = (&agg.schema, &rewritten.schema);
        if old.fields().len() != new.fields().len()
            || old
                .fields()
                .iter()
                .zip(new.fields())
                .any(|(a, b)| a.data_type() != b.data_type())
        {
            return Ok(None);
        }
        let restore = old
            .iter()
            .zip(new.iter())
            .map(|((q, f), (nq, nf))| {
                Expr::Column(Column::new(nq.cloned(), nf.name()))
                    .alias_qualified(q.cloned(), f.name())
            })
            .collect();
        let rewritten = LogicalPlan::Aggregate(rewritten);
        Ok(Some(LogicalPlan::Projection(Projection::try_new(
            restore,
            Arc::new(rewritten),
        )?)))
    }

    /// One aggregate of the query over the rollup (None: it has no exact counterpart).
    fn aggregate(
        &self,
        m: &Matched,
        input: &DFSchemaRef,
        e: &Expr,
        count: &Expr,
    ) -> DfResult<Option<Expr>> {
        let e = match e {
            Expr::Alias(a) => a.expr.as_ref(),
            e => e,
        };
        let Expr::AggregateFunction(f) = e else {
            return Ok(None);
        };
        let p = &f.params;
        if !p.order_by.is_empty() || p.null_treatment.is_some() {
            return Ok(None);
        }
        let Ok(args) = m.remap_all(&p.args) else {
            // An argument outside the grain: only a rollup measure of it serves.
            if p.distinct || p.filter.is_some() {
                return Ok(None);
            }
            let [argument] = p.args.as_slice() else {
                return Ok(None);
            };
            let kind = match f.func.name() {
                "sum" => MeasureKind::Sum,
                "min" => MeasureKind::Min,
                "max" => MeasureKind::Max,
                _ => return Ok(None),
            };
            return Ok(m
                .measure(kind, argument)
                .map(|measure| call(f, None, vec![measure], None)));
        };
        let Ok(filter) = p.filter.as_deref().map(|x| m.remap(x)).transpose() else {
            return Ok(None);
        };
        let name = f.func.name();
        if p.distinct {
            // The distinct values are the same over the rollup's rows.
            return Ok(
                matches!(name, "count" | "sum" | "min" | "max" | "avg" | "median")
                    .then(|| call(f, None, args, filter)),
            );
        }
        Ok(match (name, args.as_slice()) {
            ("min" | "max", [_]) => Some(call(f, None, args, filter)),
            ("count", args) => {
                // A row counts where every argument is set; count(*) arrives as count(1), and a
                // literal that is not NULL is always set.
                let set = args
                    .iter()
                    .filter(|a| !matches!(a, Expr::Literal(v, _) if !v.is_null()))
                    .map(|a| a.clone().is_not_null());
                let filter = conjunction(filter.iter().cloned().chain(set));
                // Over no rows a count is 0 and a sum NULL.
                Some(deltalake::datafusion::functions::expr_fn::coalesce(vec![
                    call(f, Some(sum_udaf()), vec![count.clone()], filter),
                    lit(0_i64),
                ]))
            }
            ("median", [value]) => {
                let t = p.args[0].get_type(input.as_ref())?;
                median_of_counts::takes(&t).then(|| {
                    call(
                        f,
                        Some(median_of_counts::udaf()),
                        vec![value.clone(), count.clone()],
                        filter.clone(),
                    )
                })
            }
            ("sum", [value]) => {
                let t = p.args[0].get_type(input.as_ref())?;
                // Integers only: a float sum of x * n rounds otherwise than n additions.
                let signed = matches!(
                    t,
                    DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
                );
                signed.then(|| {
                    let weighted = cast(value.clone(), DataType::Int64) * count.clone();
                    call(f, Some(sum_udaf()), vec![weighted], filter.clone())
                })
            }
            _ => None,
        })
    }

    /// The rollup's table, if the versions it was built from are its inputs' latest.
    fn fresh_rollup(
        &self,
        layer: &str,
        name: &str,
        rollup: &Rollup,
    ) -> Option<Arc<dyn deltalake::datafusion::logical_expr::TableSource>> {
        let (lake, layer, name) = (self.lake.clone(), layer.to_string(), name.to_string());
        let inputs: HashSet<String> = rollup.inputs.iter().map(|i| i.table.clone()).collect();
        // Analyzer rules are synchronous: the Delta logs are read on a thread of their own.
        let found = super::on_own_runtime(async move {
            let table = lake.table(&layer, &name).await.ok()?;
            let recorded = crate::lake::inputs::recorded(&table).await.ok()??;
            for input in &inputs {
                let (l, t) = input.split_once('.')?;
                let now = lake.latest_version(l, t).await.ok()??;
                let built_from = *recorded.get(input)?;
                // Versions since that only compacted or vacuumed the input keep its rows.
                if built_from != now
                    && !crate::lake::inputs::rows_unchanged(&lake, l, t, built_from, now)
                        .await
                        .ok()?
                {
                    tracing::debug!(
                        "rollup {layer}.{name} was built from {input} version {built_from}, \
                         whose rows changed by version {now}"
                    );
                    return None;
                }
            }
            super::delta_provider(&lake, &table).await.ok()
        })??;
        Some(provider_as_source(found))
    }
}
