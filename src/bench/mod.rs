//! Benchmarks run by `joblake bench`: each compares joblake with the tool a data engineer would
//! otherwise use, on the same data, in the same run.
//!
//! - [`stages`]: every stage at N postings (generate and land, full refresh of silver and gold,
//!   an incremental refresh of 1% new postings, mirror, analyst queries), and the same bronze
//!   run through DuckDB, Polars and pandas ([`peers`]).
//! - [`mirror`]: the warehouse load against `psql \copy`.

pub mod mirror;
pub mod peers;
pub mod stages;

pub use crate::meter::peak_rss;
pub use mirror::{MirrorBench, mirror_gold_project, mirror_vs_copy};
