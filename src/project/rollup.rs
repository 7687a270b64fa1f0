//! Rollups: gold tables that count their inputs' rows at a coarser grain (`-- rollup: true`).
//!
//! A rollup's query is one plain aggregate: `SELECT <input columns>, count(*) AS n[, sum(c) AS
//! s ...] FROM <tables> JOIN ... ON <column = column> GROUP BY <the same columns>`, no WHERE,
//! HAVING, DISTINCT or subquery. Because it keeps nothing but its inputs' rows grouped, an
//! aggregate query over the same inputs whose columns are all in its grain can be answered from
//! it (`engine::rollups`). This module reads that shape from the SQL and refuses any other, at
//! model load, with what is wrong.

use deltalake::datafusion::sql::parser::{DFParser, Statement as DfStatement};
use deltalake::datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident,
    JoinConstraint, JoinOperator, ObjectName, SelectItem, SetExpr, Statement, TableFactor,
};

/// One input table of a rollup.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupInput {
    /// Qualified table name, `layer.table`.
    pub table: String,
    /// The name its columns are qualified with in the rollup's query (its alias, or the table).
    pub alias: String,
}

/// A column of one of the rollup's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InputColumn {
    /// Index into [`Rollup::inputs`].
    pub input: usize,
    /// Column name.
    pub column: String,
}

/// How a pre-aggregated measure was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// `sum(column)`: sums add up.
    Sum,
    /// `min(column)`.
    Min,
    /// `max(column)`.
    Max,
}

/// A pre-aggregated measure of the rollup.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// The aggregate.
    pub kind: MeasureKind,
    /// Its argument.
    pub column: InputColumn,
    /// The rollup's column holding it.
    pub output: String,
}

/// What a rollup model holds, read from its query.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    /// Its inputs, in FROM order; each table appears once.
    pub inputs: Vec<RollupInput>,
    /// The equi-join conditions between inputs (`a.x = b.y`), each pair in query order.
    pub joins: Vec<(InputColumn, InputColumn)>,
    /// The grain: each input column grouped by, with the rollup's column that holds it.
    pub grain: Vec<(InputColumn, String)>,
    /// The rollup's column holding `count(*)`: the input rows behind each rollup row.
    pub count: String,
    /// Pre-aggregated measures.
    pub measures: Vec<Measure>,
}

impl Rollup {
    /// The rollup's column holding `column` as a grain column, if it does.
    pub fn grain_output(&self, column: &InputColumn) -> Option<&str> {
        self.grain
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, out)| out.as_str())
    }

    /// Reads a rollup model's query; the error says what departs from the plain shape.
    pub fn parse(sql: &str) -> Result<Rollup, String> {
        let statements = DFParser::parse_sql(sql).map_err(|e| e.to_string())?;
        let statements = Vec::from(statements);
        let [DfStatement::Statement(statement)] = statements.as_slice() else {
            return Err("a rollup is one SELECT statement".into());
        };
        let Statement::Query(query) = statement.as_ref() else {
            return Err("a rollup is one SELECT statement".into());
        };
        if query.with.is_some()
            || query.order_by.is_some()
            || query.limit_clause.is_some()
            || query.fetch.is_some()
        {
            return Err("a rollup has no WITH, ORDER BY or LIMIT".into());
        }
        let SetExpr::Select(select) = query.body.as_ref() else {
            return Err("a rollup is one SELECT (no UNION, no VALUES)".into());
        };
        if select.distinct.is_some()
            || select.top.is_some()
            || select.selection.is_some()
            || select.prewhere.is_some()
            || select.having.is_some()
            || select.qualify.is_some()
            || !select.lateral_views.is_empty()
            || !select.named_window.is_empty()
            || select.into.is_some()
        {
            return Err(
                "a rollup keeps every input row: no WHERE, HAVING, DISTINCT or window".into(),
            );
        }
        let [from] = select.from.as_slice() else {
            return Err("a rollup reads one FROM item (tables joined with JOIN ... ON)".into());
        };

        let mut inputs = vec![input(&from.relation)?];
        let mut conditions = Vec::new();
        for join in &from.joins {
            let constraint = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => c,
                _ => return Err("a rollup's inputs are joined with inner joins only".into()),
            };
            let JoinConstraint::On(on) = constraint else {
                return Err("a rollup's joins say their columns: JOIN t ON a.x = t.y".into());
            };
            inputs.push(input(&join.relation)?);
            conditions.push(on.clone());
        }
        for (i, a) in inputs.iter().enumerate() {
            if inputs[..i]
                .iter()
                .any(|b| b.table == a.table || b.alias == a.alias)
            {
                return Err(format!("{} is read twice", a.table));
            }
        }
        let mut joins = Vec::new();
        for on in &conditions {
            for term in conjuncts(on) {
                let Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right,
                } = term
                else {
                    return Err(format!("join condition `{term}`: only column = column"));
                };
                joins.push((column(&inputs, left)?, column(&inputs, right)?));
            }
        }

        let GroupByExpr::Expressions(group_by, modifiers) = &select.group_by else {
            return Err("a rollup groups by its columns (not GROUP BY ALL)".into());
        };
        if !modifiers.is_empty() {
            return Err("a rollup's GROUP BY has no ROLLUP, CUBE or GROUPING SETS".into());
        }
        let grouped = group_by
            .iter()
            .map(|e| column(&inputs, e))
            .collect::<Result<Vec<_>, _>>()?;

        let mut grain = Vec::new();
        let mut count = None;
        let mut measures = Vec::new();
        for item in &select.projection {
            let (expr, alias) = match item {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(ident(alias))),
                _ => return Err("a rollup names its columns (no `*`)".into()),
            };
            if let Expr::Function(f) = expr {
                let name = f.name.to_string().to_lowercase();
                let output = alias.ok_or_else(|| format!("`{expr}` needs a name: AS ..."))?;
                let FunctionArguments::List(list) = &f.args else {
                    return Err(format!("`{expr}`: not an aggregate of a column"));
                };
                if f.filter.is_some()
                    || f.over.is_some()
                    || !f.within_group.is_empty()
                    || list.duplicate_treatment.is_some()
                    || !list.clauses.is_empty()
                {
                    return Err(format!(
                        "`{expr}`: no DISTINCT, FILTER, ORDER BY or OVER in a rollup"
                    ));
                }
                match (name.as_str(), list.args.as_slice()) {
                    ("count", [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]) => {
                        if count.replace(output).is_some() {
                            return Err("a rollup counts its rows once".into());
                        }
                    }
                    (
                        "sum" | "min" | "max",
                        [FunctionArg::Unnamed(FunctionArgExpr::Expr(argument))],
                    ) => {
                        let kind = match name.as_str() {
                            "sum" => MeasureKind::Sum,
                            "min" => MeasureKind::Min,
                            _ => MeasureKind::Max,
                        };
                        measures.push(Measure {
                            kind,
                            column: column(&inputs, argument)?,
                            output,
                        });
                    }
                    _ => {
                        return Err(format!(
                            "`{expr}`: a rollup's aggregates are count(*), sum, min and max of a column"
                        ));
                    }
                }
                continue;
            }
            let c = column(&inputs, expr)?;
            if !grouped.contains(&c) {
                return Err(format!("`{expr}` is selected but not grouped by"));
            }
            let output = alias.unwrap_or_else(|| c.column.clone());
            grain.push((c, output));
        }
        if grain.len() != grouped.len() {
            return Err("a rollup selects every column it groups by".into());
        }
        let count = count.ok_or("a rollup has `count(*) AS <name>`: queries' counts add it up")?;
        let mut outputs: Vec<&str> = grain.iter().map(|(_, o)| o.as_str()).collect();
        outputs.push(&count);
        outputs.extend(measures.iter().map(|m| m.output.as_str()));
        for (i, o) in outputs.iter().enumerate() {
            if outputs[..i].contains(o) {
                return Err(format!("column `{o}` is named twice"));
            }
        }
        Ok(Rollup {
            inputs,
            joins,
            grain,
            count,
            measures,
        })
    }
}

/// An identifier as DataFusion resolves it: unquoted names are lower-cased.
fn ident(i: &Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

fn object_name(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|part| part.as_ident().map_or_else(|| part.to_string(), ident))
        .collect()
}

fn input(factor: &TableFactor) -> Result<RollupInput, String> {
    let TableFactor::Table {
        name, alias, args, ..
    } = factor
    else {
        return Err("a rollup reads tables, not subqueries".into());
    };
    if args.is_some() {
        return Err(format!(
            "{name}: a rollup reads tables, not table functions"
        ));
    }
    let parts = object_name(name);
    let [layer, table] = parts.as_slice() else {
        return Err(format!("{name}: name a rollup's inputs as layer.table"));
    };
    let alias = match alias {
        Some(a) if a.columns.is_empty() => ident(&a.name),
        Some(_) => return Err(format!("{name}: no column aliases on a rollup's input")),
        None => table.clone(),
    };
    Ok(RollupInput {
        table: format!("{layer}.{table}"),
        alias,
    })
}

/// The input column `e` names: `alias.column`, or `column` when there is one input.
fn column(inputs: &[RollupInput], e: &Expr) -> Result<InputColumn, String> {
    let (qualifier, name) = match e {
        Expr::Identifier(i) if inputs.len() == 1 => (None, ident(i)),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [q, c] => (Some(ident(q)), ident(c)),
            _ => return Err(format!("`{e}`: qualify a rollup's columns as alias.column")),
        },
        _ => {
            return Err(format!(
                "`{e}`: a rollup groups by and joins on plain columns (alias.column)"
            ));
        }
    };
    let input = match qualifier {
        None => 0,
        Some(q) => inputs
            .iter()
            .position(|i| i.alias == q)
            .ok_or_else(|| format!("`{e}`: no input is named {q}"))?,
    };
    Ok(InputColumn {
        input,
        column: name,
    })
}

fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_rollup_over_a_join() {
        let r = Rollup::parse(
            "-- header\nSELECT f.source_key, b.skill_key AS skill, count(*) AS postings, \
             max(f.posted_date) AS latest \
             FROM gold.fact_job_posting f JOIN gold.bridge_posting_skill AS b \
             ON b.posting_key = f.posting_key GROUP BY f.source_key, b.skill_key",
        )
        .expect("a rollup");
        assert_eq!(r.inputs.len(), 2);
        assert_eq!(r.inputs[1].table, "gold.bridge_posting_skill");
        let col = |input, c: &str| InputColumn {
            input,
            column: c.into(),
        };
        assert_eq!(
            r.joins,
            vec![(col(1, "posting_key"), col(0, "posting_key"))]
        );
        assert_eq!(r.grain_output(&col(1, "skill_key")), Some("skill"));
        assert_eq!(r.grain_output(&col(0, "source_key")), Some("source_key"));
        assert_eq!(r.count, "postings");
        assert_eq!(r.measures[0].kind, MeasureKind::Max);
        assert_eq!(r.measures[0].column, col(0, "posted_date"));
    }

    #[test]
    fn a_single_table_may_leave_columns_unqualified() {
        let r = Rollup::parse(
            "SELECT location_key, count(*) AS n FROM gold.fact_job_posting GROUP BY location_key",
        )
        .expect("a rollup");
        assert_eq!(r.inputs[0].alias, "fact_job_posting");
        assert_eq!(r.grain[0].1, "location_key");
    }

    #[test]
    fn refuses_what_would_not_keep_every_row() {
        for (sql, says) in [
            (
                "SELECT a, count(*) AS n FROM gold.t WHERE a > 1 GROUP BY a",
                "no WHERE",
            ),
            ("SELECT a, b FROM gold.t GROUP BY a, b", "count(*)"),
            (
                "SELECT t.a, count(*) AS n FROM gold.t t LEFT JOIN gold.u u ON t.a = u.a GROUP BY t.a",
                "inner joins only",
            ),
            (
                "SELECT a, count(DISTINCT b) AS n FROM gold.t GROUP BY a",
                "no DISTINCT",
            ),
            (
                "SELECT a, avg(b) AS m, count(*) AS n FROM gold.t GROUP BY a",
                "count(*), sum, min and max",
            ),
            (
                "SELECT a, b, count(*) AS n FROM gold.t GROUP BY a",
                "not grouped by",
            ),
            (
                "SELECT t.a, count(*) AS n FROM gold.t t JOIN gold.u u ON t.a < u.a GROUP BY t.a",
                "only column = column",
            ),
            ("SELECT a, count(*) AS n FROM t GROUP BY a", "layer.table"),
            (
                "SELECT lower(a), count(*) AS n FROM gold.t GROUP BY lower(a)",
                "plain columns",
            ),
        ] {
            let e = Rollup::parse(sql).expect_err(sql);
            assert!(e.contains(says), "{sql}: {e}");
        }
    }
}
