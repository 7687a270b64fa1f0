//! The peers: the same bronze files through DuckDB, Polars and pandas (`bench/peers/*.py`,
//! embedded in the binary), installed into a throwaway virtual environment on first use.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::project::Project;

static SCRIPTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/bench/peers");

/// The peers, in the order they run. `duckdb_read` is not a peer but the floor: DuckDB only
/// reading bronze (gunzip, parse, the staging fields, tags stripped, Parquet), no models.
pub const TOOLS: [&str; 4] = [READ_REFERENCE, "duckdb", "polars", "pandas"];

/// The plain-read reference among [`TOOLS`].
pub const READ_REFERENCE: &str = "duckdb_read";

/// What one peer reported (the last line of its output), plus its wall time seen from here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PeerRun {
    /// One of [`TOOLS`].
    pub tool: String,
    /// Bronze → silver (read, parse, normalize, dedup, write Parquet).
    #[serde(default)]
    pub silver_seconds: f64,
    /// Silver → gold (star and aggregates, write Parquet).
    #[serde(default)]
    pub gold_seconds: f64,
    /// Bronze lines read.
    #[serde(default)]
    pub records: u64,
    /// Silver posting records.
    #[serde(default)]
    pub silver_rows: u64,
    /// Deduplicated postings.
    #[serde(default)]
    pub postings: u64,
    /// Peak resident memory of the Python process.
    #[serde(default)]
    pub peak_rss_bytes: u64,
    /// Parquet written.
    #[serde(default)]
    pub output_bytes: u64,
    /// Wall time of the whole process (interpreter start and imports included).
    #[serde(default)]
    pub wall_seconds: f64,
    /// Why it did not finish, if it did not.
    #[serde(default)]
    pub error: Option<String>,
}

impl PeerRun {
    /// Silver + gold seconds: the full refresh, comparable with joblake's.
    pub fn refresh_seconds(&self) -> f64 {
        self.silver_seconds + self.gold_seconds
    }
}

/// Writes the peer scripts into `dir`, with the reference CSVs of `project` (skills,
/// job families, currency rates...) under `dir/reference`, and returns `dir`.
pub fn write_scripts(dir: &Path, project: &Project) -> Result<PathBuf> {
    let io = |e: std::io::Error| Error::Io {
        context: format!("writing the peer scripts to {}", dir.display()),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    for file in SCRIPTS.files() {
        std::fs::write(dir.join(file.path()), file.contents()).map_err(io)?;
    }
    let reference = dir.join("reference");
    std::fs::create_dir_all(&reference).map_err(io)?;
    for (path, text) in project.files_in("reference", ".csv") {
        let name = path.rsplit('/').next().unwrap_or(path);
        std::fs::write(reference.join(name), text).map_err(io)?;
    }
    Ok(dir.to_path_buf())
}

/// A Python with the peers' packages: `explicit` when given, else the virtual environment at
/// `venv`, created and filled from `requirements.txt` when missing.
pub fn python(explicit: Option<&Path>, venv: &Path, scripts: &Path) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let python = venv.join("bin").join("python");
    let ready = venv.join(".joblake-ready");
    let requirements = scripts.join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).unwrap_or_default();
    if python.exists() && std::fs::read_to_string(&ready).ok().as_deref() == Some(&wanted) {
        return Ok(python);
    }
    let run = |cmd: &mut Command, what: &str| -> Result<()> {
        let status = cmd.status().map_err(|e| Error::Io {
            context: format!("{what}: {cmd:?}"),
            source: e,
        })?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::Tool {
                command: format!("{cmd:?}"),
                message: format!("{what} failed ({status})"),
            })
        }
    };
    eprintln!(
        "installing the peers (duckdb, polars, pandas) into {}",
        venv.display()
    );
    run(
        Command::new("python3").arg("-m").arg("venv").arg(venv),
        "creating the peers' virtual environment (is python3-venv installed?)",
    )?;
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(&requirements),
        "installing the peers' packages",
    )?;
    std::fs::write(&ready, wanted).map_err(|e| Error::Io {
        context: format!("writing {}", ready.display()),
        source: e,
    })?;
    Ok(python)
}

/// Runs one peer over `bronze`, writing its Parquet under `out`.
pub fn run(python: &Path, scripts: &Path, tool: &str, bronze: &Path, out: &Path) -> PeerRun {
    let started = Instant::now();
    let output = Command::new(python)
        .arg(scripts.join(format!("{tool}_pipeline.py")))
        .arg("--bronze")
        .arg(bronze)
        .arg("--out")
        .arg(out)
        .arg("--reference")
        .arg(scripts.join("reference"))
        .output();
    let wall_seconds = started.elapsed().as_secs_f64();
    let failed = |error: String| PeerRun {
        tool: tool.to_string(),
        wall_seconds,
        error: Some(error),
        ..PeerRun::default()
    };
    let output = match output {
        Ok(o) => o,
        Err(e) => return failed(format!("cannot start {}: {e}", python.display())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return failed(format!(
            "exited with {}: {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    match stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .map(serde_json::from_str::<PeerRun>)
    {
        Some(Ok(mut run)) => {
            run.wall_seconds = wall_seconds;
            run
        }
        Some(Err(e)) => failed(format!("unreadable result line: {e}")),
        None => failed("no result line on stdout".to_string()),
    }
}
