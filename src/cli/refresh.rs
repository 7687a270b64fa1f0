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
    // A signal stops the wait for the lease, or a refresh under way before its next model or
    // pass, its tables put back (a second signal exits at once: its commits are atomic).
    let run_ctx = ctx.run_context(signals::stop_on_signals(
        "a refresh under way stops before its next model or pass and puts its tables back",
    ));
    let guard = steps::tables_lease(&run_ctx, None)
        .await?
        .context("stopped while waiting for the tables lease")?;
    let options = RefreshOptions {
        full: args.full,
        stop: Some(run_ctx.stop.clone()),
    };
    let report = steps::refresh(&ctx.lake, &ctx.project, &options, None, &|event| {
        spinner.set_message(format!("refreshing {event}"));
    })
    .await;
    guard.release().await?;
    spinner.finish_and_clear();
    let (report, _) = match report {
        // Stopped by a signal, its tables put back: as a cancelled run exits.
        Err(e @ crate::error::Error::Stopped { .. }) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(130));
        }
        other => other?,
    };
    if !ctx.quiet {
        render::print_refresh(&report);
    } else {
        render::print_failures(&report);
    }
    Ok(render::exit_for(&report))
}
