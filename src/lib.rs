//! joblake: a lakehouse for job-market data.
//!
//! The modules are layers that follow the data flow (docs/architecture.md has the map and the
//! rule: a module uses its own layer and the ones below, never one above — tests/it/layers.rs
//! checks it). From the bottom: [`error`], [`meter`] and [`redact`] are the base; [`lake`] is the
//! object store, the `meta.*` tables (run log, audit trail) and leases; [`bronze`] lands postings
//! verbatim (from files, the generator of [`joblake_gen`], or the sources of
//! [`joblake_sources`] through [`bronze::ingest`]) and scans them as tables; [`project`] is the
//! SQL project of `sql/`; [`engine`] is the one place a DataFusion session is made (with the
//! UDFs over [`joblake_enrich`]); [`transform`] runs the models into silver and gold Delta tables
//! and their data tests; [`pipeline`], [`query`] (SQL execution, output, the REPL),
//! [`warehouse`] (the mirror to PostgreSQL/SQLite), [`maintain`], [`stream`] (a Kafka topic
//! published to and consumed into bronze) and [`quality`] (each source's
//! latest landing judged against thresholds) are the stages; [`config`]
//! merges the settings of all of them; [`ops`] runs jobs ([`ops::runs`]) on their cron
//! ([`ops::schedule`]); [`bench`] measures the stages against other tools and [`eval`] measures
//! silver against hand-labelled real postings; [`cli`] is the command line on top of them all
//! (the `joblake` binary only parses and calls it).

pub mod bench;
pub mod bronze;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod engine;
pub mod error;
pub mod eval;
pub mod lake;
pub mod maintain;
pub mod meter;
pub mod ml;
pub mod ops;
pub mod pipeline;
pub mod project;
pub mod quality;
pub mod query;
pub mod redact;
pub mod stream;
pub mod transform;
pub mod warehouse;

pub use error::{Error, Result};
