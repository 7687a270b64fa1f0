//! `joblake sql`: statements from -c, -f or stdin, or the interactive shell.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use super::Context;
use crate::query::exec::{ExecOptions, run_sql};
use crate::query::output::{Format, TableStyle};

/// The arguments of `joblake sql`.
#[derive(Args)]
pub struct SqlArgs {
    /// A statement (or several separated by `;`) to run; may be repeated.
    #[arg(short = 'c', long = "command")]
    commands: Vec<String>,
    /// A file of statements to run; may be repeated.
    #[arg(short = 'f', long = "file")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Rows shown in table format (0: all).
    #[arg(long, default_value_t = 40)]
    maxrows: usize,
    /// Allow statements that change tables (DDL/DML).
    #[arg(long)]
    allow_writes: bool,
    /// Print each statement's elapsed time.
    #[arg(long)]
    timing: bool,
}

/// The terminal width COLUMNS asks for (comfy-table measures the terminal itself otherwise).
pub(crate) fn columns() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

/// Runs the scripts in order (stopping at the first error), or the shell when there are none
/// and stdin is a terminal.
pub async fn run(ctx: &Context, args: SqlArgs) -> Result<ExitCode> {
    let options = ExecOptions {
        format: args.format,
        style: TableStyle {
            max_rows: if args.maxrows == 0 {
                usize::MAX
            } else {
                args.maxrows
            },
            width: columns(),
            ..TableStyle::default()
        },
        allow_writes: args.allow_writes,
        timing: args.timing,
    };
    let mut scripts: Vec<(String, String)> = args
        .commands
        .into_iter()
        .map(|c| ("-c".to_string(), c))
        .collect();
    for f in args.files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        scripts.push((f.display().to_string(), text));
    }
    if scripts.is_empty() {
        if std::io::stdin().is_terminal() {
            crate::query::repl::run(ctx.lake.clone(), ctx.project.clone(), options).await?;
            return Ok(ExitCode::SUCCESS);
        }
        // Piped input (`echo "SELECT 1;" | joblake sql`) is a script like any other.
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading statements from stdin")?;
        scripts.push(("stdin".to_string(), text));
    }
    let session = crate::query::repl::sql_session(&ctx.lake, &ctx.project).await?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (origin, sql) in scripts {
        run_sql(&session, &sql, &options, &mut out, Some(&ctx.lake))
            .await
            .with_context(|| format!("in {origin}"))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
