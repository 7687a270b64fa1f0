//! Bronze: the immutable raw zone. One gzipped NDJSON file per landed batch, one envelope per
//! posting, payload kept verbatim:
//! `bronze/<source>/ingest_date=YYYY-MM-DD/<run_id>-<n>.ndjson.gz`.
//!
//! Files are only ever added, each by a single `put` (object_store writes to a temporary name and
//! renames on local disks; S3 PUTs are atomic), so a reader never sees half a file. Reading goes
//! through [`BronzeTable`], which turns every line into a row, including lines that are not valid
//! envelopes: those carry a `parse_error`, so that silver can quarantine them instead of failing.

pub mod ingest;
pub mod line_cache;
pub mod stream;
pub mod table;

pub use table::{BronzeSchema, BronzeTable, FileSelection};

use std::io::{Read, Write};
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, NaiveDate, Utc};
use deltalake::arrow::array::{
    ArrayBuilder, ArrayRef, Date32Array, Int64Array, Int64Builder, RecordBatch, StringArray,
    StringBuilder, TimestampMicrosecondBuilder, new_null_array,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use futures::{StreamExt, TryStreamExt};
use joblake_sources::RawPosting;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, TooLarge};
use crate::lake::Lake;

/// `name` as one segment of a lake path (`what` says what it names, for the error): a plain
/// name ([`joblake_sources::check_name`]), never `../x`, `a/b`, an absolute path, `..`, a NUL
/// or a backslash, so that no write lands outside its directory of the lake.
pub fn path_segment<'a>(what: &str, name: &'a str) -> Result<&'a str> {
    joblake_sources::check_name(name).map_err(|reason| Error::UnsafeName {
        what: what.to_string(),
        name: name.to_string(),
        reason: reason.to_string(),
    })?;
    Ok(name)
}

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
    /// Where its records are, as the reconciliation test's scan finds them, for the file as
    /// stored (None when it could not be described after the write): [`remember_positions`]
    /// keeps them, so that the first refresh need not decompress the file to count them.
    #[serde(skip)]
    pub positions: Option<line_cache::FileLines>,
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
    let source = path_segment("source name", source)?;
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
/// A source name or run id that is not a plain name ([`path_segment`]) is refused.
pub async fn write_postings<'p>(
    lake: &Lake,
    source: &str,
    postings: impl IntoIterator<Item = (&'p RawPosting, DateTime<Utc>)>,
    run_id: &str,
    seq: usize,
) -> Result<LandedFile> {
    let source = path_segment("source name", source)?;
    let run_id = path_segment("run id", run_id)?;
    let relative = format!(
        "bronze/{source}/ingest_date={}/{run_id}-{seq:04}.ndjson.gz",
        Utc::now().format("%Y-%m-%d")
    );
    let fail = |message: String| Error::Bronze {
        file: relative.clone(),
        message,
    };
    // The text is kept until the file is written: its record positions are taken from it.
    let mut text = Vec::new();
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
        serde_json::to_writer(&mut text, &env).map_err(|e| fail(e.to_string()))?;
        text.push(b'\n');
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(text.len() / 4),
        flate2::Compression::fast(),
    );
    gz.write_all(&text).map_err(|e| fail(e.to_string()))?;
    let body = gz.finish().map_err(|e| fail(e.to_string()))?;
    let bytes = body.len();
    let path = lake.path(&relative);
    lake.store().put(&path, PutPayload::from(body)).await?;
    // The file as a listing will describe it (size, modification time, tag): an entry holds
    // only for those.
    let positions = match lake.store().head(&path).await {
        Ok(meta) => BronzeFile::listed(lake, meta)
            .map(|file| line_cache::FileLines::from_lines(&file, record_lines(&text))),
        Err(e) => {
            tracing::debug!(
                "{relative}: not described after its write ({e}); its positions are not kept"
            );
            None
        }
    };
    Ok(LandedFile {
        bronze_file: relative,
        records,
        bytes,
        positions,
    })
}

/// Keeps the record positions of `landed` files in the lake's cache ([`line_cache`]), in one
/// update: the refresh that reads them next counts their records without decompressing them.
/// Best-effort, as the cache is.
pub async fn remember_positions<'f>(lake: &Lake, landed: impl IntoIterator<Item = &'f LandedFile>) {
    let entries: Vec<(String, line_cache::FileLines)> = landed
        .into_iter()
        .filter_map(|f| Some((f.bronze_file.clone(), f.positions.clone()?)))
        .collect();
    line_cache::record(lake, entries).await;
}

/// A bronze object found by listing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BronzeFile {
    /// Store path.
    #[serde(with = "store_path")]
    pub path: Path,
    /// Path relative to the lake root (the lineage pointer kept in silver).
    pub relative: String,
    /// Source, from the path.
    pub source: String,
    /// Ingest date, from the `ingest_date=` partition of the path.
    pub ingest_date: Option<NaiveDate>,
    /// Size in bytes.
    pub size: u64,
    /// Last modification (microseconds since the epoch): with the size, which version of the
    /// file a cached entry describes ([`line_cache`]).
    #[serde(default)]
    pub modified: i64,
    /// The store's entity tag, when it gives one (S3: a hash of the content): a third check
    /// of the version, where modification times have only seconds. None for a local lake,
    /// whose tag is the file's inode, modification time and size: a copied or restored lake
    /// (`cp -a`, `rsync -a`) keeps the last two and changes the inode.
    #[serde(default)]
    pub e_tag: Option<String>,
}

/// A store path as its text, read back without encoding it again.
mod store_path {
    use object_store::path::Path;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(path.as_ref())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Path, D::Error> {
        let text = String::deserialize(d)?;
        Path::parse(text).map_err(serde::de::Error::custom)
    }
}

/// Lists bronze files, of one source or all, sorted by path. Directories whose name starts with
/// `_` (the stream's dead letters) are not sources; a stream file shows only once its batch is
/// committed ([`stream`]).
pub async fn list_files(lake: &Lake, source: Option<&str>) -> Result<Vec<BronzeFile>> {
    let prefix = match source {
        Some(s) => lake.path(&format!("bronze/{s}")),
        None => lake.path("bronze"),
    };
    let metas: Vec<_> = lake.store().list(Some(&prefix)).try_collect().await?;
    let mut files: Vec<BronzeFile> = metas
        .into_iter()
        .filter_map(|m| BronzeFile::listed(lake, m))
        .collect();
    let position = |f: &BronzeFile| f.path.filename().and_then(stream::parse_file_name);
    if files.iter().any(|f| position(f).is_some()) {
        let committed = stream::committed(lake).await?;
        files.retain(|f| position(f).is_none_or(|p| committed.contains(&p)));
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}

impl BronzeFile {
    /// The bronze file a store's object is, as a listing describes it; None for an object
    /// that is not one (outside a source's directory, another extension).
    pub fn listed(lake: &Lake, m: object_store::ObjectMeta) -> Option<BronzeFile> {
        let relative = lake.relative(&m.location);
        let mut parts = relative.split('/');
        if parts.next() != Some("bronze") {
            return None;
        }
        let source = parts.next().filter(|s| !s.starts_with('_'))?.to_string();
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
            modified: m.last_modified.timestamp_micros(),
            // A local file's tag is its inode: left out, so that a copied lake keeps its
            // entries (line_cache).
            e_tag: m.e_tag.filter(|_| !lake.is_local()),
        })
    }
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

/// The largest bronze file decoded, in bytes once decompressed (1 GiB): its payloads go into
/// one Arrow string column, whose 32-bit offsets cannot pass 2 GiB, and a gzip bomb (a few
/// MB that inflate to gigabytes) must not fill the memory. Files joblake writes hold at most
/// 1,000 postings (a few MB).
pub const MAX_DECODED_BYTES: u64 = 1 << 30;

/// Longest `parse_error` kept: the start of what the JSON reader said (which may quote the
/// line).
const MAX_PARSE_ERROR: usize = 300;

/// Decodes one bronze file (gzipped or not) into a batch of [`SCHEMA`]. A line that is not a
/// valid envelope (or whose payload nests deeper than [`joblake_sources::MAX_JSON_DEPTH`])
/// becomes a row with `parse_error` set; blank lines are not records. A file larger than
/// [`MAX_DECODED_BYTES`] once decompressed is refused ([`Error::TooLarge`]).
pub fn decode(file: &BronzeFile, raw: &[u8]) -> Result<RecordBatch> {
    decode_columns(file, raw, true, MAX_DECODED_BYTES)
}

/// Like [`decode`]; with `parse` false only the columns that come from the file's name and
/// line numbers (`source`, `ingest_date`, `bronze_file`, `bronze_line`) are filled, and the
/// envelopes are not parsed: what a count or a reconciliation of record positions needs.
/// `limit` is the largest decompressed size accepted.
fn decode_columns(file: &BronzeFile, raw: &[u8], parse: bool, limit: u64) -> Result<RecordBatch> {
    let too_large = |size| Error::TooLarge {
        file: file.relative.clone(),
        limit: TooLarge {
            size,
            limit,
            setting: "a bronze file, once decompressed",
        },
    };
    let mut plain;
    let text: &[u8] = if file.relative.ends_with(".gz") {
        let expected = raw.len().saturating_mul(6);
        plain = Vec::with_capacity(expected.min(usize::try_from(limit).unwrap_or(usize::MAX)));
        flate2::read::MultiGzDecoder::new(raw)
            .take(limit.saturating_add(1))
            .read_to_end(&mut plain)
            .map_err(|e| Error::Bronze {
                file: file.relative.clone(),
                message: format!("cannot decompress: {e}"),
            })?;
        if plain.len() as u64 > limit {
            return Err(too_large(None));
        }
        &plain
    } else {
        if raw.len() as u64 > limit {
            return Err(too_large(Some(raw.len() as u64)));
        }
        raw
    };
    if !parse {
        return positions_batch(file, record_lines(text));
    }
    let lines = text.split(|b| *b == b'\n');
    let mut source_id = StringBuilder::new();
    let mut fetched_at = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut url = StringBuilder::new();
    let mut run_id = StringBuilder::new();
    let mut payload = StringBuilder::with_capacity(1024, text.len());
    let mut bronze_line = Int64Builder::new();
    let mut parse_error = StringBuilder::new();
    for (i, line) in lines.enumerate() {
        if is_blank(line) {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        bronze_line.append_value(i as i64 + 1);
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
                if let Some(at) = joblake_sources::json_too_deep(payload.get().as_bytes()) {
                    return Err(format!(
                        "payload nested more than {} levels deep (at byte {at} of the payload)",
                        joblake_sources::MAX_JSON_DEPTH
                    ));
                }
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
                parse_error.append_value(clip(&reason, MAX_PARSE_ERROR));
            }
        }
    }
    let [source, ingest_date, bronze_file] = position_columns(file, bronze_line.len());
    let columns: Vec<ArrayRef> = vec![
        source,
        Arc::new(source_id.finish()),
        Arc::new(fetched_at.finish()),
        Arc::new(url.finish()),
        Arc::new(run_id.finish()),
        Arc::new(payload.finish()),
        ingest_date,
        bronze_file,
        Arc::new(bronze_line.finish()),
        Arc::new(parse_error.finish()),
    ];
    Ok(RecordBatch::try_new(SCHEMA.clone(), columns)?)
}

/// A line that is not a record: only whitespace (a `\r` included).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The line numbers (from 1) of the records of a bronze file's decompressed text: its lines
/// that are not blank. The one rule of the position-only scan and of the writer's positions.
fn record_lines(text: &[u8]) -> Vec<i64> {
    text.split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !is_blank(line))
        .map(|(i, _)| i as i64 + 1)
        .collect()
}

/// The rows of `file`'s records at line numbers `lines` with only the columns known without
/// parsing them (`source`, `ingest_date`, `bronze_file`, `bronze_line`): what [`decode_columns`]
/// gives without `parse`, and what a cached file gives without being read ([`line_cache`]).
pub(crate) fn positions_batch(file: &BronzeFile, lines: Vec<i64>) -> Result<RecordBatch> {
    let n = lines.len();
    let null = |i: usize| new_null_array(SCHEMA.field(i).data_type(), n);
    let [source, ingest_date, bronze_file] = position_columns(file, n);
    let columns: Vec<ArrayRef> = vec![
        source,
        null(1),
        null(2),
        null(3),
        null(4),
        null(5),
        ingest_date,
        bronze_file,
        Arc::new(Int64Array::from(lines)),
        null(9),
    ];
    Ok(RecordBatch::try_new(SCHEMA.clone(), columns)?)
}

/// The columns every row of `file` shares, for `n` rows: `source`, `ingest_date` and
/// `bronze_file`, from the file's path.
fn position_columns(file: &BronzeFile, n: usize) -> [ArrayRef; 3] {
    let days = file
        .ingest_date
        .map(|d| (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32);
    [
        Arc::new(StringArray::from(vec![file.source.as_str(); n])),
        Arc::new(Date32Array::from(vec![days; n])),
        Arc::new(StringArray::from(vec![file.relative.as_str(); n])),
    ]
}

/// `s` cut to at most `max` bytes (at a character boundary), with "…" when cut.
fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return s.into();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end]).into()
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

#[cfg(test)]
mod tests {
    use deltalake::arrow::array::{Array, AsArray};

    use super::*;

    fn file(relative: &str) -> BronzeFile {
        BronzeFile {
            path: Path::from(relative),
            relative: relative.to_string(),
            source: "adzuna".to_string(),
            ingest_date: None,
            size: 0,
            modified: 0,
            e_tag: None,
        }
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_limit_without_inflating_it_all() {
        // 64 MiB of newlines gzip to about 64 KB: decoding stops past the limit (1 MiB here,
        // MAX_DECODED_BYTES in use) with an error naming the file and the limit.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let block = vec![b'\n'; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&block).expect("gzip");
        }
        let bomb = gz.finish().expect("gzip");
        assert!(bomb.len() < 1 << 20);
        let name = "bronze/adzuna/ingest_date=2026-01-01/x.ndjson.gz";
        let err = decode_columns(&file(name), &bomb, true, 1 << 20).expect_err("a bomb");
        assert_eq!(
            err.to_string(),
            format!(
                "{name}: the file holds more than the limit of 1048576 bytes (a bronze file, \
                 once decompressed)"
            )
        );
        // Not compressed: refused from its size.
        let plain = vec![b'\n'; (1 << 20) + 1];
        let err = decode_columns(&file("bronze/adzuna/x.ndjson"), &plain, false, 1 << 20)
            .expect_err("too large");
        assert!(
            err.to_string()
                .ends_with("1048577 bytes, more than the limit of 1048576 bytes (a bronze file, once decompressed)"),
            "{err}"
        );
        // At the limit: decoded (blank lines are no records).
        let batch = decode_columns(&file("bronze/adzuna/x.ndjson"), &plain[1..], true, 1 << 20)
            .expect("at the limit");
        assert_eq!(batch.num_rows(), 0);
    }

    #[test]
    fn a_payload_nested_too_deep_is_a_parse_error_not_a_record() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let line = format!(
            "{{\"source_id\":\"1\",\"payload\":{{\"a\":{deep}}}}}\n{{\"source_id\":\"2\",\"payload\":{{}}}}\n"
        );
        let batch = decode(&file("bronze/adzuna/x.ndjson"), line.as_bytes()).expect("decoded");
        assert_eq!(batch.num_rows(), 2);
        let errors = batch.column(9).as_string::<i32>();
        assert_eq!(
            errors.value(0),
            "payload nested more than 128 levels deep (at byte 132 of the payload)"
        );
        assert!(errors.is_null(1));
    }

    #[test]
    fn a_position_only_read_gives_the_positions_of_a_full_read_and_nothing_else() {
        let text = "{\"source_id\":\"1\",\"payload\":{}}\r\n\n  \r\nnot json\n{\"source_id\":\"3\",\"payload\":{}}";
        let mut f = file("bronze/adzuna/ingest_date=2026-10-01/x.ndjson");
        f.ingest_date = NaiveDate::from_ymd_opt(2026, 10, 1);
        let full = decode(&f, text.as_bytes()).expect("decoded");
        let positions =
            decode_columns(&f, text.as_bytes(), false, MAX_DECODED_BYTES).expect("decoded");
        assert_eq!(positions.schema(), full.schema());
        assert_eq!(
            full.num_rows(),
            3,
            "blank and whitespace lines are not records"
        );
        for (i, field) in SCHEMA.fields().iter().enumerate() {
            let known = ["source", "ingest_date", "bronze_file", "bronze_line"];
            if known.contains(&field.name().as_str()) {
                assert_eq!(positions.column(i), full.column(i), "{}", field.name());
            } else {
                assert_eq!(positions.column(i).null_count(), 3, "{}", field.name());
            }
        }
        let lines = positions
            .column(8)
            .as_primitive::<deltalake::arrow::datatypes::Int64Type>();
        assert_eq!(lines.values().to_vec(), vec![1, 4, 5]);
    }

    #[test]
    fn names_that_look_like_paths_cannot_name_a_bronze_path() {
        for name in ["../x", "..", "a/b", "/etc", "a\\b", "a\0b", ""] {
            let err = path_segment("source name", name).expect_err(name);
            assert!(
                err.to_string().starts_with(&format!(
                    "source name {name:?} cannot be used in a lake path: "
                )),
                "{err}"
            );
        }
        assert_eq!(
            path_segment("run id", "20260101T000000Z-0a1b2c3d").ok(),
            Some("20260101T000000Z-0a1b2c3d")
        );
    }
}
