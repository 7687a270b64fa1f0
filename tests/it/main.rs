//! Integration tests, compiled as one binary: one module per capability, `util` for fixtures.

mod audit;
mod bench;
mod cli;
mod contracts;
mod corpus;
mod cost;
mod dashboard;
mod dedup;
mod delta_readers;
mod engine;
mod eval;
mod history;
mod ingest;
mod layers;
mod maintain;
mod pipeline;
mod quality;
mod repl;
mod replay;
mod s3;
mod schedule;
mod sources;
mod util;
mod warehouse;
