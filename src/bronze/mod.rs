//! Bronze: the immutable raw zone. One gzipped NDJSON file per landed batch, one envelope per
//! posting, payload kept verbatim:
//! `bronze/<source>/ingest_date=YYYY-MM-DD/<run_id>-<n>.ndjson.gz`.
//!
//! Files are only ever added, each by a single `put` (object_store writes to a temporary name and
//! renames on local disks; S3 PUTs are atomic), so a reader never sees half a file. Reading goes
//! through [`BronzeTable`], which turns every line into a row, including lines that are not valid
//! envelopes: those carry a `parse_error`, so that silver can quarantine them instead of failing.

pub mod ingest;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deltalake::arrow::array::{
    ArrayBuilder, ArrayRef, Date32Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use deltalake::datafusion::catalog::{SchemaProvider, Session, TableProvider};
use deltalake::datafusion::datasource::TableType;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::execution::{SendableRecordBatchStream, TaskContext};
use deltalake::datafusion::logical_expr::Expr;
use deltalake::datafusion::physical_plan::ExecutionPlan;
use deltalake::datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use futures::{StreamExt, TryStreamExt};
use joblake_sources::RawPosting;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::meter::RunMeter;

/// One posting as it lands in bronze.
#[derive(Debug, Serialize)]
pub struct Envelope<'a> {
    /// Source name (`adzuna`, `france_travail`...).
    pub source: &'a str,
    /// The source's id of the posting.
    pub source_id: &'a str,
    /// When the posting was fetched (UTC).
    pub fetched_at: DateTime<Utc>,
    /// Where it was fetched from, when known.
    pub url: Option<&'a str>,
    /// The run that landed it.
    pub run_id: &'a str,
    /// The posting exactly as the source gave it.
    pub payload: &'a RawValue,
}

/// What one landed file contributed.
#[derive(Debug, Clone, Serialize)]
pub struct LandedFile {
    /// Bronze path relative to the lake root.
    pub bronze_file: String,
    /// Envelopes written.
    pub records: usize,
    /// Compressed bytes written.
    pub bytes: usize,
}

/// Outcome of landing one raw file.
#[derive(Debug, Clone)]
pub enum LandOutcome {
    /// Written to bronze.
    Landed(LandedFile),
    /// The same bytes were landed before for this source: nothing written.
    AlreadyLanded {
        /// The bronze file that holds them.
        bronze_file: String,
    },
}

/// A new run id: sortable by time, unique across processes.
pub fn new_run_id() -> String {
    let now = Utc::now();
    let suffix: u32 = rand::random();
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%SZ"), suffix)
}

#[derive(Serialize, Deserialize)]
struct LandedMarker {
    bronze_file: String,
    origin: String,
    landed_at: DateTime<Utc>,
}

/// Lands the raw file `origin` (its `bytes` as the source returned them) for `source`:
/// splits it with the source's parser and writes one bronze file. Identical bytes landed
/// twice for the same source are written once (a marker under `_meta/landed` remembers them).
pub async fn land_raw(
    lake: &Lake,
    source: &str,
    origin: &str,
    bytes: &[u8],
    run_id: &str,
    seq: usize,
) -> Result<LandOutcome> {
    let parser = joblake_sources::parser_for(source).map_err(|e| Error::Source {
        file: origin.to_string(),
        source: e,
    })?;
    let digest = hex::encode(Sha256::digest(bytes));
    let marker = lake.path(&format!("_meta/landed/{source}/{digest}.json"));
    match lake.store().get(&marker).await {
        Ok(found) => {
            let body = found.bytes().await?;
            if let Ok(m) = serde_json::from_slice::<LandedMarker>(&body) {
                return Ok(LandOutcome::AlreadyLanded {
                    bronze_file: m.bronze_file,
                });
            }
        }
        Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let postings = parser.split(bytes).map_err(|e| Error::Source {
        file: origin.to_string(),
        source: e,
    })?;
    let fetched_at = Utc::now();
    let landed = write_postings(
        lake,
        source,
        postings.iter().map(|p| (p, fetched_at)),
        run_id,
        seq,
    )
    .await?;
    let m = LandedMarker {
        bronze_file: landed.bronze_file.clone(),
        origin: origin.to_string(),
        landed_at: Utc::now(),
    };
    let body = serde_json::to_vec(&m).map_err(|e| Error::Bronze {
        file: landed.bronze_file.clone(),
        message: e.to_string(),
    })?;
    // The marker is created, never overwritten: when the same bytes are landed twice at once
    // (parallel landings), one marker wins and the other landing removes its file, so bronze
    // holds them once. Checking first and writing after left a window for both.
    let create = PutOptions::from(PutMode::Create);
    match lake
        .store()
        .put_opts(&marker, PutPayload::from(body.clone()), create)
        .await
    {
        Ok(_) => Ok(LandOutcome::Landed(landed)),
        Err(object_store::Error::AlreadyExists { .. }) => {
            let existing = lake.store().get(&marker).await?.bytes().await?;
            match serde_json::from_slice::<LandedMarker>(&existing) {
                Ok(winner) => {
                    lake.store().delete(&lake.path(&landed.bronze_file)).await?;
                    Ok(LandOutcome::AlreadyLanded {
                        bronze_file: winner.bronze_file,
                    })
                }
                // A damaged marker (it was unreadable above too): this landing replaces it.
                Err(_) => {
                    lake.store().put(&marker, PutPayload::from(body)).await?;
                    Ok(LandOutcome::Landed(landed))
                }
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes `postings`, each with the time it was fetched, as one bronze file in a single put.
pub async fn write_postings<'p>(
    lake: &Lake,
    source: &str,
    postings: impl IntoIterator<Item = (&'p RawPosting, DateTime<Utc>)>,
    run_id: &str,
    seq: usize,
) -> Result<LandedFile> {
    let relative = format!(
        "bronze/{source}/ingest_date={}/{run_id}-{seq:04}.ndjson.gz",
        Utc::now().format("%Y-%m-%d")
    );
    let fail = |message: String| Error::Bronze {
        file: relative.clone(),
        message,
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut records = 0;
    for (p, fetched_at) in postings {
        records += 1;
        let payload = RawValue::from_string(p.payload.clone())
            .map_err(|e| fail(format!("payload of {} is not JSON: {e}", p.source_id)))?;
        let env = Envelope {
            source,
            source_id: &p.source_id,
            fetched_at,
            url: p.url.as_deref(),
            run_id,
            payload: &payload,
        };
        serde_json::to_writer(&mut gz, &env).map_err(|e| fail(e.to_string()))?;
        gz.write_all(b"\n").map_err(|e| fail(e.to_string()))?;
    }
    let body = gz.finish().map_err(|e| fail(e.to_string()))?;
    let bytes = body.len();
    lake.store()
        .put(&lake.path(&relative), PutPayload::from(body))
        .await?;
    Ok(LandedFile {
        bronze_file: relative,
        records,
        bytes,
    })
}

/// A bronze object found by listing.
#[derive(Debug, Clone)]
pub struct BronzeFile {
    /// Store path.
    pub path: Path,
    /// Path relative to the lake root (the lineage pointer kept in silver).
    pub relative: String,
    /// Source, from the path.
    pub source: String,
    /// Ingest date, from the `ingest_date=` partition of the path.
    pub ingest_date: Option<NaiveDate>,
    /// Size in bytes.
    pub size: u64,
}

/// Lists bronze files, of one source or all, sorted by path.
pub async fn list_files(lake: &Lake, source: Option<&str>) -> Result<Vec<BronzeFile>> {
    let prefix = match source {
        Some(s) => lake.path(&format!("bronze/{s}")),
        None => lake.path("bronze"),
    };
    let metas: Vec<_> = lake.store().list(Some(&prefix)).try_collect().await?;
    let mut files: Vec<BronzeFile> = metas
        .into_iter()
        .filter_map(|m| {
            let relative = lake.relative(&m.location);
            let mut parts = relative.split('/');
            if parts.next() != Some("bronze") {
                return None;
            }
            let source = parts.next()?.to_string();
            let name = m.location.filename()?;
            if !(name.ends_with(".ndjson.gz") || name.ends_with(".ndjson")) {
                return None;
            }
            let ingest_date = relative
                .split('/')
                .find_map(|p| p.strip_prefix("ingest_date="))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            Some(BronzeFile {
                path: m.location,
                relative,
                source,
                ingest_date,
                size: m.size,
            })
        })
        .collect();
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}

/// The columns of every bronze table.
pub static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("source_id", DataType::Utf8, true),
        Field::new(
            "fetched_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("url", DataType::Utf8, true),
        Field::new("run_id", DataType::Utf8, true),
        Field::new("payload", DataType::Utf8, true),
        Field::new("ingest_date", DataType::Date32, true),
        Field::new("bronze_file", DataType::Utf8, false),
        Field::new("bronze_line", DataType::Int64, false),
        Field::new("parse_error", DataType::Utf8, true),
    ]))
});

#[derive(Deserialize)]
struct EnvelopeIn<'a> {
    source_id: Option<serde_json::Value>,
    fetched_at: Option<String>,
    url: Option<String>,
    run_id: Option<String>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

/// Decodes one bronze file (gzipped or not) into a batch of [`SCHEMA`]. A line that is not a
/// valid envelope becomes a row with `parse_error` set; blank lines are not records.
pub fn decode(file: &BronzeFile, raw: &[u8]) -> Result<RecordBatch> {
    decode_columns(file, raw, true)
}

/// Like [`decode`]; with `parse` false only the columns that come from the file's name and
/// line numbers (`source`, `ingest_date`, `bronze_file`, `bronze_line`) are filled, and the
/// envelopes are not parsed: what a count or a reconciliation of record positions needs.
fn decode_columns(file: &BronzeFile, raw: &[u8], parse: bool) -> Result<RecordBatch> {
    let mut plain;
    let text: &[u8] = if file.relative.ends_with(".gz") {
        plain = Vec::with_capacity(raw.len() * 6);
        flate2::read::MultiGzDecoder::new(raw)
            .read_to_end(&mut plain)
            .map_err(|e| Error::Bronze {
                file: file.relative.clone(),
                message: format!("cannot decompress: {e}"),
            })?;
        &plain
    } else {
        raw
    };
    let lines = text.split(|b| *b == b'\n');
    let mut source_id = StringBuilder::new();
    let mut fetched_at = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut url = StringBuilder::new();
    let mut run_id = StringBuilder::new();
    let mut payload = StringBuilder::with_capacity(1024, text.len());
    let mut bronze_line = Int64Builder::new();
    let mut parse_error = StringBuilder::new();
    for (i, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        bronze_line.append_value(i as i64 + 1);
        if !parse {
            source_id.append_null();
            fetched_at.append_null();
            url.append_null();
            run_id.append_null();
            payload.append_null();
            parse_error.append_null();
            continue;
        }
        let parsed = serde_json::from_slice::<EnvelopeIn>(line)
            .map_err(|e| format!("malformed envelope JSON: {e}"))
            .and_then(|env| {
                let ts = match env.fetched_at.as_deref() {
                    Some(t) => Some(
                        DateTime::parse_from_rfc3339(t)
                            .map_err(|e| format!("bad fetched_at {t:?}: {e}"))?
                            .with_timezone(&Utc),
                    ),
                    None => None,
                };
                let payload = env
                    .payload
                    .ok_or_else(|| "envelope has no payload".to_string())?;
                let id = match env.source_id {
                    Some(serde_json::Value::String(s)) => Some(s),
                    Some(serde_json::Value::Null) | None => None,
                    Some(other) => Some(other.to_string()),
                };
                Ok((id, ts, env.url, env.run_id, payload))
            });
        match parsed {
            Ok((id, ts, u, r, p)) => {
                source_id.append_option(id);
                fetched_at.append_option(ts.map(|t| t.timestamp_micros()));
                url.append_option(u);
                run_id.append_option(r);
                payload.append_value(p.get());
                parse_error.append_null();
            }
            Err(reason) => {
                source_id.append_null();
                fetched_at.append_null();
                url.append_null();
                run_id.append_null();
                payload.append_null();
                parse_error.append_value(reason);
            }
        }
    }
    let n = bronze_line.len();
    let mut date = Date32Builder::with_capacity(n);
    let days = file
        .ingest_date
        .map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32);
    for _ in 0..n {
        date.append_option(days);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(deltalake::arrow::array::StringArray::from(vec![
            file.source
                .as_str(
                );
            n
        ])),
        Arc::new(source_id.finish()),
        Arc::new(fetched_at.finish()),
        Arc::new(url.finish()),
        Arc::new(run_id.finish()),
        Arc::new(payload.finish()),
        Arc::new(date.finish()),
        Arc::new(deltalake::arrow::array::StringArray::from(vec![
            file.relative.as_str();
            n
        ])),
        Arc::new(bronze_line.finish()),
        Arc::new(parse_error.finish()),
    ];
    Ok(RecordBatch::try_new(SCHEMA.clone(), columns)?)
}

/// Reads and decodes `files` concurrently, keeping their order.
pub async fn read_files(lake: &Lake, files: Vec<BronzeFile>) -> Result<Vec<RecordBatch>> {
    let store = lake.store();
    let meter = lake.meter().cloned();
    futures::stream::iter(files)
        .map(|file| {
            let store = store.clone();
            let meter = meter.clone();
            async move {
                let raw = store.get(&file.path).await?.bytes().await?;
                let batch = tokio::task::spawn_blocking(move || decode(&file, &raw))
                    .await
                    .map_err(|e| Error::Bronze {
                        file: "?".into(),
                        message: e.to_string(),
                    })??;
                if let Some(meter) = meter {
                    meter.add_rows_decoded(batch.num_rows() as u64);
                }
                Ok(batch)
            }
        })
        .buffered(8)
        .try_collect()
        .await
}

/// Which bronze files a table exposes.
#[derive(Debug, Clone, Default)]
pub enum FileSelection {
    /// Every file.
    #[default]
    All,
    /// Every file except these (relative paths): what an incremental refresh has not consumed.
    Except(Arc<HashSet<String>>),
}

/// `bronze.<source>` (or `bronze.envelopes` for all sources) as a DataFusion table. Files are
/// listed when a query is planned, so the table always shows what is in bronze now.
#[derive(Debug)]
pub struct BronzeTable {
    lake: Lake,
    source: Option<String>,
    selection: FileSelection,
}

impl BronzeTable {
    /// A table over one source's files (`None`: all sources).
    pub fn new(lake: Lake, source: Option<String>, selection: FileSelection) -> Self {
        BronzeTable {
            lake,
            source,
            selection,
        }
    }
}

#[async_trait]
impl TableProvider for BronzeTable {
    fn schema(&self) -> SchemaRef {
        SCHEMA.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let external = |e: Error| DataFusionError::External(Box::new(e));
        let mut files = list_files(&self.lake, self.source.as_deref())
            .await
            .map_err(external)?;
        if let FileSelection::Except(done) = &self.selection {
            files.retain(|f| !done.contains(&f.relative));
        }
        // Spread the files over the session's partitions so that the plan runs in parallel;
        // each partition reads and decodes its files one after the other as the plan pulls
        // them, so that a refresh of a million postings never holds all of bronze in memory.
        let n = state.config().target_partitions().max(1);
        let mut partitions = vec![Vec::new(); n.min(files.len()).max(1)];
        let len = partitions.len();
        for (i, f) in files.into_iter().enumerate() {
            partitions[i % len].push(f);
        }
        // A query that only needs record positions (a count, the reconciliation test) skips
        // parsing the envelopes: at a million records that is most of the scan's time.
        let parse = projection.is_none_or(|p| p.iter().any(|i| !POSITION_COLUMNS.contains(i)));
        let partitions: Vec<Arc<dyn PartitionStream>> = partitions
            .into_iter()
            .map(|files| {
                Arc::new(BronzePartition {
                    lake: self.lake.clone(),
                    files,
                    parse,
                }) as Arc<dyn PartitionStream>
            })
            .collect();
        let exec = StreamingTableExec::try_new(
            SCHEMA.clone(),
            partitions,
            projection,
            Vec::new(),
            false,
            limit,
        )?;
        Ok(Arc::new(exec))
    }
}

/// One partition of a bronze scan: its files, fetched and decoded as the plan pulls batches
/// (two in flight, so that reading the next file overlaps decoding this one).
#[derive(Debug)]
struct BronzePartition {
    lake: Lake,
    files: Vec<BronzeFile>,
    /// Parse the envelopes (false: only position columns are read).
    parse: bool,
}

/// Columns of [`SCHEMA`] known without parsing a line: source, ingest_date, bronze_file,
/// bronze_line.
const POSITION_COLUMNS: [usize; 4] = [0, 6, 7, 8];

impl PartitionStream for BronzePartition {
    fn schema(&self) -> &SchemaRef {
        &SCHEMA
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let store = self.lake.store();
        // A run's session carries its meter (engine::session): the run's "rows in".
        let meter = ctx.session_config().get_extension::<RunMeter>();
        let parse = self.parse;
        let external = |e: Error| DataFusionError::External(Box::new(e));
        let batches = futures::stream::iter(self.files.clone())
            .map(move |file| {
                let store = store.clone();
                let meter = meter.clone();
                async move {
                    let raw = store
                        .get(&file.path)
                        .await
                        .map_err(|e| external(e.into()))?
                        .bytes()
                        .await
                        .map_err(|e| external(e.into()))?;
                    let batch =
                        tokio::task::spawn_blocking(move || decode_columns(&file, &raw, parse))
                            .await
                            .map_err(|e| DataFusionError::External(Box::new(e)))?
                            .map_err(external)?;
                    if let Some(meter) = meter {
                        meter.add_rows_decoded(batch.num_rows() as u64);
                    }
                    Ok(batch)
                }
            })
            .buffered(2);
        Box::pin(RecordBatchStreamAdapter::new(SCHEMA.clone(), batches))
    }
}

/// The `bronze` schema: one table per known source, plus `envelopes` (all sources).
#[derive(Debug)]
pub struct BronzeSchema {
    lake: Lake,
    selection: FileSelection,
}

impl BronzeSchema {
    /// Name of the table that unions every source.
    pub const ALL: &'static str = "envelopes";

    /// The schema over `lake`, exposing the selected files.
    pub fn new(lake: Lake, selection: FileSelection) -> Self {
        BronzeSchema { lake, selection }
    }
}

#[async_trait]
impl SchemaProvider for BronzeSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = joblake_sources::source_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.push(Self::ALL.to_string());
        names
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        let source = if name == Self::ALL {
            None
        } else if joblake_sources::source_names().contains(&name) {
            Some(name.to_string())
        } else {
            return Ok(None);
        };
        Ok(Some(Arc::new(BronzeTable::new(
            self.lake.clone(),
            source,
            self.selection.clone(),
        ))))
    }

    fn table_exist(&self, name: &str) -> bool {
        name == Self::ALL || joblake_sources::source_names().contains(&name)
    }
}
