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
use crate::lake::Lake;
use crate::lake::audit::AuditEvent;
use futures::StreamExt;

use deltalake::arrow::array::{AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::common::ResolvedTableReference;
use deltalake::datafusion::execution::context::SessionState;
use deltalake::datafusion::logical_expr::{DdlStatement, LogicalPlan};

use crate::error::Error;
use crate::query::output::{Format, ResultWriter, TableStyle};

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
/// error, which names the statement. With `audit_to`, every statement that writes a table
/// (`--allow-writes`) is recorded in that lake's audit trail, failed or not.
pub async fn run_sql(
    ctx: &SessionContext,
    sql: &str,
    options: &ExecOptions,
    out: &mut dyn Write,
    audit_to: Option<&Lake>,
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
        let text = statement.to_string();
        let plan = state.statement_to_plan(statement).await?;
        policy.verify_plan(&plan).map_err(|e| {
            DataFusionError::Plan(format!(
                "{e}: the lake is read-only here; pass --allow-writes to change tables"
            ))
        })?;
        let write = written_table(&state, &plan);
        if let Some((table, _)) = &write
            && table.schema.as_ref() == crate::lake::meta::SCHEMA
        {
            return Err(DataFusionError::Plan(format!(
                "{}.{} is written by joblake only (the run log and the audit trail)",
                table.schema, table.table
            ))
            .into());
        }
        if let LogicalPlan::Copy(copy) = &plan
            && copy
                .output_url
                .split(['/', '\\'])
                .any(|part| part == crate::lake::meta::DIR)
        {
            return Err(DataFusionError::Plan(format!(
                "COPY into {}: the lake's {} directory is written by joblake only",
                copy.output_url,
                crate::lake::meta::DIR
            ))
            .into());
        }
        // Only DML changes the lake; DDL here defines names for this session alone.
        let write = write
            .filter(|_| matches!(plan, LogicalPlan::Dml(_)))
            .map(|(t, op)| (format!("{}.{}", t.schema, t.table), op));
        let result = run_plan(ctx, plan, options, out).await;
        if let (Some(lake), Some((table, op))) = (audit_to, write) {
            let event = AuditEvent::new("sql", table).detail(format!("{op}: {text}"));
            let event = match &result {
                Ok(_) => event,
                Err(e) => event.failed(e),
            };
            crate::lake::audit::record(lake, &[event]).await?;
        }
        total += result?;
        if options.timing {
            writeln!(out, "Elapsed {:.3} s", started.elapsed().as_secs_f64()).ok();
        }
    }
    Ok(total)
}

/// The table a statement changes or (re)defines, resolved against the session's default
/// catalog and schema so that `audit`, `meta.audit` and `datafusion.meta.audit` are one name,
/// with the kind of change.
fn written_table(
    state: &SessionState,
    plan: &LogicalPlan,
) -> Option<(ResolvedTableReference, String)> {
    let (name, op) = match plan {
        LogicalPlan::Dml(dml) => (&dml.table_name, dml.op.name().to_string()),
        LogicalPlan::Ddl(ddl) => {
            let name = match ddl {
                DdlStatement::CreateExternalTable(t) => &t.name,
                DdlStatement::CreateMemoryTable(t) => &t.name,
                DdlStatement::CreateView(t) => &t.name,
                DdlStatement::CreateIndex(t) => &t.table,
                DdlStatement::DropTable(t) => &t.name,
                DdlStatement::DropView(t) => &t.name,
                _ => return None,
            };
            (name, ddl.name().to_string())
        }
        _ => return None,
    };
    let defaults = &state.config_options().catalog;
    Some((
        name.clone()
            .resolve(&defaults.default_catalog, &defaults.default_schema),
        op,
    ))
}

/// Executes one planned statement and prints its result; returns the rows printed.
async fn run_plan(
    ctx: &SessionContext,
    plan: LogicalPlan,
    options: &ExecOptions,
    out: &mut dyn Write,
) -> Result<usize> {
    let explain = matches!(plan, LogicalPlan::Explain(_) | LogicalPlan::Analyze(_));
    let df = ctx.execute_logical_plan(plan).await?;
    if explain && options.format == Format::Table {
        // Plans are multi-line text: printed whole, not cut into table cells.
        return write_plans(&df.collect().await?, out);
    }
    let mut stream = df.execute_stream().await?;
    let mut writer = ResultWriter::new(stream.schema(), options.format, options.style);
    while let Some(batch) = stream.next().await {
        writer.write(&batch?, out)?;
    }
    writer.finish(out)
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
