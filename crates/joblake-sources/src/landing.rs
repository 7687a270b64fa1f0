//! Where the sources' postings land: a trait this crate defines and the lake implements, so
//! that the sources know nothing of the lake.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::RawPosting;

/// Where a source's new postings and its memory between runs are kept (implemented by
/// joblake's bronze zone).
#[async_trait]
pub trait Landing: Send + Sync {
    /// Writes one batch of postings of `parser` (each with when it was fetched) as one bronze
    /// file, all or nothing; `run_id` and `seq` name the file.
    async fn land(
        &self,
        parser: &str,
        postings: &[(RawPosting, DateTime<Utc>)],
        run_id: &str,
        seq: usize,
    ) -> Result<(), LandingError>;

    /// The saved state of source `name` (None when it never ran).
    async fn load_state(&self, name: &str) -> Result<Option<Vec<u8>>, LandingError>;

    /// Saves the state of source `name`, replacing the previous one.
    async fn save_state(&self, name: &str, bytes: Vec<u8>) -> Result<(), LandingError>;

    /// A new run id, for an ingest not given one ([`IngestOptions::run_id`]): it names the
    /// files landed, so its form is the landing's business.
    ///
    /// [`IngestOptions::run_id`]: crate::IngestOptions::run_id
    fn new_run_id(&self) -> String;
}

/// Why landing failed: the landing's own error (or a [`StateError`](crate::StateError)),
/// boxed, so that the caller can take it back with [`LandingError::downcast`]. It stops the
/// whole ingest.
#[derive(Debug)]
pub struct LandingError(Box<dyn std::error::Error + Send + Sync>);

impl LandingError {
    /// Wraps the landing's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> LandingError {
        LandingError(error.into())
    }

    /// The wrapped error as an `E`, or the `LandingError` back when it is not one.
    pub fn downcast<E: std::error::Error + 'static>(self) -> Result<E, LandingError> {
        self.0.downcast::<E>().map(|e| *e).map_err(LandingError)
    }

    /// The wrapped error.
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync> {
        self.0
    }
}

impl std::fmt::Display for LandingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LandingError {
    // Transparent: the wrapped error's own source, as its message is this one's.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("disk full")]
    struct Full;

    #[test]
    fn the_landing_error_passes_through_and_comes_back() {
        let e = LandingError::new(Full);
        assert_eq!(e.to_string(), "disk full");
        assert!(e.downcast::<Full>().is_ok());
        let e = LandingError::new("not a Full");
        let e = e.downcast::<Full>().expect_err("another error");
        assert_eq!(e.to_string(), "not a Full");
    }
}
