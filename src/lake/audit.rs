//! The audit trail: `_meta/audit`, one row per action that changed the lake or the warehouse
//! (land, ingest, refresh of a table, mirror, maintenance, bronze expiry), with when, who,
//! where, the command line and the outcome.
//!
//! Append-only by construction: this module offers `record` and nothing else, and the table is
//! created with `delta.appendOnly = true`, so Delta refuses deletes, updates and overwrites from
//! any writer (delta-rs, Spark, ...). Maintenance may compact its files; rows never change.
//!
//! Tamper-evident: someone with write access to the storage itself can still rewrite files,
//! so the rows form a hash chain. Each row has a sequence number (`seq`, 0, 1, 2, ... with no
//! gap), the hash of the row before it (`prev_hash`) and its own hash over both and all its
//! fields ([`row_hash`]). An edited row no longer matches its hash, a deleted one leaves a gap
//! and a broken link; [`verify`] finds both. Each commit also records the chain's tip in the
//! Delta commit's metadata, which is how the next append finds it without reading the table,
//! and how a removed tail is noticed. Appends are serialized by the Delta log itself: an
//! append that loses the race for the next version is rebuilt on the new tip and tried again.

use chrono::{DateTime, Utc};
use deltalake::arrow::datatypes::{DataType, Field, SchemaRef, TimeUnit};
use serde::Serialize;

use crate::error::Result;
use crate::lake::Lake;
use crate::lake::meta;
use crate::meter;

/// Table of the audit trail under `_meta/`.
pub const TABLE: &str = "audit";

/// One audited action.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AuditEvent {
    /// When the action ended.
    pub at: DateTime<Utc>,
    /// Who: the user running the process.
    pub user: String,
    /// Where: host name and process id.
    pub host: String,
    /// The command line, with secrets hidden.
    pub command: String,
    /// The run this action belongs to, if any.
    pub run_id: Option<String>,
    /// `land`, `ingest`, `refresh`, `mirror`, `optimize`, `vacuum`, `checkpoint`,
    /// `expire_bronze`, `archive_bronze`.
    pub action: String,
    /// What it changed: `bronze/adzuna`, `silver.job_postings`, the warehouse URL, ...
    pub target: String,
    /// Delta version written, when the target is a Delta table.
    pub version: Option<i64>,
    /// Rows (or files, for maintenance) the action added or changed.
    pub rows: Option<i64>,
    /// `ok` or `failed`.
    pub outcome: String,
    /// Details: the error, files removed, ...
    pub detail: Option<String>,
    /// Position in the hash chain (set by [`record`]; `None` in rows written before it).
    pub seq: Option<i64>,
    /// Hash of the row at `seq - 1` ([`GENESIS`] for the first).
    pub prev_hash: Option<String>,
    /// [`row_hash`] of this row.
    pub hash: Option<String>,
}

impl AuditEvent {
    /// An event for `action` on `target` by this process, now.
    pub fn new(action: &str, target: impl Into<String>) -> AuditEvent {
        AuditEvent {
            at: Utc::now(),
            user: meter::user_name(),
            host: meter::process_label(),
            command: command_line(),
            run_id: None,
            action: action.to_string(),
            target: target.into(),
            version: None,
            rows: None,
            outcome: "ok".to_string(),
            detail: None,
            seq: None,
            prev_hash: None,
            hash: None,
        }
    }

    /// Sets the Delta version written.
    pub fn version(mut self, version: Option<u64>) -> Self {
        self.version = version.map(|v| v as i64);
        self
    }

    /// Sets the rows (or files) changed.
    pub fn rows(mut self, rows: Option<u64>) -> Self {
        self.rows = rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX));
        self
    }

    /// Marks the action failed, with why.
    pub fn failed(mut self, error: impl std::fmt::Display) -> Self {
        self.outcome = "failed".to_string();
        self.detail = Some(error.to_string());
        self
    }

    /// Sets the details.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Ties the event to a run.
    pub fn run(mut self, run_id: Option<&str>) -> Self {
        self.run_id = run_id.map(str::to_string);
        self
    }
}

/// Arrow schema of `_meta/audit`.
pub fn schema() -> SchemaRef {
    meta::schema(vec![
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("user", DataType::Utf8, false),
        Field::new("host", DataType::Utf8, false),
        Field::new("command", DataType::Utf8, false),
        Field::new("run_id", DataType::Utf8, true),
        Field::new("action", DataType::Utf8, false),
        Field::new("target", DataType::Utf8, false),
        Field::new("version", DataType::Int64, true),
        Field::new("rows", DataType::Int64, true),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, true),
        Field::new("seq", DataType::Int64, true),
        Field::new("prev_hash", DataType::Utf8, true),
        Field::new("hash", DataType::Utf8, true),
    ])
}

/// The `prev_hash` of the chain's first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Key of the chain's tip in the metadata of each audit commit.
const TIP_KEY: &str = "joblake.audit.tip";

/// How many times an append is rebuilt on a new tip after losing the race for a version.
const APPEND_ATTEMPTS: usize = 50;

/// Commits searched, newest first, for the last recorded tip before reading the rows.
const TIP_SEARCH: usize = 50;

/// The last row of the chain: its position and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tip {
    /// `seq` of the last row.
    pub seq: i64,
    /// `hash` of the last row.
    pub hash: String,
}

/// The hash of a row: SHA-256 over its position, its predecessor's hash and every field, as
/// one JSON array (a fixed order and an unambiguous encoding of each value). `at` counts in
/// microseconds, what the table stores.
pub fn row_hash(seq: i64, prev_hash: &str, e: &AuditEvent) -> String {
    use sha2::Digest;
    let canonical = serde_json::json!([
        seq,
        prev_hash,
        e.at.timestamp_micros(),
        e.user,
        e.host,
        e.command,
        e.run_id,
        e.action,
        e.target,
        e.version,
        e.rows,
        e.outcome,
        e.detail,
    ]);
    hex::encode(sha2::Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends `events` to the trail, in one commit, chained after the current tip.
pub async fn record(lake: &Lake, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut events = events.to_vec();
    for e in &mut events {
        // The table keeps microseconds: hash what will be read back.
        e.at = DateTime::from_timestamp_micros(e.at.timestamp_micros()).unwrap_or(e.at);
    }
    for attempt in 0..APPEND_ATTEMPTS {
        // The tip and the commit come from one read of the table: a commit by anyone else in
        // between makes this one fail, and it is rebuilt on the new tip.
        let table = lake.table(meta::DIR, TABLE).await?;
        let tip = tip_of(lake, &table).await?;
        let (mut seq, mut prev) = match &tip {
            Some(t) => (t.seq + 1, t.hash.clone()),
            None => (0, GENESIS.to_string()),
        };
        for e in &mut events {
            let hash = row_hash(seq, &prev, e);
            e.seq = Some(seq);
            e.prev_hash = Some(prev);
            e.hash = Some(hash.clone());
            prev = hash;
            seq += 1;
        }
        let new_tip = Tip {
            seq: seq - 1,
            hash: prev,
        };
        let metadata = serde_json::to_value(&new_tip).map_err(|e| crate::error::Error::Meta {
            table: format!("{}/{TABLE}", meta::DIR),
            message: format!("tip: {e}"),
        })?;
        let commit = meta::Commit {
            append_only: true,
            exclusive: true,
            metadata: vec![(TIP_KEY.to_string(), metadata)],
            based_on: Some(table),
        };
        match meta::append_with(lake, TABLE, schema(), &events, &commit).await? {
            meta::Appended::Version(_) => return Ok(()),
            meta::Appended::LostRace => {
                tracing::debug!("audit: another process appended first (attempt {attempt})");
                // Spread contenders out a little.
                let pause = 5 + (std::process::id() as u64 + attempt as u64 * 7) % 20;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
        }
    }
    Err(crate::error::Error::Meta {
        table: format!("{}/{TABLE}", meta::DIR),
        message: format!(
            "could not append after {APPEND_ATTEMPTS} attempts: other processes kept appending first"
        ),
    })
}

/// The chain's tip: from the newest commit that recorded one, or else (rows written before
/// the chain, or a log cleaned up since) from the rows themselves. `None`: no chained row yet.
pub async fn tip(lake: &Lake) -> Result<Option<Tip>> {
    if !lake.is_table(meta::DIR, TABLE).await? {
        return Ok(None);
    }
    tip_of(lake, &lake.table(meta::DIR, TABLE).await?).await
}

/// [`tip`] of the trail as `table` holds it (`None` for a table not created yet).
async fn tip_of(lake: &Lake, table: &deltalake::DeltaTable) -> Result<Option<Tip>> {
    if table.version().is_none() {
        return Ok(None);
    }
    if let Some(tip) = tip_in_log(table).await? {
        return Ok(Some(tip));
    }
    tip_in_rows(lake, table).await
}

/// The tip recorded by the newest of the last [`TIP_SEARCH`] commits that recorded one.
pub async fn tip_in_log(table: &deltalake::DeltaTable) -> Result<Option<Tip>> {
    use futures::TryStreamExt;
    // The newest commit is nearly always an audit append: read it alone first (one request),
    // and look further back only after a compaction or another writer's commit.
    for limit in [1, TIP_SEARCH] {
        let commits: Vec<_> = table.history(Some(limit)).try_collect().await?;
        let tip = commits
            .iter()
            .find_map(|c| c.info.get(TIP_KEY))
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        if tip.is_some() {
            return Ok(tip);
        }
    }
    Ok(None)
}

/// The tip read from the rows: the chained row with the highest `seq`.
async fn tip_in_rows(lake: &Lake, table: &deltalake::DeltaTable) -> Result<Option<Tip>> {
    Ok(read_rows(lake, table)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(Tip {
                seq: r.seq?,
                hash: r.hash?,
            })
        })
        .max_by_key(|t| t.seq))
}

/// Every row of the trail, read from the table's active files directly (no query engine in
/// this layer). The trail is small and compacted by `maintain`: each file is read whole.
async fn read_rows(lake: &Lake, table: &deltalake::DeltaTable) -> Result<Vec<AuditEvent>> {
    use deltalake::arrow::json::ArrayWriter;
    use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use object_store::ObjectStoreExt;

    let unreadable = |file: &str, e: &dyn std::fmt::Display| crate::error::Error::Meta {
        table: format!("{}/{TABLE}", meta::DIR),
        message: format!("reading {file}: {e}"),
    };
    let files: Vec<String> = table
        .snapshot()?
        .log_data()
        .iter()
        .map(|f| f.path().to_string())
        .collect();
    let mut rows = Vec::new();
    for file in files {
        let path = lake.path(&format!("{}/{TABLE}/{file}", meta::DIR));
        let bytes = lake.store().get(&path).await?.bytes().await?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .and_then(|b| b.build())
            .map_err(|e| unreadable(&file, &e))?;
        let mut writer = ArrayWriter::new(Vec::new());
        for batch in reader {
            writer.write(&batch?)?;
        }
        writer.finish()?;
        let json = writer.into_inner();
        if json.is_empty() {
            continue;
        }
        let mut events: Vec<AuditEvent> =
            serde_json::from_slice(&json).map_err(|e| unreadable(&file, &e))?;
        rows.append(&mut events);
    }
    Ok(rows)
}

/// Reads the trail and checks its chain ([`verify`]) against the tip the log recorded.
pub async fn check(lake: &Lake) -> Result<Verdict> {
    if !lake.is_table(meta::DIR, TABLE).await? {
        return Ok(verify(&[], None));
    }
    let table = lake.table(meta::DIR, TABLE).await?;
    let logged = tip_in_log(&table).await?;
    let rows = read_rows(lake, &table).await?;
    Ok(verify(&rows, logged.as_ref()))
}

/// Checks a tip kept from an earlier verify: that row must still be in the trail with the
/// same hash. Catches the end of the trail removed together with the log's record of it.
pub async fn against_kept_tip(lake: &Lake, kept: &Tip) -> Result<Vec<Break>> {
    let rows = if lake.is_table(meta::DIR, TABLE).await? {
        read_rows(lake, &lake.table(meta::DIR, TABLE).await?).await?
    } else {
        Vec::new()
    };
    let found = rows.iter().find(|r| r.seq == Some(kept.seq));
    Ok(match found {
        None => vec![Break::TailMissing {
            last: rows.iter().filter_map(|r| r.seq).max(),
            tip: kept.seq,
        }],
        Some(r) if r.hash.as_deref() != Some(kept.hash.as_str()) => {
            vec![Break::TipMismatch(kept.seq)]
        }
        Some(_) => Vec::new(),
    })
}

/// What is wrong at one place of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Rows `from..=to` are missing (deleted, or never written by this chain).
    Missing {
        /// First missing `seq`.
        from: i64,
        /// Last missing `seq`.
        to: i64,
    },
    /// Two rows claim this `seq`.
    Duplicate(i64),
    /// The row's fields no longer give its hash: it was edited.
    Edited(i64),
    /// The row's `prev_hash` is not the hash of the row before it.
    Unlinked(i64),
    /// The log's tip is beyond the last row: rows at the end were removed.
    TailMissing {
        /// The last row found.
        last: Option<i64>,
        /// The tip the log recorded.
        tip: i64,
    },
    /// The log's tip names the right row but another hash.
    TipMismatch(i64),
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Missing { from, to } if from == to => write!(f, "row {from} is missing"),
            Break::Missing { from, to } => write!(f, "rows {from} to {to} are missing"),
            Break::Duplicate(s) => write!(f, "row {s} appears more than once"),
            Break::Edited(s) => write!(f, "row {s} was changed after it was written"),
            Break::Unlinked(s) => {
                write!(f, "row {s} does not follow the row before it (prev_hash)")
            }
            Break::TailMissing { last, tip } => write!(
                f,
                "the log's tip is row {tip} but the last row is {}: rows at the end were removed",
                last.map_or("none".to_string(), |l| l.to_string())
            ),
            Break::TipMismatch(s) => write!(f, "row {s}'s hash is not the tip the log recorded"),
        }
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Rows in the chain.
    pub chained: usize,
    /// Rows written before the chain existed (no `seq`): not covered.
    pub unchained: usize,
    /// The last row of the chain, to keep somewhere else: a later verify against it also
    /// catches a tail removed together with the log.
    pub tip: Option<Tip>,
    /// Everything wrong, in chain order; empty when the chain holds.
    pub breaks: Vec<Break>,
}

/// Checks the chain over `rows` (any order), against the tip the log recorded if any.
pub fn verify(rows: &[AuditEvent], logged_tip: Option<&Tip>) -> Verdict {
    let mut chained: Vec<&AuditEvent> = rows.iter().filter(|r| r.seq.is_some()).collect();
    chained.sort_by_key(|r| r.seq);
    let mut breaks = Vec::new();
    let mut expected = 0i64;
    let mut prev_hash: Option<String> = Some(GENESIS.to_string());
    let mut last_seq: Option<i64> = None;
    for r in &chained {
        let seq = r.seq.unwrap_or_default();
        if last_seq == Some(seq) {
            breaks.push(Break::Duplicate(seq));
            continue;
        }
        if seq > expected {
            breaks.push(Break::Missing {
                from: expected,
                to: seq - 1,
            });
            // The link to a missing row cannot be checked: only the row's own hash.
            prev_hash = None;
        }
        if let Some(p) = &prev_hash
            && r.prev_hash.as_deref() != Some(p.as_str())
        {
            breaks.push(Break::Unlinked(seq));
        }
        let own = row_hash(seq, r.prev_hash.as_deref().unwrap_or_default(), r);
        if r.hash.as_deref() != Some(own.as_str()) {
            breaks.push(Break::Edited(seq));
        }
        prev_hash = r.hash.clone();
        last_seq = Some(seq);
        expected = seq + 1;
    }
    let tip = chained.last().map(|r| Tip {
        seq: r.seq.unwrap_or_default(),
        hash: r.hash.clone().unwrap_or_default(),
    });
    if let Some(logged) = logged_tip {
        match &tip {
            Some(t) if t.seq == logged.seq && t.hash != logged.hash => {
                breaks.push(Break::TipMismatch(t.seq))
            }
            Some(t) if t.seq >= logged.seq => {}
            _ => breaks.push(Break::TailMissing {
                last: tip.as_ref().map(|t| t.seq),
                tip: logged.seq,
            }),
        }
    }
    Verdict {
        chained: chained.len(),
        unchained: rows.len() - chained.len(),
        tip,
        breaks,
    }
}

/// The process's command line with secrets hidden: passwords in URLs, and the values of
/// options whose name says key, secret, token or password.
pub fn command_line() -> String {
    let mut out = Vec::new();
    let mut hide_next = false;
    for arg in std::env::args() {
        if hide_next {
            out.push("***".to_string());
            hide_next = false;
            continue;
        }
        let lower = arg.to_ascii_lowercase();
        let secret_flag = lower.starts_with("--")
            && ["key", "secret", "token", "password"]
                .iter()
                .any(|s| lower.contains(s));
        if secret_flag {
            match arg.split_once('=') {
                Some((flag, _)) => out.push(format!("{flag}=***")),
                None => {
                    out.push(arg);
                    hide_next = true;
                }
            }
        } else if arg.contains("://") {
            // `--warehouse=postgres://…`: the URL is what follows the `=`.
            match arg.split_once('=') {
                Some((flag, url)) if flag.starts_with('-') && !flag.contains("://") => {
                    out.push(format!("{flag}={}", crate::redact::redacted(url)));
                }
                _ => out.push(crate::redact::redacted(&arg)),
            }
        } else {
            out.push(arg);
        }
    }
    out.join(" ")
}
