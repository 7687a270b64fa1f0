//! `joblake maintain`: keeps the lake's tables fast and its storage bounded.
//!
//! For every Delta table (silver, gold, `_meta`): compaction of small files (each incremental
//! refresh appends a few small files per partition), a checkpoint (readers then load one
//! Parquet file instead of replaying every JSON commit), and vacuum of the files that no version
//! younger than the retention still needs. Then, when configured, bronze retention: files older
//! than N days are archived under `archive/` or deleted. Every change is audited.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use crate::bronze;
use crate::error::{Error, Result};
use crate::lake::audit::{self, AuditEvent};
use crate::lake::meta;
use crate::lake::{DELTA_LAYERS, Lake};

/// `[maintain]` in `joblake.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaintainSettings {
    /// How long files removed from a table stay on disk, so that time travel to versions
    /// younger than this and queries that started before a refresh keep working. Delta's
    /// default, 7 days. Shorter values need `allow_short_retention`.
    #[serde(with = "duration_serde")]
    pub vacuum_retention: Duration,
    /// Allow a retention below a table's `delta.deletedFileRetentionDuration` (7 days unless
    /// set): readers of older versions may then fail.
    pub allow_short_retention: bool,
    /// Target size of compacted files, bytes (delta-rs default: 100 MiB).
    pub target_file_size: u64,
    /// Bronze files older than this many days (by ingest date) are archived or deleted. None:
    /// bronze is kept forever, the default. A later `refresh --full` rebuilds silver only from
    /// the bronze that is left.
    pub bronze_retention_days: Option<u32>,
    /// What happens to expired bronze: `archive` (moved under `archive/bronze/`, where
    /// refresh does not read) or `delete`.
    pub bronze_expiry: BronzeExpiry,
}

/// What `maintain` does with bronze files past their retention.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum BronzeExpiry {
    /// Move them under `archive/bronze/` (same relative path).
    #[default]
    Archive,
    /// Delete them.
    Delete,
}

impl Default for MaintainSettings {
    fn default() -> Self {
        MaintainSettings {
            vacuum_retention: Duration::from_secs(7 * 24 * 3600),
            allow_short_retention: false,
            target_file_size: 100 * 1024 * 1024,
            bronze_retention_days: None,
            bronze_expiry: BronzeExpiry::Archive,
        }
    }
}

/// Durations in the config as `"7d"`, `"36h"`, `"30s"`.
pub(crate) mod duration_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(serde::de::Error::custom)
    }

    /// The same for an optional duration (absent: `None`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use std::time::Duration;

        pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|text| humantime::parse_duration(&text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

/// What maintenance did to one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableMaintenance {
    /// `layer.table`.
    pub table: String,
    /// Active data files before compaction.
    pub files_before: usize,
    /// Active data files after.
    pub files_after: usize,
    /// Bytes of the active files after.
    pub bytes_after: u64,
    /// Version written by compaction (None: nothing to compact).
    pub optimize_version: Option<u64>,
    /// Files deleted from storage by vacuum.
    pub vacuumed_files: usize,
    /// Whether a checkpoint was written.
    pub checkpoint: bool,
    /// Wall seconds.
    pub seconds: f64,
}

/// What `maintain` did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct MaintainReport {
    /// One entry per Delta table.
    pub tables: Vec<TableMaintenance>,
    /// Bronze files archived or deleted.
    pub bronze_expired: usize,
    /// Wall seconds.
    pub seconds: f64,
}

impl MaintainReport {
    /// Active files before and after, all tables.
    pub fn files(&self) -> (usize, usize) {
        self.tables
            .iter()
            .fold((0, 0), |(b, a), t| (b + t.files_before, a + t.files_after))
    }
}

/// Maintains every Delta table of the lake, then applies the bronze retention.
pub async fn maintain(
    lake: &Lake,
    settings: &MaintainSettings,
    run_id: Option<&str>,
) -> Result<MaintainReport> {
    let started = Instant::now();
    let mut report = MaintainReport::default();
    let mut events = Vec::new();
    let layers = DELTA_LAYERS.iter().copied().chain([meta::DIR]);
    for layer in layers {
        for name in lake.list_tables(layer).await? {
            let t = maintain_table(lake, layer, &name, settings).await;
            let label = format!("{}.{name}", display_layer(layer));
            let t = match t {
                Ok(t) => t,
                Err(e) => {
                    events.push(AuditEvent::new("maintain", &label).run(run_id).failed(&e));
                    audit::record(lake, &events).await?;
                    return Err(e);
                }
            };
            if let Some(v) = t.optimize_version {
                events.push(
                    AuditEvent::new("optimize", &label)
                        .run(run_id)
                        .version(Some(v))
                        .rows(Some((t.files_before - t.files_after) as u64))
                        .detail(format!("{} files -> {}", t.files_before, t.files_after)),
                );
            }
            if t.vacuumed_files > 0 {
                events.push(
                    AuditEvent::new("vacuum", &label)
                        .run(run_id)
                        .rows(Some(t.vacuumed_files as u64))
                        .detail(format!(
                            "retention {}",
                            humantime::format_duration(settings.vacuum_retention)
                        )),
                );
            }
            report.tables.push(t);
        }
    }
    if let Some(days) = settings.bronze_retention_days {
        let cutoff = Utc::now().date_naive() - chrono::Days::new(days as u64);
        let expired = expire_bronze(lake, cutoff, settings.bronze_expiry).await?;
        bronze::line_cache::forget(lake, &expired).await;
        report.bronze_expired = expired.len();
        let action = match settings.bronze_expiry {
            BronzeExpiry::Archive => "archive_bronze",
            BronzeExpiry::Delete => "expire_bronze",
        };
        events.extend(expired.into_iter().map(|f| {
            AuditEvent::new(action, f)
                .run(run_id)
                .detail(format!("ingested before {cutoff}"))
        }));
    }
    audit::record(lake, &events).await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn display_layer(layer: &str) -> &str {
    if layer == meta::DIR {
        meta::SCHEMA
    } else {
        layer
    }
}

async fn maintain_table(
    lake: &Lake,
    layer: &str,
    name: &str,
    settings: &MaintainSettings,
) -> Result<TableMaintenance> {
    let started = Instant::now();
    let table = lake.table(layer, name).await?;
    let files_before = active_files(&table)?.0;
    let target = std::num::NonZeroU64::new(settings.target_file_size)
        .ok_or_else(|| Error::Config("[maintain] target_file_size must be above 0".into()))?;
    let (table, metrics) = table
        .optimize()
        .with_target_size(target)
        .with_writer_properties(crate::lake::parquet::writer_properties())
        .await?;
    // Files compaction left alone keep their deletion vectors: rewritten without them.
    let (table, purged) =
        crate::lake::deletion_vectors::purge(table, crate::lake::parquet::writer_properties())
            .await?;
    let optimize_version = (metrics.num_files_removed > 0 || purged > 0)
        .then(|| table.version())
        .flatten();
    let (files_after, bytes_after) = active_files(&table)?;
    deltalake::checkpoints::create_checkpoint(&table, None).await?;
    let retention = chrono::Duration::from_std(settings.vacuum_retention)
        .map_err(|e| Error::Config(format!("[maintain] vacuum_retention: {e}")))?;
    let (_, vacuum) = table
        .vacuum()
        .with_retention_period(retention)
        .with_enforce_retention_duration(!settings.allow_short_retention)
        .await
        .map_err(|e| {
            Error::Config(format!(
                "vacuum of {}.{name}: {e} (see [maintain] vacuum_retention)",
                display_layer(layer)
            ))
        })?;
    Ok(TableMaintenance {
        table: format!("{}.{name}", display_layer(layer)),
        files_before,
        files_after,
        bytes_after,
        optimize_version,
        vacuumed_files: vacuum.files_deleted.len(),
        checkpoint: true,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Active data files of the table's current version, and their total size.
pub fn active_files(table: &deltalake::DeltaTable) -> Result<(usize, u64)> {
    let snapshot = table.snapshot()?;
    let mut count = 0;
    let mut bytes = 0u64;
    for file in snapshot.log_data().iter() {
        count += 1;
        bytes += file.size() as u64;
    }
    Ok((count, bytes))
}

/// Archives or deletes bronze files ingested before `cutoff`; returns their paths.
async fn expire_bronze(lake: &Lake, cutoff: NaiveDate, how: BronzeExpiry) -> Result<Vec<String>> {
    let store = lake.store();
    let mut done = Vec::new();
    for file in bronze::list_files(lake, None).await? {
        if file.ingest_date.is_none_or(|d| d >= cutoff) {
            continue;
        }
        if how == BronzeExpiry::Archive {
            let to = lake.path(&format!("archive/{}", file.relative));
            store.copy(&file.path, &to).await?;
        }
        store.delete(&file.path).await?;
        done.push(file.relative);
    }
    Ok(done)
}
