//! The command line: the clap definitions, one module per command (its arguments and what it
//! does), the rendering of every report ([`render`]), the one signal-handling path
//! ([`signals`]) and the configuration → lake → project every command starts from
//! ([`context`]). This is the application layer: it may use `anyhow`; the layers below return
//! the crate's [`Error`](crate::Error).

pub mod audit;
pub mod bench;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod context;
pub mod dashboard;
pub mod demo;
pub mod eval;
pub mod generate;
pub mod ingest;
pub mod land;
pub mod maintain;
pub mod mirror;
pub mod quality;
pub mod refresh;
pub mod render;
pub mod run;
pub mod signals;
pub mod sources;
pub mod sql;
pub mod stream;
pub mod tables;
pub mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use context::Context;

/// joblake: a lakehouse for job-market data (bronze JSON -> silver and gold Delta tables).
#[derive(Parser)]
#[command(version, about, propagate_version = true)]
pub struct Cli {
    /// The lake: a directory or an object-store URL (s3://bucket/prefix).
    #[arg(long, global = true, env = "JOBLAKE_LAKE")]
    lake: Option<String>,
    /// Configuration file (default: ./joblake.toml when present).
    #[arg(long, global = true, env = "JOBLAKE_CONFIG")]
    config: Option<PathBuf>,
    /// A directory of SQL models to use instead of the built-in ones.
    #[arg(long, global = true, env = "JOBLAKE_MODELS_DIR")]
    models: Option<PathBuf>,
    /// Run queries on a Ballista cluster, `ballista://HOST:PORT` (`[engine] cluster`; needs the
    /// `cluster` feature, docs/scale.md).
    #[arg(long, global = true, env = "JOBLAKE_ENGINE")]
    engine: Option<String>,
    /// Print only results and errors (no progress, no summary).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// `--quiet`: only results and errors.
    pub fn quiet(&self) -> bool {
        self.quiet
    }
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Generate a realistic sample in the sources' native formats, land it, refresh silver and
    /// gold, and print a summary. No server, no key, no network.
    Demo(demo::DemoArgs),
    /// Land raw files, as a source returned them, into bronze (one envelope per posting).
    Land(land::LandArgs),
    /// Fetch postings from the configured sources (APIs and scraped boards) into bronze.
    /// Exits non-zero only when every selected source failed.
    Ingest(ingest::IngestArgs),
    /// Consume a Kafka topic (`ingest --to` publishes to it) into bronze micro-batches, exactly
    /// once per message, and refresh silver and gold after each cycle. Runs until stopped
    /// (SIGTERM: the batch in hand is committed first), or one cycle with --once.
    Stream(stream::StreamArgs),
    /// List the sources `ingest` would run, with their kind and whether they are enabled.
    Sources,
    /// Run the SQL models: bronze -> silver -> gold, then the data tests. SIGTERM or Ctrl-C
    /// stops it before its next model or pass, its tables put back (exit 130).
    Refresh(refresh::RefreshArgs),
    /// Run SQL against the lake (bronze.*, silver.*, gold.*, ref.*): -c/-f/piped statements,
    /// or the interactive shell when stdin is a terminal.
    Sql(sql::SqlArgs),
    /// Mirror gold into the warehouse (PostgreSQL or SQLite) that BI tools read: applies the
    /// pending migrations, then reloads the tables whose Delta version changed.
    Mirror(mirror::MirrorArgs),
    /// Generate a large realistic sample (the demo's generator: native formats, duplicates
    /// across sources, missing fields, long HTML) and land it in the lake's bronze.
    Gen(generate::GenArgs),
    /// Benchmark every stage at N postings in a scratch lake, beside DuckDB, Polars and pandas
    /// on the same bronze (installed into a throwaway virtual environment on first use).
    #[command(args_conflicts_with_subcommands = true)]
    Bench(bench::BenchArgs),
    /// Run a job once, now: `pipeline` (ingest -> refresh -> data tests -> quality check -> mirror) by default.
    /// Logged in meta.runs; refuses to start while the job runs elsewhere.
    Run(run::RunArgs),
    /// Run the jobs on their cron until stopped (SIGTERM or Ctrl-C: the running steps reach a
    /// safe point first; a refresh stops before its next model and puts its tables back).
    /// Serves health and Prometheus metrics on localhost.
    Schedule(run::ScheduleArgs),
    /// Show the last runs from the run log (meta.runs), newest first.
    Runs(run::RunsArgs),
    /// Compact small files, write checkpoints and vacuum old files of every Delta table, then
    /// apply the bronze retention (`[maintain]`).
    Maintain(maintain::MaintainArgs),
    /// List the tables of each layer with rows, Delta version and last refresh time.
    Tables,
    /// Run the data tests over the lake as it is.
    Test,
    /// Measure silver against hand-labelled real postings (`docs/data_quality.md`): land the
    /// corpus into a scratch lake, refresh, and compare salaries, places, contracts, skills,
    /// families and duplicates with their goals. Exits 1 when a figure is below its goal.
    Eval(eval::EvalArgs),
    /// Data quality of each source's latest landing (gold.quality_by_run_source): rejects,
    /// duplicates, completeness of every field, freshness, judged against `[quality]` in
    /// joblake.toml. Exits 1 when a threshold is broken.
    Quality(quality::QualityArgs),
    /// Write the job-market dashboard: one self-contained HTML file from gold (charts, maps,
    /// cross-filters, posting search), to open from disk or send as an attachment.
    Dashboard(dashboard::DashboardArgs),
    /// Serve the dashboard on localhost, rebuilt from the lake when the lake changed.
    Serve(dashboard::ServeArgs),
    /// Train the job-family classifier and the salary estimator from silver, evaluate them on
    /// a held-out part beside their baselines, and store them as new versions in
    /// _meta/models/ (the next refresh writes gold.fact_posting_prediction with them).
    Train(train::TrainArgs),
    /// List the trained models of the lake: every version with its figures.
    Models(train::ModelsArgs),
    /// Run a process of a Ballista cluster with joblake's functions and codecs: the scheduler,
    /// or an executor (docs/scale.md).
    #[cfg(feature = "cluster")]
    Cluster(cluster::ClusterArgs),
    /// The audit trail (meta.audit): `joblake audit verify` checks its hash chain and exits 1
    /// when a row was edited or removed.
    Audit(audit::AuditArgs),
}

/// Runs the command on a new multi-threaded runtime: [`run`], from synchronous code.
///
/// It lives here rather than in `main.rs` so that the async code is compiled once, in this
/// crate: polled from the binary's `block_on`, every future it reaches was compiled again in the
/// binary, 111 s at the end of a clean release build (docs/performance.md, "Build").
pub fn run_blocking(cli: Cli) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(run(cli))
}

/// Runs the command: the exit code on a result (e.g. failed data tests), an error otherwise.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Context::open(&cli)?;
    match cli.command {
        Command::Demo(args) => demo::run(&ctx, args).await,
        Command::Land(args) => land::run(&ctx, args).await,
        Command::Ingest(args) => ingest::run(&ctx, args).await,
        Command::Stream(args) => stream::run(&ctx, args).await,
        Command::Sources => sources::run(&ctx),
        Command::Refresh(args) => refresh::run(&ctx, args).await,
        Command::Sql(args) => sql::run(&ctx, args).await,
        Command::Mirror(args) => mirror::run(&ctx, args).await,
        Command::Gen(args) => generate::run(&ctx, args).await,
        Command::Bench(args) => bench::run(&ctx, args).await,
        Command::Run(args) => run::run(&ctx, args).await,
        Command::Schedule(args) => run::schedule(&ctx, args).await,
        Command::Runs(args) => run::runs(&ctx, args).await,
        Command::Maintain(args) => maintain::run(&ctx, args).await,
        Command::Tables => tables::tables(&ctx).await,
        Command::Test => tables::test(&ctx).await,
        Command::Eval(args) => eval::run(&ctx, args).await,
        Command::Quality(args) => quality::run(&ctx, args).await,
        Command::Dashboard(args) => dashboard::run(&ctx, args).await,
        Command::Serve(args) => dashboard::serve(&ctx, args).await,
        Command::Audit(args) => audit::run(&ctx, args).await,
        Command::Train(args) => train::run(&ctx, args).await,
        Command::Models(args) => train::models(&ctx, args).await,
        #[cfg(feature = "cluster")]
        Command::Cluster(args) => cluster::run(&ctx, args).await,
    }
}
