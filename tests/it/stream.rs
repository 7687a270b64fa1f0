//! Streaming through a real Kafka-protocol broker (`.ci/run` starts `tansu` on 127.0.0.1;
//! `JOBLAKE_TEST_KAFKA` names it): postings published by `ingest --to kafka://…` and consumed
//! by `joblake stream` give the same silver as a batch ingest of the same responses; a consumer
//! killed at random points loses and duplicates nothing; poison messages land in the dead
//! letters with their reason; SIGTERM commits the batch in hand; the metrics show the stream.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use joblake::lake::Lake;
use rskafka::client::ClientBuilder;
use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::record::Record;

use crate::replay::{Replay, Reply};
use crate::util::{TempLake, http_get, query_i64, query_text, small_demo, temp_lake, test_service};

/// The broker's `host:port`, or None (and a message) when there is none; on CI a missing
/// broker is an error, not a skip.
fn broker() -> Option<String> {
    test_service("JOBLAKE_TEST_KAFKA", "skipping the streaming checks")
}

/// Messages per produce request: one, because the test broker (tansu 0.6.0) mishandles
/// record batches of several messages (its high watermark counts batches, and a fetch from
/// inside a batch returns the next one: docs/streaming.md).
const TANSU_RECORDS: usize = 1;

/// A topic no other test uses.
fn topic(name: &str) -> String {
    format!("{name}-{:08x}", rand::random::<u32>())
}

/// Replays the demo sample's Arbeitnow pages and first Remotive response, as those APIs serve
/// them.
fn demo_sources(jobs: usize) -> Replay {
    let files = joblake_gen::generate(&small_demo(jobs));
    let mut pages: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut remotive = None;
    for f in files {
        if let Some(n) = f
            .name
            .strip_prefix("arbeitnow/job-board-api-")
            .and_then(|n| n.strip_suffix(".json"))
        {
            let n: usize = n.parse().expect("a page number");
            pages.insert(n.to_string(), f.bytes);
        } else if f.name == "remotive/remote-jobs-0001.json" {
            remotive = Some(f.bytes);
        }
    }
    let remotive = remotive.expect("the demo has a Remotive response");
    assert!(!pages.is_empty(), "the demo has Arbeitnow pages");
    Replay::start(move |r, _| match r.path() {
        "/api/job-board-api" => match r.param("page").and_then(|p| pages.get(&p).cloned()) {
            Some(page) => Reply::ok(page),
            None => Reply::ok(r#"{"data": [], "links": {"next": null}, "meta": {}}"#),
        },
        "/api/remote-jobs" => Reply::ok(remotive.clone()),
        _ => Reply::not_found(),
    })
}

/// A lake with a joblake.toml pointing its sources at `server` and its stream at `topic`.
struct Setup {
    t: TempLake,
    config: PathBuf,
    url: String,
}

fn setup(server: &Replay, broker: &str, topic: &str, extra: &str) -> Setup {
    let t = temp_lake();
    let config = t.dir.path().join("joblake.toml");
    let url = format!("kafka://{broker}/{topic}");
    std::fs::write(
        &config,
        format!(
            "[http]\nrequests_per_second = 200.0\n\
             [sources.arbeitnow]\nbase_url = \"{0}\"\nmax_pages = 50\n\
             [sources.remotive]\nbase_url = \"{0}\"\n\
             [stream]\nurl = \"{url}\"\nmetrics_addr = \"\"\ntopic_partitions = 3\n\
             publish_batch_records = {TANSU_RECORDS}\n{extra}",
            server.base
        ),
    )
    .expect("config written");
    Setup { t, config, url }
}

impl Setup {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("joblake"));
        cmd.env("JOBLAKE_LAKE", self.t.dir.path())
            .env("JOBLAKE_CONFIG", &self.config)
            .env_remove("RUST_LOG")
            .args(args);
        cmd
    }

    /// Runs joblake to success and returns its stdout.
    fn joblake(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("joblake runs");
        assert!(
            out.status.success(),
            "joblake {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn lake(&self) -> &Lake {
        &self.t.lake
    }
}

/// Messages `ingest --to` reports it published.
fn published(stdout: &str) -> usize {
    stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("published ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no `published N` line in:\n{stdout}"))
}

/// The silver tables, with the columns that say when and through which file a posting came
/// left out: two fetches of the same responses differ there by design (the stream's envelopes
/// were fetched by `ingest --to`, the batch's by another `ingest` seconds apart).
async fn silver_rows(lake: &Lake) -> BTreeMap<String, String> {
    const LINEAGE: [&str; 13] = [
        "fetched_at",
        "run_id",
        "bronze_file",
        "bronze_line",
        "first_fetched_at",
        "first_file",
        "first_line",
        "ingest_date",
        "refreshed_at",
        "first_seen",
        "last_seen",
        "valid_from",
        "valid_to",
    ];
    let tables = query_text(
        lake,
        "SELECT DISTINCT table_name FROM information_schema.columns \
         WHERE table_schema = 'silver' ORDER BY table_name",
    )
    .await;
    let mut out = BTreeMap::new();
    for table in tables.lines().filter_map(|l| {
        let cell = l.trim_matches(|c| c == '|' || c == ' ');
        (!cell.is_empty() && !cell.starts_with('+') && cell != "table_name").then_some(cell)
    }) {
        let columns = query_text(
            lake,
            &format!(
                "SELECT column_name FROM information_schema.columns \
                 WHERE table_schema = 'silver' AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        )
        .await;
        let keep: Vec<String> = columns
            .lines()
            .filter_map(|l| {
                let c = l.trim_matches(|c| c == '|' || c == ' ');
                (!c.is_empty()
                    && !c.starts_with('+')
                    && c != "column_name"
                    && !LINEAGE.contains(&c))
                .then(|| format!("\"{c}\""))
            })
            .collect();
        let rows = query_text(
            lake,
            &format!(
                "SELECT {0} FROM silver.{table} ORDER BY {0}",
                keep.join(", ")
            ),
        )
        .await;
        out.insert(table.to_string(), rows);
    }
    out
}

/// Each (source, source id, payload) of bronze with how many times it is there.
async fn bronze_envelopes(lake: &Lake) -> String {
    query_text(
        lake,
        "SELECT source, source_id, md5(payload) AS payload, count(*) AS copies \
         FROM bronze.envelopes GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .await
}

fn assert_same_silver(streamed: &BTreeMap<String, String>, batch: &BTreeMap<String, String>) {
    assert_eq!(
        streamed.keys().collect::<Vec<_>>(),
        batch.keys().collect::<Vec<_>>()
    );
    for (table, rows) in streamed {
        let other = &batch[table];
        let differ: Vec<(&str, &str)> = rows
            .lines()
            .zip(other.lines())
            .filter(|(a, b)| a != b)
            .take(3)
            .collect();
        assert!(
            rows == other,
            "silver.{table} differs between the stream and the batch ingest \
             ({} and {} lines); first differences (stream, batch): {differ:#?}",
            rows.lines().count(),
            other.lines().count()
        );
    }
}

#[test]
fn streamed_postings_give_the_silver_of_a_batch_ingest() {
    let Some(broker) = broker() else { return };
    let server = demo_sources(150);
    let streamed = setup(&server, &broker, &topic("equal"), "");
    let batch = setup(&server, &broker, &topic("unused"), "");

    let out = streamed.joblake(&["ingest", "--to", &streamed.url]);
    let n = published(&out);
    assert!(n > 30, "{out}");
    let cycle = streamed.joblake(&["stream", "--once"]);
    assert!(cycle.contains(&format!("{n} messages")), "{cycle}");
    batch.joblake(&["ingest"]);
    batch.joblake(&["refresh"]);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        assert_eq!(
            query_i64(streamed.lake(), "SELECT count(*) FROM silver.posting_records").await,
            n as i64
        );
        assert_eq!(
            bronze_envelopes(streamed.lake()).await,
            bronze_envelopes(batch.lake()).await
        );
        assert_same_silver(&silver_rows(streamed.lake()).await, &silver_rows(batch.lake()).await);
        // The cycle is a run of the `stream` job, its consumption a step with its figures.
        let steps = query_text(
            streamed.lake(),
            "SELECT step, status, rows_in FROM meta.run_steps WHERE job = 'stream' ORDER BY position",
        )
        .await;
        assert!(steps.contains("stream") && steps.contains("refresh"), "{steps}");
        assert!(steps.contains(&n.to_string()), "{steps}");
    });

    // Nothing new: a second cycle consumes nothing and lands nothing.
    let again = streamed.joblake(&["stream", "--once"]);
    assert!(again.contains(" 0 messages"), "{again}");
}

#[test]
fn a_consumer_killed_at_random_points_loses_and_duplicates_nothing() {
    let Some(broker) = broker() else { return };
    let server = demo_sources(300);
    // Small batches and frequent refreshes, so that kills land between files and markers.
    let small = "batch_max_messages = 7\nbatch_max_wait = \"50ms\"\nrefresh_every = \"1s\"\n";
    let streamed = setup(&server, &broker, &topic("kill"), small);
    let batch = setup(&server, &broker, &topic("unused"), "");
    let n = published(&streamed.joblake(&["ingest", "--to", &streamed.url]));

    let mut rng_state = u64::from(rand::random::<u32>());
    let mut next = || {
        rng_state = rng_state.wrapping_mul(6364136223846793005).wrapping_add(1);
        rng_state >> 33
    };
    for _ in 0..5 {
        let mut child = streamed
            .command(&["stream", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("stream starts");
        std::thread::sleep(Duration::from_millis(300 + next() % 1_200));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
    }
    streamed.joblake(&["stream", "--once"]);
    batch.joblake(&["ingest"]);
    batch.joblake(&["refresh"]);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let lake = streamed.lake();
        assert_eq!(
            query_i64(lake, "SELECT count(*) FROM bronze.envelopes").await,
            n as i64,
            "bronze holds every message exactly once"
        );
        assert_eq!(
            bronze_envelopes(lake).await,
            bronze_envelopes(batch.lake()).await
        );
        assert_same_silver(&silver_rows(lake).await, &silver_rows(batch.lake()).await);
    });
    // Every committed range follows the previous one: no gap, no overlap.
    let markers = committed_ranges(&streamed.t.dir.path().join("_meta/stream"));
    for ranges in markers.values() {
        for pair in ranges.windows(2) {
            assert_eq!(pair[1].0, pair[0].1 + 1, "{ranges:?}");
        }
    }
}

/// `(first, last)` of every commit marker, per partition directory, in offset order.
fn committed_ranges(dir: &Path) -> BTreeMap<String, Vec<(i64, i64)>> {
    let mut out: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for topic in std::fs::read_dir(dir).expect("markers").flatten() {
        for partition in std::fs::read_dir(topic.path())
            .expect("partitions")
            .flatten()
        {
            let mut ranges = Vec::new();
            for marker in std::fs::read_dir(partition.path())
                .expect("markers")
                .flatten()
            {
                let body: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(marker.path()).expect("marker"))
                        .expect("marker JSON");
                ranges.push((
                    body["first"].as_i64().expect("first"),
                    body["last"].as_i64().expect("last"),
                ));
            }
            ranges.sort_unstable();
            out.insert(partition.path().display().to_string(), ranges);
        }
    }
    out
}

#[test]
fn poison_messages_go_to_the_dead_letters_with_their_reason_and_the_stream_goes_on() {
    let Some(broker) = broker() else { return };
    let server = demo_sources(20);
    let name = topic("poison");
    let s = setup(&server, &broker, &name, "max_message_bytes = 4096\n");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let client = ClientBuilder::new(vec![broker.clone()])
            .build()
            .await
            .expect("broker");
        client
            .controller_client()
            .expect("controller")
            .create_topic(&name, 1, 1, 5_000)
            .await
            .expect("topic created");
        let partition = client
            .partition_client(name.clone(), 0, UnknownTopicHandling::Retry)
            .await
            .expect("partition");
        let good = |id: &str| {
            format!(
                r#"{{"source":"remotive","source_id":"{id}","fetched_at":"2026-12-01T10:00:00Z","run_id":"t","payload":{{"id":"{id}","title":"Data Engineer","company_name":"Acme","url":"https://x.test/{id}"}}}}"#
            )
        };
        let values: Vec<Option<String>> = vec![
            Some(good("1")),
            Some("this is not json".into()),
            Some(r#"{"source_id":"2","payload":{}}"#.into()),
            Some(r#"{"source":"nowhere","source_id":"3","payload":{}}"#.into()),
            Some(format!(
                r#"{{"source":"remotive","source_id":"4","payload":"{}"}}"#,
                "x".repeat(5_000)
            )),
            None,
            Some(good("5")),
        ];
        let records: Vec<Record> = values
            .into_iter()
            .map(|v| Record {
                key: None,
                value: v.map(String::into_bytes),
                headers: BTreeMap::new(),
                timestamp: chrono::Utc::now(),
            })
            .collect();
        for record in records {
            partition
                .produce(vec![record], Compression::NoCompression)
                .await
                .expect("published");
        }
    });
    let out = s.joblake(&["stream", "--once"]);
    assert!(
        out.contains("7 messages") && out.contains("5 dead letters"),
        "{out}"
    );
    let dead_dir = s.t.dir.path().join(format!("bronze/_dead_letter/{name}"));
    let mut letters = Vec::new();
    for day in std::fs::read_dir(&dead_dir)
        .expect("dead letters")
        .flatten()
    {
        for file in std::fs::read_dir(day.path()).expect("files").flatten() {
            let raw = std::fs::read(file.path()).expect("file");
            let mut text = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&raw[..]), &mut text)
                .expect("gzip");
            for line in text.lines() {
                letters.push(serde_json::from_str::<serde_json::Value>(line).expect("JSON"));
            }
        }
    }
    let kinds: Vec<(&str, i64)> = letters
        .iter()
        .map(|l| {
            (
                l["detail"]["kind"].as_str().expect("kind"),
                l["offset"].as_i64().expect("offset"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("not_json", 1),
            ("not_an_envelope", 2),
            ("unknown_source", 3),
            ("too_large", 4),
            ("empty", 5)
        ]
    );
    assert!(letters[0]["value"].as_str() == Some("this is not json"));
    rt.block_on(async {
        // The good messages around the poison landed; dead letters are not a source.
        assert_eq!(
            query_i64(s.lake(), "SELECT count(*) FROM silver.posting_records").await,
            2
        );
        let sources = query_text(s.lake(), "SELECT DISTINCT source FROM bronze.envelopes").await;
        assert!(!sources.contains("_dead_letter"), "{sources}");
    });
    let runs = s.joblake(&["runs", "--job", "stream"]);
    assert!(runs.contains("partial"), "{runs}");
}

#[test]
fn sigterm_commits_the_batch_in_hand_and_metrics_show_the_stream() {
    let Some(broker) = broker() else { return };
    let server = demo_sources(100);
    let s = setup(
        &server,
        &broker,
        &topic("term"),
        "refresh_every = \"500ms\"\nbatch_max_wait = \"100ms\"\n",
    );
    let n = published(&s.joblake(&["ingest", "--to", &s.url]));
    let published_at = Instant::now();
    let mut child = s
        .command(&["stream", "--metrics-addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stream starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("a line").expect("text");
        if let Some(a) = line.strip_prefix("metrics on http://") {
            break a.trim_end_matches("/metrics").to_string();
        }
    };
    // Queryable in silver: the first cycle's refresh has run when its run is logged.
    let deadline = Instant::now() + Duration::from_secs(120);
    let metrics = loop {
        let text = http_get(&addr, "/metrics");
        if text.contains("joblake_job_runs_total{job=\"stream\"") {
            break text;
        }
        assert!(Instant::now() < deadline, "no cycle after 120 s:\n{text}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let latency = published_at.elapsed();
    let consumed: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("joblake_stream_messages_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(consumed, n as u64, "{metrics}");
    assert!(
        metrics.contains("joblake_stream_lag_messages{"),
        "{metrics}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "{exit:?}");
    eprintln!("published -> refreshed in silver: {latency:?} for {n} messages");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        assert_eq!(
            query_i64(s.lake(), "SELECT count(*) FROM silver.posting_records").await,
            n as i64
        );
    });
}
