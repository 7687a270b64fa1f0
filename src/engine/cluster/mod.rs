//! The cluster engine: the same SQL on an Apache DataFusion Ballista cluster (built with the
//! `cluster` feature). A joblake client plans as usual and sends the plan to a Ballista
//! scheduler ([`session`](super::session) when `[engine] cluster` is set); the scheduler and
//! executors are joblake's own (`crate::ops::cluster`), with its functions and codecs, so that
//! its tables and UDFs can be decoded there. Queries and the refresh's models run there; the
//! refresh's Delta commits stay with the client, which streams the cluster's result into its
//! Delta writer ([`super::streamed`]; docs/scale.md).

pub mod codec;
pub mod empty;
pub mod plain;
pub mod table;

use std::sync::Arc;

use deltalake::datafusion::execution::{SessionState, SessionStateBuilder};
use deltalake::datafusion::prelude::SessionConfig;

use crate::error::{Error, Result};
use crate::lake::Lake;

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

/// `state`, sending its plans to the scheduler at `url` with joblake's codecs over `lake`.
pub fn upgrade(state: SessionState, url: &str, lake: &Lake) -> Result<SessionState> {
    use ballista_core::extension::{SessionConfigExt, SessionStateExt};
    let scheduler = scheduler_url(url)?;
    // Ballista's own defaults for a distributed plan (no dynamic filters across stages,
    // sort-merge joins that spill...), applied before joblake's settings below.
    let config: SessionConfig = state
        .config()
        .clone()
        .upgrade_for_ballista()
        .with_ballista_logical_extension_codec(Arc::new(codec::JoblakeLogicalCodec::new(
            lake.clone(),
        )))
        .with_ballista_physical_extension_codec(Arc::new(codec::JoblakePhysicalCodec::new(
            lake.clone(),
        )))
        // The static planner: Ballista 55's adaptive one re-plans a stage while its first
        // tasks run ("stages to be cancelled but its not implemented" in its log), and the
        // refresh's first job hung with it (docs/scale.md, "Ballista 55 workarounds").
        .with_ballista_adaptive_query_planner(false)
        // Shuffle files in zstd. The decode failures that first pointed at LZ4 came from two
        // tasks writing one shuffle file (`BronzeTable::from_spec`); LZ4 was not tried again.
        .set_str("ballista.shuffle.compression.codec", "zstd")
        // Hash joins, as on one machine. Ballista prefers sort-merge joins (they spill), but
        // DataFusion 55's sort-merge join cannot compare dictionary keys, and a Delta partition
        // column is one: the incremental refresh of a 100k lake failed in silver.listing_history
        // ("Unsupported data type in sort merge join comparator: Dictionary(UInt16, Utf8)").
        .set_bool("datafusion.optimizer.prefer_hash_join", true);
    let ballista = SessionStateBuilder::new_from_existing(state)
        .with_config(config)
        // Last: what reaches the scheduler must decode there (`empty`).
        .with_optimizer_rule(Arc::new(empty::SendableEmpty))
        .build()
        .upgrade_for_ballista(scheduler)
        .map_err(|e| Error::Cluster(format!("{url}: {e}")))?;
    // Results come back without view types (`plain`: a 150-fold difference on a join's result).
    let planner = Arc::new(plain::PlainResults(ballista.query_planner().clone()));
    Ok(SessionStateBuilder::new_from_existing(ballista)
        .with_query_planner(planner)
        .build())
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
