//! `joblake bench mirror`: a synthetic gold of N postings (`bench/mirror_gold/`, SQL models
//! generating every column type with realistic NULL rates) is built in a temporary lake and
//! mirrored into PostgreSQL; then the same tables, exported to CSV, are loaded with `psql`'s
//! `\copy` into tables with the same definition and indexes: the practical ceiling of a bulk
//! load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use include_dir::{Dir, include_dir};
use serde::Serialize;

use crate::bronze::FileSelection;
use crate::engine;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::{Project, mirrored};
use crate::transform::{RefreshOptions, refresh};
use crate::warehouse::{self, MirrorOptions};

static MIRROR_GOLD: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/bench/mirror_gold");

/// Figures of one mirror benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct MirrorBench {
    /// Fact rows generated.
    pub fact_rows: u64,
    /// Rows of all gold tables.
    pub total_rows: u64,
    /// Seconds to build the synthetic gold (not part of the comparison).
    pub generate_seconds: f64,
    /// `joblake mirror --full`: read Delta, binary COPY into staging, swap.
    pub mirror_seconds: f64,
    /// Of which the swap transaction.
    pub swap_seconds: f64,
    /// `psql \copy` of the same rows from CSV files.
    pub copy_seconds: f64,
    /// Size of those CSV files.
    pub csv_bytes: u64,
}

impl MirrorBench {
    /// Rows per second of the mirror.
    pub fn mirror_rate(&self) -> f64 {
        self.total_rows as f64 / self.mirror_seconds
    }

    /// Rows per second of `\copy`.
    pub fn copy_rate(&self) -> f64 {
        self.total_rows as f64 / self.copy_seconds
    }
}

/// The synthetic gold project for `rows` postings.
pub fn mirror_gold_project(rows: u64) -> Result<Project> {
    // The reference data of the real project (the session's functions need it).
    let real = Project::embedded();
    let mut files: BTreeMap<String, String> = real
        .files_in("reference", ".csv")
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect();
    let gold = MIRROR_GOLD
        .get_dir("gold")
        .ok_or_else(|| Error::Internal("bench/mirror_gold/gold is missing".into()))?;
    for f in gold.files() {
        let text = f.contents_utf8().unwrap_or_default();
        files.insert(
            f.path().to_string_lossy().into_owned(),
            text.replace("{rows}", &rows.to_string()),
        );
    }
    Ok(Project::from_files(files))
}

/// Builds the synthetic gold in `lake`, mirrors it to `url` (PostgreSQL), then loads the same
/// tables with `psql` `\copy` into schema `bench_copy` of the same database.
pub async fn mirror_vs_copy(
    lake: &Lake,
    scratch: &Path,
    url: &str,
    rows: u64,
    psql: &Path,
) -> Result<MirrorBench> {
    if !url.starts_with("postgres") {
        return Err(Error::Config(
            "the mirror benchmark compares with psql: give a postgres:// warehouse".into(),
        ));
    }
    let project = mirror_gold_project(rows)?;
    let started = Instant::now();
    refresh(lake, &project, &RefreshOptions::new(true), &|_| {}).await?;
    let generate_seconds = started.elapsed().as_secs_f64();

    let report = warehouse::mirror(lake, &project, url, MirrorOptions { full: true }).await?;
    let total_rows = report.rows();
    let fact_rows = report
        .tables
        .iter()
        .find(|t| t.table == "fact_job_posting")
        .map(|t| t.rows)
        .unwrap_or(0);

    // The same rows as CSV, with a header naming the columns.
    let ctx = engine::session(lake, &project, FileSelection::All).await?;
    let mut script = String::from("\\set ON_ERROR_STOP on\n");
    let mut setup =
        String::from("DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy;\n");
    let mut csv_bytes = 0;
    for table in mirrored(&project)?.tables() {
        let file: PathBuf = scratch.join(format!("{table}.csv"));
        let df = ctx
            .sql(&format!(
                "COPY (SELECT * FROM gold.{table}) TO '{}' STORED AS CSV OPTIONS ('format.has_header' 'true')",
                file.display()
            ))
            .await?;
        df.collect().await?;
        csv_bytes += std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let columns = ctx
            .table(format!("gold.{table}").as_str())
            .await?
            .schema()
            .fields()
            .iter()
            .map(|f| format!("\"{}\"", f.name()))
            .collect::<Vec<_>>()
            .join(", ");
        setup.push_str(&format!(
            "CREATE TABLE bench_copy.{table} (LIKE gold.{table} INCLUDING ALL);\n"
        ));
        script.push_str(&format!(
            "\\copy bench_copy.{table} ({columns}) FROM '{}' WITH (FORMAT csv, HEADER true)\n",
            file.display()
        ));
    }
    run_psql(psql, url, scratch, &setup)?;
    let started = Instant::now();
    run_psql(psql, url, scratch, &script)?;
    let copy_seconds = started.elapsed().as_secs_f64();
    run_psql(psql, url, scratch, "DROP SCHEMA bench_copy CASCADE;")?;
    Ok(MirrorBench {
        fact_rows,
        total_rows,
        generate_seconds,
        mirror_seconds: report.seconds,
        swap_seconds: report.swap_seconds,
        copy_seconds,
        csv_bytes,
    })
}

/// Runs `script` (SQL and psql meta-commands) with psql.
fn run_psql(psql: &Path, url: &str, scratch: &Path, script: &str) -> Result<()> {
    let file = scratch.join("script.psql");
    std::fs::write(&file, script).map_err(|e| Error::Io {
        context: format!("writing {}", file.display()),
        source: e,
    })?;
    let output = Command::new(psql)
        .arg(url)
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(&file)
        .output()
        .map_err(|e| Error::Io {
            context: format!("running {}", psql.display()),
            source: e,
        })?;
    if !output.status.success() {
        return Err(Error::Warehouse(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}
