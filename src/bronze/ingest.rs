//! Ingest into the lake: the sources of `joblake-sources` run with the lake's bronze zone as
//! their [`Landing`]. Their postings land in `bronze/<parser>/` (one file per batch of up to
//! 1,000, through [`bronze::write_postings`]) and what each source remembers between runs is
//! kept under `_meta/ingest/<source>/state.json.gz`.
//!
//! The sources, their run and their reports live in `joblake_sources`; this module only lands.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use joblake_sources::http::HttpSettings;
use joblake_sources::{
    IngestError, IngestOptions, IngestReport, Landing, LandingError, RawPosting, StateError,
};
use object_store::{ObjectStoreExt, PutPayload};

use crate::bronze;
use crate::error::{Error, Result};
use crate::lake::Lake;

/// The lake's bronze zone as the sources' [`Landing`].
pub struct LakeLanding<'a> {
    lake: &'a Lake,
    /// The files landed so far, for their record positions ([`Self::remember_positions`]).
    written: std::sync::Mutex<Vec<bronze::LandedFile>>,
}

impl<'a> LakeLanding<'a> {
    /// Lands in `lake`.
    pub fn new(lake: &'a Lake) -> Self {
        LakeLanding {
            lake,
            written: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Keeps the record positions of the files landed so far in the lake's cache
    /// ([`bronze::remember_positions`]), in one update.
    pub async fn remember_positions(&self) {
        let written = match self.written.lock() {
            Ok(mut written) => std::mem::take(&mut *written),
            // A landing that panicked holding the list: its positions are only a cache.
            Err(_) => return,
        };
        bronze::remember_positions(self.lake, &written).await;
    }
}

/// Where the state of source `name` is kept, relative to the lake root. The name must be a
/// plain name ([`bronze::path_segment`]): a `[sources."../x"]` cannot write outside
/// `_meta/ingest/`.
pub fn state_path(name: &str) -> Result<String> {
    let name = bronze::path_segment("source name", name)?;
    Ok(format!("_meta/ingest/{name}/state.json.gz"))
}

/// A lake error, for the sources (they give it back to [`ingest`]).
fn landing_error(e: impl Into<Error>) -> LandingError {
    LandingError::new(e.into())
}

#[async_trait]
impl Landing for LakeLanding<'_> {
    async fn land(
        &self,
        parser: &str,
        postings: &[(RawPosting, DateTime<Utc>)],
        run_id: &str,
        seq: usize,
    ) -> std::result::Result<(), LandingError> {
        let postings = postings.iter().map(|(p, at)| (p, *at));
        let landed = bronze::write_postings(self.lake, parser, postings, run_id, seq)
            .await
            .map_err(landing_error)?;
        if let Ok(mut written) = self.written.lock() {
            written.push(landed);
        }
        Ok(())
    }

    async fn load_state(&self, name: &str) -> std::result::Result<Option<Vec<u8>>, LandingError> {
        let path = self.lake.path(&state_path(name).map_err(landing_error)?);
        match self.lake.store().get(&path).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(landing_error)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(landing_error(e)),
        }
    }

    async fn save_state(
        &self,
        name: &str,
        bytes: Vec<u8>,
    ) -> std::result::Result<(), LandingError> {
        let path = self.lake.path(&state_path(name).map_err(landing_error)?);
        self.lake
            .store()
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(landing_error)?;
        Ok(())
    }

    fn new_run_id(&self) -> String {
        bronze::new_run_id()
    }
}

/// The lake's error back from a landing failure: the lake's own error, or a source state that
/// cannot be read (or written) as a bronze error naming its file.
fn lake_error(e: LandingError) -> Error {
    let e = match e.downcast::<Error>() {
        Ok(lake) => return lake,
        Err(e) => e,
    };
    match e.downcast::<StateError>() {
        Ok(state) => Error::Bronze {
            file: state_path(&state.name).unwrap_or_else(|_| "_meta/ingest".to_string()),
            message: state.message,
        },
        Err(other) => Error::Bronze {
            file: "_meta/ingest".to_string(),
            message: other.to_string(),
        },
    }
}

/// Runs the selected sources concurrently and lands what they fetch in `lake`. A source that
/// fails does not stop the others (see the report); a lake that fails stops them all. The
/// run id is `options.run_id`, or a new one ([`bronze::new_run_id`]).
pub async fn ingest(
    lake: &Lake,
    settings: &HttpSettings,
    declared: &BTreeMap<String, serde_json::Value>,
    options: &IngestOptions,
) -> Result<IngestReport> {
    let landing = LakeLanding::new(lake);
    let report = ingest_with(&landing, settings, declared, options).await;
    landing.remember_positions().await;
    report
}

/// Like [`ingest`], landing through `landing` (the lake's bronze zone, or a topic:
/// `crate::stream::publish`).
pub async fn ingest_with(
    landing: &dyn Landing,
    settings: &HttpSettings,
    declared: &BTreeMap<String, serde_json::Value>,
    options: &IngestOptions,
) -> Result<IngestReport> {
    joblake_sources::ingest(landing, settings, declared, options)
        .await
        .map_err(|e| match e {
            IngestError::Config(why) => Error::Config(why),
            IngestError::Landing(e) => lake_error(e),
        })
}
