//! The `joblake` binary: parses arguments, sets up logging and configuration, dispatches to
//! the library, prints reports, and maps errors to an exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use comfy_table::{Table, presets};
use indicatif::{ProgressBar, ProgressStyle};

use joblake::config::Config;
use joblake::lake::Lake;
use joblake::lake::lease;
use joblake::lake::run_log::{RunRecord, RunStatus};
use joblake::maintain::MaintainReport;
use joblake::ops::runs::{self, RunContext, Trigger, steps};
use joblake::pipeline::{self, LandReport};
use joblake::project::Project;
use joblake::query::exec::{ExecOptions, run_sql};
use joblake::query::output::{Format, TableStyle};
use joblake::transform::{self, RefreshOptions, RefreshReport};
use joblake::warehouse::{MirrorOptions, MirrorReport};
use joblake_gen::DemoSpec;
use joblake_sources::{IngestOptions, IngestReport, SourceStatus};

/// joblake: a lakehouse for job-market data (bronze JSON -> silver and gold Delta tables).
#[derive(Parser)]
#[command(version, about, propagate_version = true)]
struct Cli {
    /// The lake: a directory or an object-store URL (s3://bucket/prefix).
    #[arg(long, global = true, env = "JOBLAKE_LAKE")]
    lake: Option<String>,
    /// Configuration file (default: ./joblake.toml when present).
    #[arg(long, global = true, env = "JOBLAKE_CONFIG")]
    config: Option<PathBuf>,
    /// A directory of SQL models to use instead of the built-in ones.
    #[arg(long, global = true, env = "JOBLAKE_MODELS_DIR")]
    models: Option<PathBuf>,
    /// Print only results and errors (no progress, no summary).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a realistic sample in the sources' native formats, land it, refresh silver and
    /// gold, and print a summary. No server, no key, no network.
    Demo {
        /// Distinct jobs to generate (each is published on one to three sources).
        #[arg(long, default_value_t = 3000)]
        jobs: usize,
        /// Random seed: the same seed and anchor give the same sample.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// "Today" for the sample (YYYY-MM-DD): postings are dated in the months before it.
        #[arg(long)]
        anchor: Option<chrono::NaiveDate>,
    },
    /// Land raw files, as a source returned them, into bronze (one envelope per posting).
    Land {
        /// Source whose format the files are in.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(joblake_sources::source_names()))]
        source: String,
        /// Files to land.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Fetch postings from the configured sources (APIs and scraped boards) into bronze.
    /// Exits non-zero only when every selected source failed.
    Ingest {
        /// Run only these sources (names of `[sources.<name>]` tables; repeatable).
        #[arg(long = "source", short = 's')]
        sources: Vec<String>,
        /// Fetch what was published since then: a duration (36h, 7d) or a date
        /// (2026-11-01). Default: since each source's last successful run.
        #[arg(long)]
        since: Option<String>,
        /// Stop each source after N pages.
        #[arg(long)]
        max_pages: Option<usize>,
        /// Fetch and parse, but write nothing to the lake.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the sources `ingest` would run, with their kind and whether they are enabled.
    Sources,
    /// Run the SQL models: bronze -> silver -> gold, then the data tests.
    Refresh {
        /// Rebuild every table from all of bronze instead of reading only new bronze files.
        #[arg(long)]
        full: bool,
    },
    /// Run SQL against the lake (bronze.*, silver.*, gold.*, ref.*): -c/-f/piped statements,
    /// or the interactive shell when stdin is a terminal.
    Sql {
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
    },
    /// Mirror gold into the warehouse (PostgreSQL or SQLite) that BI tools read: applies the
    /// pending migrations, then reloads the tables whose Delta version changed.
    Mirror {
        /// postgres://user@host/db?sslmode=require or sqlite://file.db (default: config,
        /// JOBLAKE_WAREHOUSE_URL, else a SQLite file in the lake directory).
        #[arg(long)]
        warehouse: Option<String>,
        /// Reload every table, changed or not.
        #[arg(long)]
        full: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate a large realistic sample (the demo's generator: native formats, duplicates
    /// across sources, missing fields, long HTML) and land it in the lake's bronze.
    Gen {
        /// Postings to generate (about: each job is published on one to three sources).
        #[arg(long, default_value_t = 100_000)]
        postings: usize,
        /// Only these sources (comma separated; default: all five).
        #[arg(long, value_delimiter = ',')]
        sources: Vec<String>,
        /// Random seed: the same seed and anchor give the same bytes.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// "Today" for the sample (YYYY-MM-DD).
        #[arg(long)]
        anchor: Option<chrono::NaiveDate>,
    },
    /// Benchmark every stage at N postings in a scratch lake, beside DuckDB, Polars and pandas
    /// on the same bronze (installed into a throwaway virtual environment on first use).
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        #[command(subcommand)]
        what: Option<BenchCommand>,
        /// Postings to generate.
        #[arg(long, default_value_t = 100_000)]
        postings: usize,
        /// Peers to run beside joblake (comma separated), or `none`.
        #[arg(long, value_delimiter = ',', default_value = "duckdb,polars,pandas")]
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
    },
    /// Run a job once, now: `pipeline` (ingest -> refresh -> data tests -> mirror) by default.
    /// Logged in meta.runs; refuses to start while the job runs elsewhere.
    Run {
        /// The job (`[schedule.jobs.<name>]`; built in: pipeline, maintain).
        #[arg(default_value = "pipeline")]
        job: String,
        /// Print the run record as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the jobs on their cron until stopped (SIGTERM or Ctrl-C: the running steps finish
    /// first). Serves health and Prometheus metrics on localhost.
    Schedule {
        /// Schedule only these jobs (repeatable; default: all enabled jobs).
        #[arg(long = "job")]
        jobs: Vec<String>,
    },
    /// Show the last runs from the run log (meta.runs), newest first.
    Runs {
        /// How many runs.
        #[arg(long, default_value_t = 10)]
        last: usize,
        /// Only this job's runs.
        #[arg(long)]
        job: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Compact small files, write checkpoints and vacuum old files of every Delta table, then
    /// apply the bronze retention (`[maintain]`).
    Maintain {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the tables of each layer with rows, Delta version and last refresh time.
    Tables,
    /// Run the data tests over the lake as it is.
    Test,
}

#[derive(Subcommand)]
enum BenchCommand {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if cli.quiet { "error" } else { "warn" })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`joblake sql ... | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(lake) = &cli.lake {
        config.lake = lake.clone();
    }
    if let Some(models) = &cli.models {
        config.models_dir = Some(models.clone());
    }
    let lake = Lake::open(&config.lake, config.storage.clone())
        .with_context(|| format!("opening the lake at {}", config.lake))?
        .with_engine_settings(config.engine.clone());
    let project = match &config.models_dir {
        Some(dir) => Project::from_dir(dir)?,
        None => Project::embedded(),
    };
    let quiet = cli.quiet;
    match cli.command {
        Command::Demo { jobs, seed, anchor } => {
            let started = Instant::now();
            let spec = DemoSpec {
                seed,
                jobs,
                anchor: anchor.unwrap_or_else(|| chrono::Utc::now().date_naive()),
            };
            let landing = spinner(quiet, "generating and landing the demo sample");
            let reports = pipeline::land_demo(&lake, &spec).await?;
            steps::audit_land(&lake, &reports).await?;
            landing.finish_and_clear();
            if !quiet {
                print_land_summary(&reports);
            }
            let report = refresh(&lake, &project, &config, false, quiet).await?;
            if !quiet {
                print_refresh(&report);
            }
            if !report.failed_tests().is_empty() {
                // print_refresh already showed them, unless quiet.
                if quiet {
                    print_failures(&report);
                }
                return Ok(exit_for(&report));
            }
            let url = config
                .warehouse
                .clone()
                .unwrap_or_else(|| joblake::warehouse::default_url(&lake));
            let mirroring = spinner(quiet, "mirroring gold into the warehouse");
            let mirrored =
                steps::mirror(&lake, &project, &url, MirrorOptions::default(), None).await?;
            mirroring.finish_and_clear();
            if !quiet {
                print_mirror(&mirrored);
                let tables = pipeline::tables(&lake, &project).await?;
                print_tables(&tables);
                println!(
                    "\nDemo lake ready at {} in {:.1} s. Try:\n  joblake sql -c \"SELECT job_family, count(*) AS postings FROM silver.job_postings GROUP BY 1 ORDER BY 2 DESC\"\n  joblake sql -c \"SELECT * FROM gold.agg_skill_demand_monthly ORDER BY postings DESC LIMIT 10\"\n  joblake tables\nThe warehouse for BI tools is {} (tables and views such as v_postings).",
                    lake.display(),
                    started.elapsed().as_secs_f64(),
                    mirrored.warehouse
                );
            }
            Ok(exit_for(&report))
        }
        Command::Land { source, files } => {
            let report = pipeline::land_paths(&lake, &source, &files).await?;
            steps::audit_land(&lake, &[(source.clone(), report.clone())]).await?;
            print_land(&source, &report, quiet);
            Ok(if report.refused.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Ingest {
            sources,
            since,
            max_pages,
            dry_run,
            json,
        } => {
            let since = since
                .map(|s| joblake_sources::parse_since(&s, chrono::Utc::now()))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--since {e}"))?;
            let cancel = Arc::new(AtomicBool::new(false));
            let on_signal = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("interrupted: landing what was fetched, then stopping");
                    on_signal.store(true, Ordering::Relaxed);
                }
            });
            let options = IngestOptions {
                sources,
                since,
                max_pages,
                dry_run,
                cancel,
                secrets: joblake_sources::Secrets::default(),
                run_id: None,
            };
            let spinner = spinner(quiet || json, "fetching");
            let ctx = run_context(&lake, &project, &config, options.cancel.clone());
            let report = steps::ingest(&ctx, &options, None).await?;
            spinner.finish_and_clear();
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if !quiet {
                print_ingest(&report, dry_run);
            }
            Ok(if report.all_failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Mirror {
            warehouse,
            full,
            json,
        } => {
            let url = warehouse
                .or(config.warehouse.clone())
                .unwrap_or_else(|| joblake::warehouse::default_url(&lake));
            let spinner = spinner(quiet || json, "mirroring gold into the warehouse");
            let report = steps::mirror(&lake, &project, &url, MirrorOptions { full }, None).await?;
            spinner.finish_and_clear();
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if !quiet {
                print_mirror(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            postings,
            sources,
            seed,
            anchor,
        } => {
            for s in &sources {
                anyhow::ensure!(
                    joblake_gen::SOURCES.contains(&s.as_str()),
                    "--sources: `{s}` is not generated (choose among {})",
                    joblake_gen::SOURCES.join(", ")
                );
            }
            let spec = DemoSpec {
                seed,
                jobs: pipeline::jobs_for_postings(postings),
                anchor: anchor.unwrap_or_else(|| chrono::Utc::now().date_naive()),
            };
            let spinner = spinner(quiet, &format!("generating about {postings} postings"));
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let report = pipeline::generate(&lake, &spec, &sources, cores).await?;
            spinner.finish_and_clear();
            let events = [joblake::lake::audit::AuditEvent::new("land", "bronze")
                .run(Some(&report.run_id))
                .rows(Some(report.records as u64))
                .detail(format!("generated: {} files", report.files))];
            joblake::lake::audit::record(&lake, &events).await?;
            if !quiet {
                println!(
                    "{} postings in {} files landed in {:.1} s ({:.0} postings/s, {:.1} MB/s of raw responses): {:.0} MB raw -> {:.0} MB of bronze",
                    report.records,
                    report.files,
                    report.seconds,
                    report.records as f64 / report.seconds,
                    report.raw_bytes as f64 / 1e6 / report.seconds,
                    report.raw_bytes as f64 / 1e6,
                    report.bronze_bytes as f64 / 1e6
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            what: None,
            postings,
            peers,
            python,
            warehouse,
            query_runs,
            seed,
            keep,
            json,
        } => {
            let peers: Vec<String> = peers
                .into_iter()
                .filter(|p| p != "none" && !p.is_empty())
                .collect();
            for p in &peers {
                anyhow::ensure!(
                    joblake::bench::peers::TOOLS.contains(&p.as_str()),
                    "--peers: `{p}` is not a peer (choose among {}, or none)",
                    joblake::bench::peers::TOOLS.join(", ")
                );
            }
            let scratch =
                std::env::temp_dir().join(format!("joblake-bench-{}", std::process::id()));
            let venv = dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("joblake")
                .join("bench-venv");
            let options = joblake::bench::stages::BenchOptions {
                postings,
                seed,
                peers,
                python,
                venv,
                warehouse,
                scratch: scratch.clone(),
                query_runs,
                progress: if quiet || json {
                    |_| {}
                } else {
                    |stage| eprintln!("bench: {stage}")
                },
            };
            let result = joblake::bench::stages::run(&options).await;
            if keep {
                eprintln!("scratch lake kept at {}", scratch.display());
            } else {
                let _ = std::fs::remove_dir_all(&scratch);
            }
            let bench = result?;
            if json {
                println!("{}", serde_json::to_string_pretty(&bench)?);
            } else {
                print_bench(&bench);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            what:
                Some(BenchCommand::Mirror {
                    rows,
                    warehouse,
                    psql,
                }),
            ..
        } => {
            let scratch =
                std::env::temp_dir().join(format!("joblake-bench-{}", std::process::id()));
            std::fs::create_dir_all(&scratch)?;
            let bench_lake =
                Lake::open(&scratch.join("lake").to_string_lossy(), Default::default())?
                    .with_engine_settings(config.engine.clone());
            let spinner = spinner(
                quiet,
                &format!("building a gold of {rows} postings, mirroring it, then psql \\copy"),
            );
            let result =
                joblake::bench::mirror_vs_copy(&bench_lake, &scratch, &warehouse, rows, &psql)
                    .await;
            spinner.finish_and_clear();
            let _ = std::fs::remove_dir_all(&scratch);
            let b = result?;
            let mut t = Table::new();
            t.load_preset(presets::UTF8_FULL_CONDENSED);
            t.set_header(vec!["load", "rows", "seconds", "rows/s"]);
            t.add_row(vec![
                "joblake mirror --full (Delta -> binary COPY -> swap)".to_string(),
                b.total_rows.to_string(),
                format!("{:.2}", b.mirror_seconds),
                format!("{:.0}", b.mirror_rate()),
            ]);
            t.add_row(vec![
                format!("psql \\copy from CSV ({:.0} MB)", b.csv_bytes as f64 / 1e6),
                b.total_rows.to_string(),
                format!("{:.2}", b.copy_seconds),
                format!("{:.0}", b.copy_rate()),
            ]);
            println!("{t}");
            println!(
                "{} fact rows ({} rows in all gold tables); gold generated in {:.1} s; swap {:.2} s; joblake at {:.0}% of \\copy's rate; peak RSS {:.0} MB",
                b.fact_rows,
                b.total_rows,
                b.generate_seconds,
                b.swap_seconds,
                100.0 * b.mirror_rate() / b.copy_rate(),
                joblake::bench::peak_rss().unwrap_or(0) as f64 / 1e6
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources => {
            let mut t = Table::new();
            t.load_preset(presets::UTF8_FULL_CONDENSED);
            t.set_header(vec!["source", "kind", "enabled", "ready"]);
            for entry in joblake_sources::configured(&config.sources)? {
                let ready =
                    match joblake_sources::build(&entry, &joblake_sources::Secrets::default()) {
                        Ok(_) => "yes".to_string(),
                        Err(e) => e.to_string(),
                    };
                t.add_row(vec![
                    entry.name.clone(),
                    entry.kind.clone(),
                    if entry.enabled { "yes" } else { "no" }.to_string(),
                    ready,
                ]);
            }
            println!("{t}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Refresh { full } => {
            let report = refresh(&lake, &project, &config, full, quiet).await?;
            if !quiet {
                print_refresh(&report);
            } else {
                print_failures(&report);
            }
            Ok(exit_for(&report))
        }
        Command::Sql {
            commands,
            files,
            format,
            maxrows,
            allow_writes,
            timing,
        } => {
            // comfy-table measures the terminal itself; COLUMNS overrides it.
            let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
            let options = ExecOptions {
                format,
                style: TableStyle {
                    max_rows: if maxrows == 0 { usize::MAX } else { maxrows },
                    width,
                    ..TableStyle::default()
                },
                allow_writes,
                timing,
            };
            let mut scripts: Vec<(String, String)> = commands
                .into_iter()
                .map(|c| ("-c".to_string(), c))
                .collect();
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .with_context(|| format!("reading {}", f.display()))?;
                scripts.push((f.display().to_string(), text));
            }
            if scripts.is_empty() {
                if std::io::stdin().is_terminal() {
                    joblake::query::repl::run(lake, project, options).await?;
                    return Ok(ExitCode::SUCCESS);
                }
                // Piped input (`echo "SELECT 1;" | joblake sql`) is a script like any other.
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .context("reading statements from stdin")?;
                scripts.push(("stdin".to_string(), text));
            }
            let ctx = joblake::query::repl::sql_session(&lake, &project).await?;
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for (origin, sql) in scripts {
                run_sql(&ctx, &sql, &options, &mut out, Some(&lake))
                    .await
                    .with_context(|| format!("in {origin}"))?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { job, json } => {
            let jobs = config.schedule.jobs();
            let spec = runs::job(&jobs, &job)?.clone();
            let stop = stop_on_signals();
            let ctx = run_context(&lake, &project, &config, stop);
            let run_id = joblake::bronze::new_run_id();
            let ttl = config.schedule.lease_ttl;
            let guard = match lease::try_acquire(&lake, &job, ttl, None, Some(&run_id)).await? {
                lease::Acquired::Held { guard, lost } => {
                    if let Some(lost) = lost {
                        eprintln!(
                            "warning: {} died while running {job} (run {}); its lease expired",
                            lost.holder,
                            lost.run_id.as_deref().unwrap_or("?")
                        );
                        runs::record_lost(&lake, &job, &lost).await?;
                    }
                    guard
                }
                lease::Acquired::Busy(h) | lease::Acquired::SlotTaken(h) => {
                    anyhow::bail!(
                        "job {job} is already running: {} holds it since {} (run {}); its lease expires at {} unless renewed",
                        h.holder,
                        h.acquired_at.format("%Y-%m-%d %H:%M:%S UTC"),
                        h.run_id.as_deref().unwrap_or("?"),
                        h.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
                    );
                }
            };
            let spinner = spinner(quiet || json, &format!("{job}: starting"));
            let result = runs::execute(&ctx, &job, &spec, Trigger::Manual, 1, &run_id, &|step| {
                spinner.set_message(format!("{job}: {step}"));
            })
            .await;
            spinner.finish_and_clear();
            guard.release().await?;
            let run = result?;
            if json {
                println!("{}", serde_json::to_string_pretty(&run_json(&run))?);
            } else if !quiet {
                print_run(&run);
            }
            Ok(match run.status {
                RunStatus::Succeeded | RunStatus::Partial => ExitCode::SUCCESS,
                // Stopped by a signal between steps, as shells report it.
                RunStatus::Cancelled => ExitCode::from(130),
                RunStatus::Failed | RunStatus::Lost => ExitCode::FAILURE,
            })
        }
        Command::Schedule { jobs } => {
            let stop = stop_on_signals();
            let ctx = run_context(&lake, &project, &config, stop);
            joblake::ops::schedule::run(ctx, &jobs).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs { last, job, format } => {
            if !lake
                .is_table(joblake::lake::meta::DIR, joblake::lake::run_log::RUNS)
                .await?
            {
                println!(
                    "No run logged in {} yet: `joblake run` or `joblake schedule` log theirs.",
                    lake.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let filter = match &job {
                Some(j) => format!("WHERE job = '{}'", j.replace('\'', "''")),
                None => String::new(),
            };
            let sql = include_str!("../sql/reports/recent_runs.sql")
                .replace("{filter}", &filter)
                .replace("{limit}", &last.to_string());
            let ctx = joblake::query::repl::sql_session(&lake, &project).await?;
            let options = ExecOptions {
                format,
                style: TableStyle {
                    max_rows: usize::MAX,
                    width: std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()),
                    ..TableStyle::default()
                },
                allow_writes: false,
                timing: false,
            };
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            run_sql(&ctx, &sql, &options, &mut out, None).await?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Maintain { json } => {
            let ctx = run_context(&lake, &project, &config, stop_on_signals());
            let spinner = spinner(quiet || json, "compacting, checkpointing, vacuuming");
            let report = steps::maintain(&ctx, None).await;
            spinner.finish_and_clear();
            let report = report?.context("stopped while waiting for the tables lease")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if !quiet {
                print_maintain(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tables => {
            let tables = pipeline::tables(&lake, &project).await?;
            if tables.is_empty() {
                println!(
                    "The lake at {} is empty: try `joblake demo`.",
                    lake.display()
                );
            } else {
                print_tables(&tables);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test => {
            let outcomes = transform::run::test(&lake, &project).await?;
            let failed: Vec<_> = outcomes.iter().filter(|t| !t.passed()).collect();
            for t in &failed {
                print_failed_test(t);
            }
            println!(
                "{} passed, {} failed",
                outcomes.len() - failed.len(),
                failed.len()
            );
            Ok(if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// A refresh by hand: audited, and under the `tables` lease so that it never races a
/// scheduled refresh or maintenance (it waits for them).
async fn refresh(
    lake: &Lake,
    project: &Project,
    config: &Config,
    full: bool,
    quiet: bool,
) -> Result<RefreshReport> {
    let spinner = spinner(quiet, "refreshing");
    // Ctrl-C keeps its default here (exit at once), which is safe: commits are atomic.
    let ctx = run_context(lake, project, config, Arc::new(AtomicBool::new(false)));
    let guard = steps::tables_lease(&ctx, None)
        .await?
        .context("the tables lease was not taken")?;
    let report = steps::refresh(lake, project, &RefreshOptions { full }, None, &|step| {
        spinner.set_message(format!("refreshing {step}"));
    })
    .await;
    guard.release().await?;
    spinner.finish_and_clear();
    Ok(report?.0)
}

/// Everything a run or a step needs, from the command line's lake and configuration.
fn run_context(
    lake: &Lake,
    project: &Project,
    config: &Config,
    stop: Arc<AtomicBool>,
) -> RunContext {
    RunContext {
        lake: lake.clone(),
        project: project.clone(),
        config: config.clone(),
        stop,
        secrets: joblake_sources::Secrets::default(),
    }
}

/// A flag set by the first SIGTERM or Ctrl-C (the running step finishes, the rest is
/// skipped); a second one exits at once, which is safe: every commit is atomic.
fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("warning: SIGTERM will not stop gracefully: {e}");
                    return;
                }
            };
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            if flag.swap(true, Ordering::SeqCst) {
                eprintln!("stopping now");
                std::process::exit(130);
            }
            eprintln!("stopping: the running step finishes first (signal again to stop now)");
        }
    });
    stop
}

fn spinner(quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        pb.set_style(style);
    }
    pb.set_message(message.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

fn exit_for(report: &RefreshReport) -> ExitCode {
    if report.failed_tests().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_land(source: &str, r: &LandReport, quiet: bool) {
    for (origin, reason) in &r.refused {
        eprintln!("refused {origin}: {reason}");
    }
    if quiet {
        return;
    }
    for (origin, f) in &r.landed {
        println!(
            "landed {origin}: {} postings -> {}",
            f.records, f.bronze_file
        );
    }
    for (origin, b) in &r.already_landed {
        println!("skipped {origin}: already landed as {b}");
    }
    println!(
        "{source}: {} file(s) landed ({} postings), {} already landed, {} refused, in {:.2} s",
        r.landed.len(),
        r.records(),
        r.already_landed.len(),
        r.refused.len(),
        r.seconds
    );
}

fn print_ingest(r: &IngestReport, dry_run: bool) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "source", "status", "pages", "postings", "new", "seen", "errors", "layout", "robots",
        "requests", "seconds",
    ]);
    for s in &r.sources {
        let status = match &s.status {
            SourceStatus::Ok => "ok".to_string(),
            SourceStatus::Failed(_) => "FAILED".to_string(),
            SourceStatus::Skipped(_) => "skipped".to_string(),
        };
        let pages = if s.list_pages > 0 {
            format!("{} (+{} lists)", s.pages, s.list_pages)
        } else if s.not_modified > 0 {
            format!("{} ({} unchanged)", s.pages, s.not_modified)
        } else {
            s.pages.to_string()
        };
        t.add_row(vec![
            s.name.clone(),
            status,
            pages,
            s.postings.to_string(),
            s.new.to_string(),
            s.seen.to_string(),
            s.errors.len().to_string(),
            s.layout_mismatches.len().to_string(),
            s.robots_blocked.to_string(),
            format!("{} ({} retries)", s.requests, s.retries),
            format!("{:.1}", s.seconds),
        ]);
    }
    println!("{t}");
    for s in &r.sources {
        match &s.status {
            SourceStatus::Failed(why) => eprintln!("{}: failed: {why}", s.name),
            SourceStatus::Skipped(why) => println!("{}: skipped: {why}", s.name),
            SourceStatus::Ok => {}
        }
        for e in s.errors.iter().take(5) {
            eprintln!("{}: page error: {e}", s.name);
        }
        for m in s.layout_mismatches.iter().take(5) {
            eprintln!("{}: layout mismatch: {m}", s.name);
        }
        let more = s.errors.len().saturating_sub(5) + s.layout_mismatches.len().saturating_sub(5);
        if more > 0 {
            eprintln!("{}: ... and {more} more (see --json)", s.name);
        }
    }
    let verb = if dry_run { "would land" } else { "landed" };
    println!(
        "{verb} {} new postings in {:.1} s (run {})",
        r.new_postings(),
        r.seconds,
        r.run_id
    );
}

fn print_run(run: &RunRecord) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "step", "status", "rows in", "rows out", "seconds", "cpu s", "peak MB", "Wh", "note",
    ]);
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for s in &run.steps {
        t.add_row(vec![
            s.step.clone(),
            s.status.to_string(),
            opt(s.rows_in),
            opt(s.rows_out),
            format!("{:.2}", s.wall_seconds),
            s.cpu_seconds.map(|c| format!("{c:.2}")).unwrap_or_default(),
            s.peak_memory_bytes
                .map(|b| format!("{:.0}", b as f64 / 1e6))
                .unwrap_or_default(),
            format!("{:.4}", s.energy_wh),
            s.error.as_deref().map(short).unwrap_or_default(),
        ]);
    }
    println!("{t}");
    if let Some(e) = &run.error {
        println!("{}: {e}", run.failed_step.as_deref().unwrap_or("stopped"));
    }
    println!(
        "{} run {} {} in {:.1} s: {:.1} CPU s, estimated {:.4} Wh and {:.3} g CO2e{}",
        run.job,
        run.run_id,
        run.status,
        run.wall_seconds,
        run.cpu_seconds.unwrap_or(0.0),
        run.energy_wh,
        run.co2e_g,
        run.failed_step
            .as_ref()
            .map(|s| format!("; failed at {s}"))
            .unwrap_or_default()
    );
}

/// The first line of a message, cut at 60 characters, for a table cell.
fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// A run with its steps, for `--json`.
fn run_json(run: &RunRecord) -> serde_json::Value {
    let mut v = serde_json::to_value(run).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "steps".into(),
            serde_json::to_value(&run.steps).unwrap_or_default(),
        );
    }
    v
}

fn print_maintain(r: &MaintainReport) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "table",
        "files before",
        "files after",
        "MB",
        "vacuumed",
        "seconds",
    ]);
    for m in &r.tables {
        t.add_row(vec![
            m.table.clone(),
            m.files_before.to_string(),
            m.files_after.to_string(),
            format!("{:.1}", m.bytes_after as f64 / 1e6),
            m.vacuumed_files.to_string(),
            format!("{:.2}", m.seconds),
        ]);
    }
    println!("{t}");
    let (before, after) = r.files();
    println!(
        "{} tables: {before} data files -> {after}; {} bronze files expired; {:.1} s",
        r.tables.len(),
        r.bronze_expired,
        r.seconds
    );
}

fn print_bench(b: &joblake::bench::stages::Bench) {
    let mb = |bytes: u64| format!("{:.0}", bytes as f64 / 1e6);
    println!(
        "joblake bench: {} postings landed ({} records in silver, {} after deduplication)",
        b.landed, b.silver_rows, b.deduplicated
    );
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "stage",
        "seconds",
        "rows",
        "rows/s",
        "MB in/s",
        "peak MB",
        "MB on disk",
    ]);
    for s in &b.stages {
        t.add_row(vec![
            s.stage.clone(),
            format!("{:.2}", s.seconds),
            s.rows.to_string(),
            format!("{:.0}", s.rows_per_second()),
            format!("{:.1}", s.mb_per_second()),
            s.peak_memory_bytes.map(mb).unwrap_or_default(),
            mb(s.output_bytes),
        ]);
    }
    println!("{t}");
    // Both refreshes with their data tests, so that the two sides do the same work.
    let with_tests = b.refresh_seconds()
        + b.stage("refresh --full: data tests")
            .map(|s| s.seconds)
            .unwrap_or_default();
    if let Some(inc) = b.stage("refresh (incremental, +1% postings)") {
        println!(
            "incremental refresh of 1% new postings: {:.2} s = {:.1}% of the full refresh with its data tests ({with_tests:.2} s)",
            inc.seconds,
            100.0 * inc.seconds / with_tests.max(1e-9)
        );
    }
    let mut q = Table::new();
    q.load_preset(presets::UTF8_FULL_CONDENSED);
    q.set_header(vec!["analyst query", "cold ms", "median ms", "rows"]);
    for x in &b.queries {
        q.add_row(vec![
            x.name.clone(),
            format!("{:.1}", x.cold_ms),
            format!("{:.1}", x.median_ms),
            x.rows.to_string(),
        ]);
    }
    println!("{q}");
    if b.peers.is_empty() {
        return;
    }
    let full = b.refresh_seconds();
    let joblake_peak = b
        .stage("refresh --full: silver")
        .and_then(|s| s.peak_memory_bytes)
        .unwrap_or(0);
    let mut p = Table::new();
    p.load_preset(presets::UTF8_FULL_CONDENSED);
    p.set_header(vec![
        "full refresh",
        "silver s",
        "gold s",
        "total s",
        "peer time / joblake time",
        "peak MB",
        "postings",
        "note",
    ]);
    p.add_row(vec![
        "joblake".to_string(),
        format!(
            "{:.2}",
            b.stage("refresh --full: silver").map_or(0.0, |s| s.seconds)
        ),
        format!(
            "{:.2}",
            b.stage("refresh --full: gold").map_or(0.0, |s| s.seconds)
        ),
        format!("{full:.2}"),
        "1.00".to_string(),
        mb(joblake_peak),
        b.deduplicated.to_string(),
        String::new(),
    ]);
    for r in &b.peers {
        p.add_row(vec![
            r.tool.clone(),
            format!("{:.2}", r.silver_seconds),
            format!("{:.2}", r.gold_seconds),
            format!("{:.2}", r.refresh_seconds()),
            if r.error.is_none() {
                format!("{:.2}", r.refresh_seconds() / full.max(1e-9))
            } else {
                String::new()
            },
            mb(r.peak_rss_bytes),
            r.postings.to_string(),
            r.error.as_deref().map(short).unwrap_or_default(),
        ]);
    }
    println!("{p}");
}

fn print_mirror(r: &MirrorReport) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "delta version", "rows loaded", "seconds"]);
    for m in &r.tables {
        t.add_row(vec![
            m.table.clone(),
            m.version.to_string(),
            if m.unchanged {
                "unchanged".to_string()
            } else {
                m.rows.to_string()
            },
            format!("{:.2}", m.seconds),
        ]);
    }
    println!("Warehouse {}\n{t}", r.warehouse);
    let loaded = r.tables.iter().filter(|m| !m.unchanged).count();
    println!(
        "{} migration(s) applied; {loaded} table(s) reloaded ({} rows), {} unchanged; swap {:.2} s, total {:.1} s",
        r.migrations_applied,
        r.rows(),
        r.tables.len() - loaded,
        r.swap_seconds,
        r.seconds
    );
}

fn print_land_summary(reports: &[(String, LandReport)]) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "source",
        "files landed",
        "postings",
        "already landed",
        "refused",
    ]);
    for (source, r) in reports {
        t.add_row(vec![
            source.clone(),
            r.landed.len().to_string(),
            r.records().to_string(),
            r.already_landed.len().to_string(),
            r.refused.len().to_string(),
        ]);
        for (origin, reason) in &r.refused {
            eprintln!("refused {origin}: {reason}");
        }
    }
    println!("Bronze\n{t}");
}

fn print_refresh(r: &RefreshReport) {
    if r.up_to_date() {
        println!(
            "Nothing new in bronze ({} files, all consumed): every table is up to date, no version written.",
            r.bronze_files
        );
        return;
    }
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["model", "kind", "rows", "version", "seconds"]);
    for m in &r.models {
        t.add_row(vec![
            m.model.clone(),
            m.materialized.clone(),
            m.rows.map(|r| r.to_string()).unwrap_or_default(),
            m.version.map(|v| v.to_string()).unwrap_or_default(),
            format!("{:.2}", m.seconds),
        ]);
    }
    println!(
        "Refresh ({}): read {} of {} bronze files in {:.1} s\n{t}",
        if r.full { "full" } else { "incremental" },
        r.bronze_files_read,
        r.bronze_files,
        r.seconds
    );
    print_failures(r);
    let failed = r.failed_tests().len();
    println!(
        "Data tests: {} passed, {failed} failed",
        r.tests.len() - failed
    );
}

fn print_failures(r: &RefreshReport) {
    for t in r.failed_tests() {
        print_failed_test(t);
    }
    if !r.rolled_back.is_empty() {
        eprintln!(
            "data tests failed: tables restored to their previous version ({}); the failed version stays readable with time travel",
            r.rolled_back.join(", ")
        );
    }
}

fn print_failed_test(t: &joblake::transform::checks::TestOutcome) {
    match &t.error {
        Some(e) => eprintln!("FAILED {}: could not run: {e}", t.name),
        None => eprintln!(
            "FAILED {}: {} row(s)\n{}",
            t.name,
            t.failing_rows,
            t.sample.as_deref().unwrap_or("")
        ),
    }
}

fn print_tables(tables: &[pipeline::TableInfo]) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "rows", "version", "files", "last refresh"]);
    for info in tables {
        t.add_row(vec![
            format!("{}.{}", info.layer, info.name),
            info.rows.to_string(),
            info.version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            info.files.to_string(),
            info.last_refresh
                .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    println!("{t}");
}
