//! Bronze's side of streaming: micro-batches of one partition of a Kafka topic landed exactly
//! once (`joblake stream`, `docs/streaming.md`).
//!
//! A batch of messages with offsets `first..=last` becomes one bronze file per source,
//! `bronze/<source>/ingest_date=<day>/stream-<topic>-p<partition>-<first>.ndjson.gz`, plus one
//! file of dead letters (`bronze/_dead_letter/<topic>/ingest_date=<day>/p<partition>-<first>.ndjson.gz`)
//! when some messages could not be landed. The batch is committed by one create-only object,
//! `_meta/stream/<topic>/p<partition>/<first>.json`, which records the offset range. That marker
//! is the only bookkeeping: a consumer resumes after the last marker's range, and
//! [`super::list_files`] shows a stream file only once its marker exists, so a batch killed
//! between its files and its marker is invisible, then replaced (same names, as the day and the
//! first offset come from the messages) and tidied by the next consumer
//! ([`discard_uncommitted`]). Two consumers of one partition cannot both commit a range: the
//! second one's marker is refused.
//!
//! The pattern is kafka-delta-ingest's (offsets committed with the data they produced), on
//! bronze files instead of Delta transactions.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{Envelope, path_segment};
use crate::error::{Error, Result};
use crate::lake::Lake;

/// Where committed batches are recorded, relative to the lake root.
pub const MARKERS: &str = "_meta/stream";

/// The bronze directory of dead letters (never a source: names starting with `_` are not).
pub const DEAD_LETTERS: &str = "bronze/_dead_letter";

/// The longest part of a dead message kept in its dead letter (64 KiB): enough to see what it
/// was, not a copy of a huge one.
const DEAD_LETTER_KEPT: usize = 64 * 1024;

/// One partition of one topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// Topic name (Kafka's own rules: letters, digits, `.`, `_`, `-`).
    pub topic: String,
    /// Partition number.
    pub partition: i32,
}

impl TopicPartition {
    /// Partition `partition` of `topic`, refused when the topic name cannot be a lake path
    /// segment.
    pub fn new(topic: &str, partition: i32) -> Result<TopicPartition> {
        path_segment("topic", topic)?;
        Ok(TopicPartition {
            topic: topic.to_string(),
            partition,
        })
    }

    fn markers(&self) -> String {
        format!("{MARKERS}/{}/p{}", self.topic, self.partition)
    }

    fn marker(&self, first: i64) -> String {
        format!("{}/{first:020}.json", self.markers())
    }

    /// The file name a batch starting at `first` gives its bronze files.
    fn file_name(&self, first: i64) -> String {
        format!(
            "stream-{}-p{}-{first:020}.ndjson.gz",
            self.topic, self.partition
        )
    }
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} partition {}", self.topic, self.partition)
    }
}

/// A message as consumed from the broker.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its offset in the partition.
    pub offset: i64,
    /// The broker's (or producer's) timestamp.
    pub timestamp: DateTime<Utc>,
    /// The key, when set (`<source>:<source_id>` from `ingest --to kafka`).
    pub key: Option<Vec<u8>>,
    /// The value: an envelope, as bronze holds them.
    pub value: Option<Vec<u8>>,
}

impl Message {
    /// Bytes of key and value.
    pub fn size(&self) -> usize {
        self.key.as_ref().map_or(0, Vec::len) + self.value.as_ref().map_or(0, Vec::len)
    }
}

/// Why a message went to the dead letters instead of bronze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DeadLetterReason {
    /// No value (a tombstone) or an empty one.
    Empty,
    /// Larger than `[stream] max_message_bytes`.
    TooLarge {
        /// The message's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The value is not JSON (or not UTF-8).
    NotJson(String),
    /// JSON, but not an envelope (a field missing or of the wrong type).
    NotAnEnvelope(String),
    /// An envelope of a source this build has no parser for (or whose name cannot be a path).
    UnknownSource(String),
}

impl std::fmt::Display for DeadLetterReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeadLetterReason::Empty => write!(f, "empty message (no value)"),
            DeadLetterReason::TooLarge { bytes, limit } => write!(
                f,
                "{bytes} bytes, more than the limit of {limit} ([stream] max_message_bytes)"
            ),
            DeadLetterReason::NotJson(why) => write!(f, "not JSON: {why}"),
            DeadLetterReason::NotAnEnvelope(why) => write!(f, "not an envelope: {why}"),
            DeadLetterReason::UnknownSource(name) => write!(f, "unknown source {name:?}"),
        }
    }
}

/// The record of a committed batch (its marker's content).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommittedBatch {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// First offset of the batch.
    pub first: i64,
    /// Last offset of the batch (the consumer resumes after it).
    pub last: i64,
    /// Messages in the range.
    pub messages: usize,
    /// Envelopes landed in bronze.
    pub records: usize,
    /// Messages sent to the dead letters.
    pub dead_letters: usize,
    /// Bytes of the messages (keys and values).
    pub message_bytes: usize,
    /// Compressed bytes written (bronze and dead letters).
    pub bronze_bytes: usize,
    /// The files written, relative to the lake root.
    pub files: Vec<String>,
    /// When the marker was written.
    pub committed_at: DateTime<Utc>,
}

/// The offset after the last committed batch of `tp` (None: nothing committed yet).
pub async fn resume_offset(lake: &Lake, tp: &TopicPartition) -> Result<Option<i64>> {
    let prefix = lake.path(&tp.markers());
    let metas: Vec<_> = lake.store().list(Some(&prefix)).try_collect().await?;
    let Some(newest) = metas
        .iter()
        .filter_map(|m| {
            let name = m.location.filename()?;
            let first: i64 = name.strip_suffix(".json")?.parse().ok()?;
            Some((first, m.location.clone()))
        })
        .max_by_key(|(first, _)| *first)
    else {
        return Ok(None);
    };
    let body = lake.store().get(&newest.1).await?.bytes().await?;
    let batch: CommittedBatch = serde_json::from_slice(&body).map_err(|e| Error::Stream {
        what: tp.to_string(),
        message: format!(
            "the commit marker {} is unreadable ({e}): the offsets it recorded are unknown",
            lake.relative(&newest.1)
        ),
    })?;
    Ok(Some(batch.last + 1))
}

/// Removes the stream files of `topic` at or after each partition's resume offset (`from`:
/// partition → offset): what a consumer killed before its commit left (invisible, as no marker
/// names it). One listing of bronze for all partitions. Returns how many were removed, per
/// partition.
pub async fn discard_uncommitted(
    lake: &Lake,
    topic: &str,
    from: &BTreeMap<i32, i64>,
) -> Result<BTreeMap<i32, usize>> {
    let metas: Vec<_> = lake
        .store()
        .list(Some(&lake.path("bronze")))
        .try_collect()
        .await?;
    let mut removed = BTreeMap::new();
    for m in metas {
        let Some(name) = m.location.filename() else {
            continue;
        };
        let ours = parse_file_name(name)
            .or_else(|| parse_dead_letter_name(&lake.relative(&m.location)))
            .filter(|(t, partition, first)| {
                t == topic && from.get(partition).is_some_and(|start| first >= start)
            });
        if let Some((_, partition, _)) = ours {
            lake.store().delete(&m.location).await?;
            *removed.entry(partition).or_default() += 1;
        }
    }
    Ok(removed)
}

/// `(topic, partition, first offset)` of a stream file name
/// (`stream-<topic>-p<partition>-<first>.ndjson.gz`).
pub fn parse_file_name(name: &str) -> Option<(String, i32, i64)> {
    let rest = name.strip_prefix("stream-")?.strip_suffix(".ndjson.gz")?;
    let (rest, first) = rest.rsplit_once('-')?;
    let (topic, partition) = rest.rsplit_once("-p")?;
    Some((
        topic.to_string(),
        partition.parse().ok()?,
        first.parse().ok()?,
    ))
}

/// `(topic, partition, first offset)` of a dead-letter file
/// (`bronze/_dead_letter/<topic>/ingest_date=<day>/p<partition>-<first>.ndjson.gz`).
fn parse_dead_letter_name(relative: &str) -> Option<(String, i32, i64)> {
    let rest = relative.strip_prefix(DEAD_LETTERS)?.strip_prefix('/')?;
    let (topic, rest) = rest.split_once('/')?;
    let name = rest.rsplit('/').next()?.strip_suffix(".ndjson.gz")?;
    let (partition, first) = name.strip_prefix('p')?.split_once('-')?;
    Some((
        topic.to_string(),
        partition.parse().ok()?,
        first.parse().ok()?,
    ))
}

/// The committed batches of every topic and partition: `(topic, partition, first offset)`.
/// One listing of the markers, no reads.
pub async fn committed(lake: &Lake) -> Result<HashSet<(String, i32, i64)>> {
    let metas: Vec<_> = lake
        .store()
        .list(Some(&lake.path(MARKERS)))
        .try_collect()
        .await?;
    Ok(metas
        .iter()
        .filter_map(|m| {
            let relative = lake.relative(&m.location);
            let rest = relative.strip_prefix(MARKERS)?.strip_prefix('/')?;
            let mut parts = rest.split('/');
            let topic = parts.next()?;
            let partition = parts.next()?.strip_prefix('p')?.parse().ok()?;
            let first = parts.next()?.strip_suffix(".json")?.parse().ok()?;
            Some((topic.to_string(), partition, first))
        })
        .collect())
}

/// An envelope as a producer sends it.
#[derive(Deserialize)]
struct EnvelopeIn<'a> {
    source: Option<String>,
    source_id: Option<serde_json::Value>,
    fetched_at: Option<DateTime<Utc>>,
    url: Option<String>,
    run_id: Option<String>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

/// A message that is an envelope of a known source: its bronze line.
struct Landed {
    source: String,
    line: Vec<u8>,
}

/// Reads `message` as an envelope and writes its bronze line (compact JSON, payload verbatim
/// but for whitespace outside strings, so that a pretty-printed payload stays one line).
fn land_message(message: &Message, limit: usize) -> std::result::Result<Landed, DeadLetterReason> {
    let Some(value) = message.value.as_deref().filter(|v| !v.is_empty()) else {
        return Err(DeadLetterReason::Empty);
    };
    if message.size() > limit {
        return Err(DeadLetterReason::TooLarge {
            bytes: message.size(),
            limit,
        });
    }
    let env: EnvelopeIn = serde_json::from_slice(value).map_err(|e| {
        if e.is_data() {
            DeadLetterReason::NotAnEnvelope(e.to_string())
        } else {
            DeadLetterReason::NotJson(e.to_string())
        }
    })?;
    let missing = |field: &str| DeadLetterReason::NotAnEnvelope(format!("no `{field}`"));
    let source = env.source.ok_or_else(|| missing("source"))?;
    if joblake_sources::check_name(&source).is_err()
        || joblake_sources::parser_for(&source).is_err()
    {
        return Err(DeadLetterReason::UnknownSource(source));
    }
    let source_id = match env.source_id {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err(missing("source_id")),
    };
    let payload = env
        .payload
        .filter(|p| p.get() != "null")
        .ok_or_else(|| missing("payload"))?;
    let compact;
    let payload = if payload.get().contains(['\n', '\r']) {
        compact = RawValue::from_string(minify(payload.get()))
            .map_err(|e| DeadLetterReason::NotJson(e.to_string()))?;
        &*compact
    } else {
        payload
    };
    let run_id = env.run_id.unwrap_or_else(|| "stream".to_string());
    let line = serde_json::to_vec(&Envelope {
        source: &source,
        source_id: &source_id,
        fetched_at: env.fetched_at.unwrap_or(message.timestamp),
        url: env.url.as_deref(),
        run_id: &run_id,
        payload,
    })
    .map_err(|e| DeadLetterReason::NotJson(e.to_string()))?;
    Ok(Landed { source, line })
}

/// JSON text without the whitespace outside strings.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// A dead letter: where the message was, why it died, and (the start of) what it held.
#[derive(Serialize)]
struct DeadLetter<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
    timestamp: DateTime<Utc>,
    reason: String,
    detail: &'a DeadLetterReason,
    key: Option<String>,
    value_bytes: usize,
    value: Option<String>,
}

/// Gzips `lines` (one per row) and writes them to `relative` in one put.
async fn put_lines(lake: &Lake, relative: &str, lines: &[Vec<u8>]) -> Result<usize> {
    let fail = |e: std::io::Error| Error::Bronze {
        file: relative.to_string(),
        message: e.to_string(),
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for line in lines {
        gz.write_all(line).map_err(fail)?;
        gz.write_all(b"\n").map_err(fail)?;
    }
    let body = gz.finish().map_err(fail)?;
    let bytes = body.len();
    lake.store()
        .put(&lake.path(relative), PutPayload::from(body))
        .await?;
    Ok(bytes)
}

/// Lands `messages` (offsets ascending, from one fetch position on) of `tp` and commits them:
/// envelopes to bronze (one file per source), the rest to the dead letters with their reason,
/// then the create-only marker. Messages larger than `limit` bytes are dead letters.
pub async fn commit_batch(
    lake: &Lake,
    tp: &TopicPartition,
    messages: &[Message],
    limit: usize,
) -> Result<CommittedBatch> {
    let (Some(head), Some(tail)) = (messages.first(), messages.last()) else {
        return Err(Error::Internal(
            "an empty stream batch was committed".into(),
        ));
    };
    let (first, last) = (head.offset, tail.offset);
    // The day comes from the messages, not the clock, so that a batch written again after a
    // crash has the same file names.
    let day = head.timestamp.format("%Y-%m-%d");
    let mut by_source: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    let mut dead: Vec<Vec<u8>> = Vec::new();
    for m in messages {
        match land_message(m, limit) {
            Ok(landed) => by_source
                .entry(landed.source)
                .or_default()
                .push(landed.line),
            Err(reason) => {
                let kept = |bytes: &Option<Vec<u8>>| {
                    bytes.as_ref().map(|b| {
                        String::from_utf8_lossy(&b[..b.len().min(DEAD_LETTER_KEPT)]).into_owned()
                    })
                };
                let letter = DeadLetter {
                    topic: &tp.topic,
                    partition: tp.partition,
                    offset: m.offset,
                    timestamp: m.timestamp,
                    reason: reason.to_string(),
                    detail: &reason,
                    key: kept(&m.key),
                    value_bytes: m.value.as_ref().map_or(0, Vec::len),
                    value: kept(&m.value),
                };
                dead.push(serde_json::to_vec(&letter).map_err(|e| Error::Encode {
                    what: format!("a dead letter of {tp}"),
                    message: e.to_string(),
                })?);
            }
        }
    }
    let mut files = Vec::new();
    let mut bronze_bytes = 0;
    let mut records = 0;
    let name = tp.file_name(first);
    for (source, lines) in &by_source {
        let relative = format!("bronze/{source}/ingest_date={day}/{name}");
        bronze_bytes += put_lines(lake, &relative, lines).await?;
        records += lines.len();
        files.push(relative);
    }
    if !dead.is_empty() {
        let relative = format!(
            "{DEAD_LETTERS}/{}/ingest_date={day}/p{}-{first:020}.ndjson.gz",
            tp.topic, tp.partition
        );
        bronze_bytes += put_lines(lake, &relative, &dead).await?;
        files.push(relative);
    }
    let batch = CommittedBatch {
        topic: tp.topic.clone(),
        partition: tp.partition,
        first,
        last,
        messages: messages.len(),
        records,
        dead_letters: dead.len(),
        message_bytes: messages.iter().map(Message::size).sum(),
        bronze_bytes,
        files,
        committed_at: Utc::now(),
    };
    let body = serde_json::to_vec_pretty(&batch).map_err(|e| Error::Encode {
        what: format!("the commit marker of {tp}"),
        message: e.to_string(),
    })?;
    let marker = lake.path(&tp.marker(first));
    match lake
        .store()
        .put_opts(
            &marker,
            PutPayload::from(body),
            PutOptions::from(PutMode::Create),
        )
        .await
    {
        Ok(_) => Ok(batch),
        Err(object_store::Error::AlreadyExists { .. }) => Err(Error::Stream {
            what: tp.to_string(),
            message: format!(
                "offsets from {first} were committed by another consumer meanwhile ({}): \
                 run one consumer per partition",
                lake.relative(&marker)
            ),
        }),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(offset: i64, value: &str) -> Message {
        Message {
            offset,
            timestamp: Utc::now(),
            key: None,
            value: Some(value.as_bytes().to_vec()),
        }
    }

    #[test]
    fn file_names_round_trip_even_with_dashes_in_the_topic() {
        let tp = TopicPartition::new("job-postings.v1", 12).expect("a plain topic");
        let name = tp.file_name(4_567);
        assert_eq!(
            parse_file_name(&name),
            Some(("job-postings.v1".to_string(), 12, 4_567))
        );
        assert_eq!(
            parse_file_name("20261203T000000Z-0001-0000.ndjson.gz"),
            None
        );
        let dead = "bronze/_dead_letter/job-postings.v1/ingest_date=2026-12-03/p3-00000000000000000042.ndjson.gz";
        assert_eq!(
            parse_dead_letter_name(dead),
            Some(("job-postings.v1".to_string(), 3, 42))
        );
        assert!(TopicPartition::new("../x", 0).is_err());
    }

    #[test]
    fn poison_messages_get_their_reason() {
        let ok = r#"{"source":"remotive","source_id":7,"payload":{"a":1}}"#;
        let landed = land_message(&message(0, ok), 1_000).expect("an envelope");
        assert_eq!(landed.source, "remotive");
        let line = String::from_utf8(landed.line).expect("utf-8");
        assert!(line.contains(r#""source_id":"7""#), "{line}");
        let cases = [
            ("", DeadLetterReason::Empty),
            ("not json", DeadLetterReason::NotJson(String::new())),
            (
                r#"{"source_id":"1","payload":{}}"#,
                DeadLetterReason::NotAnEnvelope(String::new()),
            ),
            (
                r#"{"source":"nowhere","source_id":"1","payload":{}}"#,
                DeadLetterReason::UnknownSource("nowhere".into()),
            ),
            (
                r#"{"source":"remotive","source_id":"1"}"#,
                DeadLetterReason::NotAnEnvelope(String::new()),
            ),
            (r#"[1,2]"#, DeadLetterReason::NotAnEnvelope(String::new())),
        ];
        for (value, want) in cases {
            let got = land_message(&message(1, value), 1_000).err().expect(value);
            assert_eq!(
                std::mem::discriminant(&got),
                std::mem::discriminant(&want),
                "{value}: {got}"
            );
        }
        let big = format!(
            r#"{{"source":"remotive","source_id":"1","payload":"{}"}}"#,
            "x".repeat(2_000)
        );
        assert!(matches!(
            land_message(&message(2, &big), 1_000),
            Err(DeadLetterReason::TooLarge { limit: 1_000, .. })
        ));
    }

    #[test]
    fn a_pretty_printed_payload_becomes_one_line_with_its_strings_intact() {
        let value = "{\"source\":\"remotive\",\"source_id\":\"1\",\"payload\":{\n  \"title\": \"Data  engineer \\\" x\",\n  \"n\": [1, 2]\n}}";
        let landed = land_message(&message(0, value), 10_000).expect("an envelope");
        let line = String::from_utf8(landed.line).expect("utf-8");
        assert!(!line.contains('\n'));
        assert!(
            line.contains(r#""payload":{"title":"Data  engineer \" x","n":[1,2]}"#),
            "{line}"
        );
    }
}
