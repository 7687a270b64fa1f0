//! `joblake sources`: the sources `ingest` would run.

use std::process::ExitCode;

use anyhow::Result;

use super::Context;
use super::render::{self, SourceRow};

/// Lists the configured sources, with whether each can run (e.g. its key is set).
pub fn run(ctx: &Context) -> Result<ExitCode> {
    let secrets = joblake_sources::Secrets::default();
    let rows: Vec<SourceRow> = joblake_sources::configured(&ctx.config.sources)?
        .into_iter()
        .map(|entry| SourceRow {
            ready: match joblake_sources::build(&entry, &secrets) {
                Ok(_) => "yes".to_string(),
                Err(e) => e.to_string(),
            },
            name: entry.name,
            kind: entry.kind,
            enabled: entry.enabled,
        })
        .collect();
    render::print_sources(&rows);
    Ok(ExitCode::SUCCESS)
}
