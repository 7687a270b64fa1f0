//! The cluster engine: the same SQL on an Apache DataFusion Ballista cluster (built with the
//! `cluster` feature). A joblake client plans as usual and sends the plan to a Ballista
//! scheduler ([`session`](super::session) when `[engine] cluster` is set); the scheduler and
//! executors are joblake's own (`crate::ops::cluster`), with its functions and codecs, so that
//! its tables and UDFs can be decoded there. Queries run there; the refresh does not yet
//! (docs/scale.md says what runs distributed and what does not).

pub mod codec;
pub mod table;

use std::sync::Arc;

use deltalake::datafusion::execution::{SessionState, SessionStateBuilder};
use deltalake::datafusion::prelude::SessionConfig;

use crate::error::{Error, Result};

/// The scheduler's gRPC address (`http://host:port`) of a `ballista://host:port` engine URL.
pub fn scheduler_url(url: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::Config(format!(
            "engine `{url}`: {why} (expected ballista://HOST:PORT)"
        ))
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if parsed.scheme() != "ballista" {
        return Err(bad("not a ballista:// URL"));
    }
    let host = parsed.host_str().ok_or_else(|| bad("no host"))?;
    let port = parsed.port().ok_or_else(|| bad("no port"))?;
    Ok(format!("http://{host}:{port}"))
}

/// `state`, sending its plans to the scheduler at `url` with joblake's codec.
pub fn upgrade(state: SessionState, url: &str) -> Result<SessionState> {
    use ballista_core::extension::{SessionConfigExt, SessionStateExt};
    let scheduler = scheduler_url(url)?;
    let config: SessionConfig = state
        .config()
        .clone()
        .with_ballista_logical_extension_codec(Arc::new(codec::JoblakeLogicalCodec::default()));
    SessionStateBuilder::new_from_existing(state)
        .with_config(config)
        .build()
        .upgrade_for_ballista(scheduler)
        .map_err(|e| Error::Cluster(format!("{url}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_urls_name_a_host_and_port() {
        assert_eq!(
            scheduler_url("ballista://127.0.0.1:50050").expect("valid"),
            "http://127.0.0.1:50050"
        );
        for bad in ["df://h:1", "ballista://h", "h:50050"] {
            assert!(scheduler_url(bad).is_err(), "{bad}");
        }
    }
}
