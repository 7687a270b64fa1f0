//! `joblake refresh`: the SQL models, bronze → silver → gold, then the data tests.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Context, render, signals};
use crate::ops::runs::steps;
use crate::transform::RefreshOptions;

/// The arguments of `joblake refresh`.
#[derive(Args)]
pub struct RefreshArgs {
    /// Rebuild every table from all of bronze instead of reading only new bronze files.
    #[arg(long)]
    full: bool,
}

/// A refresh by hand: audited, and under the `tables` lease so that it never races a
/// scheduled refresh or maintenance (it waits for them). Fails when a data test failed.
pub async fn run(ctx: &Context, args: RefreshArgs) -> Result<ExitCode> {
    let spinner = render::spinner(ctx.quiet, "refreshing");
    // A signal stops the wait for the lease; a refresh under way completes (or a second
    // signal exits: its commits are atomic).
    let run_ctx = ctx.run_context(signals::stop_on_signals(
        "a refresh under way finishes first",
    ));
    let guard = steps::tables_lease(&run_ctx, None)
        .await?
        .context("stopped while waiting for the tables lease")?;
    let options = RefreshOptions { full: args.full };
    let report = steps::refresh(&ctx.lake, &ctx.project, &options, None, &|event| {
        spinner.set_message(format!("refreshing {event}"));
    })
    .await;
    guard.release().await?;
    spinner.finish_and_clear();
    let (report, _) = report?;
    if !ctx.quiet {
        render::print_refresh(&report);
    } else {
        render::print_failures(&report);
    }
    Ok(render::exit_for(&report))
}
