//! Integration tests, compiled as one binary: one module per capability, `util` for fixtures.

mod cli;
mod corpus;
mod delta_readers;
mod ingest;
mod pipeline;
mod repl;
mod replay;
mod sources;
mod util;
mod warehouse;
