//! `joblake tables` and `joblake test`: the lake as it is.

use std::process::ExitCode;

use anyhow::Result;

use super::{Context, render};
use crate::pipeline;
use crate::transform;

/// Lists the tables of each layer.
pub async fn tables(ctx: &Context) -> Result<ExitCode> {
    let tables = pipeline::tables(&ctx.lake, &ctx.project).await?;
    if tables.is_empty() {
        println!(
            "The lake at {} is empty: try `joblake demo`.",
            ctx.lake.display()
        );
    } else {
        render::print_tables(&tables);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the data tests; fails when one failed.
pub async fn test(ctx: &Context) -> Result<ExitCode> {
    let outcomes = transform::run::test(&ctx.lake, &ctx.project).await?;
    render::print_tests(&outcomes);
    Ok(if outcomes.iter().all(|t| t.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
