//! `joblake bench` and `joblake bench mirror`: every stage timed in a scratch lake.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::{Context, render};
use crate::bench::stages::BenchOptions;
use crate::lake::Lake;

/// The arguments of `joblake bench`.
#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: Option<BenchCommand>,
    /// Postings to generate.
    #[arg(long, default_value_t = 100_000)]
    postings: usize,
    /// Peers to run beside joblake (comma separated), or `none`. `duckdb_read` is DuckDB's
    /// plain read of bronze (no models): the floor the full refresh is compared with.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "duckdb_read,duckdb,polars,pandas"
    )]
    peers: Vec<String>,
    /// A Python that has the peers' packages (default: a virtual environment in the cache
    /// directory, made on first use).
    #[arg(long, env = "JOBLAKE_BENCH_PYTHON")]
    python: Option<PathBuf>,
    /// Mirror into this warehouse instead of a scratch SQLite file.
    #[arg(long)]
    warehouse: Option<String>,
    /// Timed runs of each analyst query (after a cold one).
    #[arg(long, default_value_t = 5)]
    query_runs: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the scratch lake (its path is printed).
    #[arg(long)]
    keep: bool,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

/// What `joblake bench` measures besides every stage.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Mirror a generated gold of N postings into PostgreSQL, then load the same rows with
    /// psql's \copy, and compare the rates.
    Mirror {
        /// Fact rows to generate.
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// The PostgreSQL database to load (tables go to its `gold` schema).
        #[arg(long, env = "JOBLAKE_WAREHOUSE_URL")]
        warehouse: String,
        /// The psql to compare with.
        #[arg(long, default_value = "psql")]
        psql: PathBuf,
    },
}

/// A scratch directory of this process for the bench's lake.
fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("joblake-bench-{}", std::process::id()))
}

/// Runs the bench asked for.
pub async fn run(ctx: &Context, args: BenchArgs) -> Result<ExitCode> {
    match args.what {
        Some(BenchCommand::Mirror {
            rows,
            warehouse,
            psql,
        }) => mirror(ctx, rows, &warehouse, &psql).await,
        None => stages(ctx, args).await,
    }
}

async fn stages(ctx: &Context, args: BenchArgs) -> Result<ExitCode> {
    let peers: Vec<String> = args
        .peers
        .into_iter()
        .filter(|p| p != "none" && !p.is_empty())
        .collect();
    for p in &peers {
        anyhow::ensure!(
            crate::bench::peers::TOOLS.contains(&p.as_str()),
            "--peers: `{p}` is not a peer (choose among {}, or none)",
            crate::bench::peers::TOOLS.join(", ")
        );
    }
    let scratch = scratch();
    let venv = dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("joblake")
        .join("bench-venv");
    let options = BenchOptions {
        postings: args.postings,
        seed: args.seed,
        peers,
        python: args.python,
        venv,
        warehouse: args.warehouse,
        scratch: scratch.clone(),
        query_runs: args.query_runs,
        project: ctx.project.clone(),
        progress: if ctx.quiet || args.json {
            |_| {}
        } else {
            |stage| eprintln!("bench: {stage}")
        },
    };
    let result = crate::bench::stages::run(&options).await;
    if args.keep {
        eprintln!("scratch lake kept at {}", scratch.display());
    } else {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    let bench = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&bench)?);
    } else {
        render::print_bench(&bench);
    }
    Ok(ExitCode::SUCCESS)
}

async fn mirror(
    ctx: &Context,
    rows: u64,
    warehouse: &str,
    psql: &std::path::Path,
) -> Result<ExitCode> {
    let scratch = scratch();
    std::fs::create_dir_all(&scratch)?;
    let bench_lake = Lake::open(&scratch.join("lake").to_string_lossy(), Default::default())?
        .with_engine_settings(ctx.config.engine.clone());
    let spinner = render::spinner(
        ctx.quiet,
        &format!("building a gold of {rows} postings, mirroring it, then psql \\copy"),
    );
    let result = crate::bench::mirror_vs_copy(&bench_lake, &scratch, warehouse, rows, psql).await;
    spinner.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    render::print_bench_mirror(&result?);
    Ok(ExitCode::SUCCESS)
}
