//! The lake: one object store (a local directory or S3) holding the bronze files, the Delta
//! tables of silver and gold, and `_meta`. Nothing else in the code knows which store it is.

pub mod audit;
pub mod changed_rows;
pub mod deletion_vectors;
pub mod inputs;
pub mod lease;
pub mod meta;
pub mod metered;
pub mod models;
pub mod parquet;
pub mod rewrite;
pub mod run_log;
pub mod s3;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use deltalake::{DeltaTable, DeltaTableBuilder};
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::path::Path;
use url::Url;

use crate::error::{Error, Result};
use crate::meter::RunMeter;

/// The layers that hold Delta tables, in build order.
pub const DELTA_LAYERS: [&str; 2] = ["silver", "gold"];

/// How queries over the lake use the machine (`[engine]`): the memory they may hold before
/// sorts, joins and aggregations spill to disk, and where they spill. Carried by the [`Lake`]
/// handle, so every session built over it agrees, and two handles in one process may differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Memory, in MiB, that DataFusion's operators may reserve in one session; beyond it, sorts
    /// and grouped aggregations spill to disk and the rest fail with "Resources exhausted" (a
    /// step in passes is then split and run again: `transform::steps`).
    /// Unset: no limit (a full refresh of a million postings peaks at about 4 GB,
    /// docs/performance.md).
    pub memory_limit_mb: Option<u64>,
    /// Directory for spill files (default: the system temporary directory).
    pub spill_dir: Option<PathBuf>,
    /// A Ballista cluster to run queries on, `ballista://HOST:PORT` (docs/scale.md; needs a
    /// joblake built with the `cluster` feature). Unset: this process runs them.
    pub cluster: Option<String>,
    /// The rows of its largest input a pass of a model's step takes, for steps that call
    /// `joblake_pass()` (the openings, keys, postings, history, matches and lifecycle of
    /// silver): a model over ten times as many rows runs in ten passes, each holding a tenth in
    /// memory. Unset: [`DEFAULT_PASS_ROWS`] when `memory_limit_mb` is set, otherwise one pass.
    pub pass_rows: Option<u64>,
    /// Answer aggregate queries over a rollup's inputs from the rollup (`engine::rollups`).
    /// Unset: on; `false` makes every query read the tables it names.
    pub rollups: Option<bool>,
}

/// The rows a pass takes when `memory_limit_mb` is set and `pass_rows` is not. A 1M refresh
/// peaks at 5.0 GB in one pass, 2.0 GB in passes of 300,000 rows; 10M in passes of 500,000
/// rows under a 3 GB limit peaks at 5.3 GB (docs/performance.md).
pub const DEFAULT_PASS_ROWS: u64 = 500_000;

impl EngineSettings {
    /// The rows a pass of a step that calls `joblake_pass()` takes: `pass_rows`, or
    /// [`DEFAULT_PASS_ROWS`] when only `memory_limit_mb` is set; `None` when steps run whole.
    pub fn pass_rows_in_effect(&self) -> Option<u64> {
        match (self.pass_rows, self.memory_limit_mb) {
            (Some(rows), _) => Some(rows.max(1)),
            (None, Some(_)) => Some(DEFAULT_PASS_ROWS),
            (None, None) => None,
        }
    }
}

/// A handle on the lake's storage.
#[derive(Debug, Clone)]
pub struct Lake {
    url: Url,
    store: Arc<dyn ObjectStore>,
    root: Path,
    options: HashMap<String, String>,
    engine: EngineSettings,
    /// Set on a run's handle: its store counts bytes, its sessions count rows.
    meter: Option<Arc<RunMeter>>,
}

/// The storage option that chooses server-side encryption on S3 (`AES256`: SSE-S3, the
/// default; `aws:kms` with `aws_sse_kms_key_id`: SSE-KMS).
pub const SSE_OPTION: &str = "aws_server_side_encryption";

impl Lake {
    /// Opens the lake at `location`: a local directory (created if missing) or a URL.
    pub fn open(location: &str, options: HashMap<String, String>) -> Result<Lake> {
        let url = match Url::parse(location) {
            Ok(url) if url.scheme().len() > 1 => url,
            // Not a URL (or a Windows drive letter): a local directory.
            _ => {
                std::fs::create_dir_all(location).map_err(|source| Error::Io {
                    context: format!("creating the lake directory {location}"),
                    source,
                })?;
                let abs = std::fs::canonicalize(location).map_err(|source| Error::Io {
                    context: format!("resolving {location}"),
                    source,
                })?;
                Url::from_directory_path(&abs)
                    .map_err(|()| Error::Config(format!("bad lake path {}", abs.display())))?
            }
        };
        let mut url = url;
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        let mut options = options;
        if url.scheme() == "s3" || url.scheme() == "s3a" {
            s3::register();
            // Encrypted at rest by default: every object joblake writes (bronze, Delta files
            // and logs, _meta) asks for SSE-S3 unless SSE-KMS (or another mode) is configured.
            if !options.keys().any(|k| k.eq_ignore_ascii_case(SSE_OPTION)) {
                options.insert(SSE_OPTION.to_string(), "AES256".to_string());
            }
        }
        let (store, root) = object_store::parse_url_opts(&url, options.iter())?;
        Ok(Lake {
            url,
            store: Arc::from(store),
            root,
            options,
            engine: EngineSettings::default(),
            meter: None,
        })
    }

    /// The same lake, with sessions built under `settings`.
    pub fn with_engine_settings(mut self, settings: EngineSettings) -> Lake {
        self.engine = settings;
        self
    }

    /// The same lake, with the work done through this handle counted into `meter`: bytes
    /// through its object store (bronze files and Delta tables alike), envelopes decoded by the
    /// bronze scans of sessions built over it. A run uses one, so that two runs in one process
    /// are each charged their own work.
    /// (Metering a metered handle counts into both meters.)
    pub fn metered(&self, meter: Arc<RunMeter>) -> Lake {
        Lake {
            store: Arc::new(metered::MeteredStore::new(
                self.store.clone(),
                meter.clone(),
            )),
            meter: Some(meter),
            ..self.clone()
        }
    }

    /// The meter this handle counts into (None: not a run's handle).
    pub fn meter(&self) -> Option<&Arc<RunMeter>> {
        self.meter.as_ref()
    }

    /// The settings sessions over this lake are built with.
    pub fn engine_settings(&self) -> &EngineSettings {
        &self.engine
    }

    /// The lake's root URL (always ends with `/`).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// True for a lake in a local directory (`file://`), false for S3 and other stores.
    pub fn is_local(&self) -> bool {
        self.url.scheme() == "file"
    }

    /// The object store behind the lake.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// Storage options, shared by object_store and Delta so that every reader sees the same store.
    pub fn options(&self) -> &HashMap<String, String> {
        &self.options
    }

    /// The store path of `relative` (slash separated) inside the lake.
    pub fn path(&self, relative: &str) -> Path {
        relative
            .split('/')
            .filter(|p| !p.is_empty())
            .fold(self.root.clone(), |p, part| p.clone().join(part))
    }

    /// The path of `path` relative to the lake root, as stored in lineage columns.
    pub fn relative(&self, path: &Path) -> String {
        match path.prefix_match(&self.root) {
            Some(parts) => parts
                .map(|p| p.as_ref().to_string())
                .collect::<Vec<_>>()
                .join("/"),
            None => path.to_string(),
        }
    }

    /// URL of the Delta table `layer.name`.
    pub fn table_url(&self, layer: &str, name: &str) -> Result<Url> {
        self.url
            .join(&format!("{layer}/{name}/"))
            .map_err(|e| Error::Internal(format!("table URL for {layer}.{name}: {e}")))
    }

    /// A handle on `layer.name`, loaded at its latest version when it exists.
    pub async fn table(&self, layer: &str, name: &str) -> Result<DeltaTable> {
        let mut table = self.unloaded_table(layer, name)?;
        // Loading a location without a log is an error (and an ERROR log line) in delta-rs:
        // look for the log first, and hand back an unloaded table ready to be created.
        if self.is_table(layer, name).await? {
            table.load().await?;
        }
        Ok(table)
    }

    /// `layer.name` as a handle on its log, nothing read yet.
    pub(crate) fn unloaded_table(&self, layer: &str, name: &str) -> Result<DeltaTable> {
        let url = self.table_url(layer, name)?;
        let mut builder =
            DeltaTableBuilder::from_url(url.clone())?.with_storage_options(self.options.clone());
        if self.meter.is_some() {
            // Delta reads and writes through the metered store, so that they are counted.
            builder = builder.with_storage_backend(self.store.clone(), url);
        }
        Ok(builder.build()?)
    }

    /// The latest version of `layer.name`, from its log's listing alone: no snapshot is read
    /// (`None`: no such table).
    pub async fn latest_version(&self, layer: &str, name: &str) -> Result<Option<u64>> {
        if !self.is_table(layer, name).await? {
            return Ok(None);
        }
        let version = self
            .unloaded_table(layer, name)?
            .get_latest_version()
            .await?;
        Ok(Some(version))
    }

    /// True when `layer.name` has a Delta log.
    pub async fn is_table(&self, layer: &str, name: &str) -> Result<bool> {
        let log = self.path(&format!("{layer}/{name}/_delta_log"));
        Ok(self.store.list(Some(&log)).try_next().await?.is_some())
    }

    /// The version of `layer.name` and when it was committed, without reading its data
    /// (`None`: no such table). Cheap enough to poll.
    pub async fn stamp(&self, layer: &str, name: &str) -> Result<Option<TableStamp>> {
        if !self.is_table(layer, name).await? {
            return Ok(None);
        }
        let table = self.table(layer, name).await?;
        let Some(version) = table.version() else {
            return Ok(None);
        };
        let committed_at = table
            .snapshot()?
            .version_timestamp(version)
            .and_then(chrono::DateTime::from_timestamp_millis);
        Ok(Some(TableStamp {
            version,
            committed_at,
        }))
    }

    /// Deletes every object of `layer.name` (its log and its files): for a table that a failed
    /// refresh created, so that the lake is as it was before. Nothing else may use it.
    pub async fn remove_table(&self, layer: &str, name: &str) -> Result<()> {
        use futures::StreamExt;
        let prefix = self.path(&format!("{layer}/{name}"));
        let locations = self
            .store
            .list(Some(&prefix))
            .map(|m| m.map(|m| m.location))
            .boxed();
        let mut deleted = self.store.delete_stream(locations);
        while let Some(done) = deleted.next().await {
            done?;
        }
        Ok(())
    }

    /// The Delta tables of a layer (directories holding a `_delta_log`), sorted.
    pub async fn list_tables(&self, layer: &str) -> Result<Vec<String>> {
        let listing = self
            .store
            .list_with_delimiter(Some(&self.path(layer)))
            .await?;
        let mut names = Vec::new();
        for dir in listing.common_prefixes {
            if let Some(name) = dir.filename()
                && self.is_table(layer, name).await?
            {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Human-readable location: a path for local lakes, the URL otherwise.
    pub fn display(&self) -> String {
        match self.url.to_file_path() {
            Ok(p) if self.is_local() => p.display().to_string(),
            _ => self.url.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_lakes_resolve_paths_relative_to_their_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Lake::open(&dir.path().join("lake").to_string_lossy(), HashMap::new())
            .expect("lake opens");
        assert_eq!(lake.url().scheme(), "file");
        assert!(lake.url().path().ends_with("/lake/"));
        let p = lake.path("bronze/adzuna/x.ndjson.gz");
        assert_eq!(lake.relative(&p), "bronze/adzuna/x.ndjson.gz");
        assert!(
            lake.table_url("silver", "job_postings")
                .expect("url")
                .as_str()
                .ends_with("/lake/silver/job_postings/")
        );
    }
}

/// Which version of a table is current, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableStamp {
    /// The Delta version.
    pub version: u64,
    /// When that version was committed, when the log says.
    pub committed_at: Option<chrono::DateTime<chrono::Utc>>,
}
