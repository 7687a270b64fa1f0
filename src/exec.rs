//! Running SQL text against the lake: the single path every way of querying ends in
//! (`joblake sql -c`, `-f`, and the REPL). Statements are split by DataFusion's parser,
//! planned one by one, checked against the read-only policy, executed, and printed as their
//! batches arrive.

use std::io::Write;
use std::time::Instant;

use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::execution::context::SQLOptions;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::datafusion::sql::parser::DFParser;

use crate::error::Result;
use futures::StreamExt;

use crate::output::{Format, ResultWriter, TableStyle};

/// How statements are run and shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecOptions {
    /// Output format.
    pub format: Format,
    /// Table display settings.
    pub style: TableStyle,
    /// Allow statements that change tables or the catalog (DDL/DML).
    pub allow_writes: bool,
    /// Print the elapsed time after each statement.
    pub timing: bool,
}

/// Runs every statement of `sql` in order, printing each result to `out`. Stops at the first
/// error, which names the statement.
pub async fn run_sql(
    ctx: &SessionContext,
    sql: &str,
    options: &ExecOptions,
    out: &mut dyn Write,
) -> Result<usize> {
    let statements = DFParser::parse_sql(sql)?;
    let policy = SQLOptions::new()
        .with_allow_ddl(options.allow_writes)
        .with_allow_dml(options.allow_writes)
        .with_allow_statements(true);
    let mut total = 0;
    for statement in statements {
        let started = Instant::now();
        let state = ctx.state();
        let plan = state.statement_to_plan(statement).await?;
        policy.verify_plan(&plan).map_err(|e| {
            DataFusionError::Plan(format!(
                "{e}: the lake is read-only here; pass --allow-writes to change tables"
            ))
        })?;
        let mut stream = ctx
            .execute_logical_plan(plan)
            .await?
            .execute_stream()
            .await?;
        let mut writer = ResultWriter::new(stream.schema(), options.format, options.style);
        while let Some(batch) = stream.next().await {
            writer.write(&batch?, out)?;
        }
        total += writer.finish(out)?;
        if options.timing {
            writeln!(out, "Elapsed {:.3} s", started.elapsed().as_secs_f64()).ok();
        }
    }
    Ok(total)
}
