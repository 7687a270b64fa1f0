//! The stages chained for the CLI: land raw files, run the demo, list tables. Each returns a
//! typed report that the CLI prints (and the run log will store).

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};
use deltalake::arrow::array::{AsArray, Int64Array};
use joblake_gen::DemoSpec;
use serde::{Deserialize, Serialize};

use crate::bronze::{self, FileSelection, LandOutcome, LandedFile};
use crate::engine;
use crate::error::{Error, Result, TooLarge};
use crate::lake::{DELTA_LAYERS, Lake};
use crate::project::Project;

/// A raw file in memory: (origin name, bytes).
pub type RawFile = (String, Vec<u8>);

/// Default of [`LandSettings::max_file_bytes`]: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Settings of `joblake land` (`[land]` in `joblake.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LandSettings {
    /// Largest raw file landed, in bytes; a larger one is refused, naming the file and the
    /// limit, before it is read. A file is read whole, split and gzipped: landing it takes
    /// about three times its size in memory.
    pub max_file_bytes: u64,
}

impl Default for LandSettings {
    fn default() -> Self {
        LandSettings {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// What `land` did, file by file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LandReport {
    /// Run id shared by the files landed together.
    pub run_id: String,
    /// Files written to bronze.
    pub landed: Vec<(String, LandedFile)>,
    /// Files skipped because the same bytes were landed before (origin, bronze file).
    pub already_landed: Vec<(String, String)>,
    /// Files refused, with the reason (origin, message).
    pub refused: Vec<(String, String)>,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl LandReport {
    /// Postings written.
    pub fn records(&self) -> usize {
        self.landed.iter().map(|(_, f)| f.records).sum()
    }
}

/// Lands raw in-memory files (name, bytes) for `source`. A refused file does not stop the
/// others; it is listed in the report.
pub async fn land_bytes(
    lake: &Lake,
    source: &str,
    files: impl IntoIterator<Item = RawFile>,
    run_id: &str,
) -> Result<LandReport> {
    let started = Instant::now();
    let mut report = LandReport {
        run_id: run_id.to_string(),
        ..LandReport::default()
    };
    for (seq, (origin, bytes)) in files.into_iter().enumerate() {
        match bronze::land_raw(lake, source, &origin, &bytes, run_id, seq).await {
            Ok(LandOutcome::Landed(f)) => report.landed.push((origin, f)),
            Ok(LandOutcome::AlreadyLanded { bronze_file }) => {
                report.already_landed.push((origin, bronze_file))
            }
            Err(Error::Source { source, .. }) => report.refused.push((origin, source.to_string())),
            Err(e) => {
                bronze::remember_positions(lake, report.landed.iter().map(|(_, f)| f)).await;
                return Err(e);
            }
        }
    }
    bronze::remember_positions(lake, report.landed.iter().map(|(_, f)| f)).await;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Lands files from the local disk for `source`, with the default [`LandSettings`].
pub async fn land_paths(
    lake: &Lake,
    source: &str,
    paths: &[impl AsRef<Path>],
) -> Result<LandReport> {
    land_paths_with(lake, source, paths, &LandSettings::default()).await
}

/// Lands files from the local disk for `source`, one at a time (one file in memory at
/// once). A file that cannot be read, or is larger than `settings.max_file_bytes`, is
/// refused (listed in the report) and the others are landed.
pub async fn land_paths_with(
    lake: &Lake,
    source: &str,
    paths: &[impl AsRef<Path>],
    settings: &LandSettings,
) -> Result<LandReport> {
    joblake_sources::parser_for(source).map_err(|e| Error::Source {
        file: source.to_string(),
        source: e,
    })?;
    let mut unreadable = Vec::new();
    let files = paths.iter().filter_map(|p| {
        let name = p.as_ref().display().to_string();
        match read_raw_file(p.as_ref(), settings.max_file_bytes) {
            Ok(bytes) => Some((name, bytes)),
            // The report names the file: the reason alone.
            Err(e) => {
                let reason = match e {
                    Error::TooLarge { limit, .. } => limit.to_string(),
                    Error::Io { source, .. } => format!("cannot read: {source}"),
                    other => other.to_string(),
                };
                unreadable.push((name, reason));
                None
            }
        }
    });
    let mut report = land_bytes(lake, source, files, &bronze::new_run_id()).await?;
    report.refused.extend(unreadable);
    Ok(report)
}

/// Reads a raw file of at most `limit` bytes ([`LandSettings::max_file_bytes`]), or says why
/// not: [`Error::TooLarge`] naming the file and the limit, [`Error::Io`]. The size is checked
/// before reading, and the read stops past the limit anyway (a pipe, a device such as
/// /dev/zero, a file that grows meanwhile).
pub fn read_raw_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let name = path.display().to_string();
    let cannot = |source| Error::Io {
        context: format!("cannot read {name}"),
        source,
    };
    let too_large = |size| Error::TooLarge {
        file: name.clone(),
        limit: TooLarge {
            size,
            limit,
            setting: "[land] max_file_bytes",
        },
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if let Some(n) = size.filter(|n| *n > limit) {
        return Err(too_large(Some(n)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size.unwrap_or(0)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// Generates the demo sample and lands it, source by source.
pub async fn land_demo(lake: &Lake, spec: &DemoSpec) -> Result<Vec<(String, LandReport)>> {
    land_demo_as(lake, spec, &bronze::new_run_id()).await
}

/// [`land_demo`] under a given run id (a run's own, so that its bronze files join
/// `meta.runs`).
pub async fn land_demo_as(
    lake: &Lake,
    spec: &DemoSpec,
    run_id: &str,
) -> Result<Vec<(String, LandReport)>> {
    let mut by_source: Vec<(String, Vec<RawFile>)> = Vec::new();
    for f in joblake_gen::generate(spec) {
        match by_source.iter_mut().find(|(s, _)| s == f.source) {
            Some((_, files)) => files.push((f.name, f.bytes)),
            None => by_source.push((f.source.to_string(), vec![(f.name, f.bytes)])),
        }
    }
    let mut reports = Vec::new();
    for (source, files) in by_source {
        let report = land_bytes(lake, &source, files, run_id).await?;
        reports.push((source, report));
    }
    Ok(reports)
}

/// What `joblake gen` wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GenReport {
    /// The run id of the bronze files.
    pub run_id: String,
    /// Raw files generated (API pages, job pages, NDJSON).
    pub files: usize,
    /// Postings landed (envelopes).
    pub records: usize,
    /// Bytes of the raw files, as the sources would have served them.
    pub raw_bytes: u64,
    /// Bytes written to bronze (gzipped envelopes).
    pub bronze_bytes: u64,
    /// Raw files a source's parser refused (the deliberately broken ones).
    pub refused: usize,
    /// Wall time.
    pub seconds: f64,
}

/// Generates a realistic sample of about `postings` postings (see [`joblake_gen`]: duplicates
/// across sources, missing fields, long HTML, malformed records) and lands it as it is
/// generated, so that a million postings never sit in memory. `sources` keeps only those
/// sources (empty: all). Files are landed `concurrency` at a time.
pub async fn generate(
    lake: &Lake,
    spec: &DemoSpec,
    sources: &[String],
    concurrency: usize,
) -> Result<GenReport> {
    use futures::StreamExt;

    let started = Instant::now();
    let run_id = bronze::new_run_id();
    let (tx, rx) = tokio::sync::mpsc::channel::<joblake_gen::DemoFile>(concurrency.max(1) * 4);
    let generator_spec = spec.clone();
    let keep: Vec<String> = sources.to_vec();
    let generator = tokio::task::spawn_blocking(move || {
        joblake_gen::generate_each(&generator_spec, |file| {
            if keep.is_empty() || keep.iter().any(|s| s == file.source) {
                // The receiver is gone only when landing failed: stop generating.
                tx.blocking_send(file).map_err(|_| ())?;
            }
            Ok::<(), ()>(())
        })
    });
    let files =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|f| (f, rx)) });
    let mut report = GenReport {
        run_id: run_id.clone(),
        ..GenReport::default()
    };
    let landed = files
        .enumerate()
        .map(|(seq, file)| {
            let (lake, run_id) = (lake.clone(), run_id.clone());
            tokio::spawn(async move {
                let raw = file.bytes.len() as u64;
                let outcome =
                    bronze::land_raw(&lake, file.source, &file.name, &file.bytes, &run_id, seq)
                        .await;
                (raw, outcome)
            })
        })
        .buffer_unordered(concurrency.max(1));
    let mut landed = std::pin::pin!(landed);
    // The files written, for their record positions (kept once, at the end).
    let mut written = Vec::new();
    let outcome = async {
        while let Some(joined) = landed.next().await {
            let (raw, outcome) =
                joined.map_err(|e| Error::Internal(format!("a landing task failed: {e}")))?;
            report.files += 1;
            report.raw_bytes += raw;
            match outcome {
                Ok(LandOutcome::Landed(f)) => {
                    report.records += f.records;
                    report.bronze_bytes += f.bytes as u64;
                    written.push(f);
                }
                Ok(LandOutcome::AlreadyLanded { .. }) => {}
                Err(Error::Source { .. }) => report.refused += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
    .await;
    bronze::remember_positions(lake, &written).await;
    outcome?;
    generator
        .await
        .map_err(|e| Error::Internal(format!("the generator task failed: {e}")))?
        .map_err(|()| Error::Internal("the generator stopped early".into()))?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Distinct jobs to generate for about `postings` postings (each job is published on one to
/// three sources: 1.55 postings per job on average).
pub fn jobs_for_postings(postings: usize) -> usize {
    (postings as f64 / 1.55).ceil().max(1.0) as usize
}

/// One table of the lake as `joblake tables` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    /// bronze, silver or gold.
    pub layer: String,
    /// Table name.
    pub name: String,
    /// Rows.
    pub rows: i64,
    /// Delta version (bronze: none).
    pub version: Option<u64>,
    /// Data files (bronze: objects).
    pub files: usize,
    /// Time of the last commit (bronze: none).
    pub last_refresh: Option<DateTime<Utc>>,
}

/// Every table of the lake with its size and version.
pub async fn tables(lake: &Lake, project: &Project) -> Result<Vec<TableInfo>> {
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    let mut out = Vec::new();
    let files = bronze::list_files(lake, None).await?;
    if !files.is_empty() {
        let batches = ctx
            .sql("SELECT source, count(*) AS n FROM bronze.envelopes GROUP BY source ORDER BY source")
            .await?
            .collect()
            .await?;
        for b in &batches {
            let src = deltalake::arrow::compute::cast(
                b.column(0),
                &deltalake::arrow::datatypes::DataType::Utf8,
            )?;
            let src = src.as_string::<i32>();
            let n = b.column(1).as_any().downcast_ref::<Int64Array>();
            for i in 0..b.num_rows() {
                let name = src.value(i).to_string();
                out.push(TableInfo {
                    layer: "bronze".into(),
                    files: files.iter().filter(|f| f.source == name).count(),
                    name,
                    rows: n.map_or(0, |n| n.value(i)),
                    version: None,
                    last_refresh: None,
                });
            }
        }
    }
    for layer in DELTA_LAYERS {
        for name in lake.list_tables(layer).await? {
            let table = lake.table(layer, &name).await?;
            let version = table.version();
            let snapshot = table.snapshot()?;
            let last_refresh = version
                .and_then(|v| snapshot.version_timestamp(v))
                .and_then(DateTime::from_timestamp_millis);
            let files = snapshot.log_data().num_files();
            let rows = engine::count_rows(&ctx, &format!("{layer}.{name}")).await?;
            out.push(TableInfo {
                layer: layer.into(),
                name,
                rows,
                version,
                files,
                last_refresh,
            });
        }
    }
    Ok(out)
}
