//! Streaming: postings through a Kafka topic. `joblake ingest --to kafka://…` publishes what
//! the sources fetch ([`publish`]); `joblake stream` (and the `stream` step of a job) consumes
//! the topic into bronze micro-batches, exactly once per offset ([`consume`], with the lake's
//! bookkeeping in [`crate::bronze::stream`]). The client is the pure-Rust `rskafka`: it has no
//! consumer groups, so partitions are assigned statically (`[stream] partitions`) and the
//! offsets live in the lake, beside the data they produced. `docs/streaming.md` states the
//! guarantees.

pub mod consume;
pub mod publish;

use std::time::Duration;

use rskafka::client::{Client, ClientBuilder};
use serde::{Deserialize, Serialize};

use crate::bronze::stream::TopicPartition;
use crate::error::{Error, Result};
use crate::maintain::duration_serde;

/// `[stream]` in joblake.toml.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamSettings {
    /// The topic: `kafka://HOST:PORT[,HOST:PORT…]/TOPIC` (`--from` / `--to` override it).
    pub url: Option<String>,
    /// The partitions this consumer owns (empty: all of the topic's). Two consumers of one
    /// partition are refused at their first commit.
    pub partitions: Vec<i32>,
    /// Where a partition with nothing committed starts: `earliest` or `latest`.
    pub start: StartAt,
    /// Partitions of the topic when `ingest --to` has to create it.
    pub topic_partitions: i32,
    /// `ingest --to`: messages per produce request (one record batch). 1 for brokers that
    /// mishandle multi-record batches (tansu 0.6: docs/streaming.md).
    pub publish_batch_records: usize,
    /// A micro-batch ends at this many messages...
    pub batch_max_messages: usize,
    /// ...or this many bytes of messages...
    pub batch_max_bytes: usize,
    /// ...or when its first message has waited this long.
    #[serde(with = "duration_serde")]
    pub batch_max_wait: Duration,
    /// A larger message goes to the dead letters (1 MiB: Kafka's own default limit).
    pub max_message_bytes: usize,
    /// `joblake stream` refreshes silver and gold this long after the first new message...
    #[serde(with = "duration_serde")]
    pub refresh_every: Duration,
    /// ...or after this many batches, whichever comes first (0: by time only).
    pub refresh_every_batches: usize,
    /// How long to wait for the broker before giving up (connecting, a request's retries).
    #[serde(with = "duration_serde")]
    pub timeout: Duration,
    /// Where `joblake stream` serves its health and Prometheus metrics (`""`: nowhere; port 0:
    /// any free port, printed at start).
    pub metrics_addr: String,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            url: None,
            partitions: Vec::new(),
            start: StartAt::Earliest,
            topic_partitions: 3,
            publish_batch_records: 500,
            batch_max_messages: 5_000,
            batch_max_bytes: 16 << 20,
            batch_max_wait: Duration::from_secs(2),
            max_message_bytes: 1 << 20,
            refresh_every: Duration::from_secs(30),
            refresh_every_batches: 0,
            timeout: Duration::from_secs(15),
            metrics_addr: "127.0.0.1:9465".to_string(),
        }
    }
}

/// Where a partition with no committed batch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartAt {
    /// The oldest message the broker still keeps.
    Earliest,
    /// Messages published from now on.
    Latest,
}

/// A topic on a Kafka cluster: `kafka://HOST:PORT[,HOST:PORT…]/TOPIC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaUrl {
    /// Bootstrap brokers, `host:port`.
    pub brokers: Vec<String>,
    /// The topic.
    pub topic: String,
}

impl KafkaUrl {
    /// Parses `kafka://HOST:PORT[,HOST:PORT…]/TOPIC`.
    pub fn parse(url: &str) -> Result<KafkaUrl> {
        let bad =
            |why: &str| Error::Usage(format!("{url:?}: {why} (expected kafka://HOST:PORT/TOPIC)"));
        let rest = url
            .strip_prefix("kafka://")
            .ok_or_else(|| bad("not a kafka:// URL"))?;
        let (brokers, topic) = rest.split_once('/').ok_or_else(|| bad("no topic"))?;
        let brokers: Vec<String> = brokers.split(',').map(str::to_string).collect();
        for b in &brokers {
            let (host, port) = b
                .rsplit_once(':')
                .ok_or_else(|| bad("a broker has no port"))?;
            if host.is_empty() || port.parse::<u16>().is_err() {
                return Err(bad(&format!("broker {b:?} is not HOST:PORT")));
            }
        }
        let valid = !topic.is_empty()
            && topic.len() <= 249
            && topic
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
            && topic != "."
            && topic != "..";
        if !valid {
            return Err(bad("a topic is 1 to 249 letters, digits, '.', '_' or '-'"));
        }
        Ok(KafkaUrl {
            brokers,
            topic: topic.to_string(),
        })
    }

    /// The URL of `settings` (`[stream] url`), or `given` when set.
    pub fn resolve(given: Option<&str>, settings: &StreamSettings) -> Result<KafkaUrl> {
        match given.or(settings.url.as_deref()) {
            Some(url) => KafkaUrl::parse(url),
            None => Err(Error::Usage(
                "no topic: give kafka://HOST:PORT/TOPIC or set [stream] url in joblake.toml"
                    .to_string(),
            )),
        }
    }

    /// The brokers as one label, for messages.
    pub fn brokers_label(&self) -> String {
        self.brokers.join(",")
    }
}

impl std::fmt::Display for KafkaUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kafka://{}/{}", self.brokers_label(), self.topic)
    }
}

/// A stream error naming `what` (a broker, a topic, a partition).
pub(crate) fn stream_error(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::Stream {
        what: what.to_string(),
        message: e.to_string(),
    }
}

/// Connects to the brokers of `url`, giving up after `timeout` (rskafka alone would retry for
/// ever).
pub async fn connect(url: &KafkaUrl, timeout: Duration) -> Result<Client> {
    let backoff = rskafka::BackoffConfig {
        init_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_secs(1),
        base: 2.0,
        deadline: Some(timeout),
    };
    let build = ClientBuilder::new(url.brokers.clone())
        .client_id("joblake")
        .backoff_config(backoff)
        .build();
    match tokio::time::timeout(timeout, build).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(stream_error(
            format!("broker {}", url.brokers_label()),
            format!("cannot connect: {e}"),
        )),
        Err(_) => Err(stream_error(
            format!("broker {}", url.brokers_label()),
            format!("no answer within {}", humantime::format_duration(timeout)),
        )),
    }
}

/// The partitions of the topic (None: the broker has no such topic).
pub async fn topic_partitions(client: &Client, url: &KafkaUrl) -> Result<Option<Vec<i32>>> {
    let topics = client
        .list_topics()
        .await
        .map_err(|e| stream_error(format!("broker {}", url.brokers_label()), e))?;
    Ok(topics
        .into_iter()
        .find(|t| t.name == url.topic)
        .map(|t| t.partitions.into_iter().collect()))
}

/// The partitions this consumer owns: `[stream] partitions` (each checked against the
/// topic's), or all of them.
pub fn owned_partitions(
    url: &KafkaUrl,
    existing: &[i32],
    wanted: &[i32],
) -> Result<Vec<TopicPartition>> {
    let chosen: Vec<i32> = if wanted.is_empty() {
        existing.to_vec()
    } else {
        if let Some(missing) = wanted.iter().find(|p| !existing.contains(p)) {
            return Err(stream_error(
                &url.topic,
                format!("has no partition {missing} (it has {existing:?})"),
            ));
        }
        wanted.to_vec()
    };
    chosen
        .into_iter()
        .map(|p| TopicPartition::new(&url.topic, p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_urls_name_brokers_and_one_topic() {
        let url = KafkaUrl::parse("kafka://127.0.0.1:9092,kafka-2:9093/job-postings.v1")
            .expect("a valid URL");
        assert_eq!(url.brokers, ["127.0.0.1:9092", "kafka-2:9093"]);
        assert_eq!(url.topic, "job-postings.v1");
        for bad in [
            "http://x:1/t",
            "kafka://x:1",
            "kafka://x/t",
            "kafka://x:port/t",
            "kafka://x:1/a/b",
            "kafka://x:1/..",
            "kafka://x:1/",
        ] {
            assert!(KafkaUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_consumer_owns_the_partitions_it_names_or_all() {
        let url = KafkaUrl::parse("kafka://h:1/t").expect("valid");
        let all = owned_partitions(&url, &[0, 1, 2], &[]).expect("all");
        assert_eq!(all.len(), 3);
        let some = owned_partitions(&url, &[0, 1, 2], &[2]).expect("one");
        assert_eq!(some[0].partition, 2);
        let err = owned_partitions(&url, &[0, 1], &[5]).expect_err("no partition 5");
        assert!(err.to_string().contains("no partition 5"), "{err}");
    }
}
