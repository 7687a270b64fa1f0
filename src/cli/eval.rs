//! `joblake eval`: silver measured against the hand-labelled real postings.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Context, render};
use crate::eval::{self, Labels};
use crate::lake::Lake;

/// The arguments of `joblake eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// The corpus of real recorded responses.
    #[arg(long, env = "JOBLAKE_CORPUS")]
    corpus: PathBuf,
    /// A directory with `postings.csv` and `duplicate_pairs.csv` (default: the labels built in).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Write every mismatch (posting, field, expected, got) to this CSV file.
    #[arg(long)]
    mismatches: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
    /// Build the evaluation lake in this (new or empty) directory and keep it, to read the
    /// mismatches with `joblake --lake DIR sql` (default: a scratch directory, removed after).
    #[arg(long, value_name = "DIR")]
    keep_lake: Option<PathBuf>,
}

/// Lands the corpus into a scratch lake, refreshes it and prints the figures. Exits 1 when a
/// figure is below its goal or a data test failed.
pub async fn run(ctx: &Context, args: EvalArgs) -> Result<ExitCode> {
    let labels = match &args.labels {
        Some(dir) => Labels::from_dir(dir)?,
        None => Labels::embedded()?,
    };
    let scratch = tempfile::tempdir().context("creating a scratch lake")?;
    let dir = match &args.keep_lake {
        Some(dir) => {
            let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
            if occupied {
                anyhow::bail!("--keep-lake {}: the directory is not empty", dir.display());
            }
            dir.clone()
        }
        None => scratch.path().to_path_buf(),
    };
    let lake = Lake::open(&dir.to_string_lossy(), Default::default())?
        .with_engine_settings(ctx.lake.engine_settings().clone());
    let spinner = render::spinner(ctx.quiet || args.json, "landing the corpus and refreshing");
    let report = eval::run(&lake, &ctx.project, &args.corpus, &labels).await;
    spinner.finish_and_clear();
    let report = report?;
    if let Some(path) = &args.mismatches {
        render::write_mismatches(path, &report.scores.mismatches)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        render::print_eval(&report, ctx.quiet);
    }
    Ok(
        if report.unmet().is_empty() && report.failed_tests.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
