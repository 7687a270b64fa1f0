//! Integration tests, compiled as one binary: one module per capability, `util` for fixtures.

mod audit;
mod bench;
mod cli;
#[cfg(feature = "cluster")]
mod cluster;
mod contracts;
mod corpus;
mod cost;
mod dashboard;
mod dedup;
mod deletion_vectors;
mod delta_readers;
mod engine;
mod eval;
mod fuzz;
mod history;
mod infrastructure;
mod ingest;
mod layers;
mod maintain;
mod memory;
mod model;
mod personal_data;
mod pipeline;
mod quality;
mod repl;
mod replay;
mod rollups;
mod s3;
mod schedule;
mod secrets;
mod sources;
mod stop;
mod stream;
mod util;
mod warehouse;
