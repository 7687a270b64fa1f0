//! Integration tests, compiled as one binary: one module per capability, `util` for fixtures.

mod cli;
mod corpus;
mod delta_readers;
mod pipeline;
mod sources;
mod util;
