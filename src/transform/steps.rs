//! A model's query with steps: every statement of the file but the last is a
//! `CREATE TABLE name AS SELECT ...` whose result the later ones read, kept for the model only.
//! DataFusion inlines a CTE wherever it is named, so an expensive CTE read in several places
//! runs once per place; a step runs once.
//!
//! On one machine a step is held in memory. On a cluster it is written as a Delta table under
//! `_meta/steps/` and read back from there: an in-memory table would travel inside every plan
//! that reads it (an HTTP/2 error past a few megabytes, seen at 100k postings), where a Delta
//! table travels as its file list.

use deltalake::datafusion::common::TableReference;
use deltalake::datafusion::dataframe::DataFrame;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::datafusion::sql::parser::{DFParser, Statement};
use deltalake::datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;

use crate::engine;
use crate::error::{Error, Result};
use crate::lake::Lake;

/// Where the steps' tables are written: `_meta/steps/<name>`.
const STEPS: &str = "_meta/steps";

/// The tables a model's steps made; [`Steps::drop`] removes them.
#[derive(Debug, Default)]
pub struct Steps {
    /// Each step's name, and whether it was written to the lake (on a cluster).
    tables: Vec<(String, bool)>,
}

impl Steps {
    /// Drops the steps' tables from the session and deletes their files.
    pub async fn drop(self, lake: &Lake, ctx: &SessionContext) {
        for (name, stored) in self.tables {
            if let Err(e) = ctx.deregister_table(TableReference::bare(name.as_str())) {
                tracing::debug!("step table {name} not dropped: {e}");
            }
            if stored && let Err(e) = lake.remove_table(STEPS, &name).await {
                tracing::warn!("the files of step table {name} were not removed: {e}");
            }
        }
    }
}

/// Runs the steps of `sql` (every statement but the last, each a `CREATE TABLE ... AS`) and
/// plans the last one, the model's query. On error, the steps made so far are dropped.
pub async fn plan(lake: &Lake, ctx: &SessionContext, sql: &str) -> Result<(DataFrame, Steps)> {
    let mut statements = DFParser::parse_sql(sql)?;
    let Some(last) = statements.pop_back() else {
        return Err(Error::Config("a model file without a query".into()));
    };
    let mut steps = Steps::default();
    for statement in statements {
        if let Err(e) = run_step(lake, ctx, statement, &mut steps).await {
            steps.drop(lake, ctx).await;
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
            steps.drop(lake, ctx).await;
            Err(e)
        }
    }
}

async fn run_step(
    lake: &Lake,
    ctx: &SessionContext,
    statement: Statement,
    steps: &mut Steps,
) -> Result<()> {
    let (name, query) = match &statement {
        Statement::Statement(s) => match s.as_ref() {
            SqlStatement::CreateTable(c) if c.query.is_some() && c.name.0.len() == 1 => {
                (c.name.to_string(), c.query.clone())
            }
            other => return Err(not_a_step(&other.to_string())),
        },
        other => return Err(not_a_step(&other.to_string())),
    };
    let Some(query) = query else {
        return Err(not_a_step(&statement.to_string()));
    };
    if lake.engine_settings().cluster.is_none() {
        // Executing a CREATE TABLE ... AS plan runs its query and registers the result.
        let plan = ctx.state().statement_to_plan(statement).await?;
        ctx.execute_logical_plan(plan).await?.collect().await?;
        steps.tables.push((name, false));
        return Ok(());
    }
    let plan = ctx
        .state()
        .statement_to_plan(Statement::Statement(Box::new(SqlStatement::Query(query))))
        .await?;
    let df = ctx.execute_logical_plan(plan).await?;
    let (input, state) = engine::writer_input(lake, ctx, df).await?;
    let table = lake
        .table(STEPS, &name)
        .await?
        .write(Vec::new())
        .with_input_plan(input)
        .with_session_state(state)
        .with_table_name(name.clone())
        .with_save_mode(SaveMode::Overwrite)
        .with_schema_mode(SchemaMode::Overwrite)
        .await?;
    steps.tables.push((name.clone(), true));
    let provider = engine::delta_provider(lake, &table).await?;
    ctx.register_table(TableReference::bare(name.as_str()), provider)?;
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
    async fn steps_are_tables_the_query_reads_removed_after_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake =
            Lake::open(&dir.path().to_string_lossy(), Default::default()).expect("lake opens");
        let ctx = SessionContext::new();
        let (df, steps) = plan(
            &lake,
            &ctx,
            "CREATE TABLE t AS SELECT CAST(1 AS BIGINT) AS x;\nSELECT x + 1 AS y FROM t",
        )
        .await
        .expect("plans");
        let batches = df.collect().await.expect("runs");
        let y: &Int64Array = batches[0].column(0).as_primitive();
        assert_eq!(y.value(0), 2);
        assert!(
            !lake.is_table(STEPS, "t").await.expect("lists"),
            "on one machine a step is held in memory"
        );
        steps.drop(&lake, &ctx).await;
        assert!(ctx.table("t").await.is_err(), "the step's table is dropped");

        let err = plan(&lake, &ctx, "SELECT 1; SELECT 2")
            .await
            .expect_err("not a step");
        assert!(err.to_string().contains("only `CREATE TABLE"), "{err}");
        // A query that fails drops the steps made before it.
        plan(
            &lake,
            &ctx,
            "CREATE TABLE u AS SELECT 1 AS x; SELECT nope FROM u",
        )
        .await
        .expect_err("no such column");
        assert!(ctx.table("u").await.is_err(), "the step's table is dropped");
    }
}
