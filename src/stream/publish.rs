//! `joblake ingest --to kafka://HOST:PORT/TOPIC`: the sources' postings published as messages
//! instead of landed as files. Each message is one envelope, byte for byte the line bronze
//! would hold; its key is `<source>:<source_id>` (so one posting always goes to one partition,
//! by FNV-1a of the key), its headers `run_id` and `source`. What each source remembers between
//! runs stays in the lake (`_meta/ingest/`), as for a landing in files.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use joblake_sources::http::HttpSettings;
use joblake_sources::{IngestOptions, IngestReport, Landing, LandingError, RawPosting};
use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::record::Record;
use serde_json::value::RawValue;

use super::{KafkaUrl, StreamSettings, connect, stream_error, topic_partitions};
use crate::bronze::Envelope;
use crate::bronze::ingest::{LakeLanding, ingest_with};
use crate::error::{Error, Result};
use crate::lake::Lake;

/// The largest produce request sent at once (bytes of values): below the brokers' usual 1 MiB
/// limit of a record batch.
const MAX_REQUEST_BYTES: usize = 900 * 1024;

/// A topic as the sources' [`Landing`]; their state stays in the lake.
pub struct KafkaLanding<'a> {
    lake: LakeLanding<'a>,
    url: KafkaUrl,
    partitions: Vec<PartitionClient>,
    published: AtomicUsize,
    batch_records: usize,
}

impl<'a> KafkaLanding<'a> {
    /// Connects to the topic of `url`, creating it (`[stream] topic_partitions` partitions)
    /// when the broker has no such topic.
    pub async fn open(
        lake: &'a Lake,
        url: &KafkaUrl,
        settings: &StreamSettings,
    ) -> Result<KafkaLanding<'a>> {
        let client = connect(url, settings.timeout).await?;
        let partitions = match topic_partitions(&client, url).await? {
            Some(p) if !p.is_empty() => p,
            _ => {
                let controller = client
                    .controller_client()
                    .map_err(|e| stream_error(&url.topic, e))?;
                match controller
                    .create_topic(&url.topic, settings.topic_partitions, 1, 5_000)
                    .await
                {
                    Ok(()) => {}
                    // Created meanwhile by another producer: fine.
                    Err(e) if e.to_string().contains("TopicAlreadyExists") => {}
                    Err(e) => {
                        return Err(stream_error(&url.topic, format!("cannot create it: {e}")));
                    }
                }
                (0..settings.topic_partitions).collect()
            }
        };
        let mut clients = Vec::with_capacity(partitions.len());
        for p in partitions {
            clients.push(
                client
                    .partition_client(url.topic.clone(), p, UnknownTopicHandling::Retry)
                    .await
                    .map_err(|e| stream_error(format!("{} partition {p}", url.topic), e))?,
            );
        }
        Ok(KafkaLanding {
            lake: LakeLanding::new(lake),
            url: url.clone(),
            partitions: clients,
            published: AtomicUsize::new(0),
            batch_records: settings.publish_batch_records.max(1),
        })
    }

    /// Messages published so far.
    pub fn published(&self) -> usize {
        self.published.load(Ordering::Relaxed)
    }

    /// The partition of a key: FNV-1a (64 bits) modulo the partitions. Stable across runs and
    /// machines (not Kafka's murmur2: joblake's own producers are the only ones that must agree).
    fn partition_of(&self, key: &[u8]) -> usize {
        let hash = key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        (hash % self.partitions.len() as u64) as usize
    }

    async fn produce(&self, partition: usize, records: Vec<Record>) -> Result<()> {
        let client = &self.partitions[partition];
        let n = records.len();
        client
            .produce(records, Compression::NoCompression)
            .await
            .map_err(|e| {
                stream_error(
                    format!("{} partition {}", self.url.topic, client.partition()),
                    format!("publishing {n} messages failed: {e}"),
                )
            })?;
        self.published.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }
}

#[async_trait]
impl Landing for KafkaLanding<'_> {
    async fn land(
        &self,
        parser: &str,
        postings: &[(RawPosting, DateTime<Utc>)],
        run_id: &str,
        _seq: usize,
    ) -> std::result::Result<(), LandingError> {
        let mut by_partition: BTreeMap<usize, Vec<Record>> = BTreeMap::new();
        for (p, fetched_at) in postings {
            let payload = RawValue::from_string(p.payload.clone()).map_err(|e| {
                LandingError::new(Error::Bronze {
                    file: self.url.to_string(),
                    message: format!("payload of {parser} {} is not JSON: {e}", p.source_id),
                })
            })?;
            let value = serde_json::to_vec(&Envelope {
                source: parser,
                source_id: &p.source_id,
                fetched_at: *fetched_at,
                url: p.url.as_deref(),
                run_id,
                payload: &payload,
            })
            .map_err(LandingError::new)?;
            let key = format!("{parser}:{}", p.source_id).into_bytes();
            let partition = self.partition_of(&key);
            by_partition.entry(partition).or_default().push(Record {
                key: Some(key),
                value: Some(value),
                headers: BTreeMap::from([
                    ("run_id".to_string(), run_id.as_bytes().to_vec()),
                    ("source".to_string(), parser.as_bytes().to_vec()),
                ]),
                timestamp: Utc::now(),
            });
        }
        for (partition, records) in by_partition {
            let mut chunk = Vec::new();
            let mut bytes = 0;
            for record in records {
                let size = record.approximate_size();
                let full = bytes + size > MAX_REQUEST_BYTES || chunk.len() >= self.batch_records;
                if !chunk.is_empty() && full {
                    self.produce(partition, std::mem::take(&mut chunk))
                        .await
                        .map_err(LandingError::new)?;
                    bytes = 0;
                }
                bytes += size;
                chunk.push(record);
            }
            self.produce(partition, chunk)
                .await
                .map_err(LandingError::new)?;
        }
        Ok(())
    }

    async fn load_state(&self, name: &str) -> std::result::Result<Option<Vec<u8>>, LandingError> {
        self.lake.load_state(name).await
    }

    async fn save_state(
        &self,
        name: &str,
        bytes: Vec<u8>,
    ) -> std::result::Result<(), LandingError> {
        self.lake.save_state(name, bytes).await
    }

    fn new_run_id(&self) -> String {
        self.lake.new_run_id()
    }
}

/// Runs the selected sources and publishes what they fetch to the topic of `url`. Returns the
/// sources' report and the messages published.
pub async fn ingest_to_kafka(
    lake: &Lake,
    url: &KafkaUrl,
    stream: &StreamSettings,
    http: &HttpSettings,
    declared: &BTreeMap<String, serde_json::Value>,
    options: &IngestOptions,
) -> Result<(IngestReport, usize)> {
    let landing = KafkaLanding::open(lake, url, stream).await?;
    let report = ingest_with(&landing, http, declared, options).await?;
    Ok((report, landing.published()))
}
