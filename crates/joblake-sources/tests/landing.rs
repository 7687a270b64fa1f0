//! `ingest` without a lake: a source served by a small HTTP server on loopback lands in memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use joblake_sources::http::HttpSettings;
use joblake_sources::{
    IngestError, IngestOptions, Landing, LandingError, RawPosting, SourceStatus, ingest,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One landed batch: parser, run id, sequence number, postings.
type Batch = (String, String, usize, Vec<RawPosting>);

/// Landed batches and saved states, in memory; `broken` fails every write.
#[derive(Default)]
struct Memory {
    batches: Mutex<Vec<Batch>>,
    states: Mutex<HashMap<String, Vec<u8>>>,
    broken: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("the disk is full")]
struct Full;

#[async_trait]
impl Landing for Memory {
    async fn land(
        &self,
        parser: &str,
        postings: &[(RawPosting, DateTime<Utc>)],
        run_id: &str,
        seq: usize,
    ) -> Result<(), LandingError> {
        if self.broken {
            return Err(LandingError::new(Full));
        }
        let postings = postings.iter().map(|(p, _)| p.clone()).collect();
        let batch = (parser.to_string(), run_id.to_string(), seq, postings);
        self.batches.lock().expect("lock").push(batch);
        Ok(())
    }

    async fn load_state(&self, name: &str) -> Result<Option<Vec<u8>>, LandingError> {
        Ok(self.states.lock().expect("lock").get(name).cloned())
    }

    async fn save_state(&self, name: &str, bytes: Vec<u8>) -> Result<(), LandingError> {
        self.states
            .lock()
            .expect("lock")
            .insert(name.to_string(), bytes);
        Ok(())
    }

    fn new_run_id(&self) -> String {
        "run-of-the-landing".to_string()
    }
}

/// Serves `body` as JSON to every request; returns the base URL.
async fn serve(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    base
}

const PAGE: &str = r#"{"job-count": 2, "jobs": [
    {"id": 1, "url": "https://remotive.test/1", "candidate_required_location": "Europe"},
    {"id": 2, "url": "https://remotive.test/2", "candidate_required_location": "Europe"}]}"#;

fn remotive(base: &str) -> BTreeMap<String, serde_json::Value> {
    let table = serde_json::json!({"base_url": base});
    BTreeMap::from([("remotive".to_string(), table)])
}

fn quick() -> HttpSettings {
    HttpSettings {
        requests_per_second: 100.0,
        max_retries: 0,
        timeout_secs: 5.0,
        ..HttpSettings::default()
    }
}

#[tokio::test]
async fn postings_land_once_and_the_state_is_kept_by_the_landing() {
    let declared = remotive(&serve(PAGE).await);
    let memory = Memory::default();
    let first = ingest(&memory, &quick(), &declared, &IngestOptions::default())
        .await
        .expect("ingest");
    assert_eq!(first.run_id, "run-of-the-landing");
    assert_eq!(first.sources[0].status, SourceStatus::Ok, "{first:#?}");
    assert_eq!((first.sources[0].new, first.sources[0].files), (2, 1));
    {
        let batches = memory.batches.lock().expect("lock");
        let (parser, run_id, seq, postings) = &batches[0];
        assert_eq!(
            (parser.as_str(), run_id.as_str(), *seq),
            ("remotive", "run-of-the-landing", 0)
        );
        let ids: Vec<&str> = postings.iter().map(|p| p.source_id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
    }
    assert!(memory.states.lock().expect("lock").contains_key("remotive"));

    // The second run reads the state back: the same postings are seen, not landed again.
    let options = IngestOptions {
        run_id: Some("given".to_string()),
        ..IngestOptions::default()
    };
    let second = ingest(&memory, &quick(), &declared, &options)
        .await
        .expect("ingest");
    assert_eq!(second.run_id, "given");
    assert_eq!((second.sources[0].new, second.sources[0].seen), (0, 2));
    assert_eq!(memory.batches.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_failing_landing_stops_the_ingest_with_its_own_error() {
    let declared = remotive(&serve(PAGE).await);
    let broken = Memory {
        broken: true,
        ..Memory::default()
    };
    let err = ingest(&broken, &quick(), &declared, &IngestOptions::default())
        .await
        .expect_err("the landing failed");
    let IngestError::Landing(e) = err else {
        panic!("not a landing error: {err}")
    };
    assert!(e.downcast::<Full>().is_ok());
}

#[tokio::test]
async fn a_corrupt_state_is_a_landing_error_naming_the_source() {
    let declared = remotive(&serve(PAGE).await);
    let memory = Memory::default();
    memory
        .states
        .lock()
        .expect("lock")
        .insert("remotive".to_string(), b"not gzip".to_vec());
    let err = ingest(&memory, &quick(), &declared, &IngestOptions::default())
        .await
        .expect_err("corrupt state");
    let IngestError::Landing(e) = err else {
        panic!("not a landing error: {err}")
    };
    let state = e
        .downcast::<joblake_sources::StateError>()
        .expect("a state error");
    assert_eq!(state.name, "remotive");
    assert!(
        state.message.starts_with("cannot decompress"),
        "{}",
        state.message
    );
}
