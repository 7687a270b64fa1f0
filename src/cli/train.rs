//! `joblake train` (the job-family classifier and the salary estimator, from the lake) and
//! `joblake models` (the stored versions with their figures).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Context, render};
use crate::ml::TrainSettings;

/// The arguments of `joblake train`.
#[derive(Args)]
pub struct TrainArgs {
    /// Hand labels: a CSV with `source`, `source_id` and `job_family` columns (e.g.
    /// tests/eval/postings.csv); may be repeated. Labelled postings weigh more in training, and
    /// the classifier is judged on those of the test part.
    #[arg(long)]
    labels: Vec<PathBuf>,
    /// Seed of the split and of the training order: the same seed and data give the same
    /// models and figures.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of postings held out for testing (by posting: duplicates never straddle it).
    #[arg(long, default_value_t = 0.2)]
    test_share: f64,
    /// At most this many postings train the classifier (a deterministic sample; memory is
    /// about 1.5 KB per posting).
    #[arg(long, default_value_t = 250_000)]
    max_postings: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `joblake models`.
#[derive(Args)]
pub struct ModelsArgs {
    /// Print the models as JSON (every field of model.json).
    #[arg(long)]
    json: bool,
}

/// Trains, evaluates and stores both models; prints their figures beside the baselines.
pub async fn run(ctx: &Context, args: TrainArgs) -> Result<ExitCode> {
    if !(0.0..1.0).contains(&args.test_share) {
        anyhow::bail!("--test-share {} is not a share in [0, 1)", args.test_share);
    }
    let mut settings = TrainSettings {
        labels: args.labels,
        max_family_postings: args.max_postings,
        ..TrainSettings::default()
    };
    settings.split.seed = args.seed;
    settings.split.test_share = args.test_share;
    settings.family.seed = args.seed;
    settings.salary.seed = args.seed;
    let spinner = render::spinner(ctx.quiet, "training");
    let report = crate::ml::train(&ctx.lake, &ctx.project, &settings).await?;
    spinner.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        render::print_train(&report, ctx.quiet);
    }
    Ok(if report.models.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Lists every stored version of every model.
pub async fn models(ctx: &Context, args: ModelsArgs) -> Result<ExitCode> {
    let models = crate::lake::models::list(&ctx.lake).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&models)?);
    } else {
        render::print_models(&models);
    }
    Ok(ExitCode::SUCCESS)
}
