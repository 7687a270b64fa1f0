//! What a source remembers between runs: its last success, the digests of the postings it
//! landed, the detail pages it fetched and the validators of its pages. Kept by the
//! [`Landing`] as gzipped JSON (joblake: `_meta/ingest/<name>/state.json.gz`).

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::landing::{Landing, LandingError};

/// A source's saved state that cannot be read back, or written. Its landing reports it
/// wrapped in a [`LandingError`]: it stops the whole ingest.
#[derive(Debug, thiserror::Error)]
#[error("ingest state of source {name}: {message}")]
pub struct StateError {
    /// The source's name (its `[sources.<name>]` table).
    pub name: String,
    /// What is wrong, e.g. "cannot decompress: …".
    pub message: String,
}

/// Conditional-request validators of one URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Validators {
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
}

/// What a source remembers between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct SourceState {
    /// End of the last run that finished without a fatal error.
    pub(crate) last_success: Option<DateTime<Utc>>,
    /// Source id → digest of the payload last landed.
    pub(crate) seen: HashMap<String, String>,
    /// Detail pages already landed (scraped sites): not fetched again.
    pub(crate) fetched_urls: HashSet<String>,
    /// ETag / Last-Modified of list and API pages.
    pub(crate) validators: HashMap<String, Validators>,
}

impl SourceState {
    /// The state saved for source `name` (the default when it never ran).
    pub(crate) async fn load(
        landing: &dyn Landing,
        name: &str,
    ) -> Result<SourceState, LandingError> {
        match landing.load_state(name).await? {
            Some(body) => Ok(SourceState::decode(name, &body)?),
            None => Ok(SourceState::default()),
        }
    }

    /// Saves the state of source `name`.
    pub(crate) async fn save(&self, landing: &dyn Landing, name: &str) -> Result<(), LandingError> {
        landing.save_state(name, self.encode(name)?).await
    }

    /// Reads gzipped JSON.
    fn decode(name: &str, body: &[u8]) -> Result<SourceState, StateError> {
        let fail = |message: String| StateError {
            name: name.to_string(),
            message,
        };
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut json)
            .map_err(|e| fail(format!("cannot decompress: {e}")))?;
        serde_json::from_slice(&json).map_err(|e| fail(format!("not a valid ingest state: {e}")))
    }

    /// Writes gzipped JSON.
    fn encode(&self, name: &str) -> Result<Vec<u8>, StateError> {
        let fail = |message: String| StateError {
            name: name.to_string(),
            message,
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        serde_json::to_writer(&mut gz, self).map_err(|e| fail(e.to_string()))?;
        gz.flush().map_err(|e| fail(e.to_string()))?;
        gz.finish().map_err(|e| fail(e.to_string()))
    }
}

impl From<StateError> for LandingError {
    fn from(e: StateError) -> LandingError {
        LandingError::new(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_is_gzipped_json_and_reads_back() {
        let mut state = SourceState {
            last_success: Some(DateTime::from_timestamp(1_700_000_000, 0).expect("time")),
            ..SourceState::default()
        };
        state.seen.insert("42".into(), "0123456789abcdef".into());
        state.fetched_urls.insert("https://x.test/job/1".into());
        state.validators.insert(
            "https://x.test/api".into(),
            Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            },
        );
        let body = state.encode("remotive").expect("encodes");
        let mut json = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut json)
            .expect("gzip");
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(value["last_success"], "2023-11-14T22:13:20Z");
        assert_eq!(value["seen"]["42"], "0123456789abcdef");
        assert_eq!(value["fetched_urls"][0], "https://x.test/job/1");
        assert_eq!(value["validators"]["https://x.test/api"]["etag"], "\"v1\"");
        assert!(value["validators"]["https://x.test/api"]["last_modified"].is_null());

        let back = SourceState::decode("remotive", &body).expect("decodes");
        assert_eq!(back.last_success, state.last_success);
        assert_eq!(back.seen, state.seen);
        // Missing keys take their defaults: older states still read.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(br#"{"seen":{"a":"b"}}"#).expect("write");
        let old = SourceState::decode("x", &gz.finish().expect("gzip")).expect("old state");
        assert!(old.last_success.is_none() && old.seen.len() == 1);

        let err = SourceState::decode("remotive", b"not gzip").expect_err("refused");
        assert_eq!(err.name, "remotive");
        assert!(err.message.starts_with("cannot decompress: "), "{err}");
    }
}
