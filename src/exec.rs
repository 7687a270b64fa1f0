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

use deltalake::arrow::array::{AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::logical_expr::LogicalPlan;

use crate::error::Error;
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
        let explain = matches!(plan, LogicalPlan::Explain(_) | LogicalPlan::Analyze(_));
        let df = ctx.execute_logical_plan(plan).await?;
        if explain && options.format == Format::Table {
            // Plans are multi-line text: printed whole, not cut into table cells.
            total += write_plans(&df.collect().await?, out)?;
        } else {
            let mut stream = df.execute_stream().await?;
            let mut writer = ResultWriter::new(stream.schema(), options.format, options.style);
            while let Some(batch) = stream.next().await {
                writer.write(&batch?, out)?;
            }
            total += writer.finish(out)?;
        }
        if options.timing {
            writeln!(out, "Elapsed {:.3} s", started.elapsed().as_secs_f64()).ok();
        }
    }
    Ok(total)
}

/// Writes EXPLAIN output (`plan_type`, `plan` rows) as headed blocks of text.
fn write_plans(batches: &[RecordBatch], out: &mut dyn Write) -> Result<usize> {
    let io = |e: std::io::Error| Error::Io {
        context: "writing results".into(),
        source: e,
    };
    let mut rows = 0;
    for b in batches {
        if b.num_columns() < 2 {
            continue;
        }
        let kinds = cast(b.column(0), &DataType::Utf8)?;
        let plans = cast(b.column(1), &DataType::Utf8)?;
        let (kinds, plans) = (kinds.as_string::<i32>(), plans.as_string::<i32>());
        for i in 0..b.num_rows() {
            writeln!(out, "== {} ==\n{}\n", kinds.value(i), plans.value(i)).map_err(io)?;
            rows += 1;
        }
    }
    Ok(rows)
}
