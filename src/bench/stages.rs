//! `joblake bench`: every stage at N postings, in a scratch lake, with wall time, rows/s, MB/s,
//! peak memory and size on disk, then the same bronze through the peers.
//!
//! 1. `land`: generate N postings in the sources' native formats and land them in bronze.
//! 2. `refresh --full`: silver and gold, from all of bronze (split by layer from the model
//!    runner's timings), then the data tests.
//! 3. The peers (DuckDB, Polars, pandas) on the same bronze files, building the same silver
//!    and gold as Parquet.
//! 4. `refresh` (incremental) after landing 1% new postings: its cost should follow the new
//!    data, not the lake.
//! 5. `mirror` into the warehouse (a SQLite file, or `--warehouse`).
//! 6. Typical analyst queries (`bench/queries/<layer>/*.sql`) as the SQL shell runs them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use include_dir::{Dir, include_dir};
use joblake_gen::DemoSpec;
use serde::Serialize;

use super::peers::{self, PeerRun};
use crate::error::Result;
use crate::lake::Lake;
use crate::meter::Snapshot;
use crate::pipeline;
use crate::project::Project;
use crate::transform::{RefreshOptions, RefreshReport, refresh};
use crate::warehouse::{self, MirrorOptions};

static QUERIES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/bench/queries");

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Postings to generate.
    pub postings: usize,
    /// Generator seed.
    pub seed: u64,
    /// Peers to run (names from [`peers::TOOLS`]); empty: none.
    pub peers: Vec<String>,
    /// A Python that already has the peers' packages (else a virtual environment is made).
    pub python: Option<PathBuf>,
    /// Where that virtual environment lives.
    pub venv: PathBuf,
    /// The warehouse to mirror into (default: a SQLite file in the scratch directory).
    pub warehouse: Option<String>,
    /// Scratch directory: the lake, the peers' output.
    pub scratch: PathBuf,
    /// Timed repetitions of each query (after one cold run).
    pub query_runs: usize,
    /// Called with the name of each stage as it starts.
    pub progress: fn(&str),
    /// The SQL project to refresh with (the built-in models, or `--models`: compare two
    /// versions of the models on the same data).
    pub project: Project,
}

/// One stage's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    /// The stage.
    pub stage: String,
    /// Wall seconds.
    pub seconds: f64,
    /// CPU seconds (all threads).
    pub cpu_seconds: Option<f64>,
    /// Rows the stage produced (postings landed, silver records, gold rows, rows loaded).
    pub rows: u64,
    /// Bytes the stage took in (raw files, bronze, silver, gold).
    pub input_bytes: u64,
    /// Size on disk of what it wrote.
    pub output_bytes: u64,
    /// Peak resident memory during the stage.
    pub peak_memory_bytes: Option<u64>,
}

impl Stage {
    /// Rows per second.
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.seconds.max(1e-9)
    }

    /// Input megabytes per second.
    pub fn mb_per_second(&self) -> f64 {
        self.input_bytes as f64 / 1e6 / self.seconds.max(1e-9)
    }
}

/// One analyst query's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    /// `gold/top_skills` ...
    pub name: String,
    /// First run (opens the Delta tables).
    pub cold_ms: f64,
    /// Median of the timed runs.
    pub median_ms: f64,
    /// Rows returned.
    pub rows: usize,
}

/// The whole benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct Bench {
    /// Postings asked for.
    pub postings: usize,
    /// Postings landed by the full load.
    pub landed: usize,
    /// The stages.
    pub stages: Vec<Stage>,
    /// The analyst queries.
    pub queries: Vec<Query>,
    /// The peers.
    pub peers: Vec<PeerRun>,
    /// Rows of silver.posting_records and silver.job_postings after the full refresh.
    pub silver_rows: u64,
    /// Deduplicated postings after the full refresh.
    pub deduplicated: u64,
    /// Deduplication against the jobs the generator really wrote.
    pub dedup: DedupScore,
}

/// Deduplication scored against the generator's own jobs ([`joblake_gen::truth`]), over pairs
/// of listings: the figures `joblake eval` gives on hand labels, at the bench's scale.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DedupScore {
    /// Jobs generated (those with a listing in silver).
    pub jobs: u64,
    /// Postings they became.
    pub postings: u64,
    /// Share of merged listing pairs that are one job.
    pub precision: f64,
    /// Share of one job's listing pairs that were merged.
    pub recall: f64,
}

/// Scores `silver.posting_sources` against the jobs the generator encoded in the ids.
pub async fn dedup_score(lake: &Lake, project: &Project) -> Result<DedupScore> {
    use deltalake::arrow::array::{Array, AsArray};
    use deltalake::arrow::compute::cast;
    use deltalake::arrow::datatypes::DataType;
    let ctx = crate::query::repl::sql_session(lake, project).await?;
    let batches = ctx
        .sql("SELECT posting_id, source, source_id FROM silver.posting_sources")
        .await?
        .collect()
        .await?;
    let mut records = Vec::new();
    for batch in &batches {
        let cols = (0..3)
            .map(|i| cast(batch.column(i), &DataType::Utf8))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let [posting, source, id] = [0, 1, 2].map(|i| cols[i].as_string::<i32>());
        for row in 0..batch.num_rows() {
            if posting.is_null(row) || id.is_null(row) {
                continue;
            }
            if let Some(job) = joblake_gen::truth::job_of(source.value(row), id.value(row)) {
                records.push((posting.value(row).to_string(), job));
            }
        }
    }
    let s = joblake_gen::truth::PairScores::of(records);
    Ok(DedupScore {
        jobs: s.jobs,
        postings: s.postings,
        precision: s.precision(),
        recall: s.recall(),
    })
}

impl Bench {
    /// The stage named `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.stage == name)
    }

    /// joblake's full refresh (silver + gold) seconds, comparable with a peer's.
    pub fn refresh_seconds(&self) -> f64 {
        ["refresh --full: silver", "refresh --full: gold"]
            .iter()
            .filter_map(|s| self.stage(s))
            .map(|s| s.seconds)
            .sum()
    }

    /// Seconds of DuckDB's plain read of the same bronze, when it ran and finished.
    pub fn read_reference_seconds(&self) -> Option<f64> {
        self.peers
            .iter()
            .find(|r| r.tool == peers::READ_REFERENCE && r.error.is_none())
            .map(|r| r.silver_seconds)
            .filter(|s| *s > 0.0)
    }
}

/// Size of the files under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

fn measured(name: &str, snapshot: &Snapshot) -> Stage {
    let usage = snapshot.usage();
    Stage {
        stage: name.to_string(),
        seconds: usage.wall_seconds,
        cpu_seconds: usage.cpu_seconds,
        rows: 0,
        input_bytes: 0,
        output_bytes: 0,
        peak_memory_bytes: usage.peak_memory_bytes,
    }
}

fn layer_seconds(report: &RefreshReport, layer: &str) -> f64 {
    report
        .models
        .iter()
        .filter(|m| m.model.starts_with(&format!("{layer}.")))
        .map(|m| m.seconds)
        .sum()
}

fn layer_rows(report: &RefreshReport, layer: &str) -> u64 {
    report
        .models
        .iter()
        .filter(|m| m.model.starts_with(&format!("{layer}.")))
        .filter_map(|m| m.rows)
        .map(|r| r.max(0) as u64)
        .sum()
}

/// Runs the benchmark in `options.scratch` (which it creates).
pub async fn run(options: &BenchOptions) -> Result<Bench> {
    let lake_dir = options.scratch.join("lake");
    let lake = Lake::open(&lake_dir.to_string_lossy(), Default::default())?;
    let project = options.project.clone();
    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut stages = Vec::new();

    // 1. Land.
    (options.progress)("land");
    let spec = DemoSpec {
        seed: options.seed,
        jobs: pipeline::jobs_for_postings(options.postings),
        anchor,
    };
    let snapshot = Snapshot::take();
    let generated = pipeline::generate(&lake, &spec, &[], cores).await?;
    let mut land = measured("land (generate + parse + gzip)", &snapshot);
    land.rows = generated.records as u64;
    land.input_bytes = generated.raw_bytes;
    land.output_bytes = dir_size(&lake_dir.join("bronze"));
    stages.push(land);
    let bronze_bytes = dir_size(&lake_dir.join("bronze"));

    // 2. Full refresh.
    (options.progress)("refresh --full");
    let snapshot = Snapshot::take();
    let report = refresh(&lake, &project, &RefreshOptions::new(true), &|_| {}).await?;
    let total = measured("refresh --full", &snapshot);
    let silver_bytes = dir_size(&lake_dir.join("silver"));
    let gold_bytes = dir_size(&lake_dir.join("gold"));
    let silver_seconds = layer_seconds(&report, "silver");
    let gold_seconds = layer_seconds(&report, "gold");
    let share = |part: f64| {
        total
            .cpu_seconds
            .map(|c| c * part / total.seconds.max(1e-9))
    };
    stages.push(Stage {
        stage: "refresh --full: silver".into(),
        seconds: silver_seconds,
        cpu_seconds: share(silver_seconds),
        rows: layer_rows(&report, "silver"),
        input_bytes: bronze_bytes,
        output_bytes: silver_bytes,
        peak_memory_bytes: total.peak_memory_bytes,
    });
    stages.push(Stage {
        stage: "refresh --full: gold".into(),
        seconds: gold_seconds,
        cpu_seconds: share(gold_seconds),
        rows: layer_rows(&report, "gold"),
        input_bytes: silver_bytes,
        output_bytes: gold_bytes,
        peak_memory_bytes: total.peak_memory_bytes,
    });
    stages.push(Stage {
        stage: "refresh --full: data tests".into(),
        seconds: (total.seconds - silver_seconds - gold_seconds).max(0.0),
        cpu_seconds: None,
        rows: report.tests.len() as u64,
        input_bytes: silver_bytes + gold_bytes,
        output_bytes: 0,
        peak_memory_bytes: total.peak_memory_bytes,
    });
    let silver_rows = report
        .models
        .iter()
        .find(|m| m.model == "silver.posting_records")
        .and_then(|m| m.rows)
        .unwrap_or(0)
        .max(0) as u64;
    let deduplicated = report
        .models
        .iter()
        .find(|m| m.model == "silver.job_postings")
        .and_then(|m| m.rows)
        .unwrap_or(0)
        .max(0) as u64;

    let dedup = dedup_score(&lake, &project).await?;

    // 3. The peers, on the same bronze.
    let mut peer_runs = Vec::new();
    if !options.peers.is_empty() {
        let scripts = peers::write_scripts(&options.scratch.join("peers"), &project)?;
        let python = peers::python(options.python.as_deref(), &options.venv, &scripts)?;
        for tool in &options.peers {
            (options.progress)(tool);
            let out = options.scratch.join(format!("out-{tool}"));
            peer_runs.push(peers::run(
                &python,
                &scripts,
                tool,
                &lake_dir.join("bronze"),
                &out,
            ));
            let _ = std::fs::remove_dir_all(&out);
        }
    }

    // 4. Incremental refresh after 1% new postings.
    (options.progress)("refresh (+1%)");
    let more = DemoSpec {
        seed: options.seed.wrapping_add(1),
        jobs: pipeline::jobs_for_postings(options.postings / 100),
        anchor,
    };
    let added = pipeline::generate(&lake, &more, &[], cores).await?;
    let snapshot = Snapshot::take();
    refresh(&lake, &project, &RefreshOptions::new(false), &|_| {}).await?;
    let mut incremental = measured("refresh (incremental, +1% postings)", &snapshot);
    incremental.rows = added.records as u64;
    incremental.input_bytes = added.bronze_bytes;
    stages.push(incremental);

    // 5. Mirror.
    (options.progress)("mirror");
    let url = options.warehouse.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            options.scratch.join("warehouse.db").to_string_lossy()
        )
    });
    let snapshot = Snapshot::take();
    let mirrored = warehouse::mirror(&lake, &project, &url, MirrorOptions { full: true }).await?;
    let mut mirror = measured(
        &format!(
            "mirror --full ({})",
            url.split(':').next().unwrap_or("warehouse")
        ),
        &snapshot,
    );
    mirror.rows = mirrored.rows();
    mirror.input_bytes = dir_size(&lake_dir.join("gold"));
    mirror.output_bytes = if options.warehouse.is_none() {
        dir_size(&options.scratch).saturating_sub(dir_size(&lake_dir))
    } else {
        0
    };
    stages.push(mirror);

    // 6. Analyst queries.
    (options.progress)("queries");
    let queries = run_queries(&lake, &project, options.query_runs).await?;

    Ok(Bench {
        postings: options.postings,
        landed: generated.records,
        stages,
        queries,
        peers: peer_runs,
        silver_rows,
        deduplicated,
        dedup,
    })
}

/// Runs each query of `bench/queries/` once cold, then `runs` times, in one SQL-shell session.
async fn run_queries(lake: &Lake, project: &Project, runs: usize) -> Result<Vec<Query>> {
    let ctx = crate::query::repl::sql_session(lake, project).await?;
    let mut files: Vec<(String, String)> = QUERIES
        .dirs()
        .flat_map(|d| d.files())
        .filter(|f| f.path().extension().is_some_and(|e| e == "sql"))
        .filter_map(|f| {
            let name = f.path().with_extension("").to_string_lossy().to_string();
            Some((name, f.contents_utf8()?.to_string()))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for (name, sql) in files {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..runs.max(1) + 1 {
            let started = Instant::now();
            let batches = ctx.sql(&sql).await?.collect().await?;
            times.push(started.elapsed().as_secs_f64() * 1e3);
            rows = batches.iter().map(|b| b.num_rows()).sum();
        }
        let cold_ms = times.remove(0);
        times.sort_by(f64::total_cmp);
        out.push(Query {
            name,
            cold_ms,
            median_ms: times[times.len() / 2],
            rows,
        });
    }
    Ok(out)
}
