//! A model's query with steps: every statement of the file but the last is a
//! `CREATE TABLE name AS SELECT ...` whose result the later ones read, held in memory for the
//! model only. DataFusion inlines a CTE wherever it is named, so an expensive CTE read in
//! several places runs once per place; a step runs once.

use deltalake::datafusion::common::TableReference;
use deltalake::datafusion::dataframe::DataFrame;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::datafusion::sql::parser::{DFParser, Statement};
use deltalake::datafusion::sql::sqlparser::ast::Statement as SqlStatement;

use crate::error::{Error, Result};

/// The tables a model's steps made; [`Steps::drop`] frees them.
#[derive(Debug, Default)]
pub struct Steps {
    tables: Vec<TableReference>,
}

impl Steps {
    /// Drops the steps' tables from the session.
    pub fn drop(self, ctx: &SessionContext) {
        for t in self.tables {
            if let Err(e) = ctx.deregister_table(t.clone()) {
                tracing::debug!("step table {t} not dropped: {e}");
            }
        }
    }
}

/// Runs the steps of `sql` (every statement but the last, each a `CREATE TABLE ... AS`) and
/// plans the last one, the model's query. On error, the steps made so far are dropped.
pub async fn plan(ctx: &SessionContext, sql: &str) -> Result<(DataFrame, Steps)> {
    let mut statements = DFParser::parse_sql(sql)?;
    let Some(last) = statements.pop_back() else {
        return Err(Error::Config("a model file without a query".into()));
    };
    let mut steps = Steps::default();
    for statement in statements {
        if let Err(e) = run_step(ctx, statement, &mut steps).await {
            steps.drop(ctx);
            return Err(e);
        }
    }
    let query = async {
        let plan = ctx.state().statement_to_plan(last).await?;
        Ok::<_, Error>(ctx.execute_logical_plan(plan).await?)
    };
    match query.await {
        Ok(df) => Ok((df, steps)),
        Err(e) => {
            steps.drop(ctx);
            Err(e)
        }
    }
}

async fn run_step(ctx: &SessionContext, statement: Statement, steps: &mut Steps) -> Result<()> {
    let name = match &statement {
        Statement::Statement(s) => match s.as_ref() {
            SqlStatement::CreateTable(c) if c.query.is_some() => c.name.to_string(),
            other => return Err(not_a_step(&other.to_string())),
        },
        other => return Err(not_a_step(&other.to_string())),
    };
    let plan = ctx.state().statement_to_plan(statement).await?;
    // Executing a CREATE TABLE ... AS plan runs its query and registers the result.
    ctx.execute_logical_plan(plan).await?.collect().await?;
    steps.tables.push(TableReference::from(name));
    Ok(())
}

fn not_a_step(statement: &str) -> Error {
    let head: String = statement.chars().take(80).collect();
    Error::Config(format!(
        "only `CREATE TABLE name AS SELECT ...` may come before a model's query, not `{head}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::{AsArray, Int64Array};

    #[tokio::test]
    async fn steps_are_tables_the_query_reads_dropped_after_it() {
        let ctx = SessionContext::new();
        let (df, steps) = plan(
            &ctx,
            "CREATE TABLE t AS SELECT 1 AS x;\nSELECT CAST(x + 1 AS BIGINT) AS y FROM t",
        )
        .await
        .expect("plans");
        let batches = df.collect().await.expect("runs");
        let y: &Int64Array = batches[0].column(0).as_primitive();
        assert_eq!(y.value(0), 2);
        steps.drop(&ctx);
        assert!(ctx.table("t").await.is_err(), "the step's table is dropped");

        let err = plan(&ctx, "SELECT 1; SELECT 2")
            .await
            .expect_err("not a step");
        assert!(err.to_string().contains("only `CREATE TABLE"), "{err}");
        // A query that fails drops the steps made before it.
        plan(&ctx, "CREATE TABLE u AS SELECT 1 AS x; SELECT nope FROM u")
            .await
            .expect_err("no such column");
        assert!(ctx.table("u").await.is_err(), "the step's table is dropped");
    }
}
