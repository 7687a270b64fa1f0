//! Queries over the lake: [`exec`] plans, runs and prints SQL (every way of running SQL ends
//! there), [`output`] writes results in each format, and [`repl`] is the interactive shell over
//! them.

pub mod exec;
pub mod output;
pub mod repl;
