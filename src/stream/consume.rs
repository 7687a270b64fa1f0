//! One consumption cycle: every owned partition read from where the lake says it stopped,
//! in micro-batches (bounded by messages, bytes and age) each committed to bronze before the
//! next ([`crate::bronze::stream::commit_batch`]). Partitions are read concurrently. A cycle
//! ends when its deadline passes, when a stop is requested (the batch in hand is committed
//! first), or, with `until_caught_up`, when every partition has reached the end of the log.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rskafka::client::Client;
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use serde::Serialize;

use super::{
    KafkaUrl, StartAt, StreamSettings, connect, owned_partitions, stream_error, topic_partitions,
};
use crate::bronze::stream::{self, Message, TopicPartition};
use crate::error::Result;
use crate::lake::Lake;

/// When a cycle ends.
#[derive(Debug, Clone, Copy)]
pub struct CycleLimits {
    /// Stop when every partition is caught up (what `stream --once` and the `stream` step of a
    /// scheduled job do).
    pub until_caught_up: bool,
    /// Stop at this time in any case (None: no deadline).
    pub deadline: Option<Instant>,
    /// Stop after this many batches per partition (0: no limit).
    pub max_batches: usize,
}

/// What a cycle did on one partition.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionReport {
    /// Partition number.
    pub partition: i32,
    /// Batches committed.
    pub batches: usize,
    /// Messages consumed.
    pub messages: usize,
    /// Envelopes landed.
    pub records: usize,
    /// Messages sent to the dead letters.
    pub dead_letters: usize,
    /// Bytes of messages consumed.
    pub message_bytes: usize,
    /// Compressed bytes written to bronze.
    pub bronze_bytes: usize,
    /// The offset the next cycle starts at.
    pub next_offset: i64,
    /// Messages published but not yet consumed when the cycle ended (the broker's high
    /// watermark minus `next_offset`).
    pub lag: i64,
    /// Files of an uncommitted batch (a killed consumer's) removed at the start.
    pub discarded: usize,
}

/// What a cycle did.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumeReport {
    /// The topic.
    pub topic: String,
    /// Per partition, in partition order.
    pub partitions: Vec<PartitionReport>,
    /// Wall time of the cycle.
    pub seconds: f64,
}

impl ConsumeReport {
    fn sum(&self, f: impl Fn(&PartitionReport) -> usize) -> usize {
        self.partitions.iter().map(f).sum()
    }

    /// Messages consumed.
    pub fn messages(&self) -> usize {
        self.sum(|p| p.messages)
    }

    /// Envelopes landed.
    pub fn records(&self) -> usize {
        self.sum(|p| p.records)
    }

    /// Batches committed.
    pub fn batches(&self) -> usize {
        self.sum(|p| p.batches)
    }

    /// Dead letters.
    pub fn dead_letters(&self) -> usize {
        self.sum(|p| p.dead_letters)
    }

    /// Bytes of messages consumed.
    pub fn message_bytes(&self) -> usize {
        self.sum(|p| p.message_bytes)
    }

    /// Total lag when the cycle ended.
    pub fn lag(&self) -> i64 {
        self.partitions.iter().map(|p| p.lag).sum()
    }
}

/// A connected consumer of some partitions of one topic.
pub struct Consumer {
    url: KafkaUrl,
    settings: StreamSettings,
    partitions: Vec<(TopicPartition, PartitionClient)>,
}

impl Consumer {
    /// Connects and opens the partitions this consumer owns.
    pub async fn open(url: &KafkaUrl, settings: &StreamSettings) -> Result<Consumer> {
        let client: Client = connect(url, settings.timeout).await?;
        let existing = topic_partitions(&client, url).await?.ok_or_else(|| {
            stream_error(
                &url.topic,
                format!(
                    "no such topic on {} (ingest --to creates it)",
                    url.brokers_label()
                ),
            )
        })?;
        let mut partitions = Vec::new();
        for tp in owned_partitions(url, &existing, &settings.partitions)? {
            let client = client
                .partition_client(tp.topic.clone(), tp.partition, UnknownTopicHandling::Retry)
                .await
                .map_err(|e| stream_error(&tp, e))?;
            partitions.push((tp, client));
        }
        Ok(Consumer {
            url: url.clone(),
            settings: settings.clone(),
            partitions,
        })
    }

    /// The partitions it owns.
    pub fn owned(&self) -> impl Iterator<Item = &TopicPartition> {
        self.partitions.iter().map(|(tp, _)| tp)
    }

    /// Messages published and not yet committed to the lake, per partition, from the offsets
    /// the last cycle reported (`next`; a partition not in it counts from 0).
    pub async fn lag(&self, next: &[(i32, i64)]) -> Result<Vec<(i32, i64)>> {
        let mut lags = Vec::with_capacity(self.partitions.len());
        for (tp, client) in &self.partitions {
            let end = client
                .get_offset(OffsetAt::Latest)
                .await
                .map_err(|e| stream_error(tp, e))?;
            let at = next
                .iter()
                .find(|(p, _)| *p == tp.partition)
                .map_or(0, |(_, o)| *o);
            lags.push((tp.partition, (end - at).max(0)));
        }
        Ok(lags)
    }

    /// Runs one cycle: every partition concurrently, from the lake's committed offsets.
    pub async fn cycle(
        &self,
        lake: &Lake,
        stop: &Arc<AtomicBool>,
        limits: CycleLimits,
    ) -> Result<ConsumeReport> {
        let started = Instant::now();
        // Where each partition resumes, and what a killed consumer left after it: removed in
        // one listing of bronze for all partitions.
        let mut from = BTreeMap::new();
        for (tp, client) in &self.partitions {
            from.insert(tp.partition, self.resume(lake, tp, client).await?);
        }
        let discarded = stream::discard_uncommitted(lake, &self.url.topic, &from).await?;
        let reports = futures::future::try_join_all(self.partitions.iter().map(|(tp, client)| {
            let report = PartitionReport {
                partition: tp.partition,
                discarded: discarded.get(&tp.partition).copied().unwrap_or(0),
                ..PartitionReport::default()
            };
            let next = from.get(&tp.partition).copied().unwrap_or(0);
            self.partition_cycle(lake, tp, client, stop, limits, next, report)
        }))
        .await?;
        Ok(ConsumeReport {
            topic: self.url.topic.clone(),
            partitions: reports,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The offset after the partition's last committed batch, else where `[stream] start` says.
    async fn resume(
        &self,
        lake: &Lake,
        tp: &TopicPartition,
        client: &PartitionClient,
    ) -> Result<i64> {
        match stream::resume_offset(lake, tp).await? {
            Some(offset) => Ok(offset),
            None => client
                .get_offset(match self.settings.start {
                    StartAt::Earliest => OffsetAt::Earliest,
                    StartAt::Latest => OffsetAt::Latest,
                })
                .await
                .map_err(|e| stream_error(tp, e)),
        }
    }

    /// One partition's part of a cycle, from offset `next`, adding to `report`.
    #[allow(clippy::too_many_arguments)]
    async fn partition_cycle(
        &self,
        lake: &Lake,
        tp: &TopicPartition,
        client: &PartitionClient,
        stop: &AtomicBool,
        limits: CycleLimits,
        mut next: i64,
        mut report: PartitionReport,
    ) -> Result<PartitionReport> {
        let s = &self.settings;
        let kafka = |e: rskafka::client::error::Error| stream_error(tp, e);
        let fetch_bytes =
            i32::try_from(s.batch_max_bytes.clamp(64 << 10, 50 << 20)).unwrap_or(i32::MAX);
        let mut batch: Vec<Message> = Vec::new();
        let mut batch_bytes = 0;
        let mut batch_started: Option<Instant> = None;
        let mut fetch_at = next;
        let mut high_watermark: Option<i64> = None;
        // Caught up: the last fetch brought nothing new. Not only `fetch_at >= high watermark`:
        // some brokers' watermark lags behind multi-record batches (tansu 0.6 counts batches).
        let mut drained = false;
        loop {
            let now = Instant::now();
            let stopping = stop.load(Ordering::SeqCst);
            let cycle_over = limits.deadline.is_some_and(|d| now >= d)
                || (limits.max_batches > 0 && report.batches >= limits.max_batches);
            let caught_up = drained || high_watermark.is_some_and(|h| fetch_at >= h);
            let full = batch.len() >= s.batch_max_messages || batch_bytes >= s.batch_max_bytes;
            let aged = batch_started.is_some_and(|t| now.duration_since(t) >= s.batch_max_wait);
            let done = stopping || cycle_over || (limits.until_caught_up && caught_up);
            if !batch.is_empty() && (full || aged || done) {
                let committed = stream::commit_batch(lake, tp, &batch, s.max_message_bytes).await?;
                report.batches += 1;
                report.messages += committed.messages;
                report.records += committed.records;
                report.dead_letters += committed.dead_letters;
                report.message_bytes += committed.message_bytes;
                report.bronze_bytes += committed.bronze_bytes;
                next = committed.last + 1;
                batch.clear();
                batch_bytes = 0;
                batch_started = None;
                continue;
            }
            if done {
                break;
            }
            // Wait for messages no longer than the batch in hand or the cycle may wait.
            let mut wait = Duration::from_millis(500);
            if let Some(t) = batch_started {
                wait = wait.min(s.batch_max_wait.saturating_sub(now.duration_since(t)));
            }
            if let Some(d) = limits.deadline {
                wait = wait.min(d.saturating_duration_since(now));
            }
            if limits.until_caught_up && high_watermark.is_none() {
                wait = Duration::ZERO;
            }
            let wait_ms = i32::try_from(wait.as_millis()).unwrap_or(500);
            let (records, high) = client
                .fetch_records(fetch_at, 1..fetch_bytes, wait_ms)
                .await
                .map_err(|e| {
                    if e.to_string().contains("OffsetOutOfRange") {
                        stream_error(
                            tp,
                            format!(
                                "offset {fetch_at} is no longer on the broker (its retention removed it \
                                 before it was consumed): those messages are lost to this lake; \
                                 see docs/streaming.md to start again from the earliest kept"
                            ),
                        )
                    } else {
                        kafka(e)
                    }
                })?;
            high_watermark = Some(high);
            drained = !records.iter().any(|r| r.offset >= fetch_at);
            for r in records {
                if r.offset < fetch_at {
                    continue;
                }
                let full = batch.len() >= s.batch_max_messages || batch_bytes >= s.batch_max_bytes;
                if full {
                    // The rest is fetched again for the next batch.
                    break;
                }
                let message = Message {
                    offset: r.offset,
                    timestamp: r.record.timestamp,
                    key: r.record.key,
                    value: r.record.value,
                };
                batch_bytes += message.size();
                batch_started.get_or_insert_with(Instant::now);
                fetch_at = r.offset + 1;
                batch.push(message);
            }
        }
        report.next_offset = next;
        report.lag = high_watermark.map_or(0, |h| (h - next).max(0));
        Ok(report)
    }
}
