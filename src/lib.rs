//! joblake: a lakehouse for job-market data.
//!
//! The modules follow the data flow: the sources crate [`joblake_sources`] fetches from job
//! APIs and boards (over one polite HTTP client), splits what they return into postings and
//! runs the sources; [`ingest`] lands what they fetch and keeps what they saw in the lake;
//! [`bronze`] lands postings, verbatim, in the lake ([`lake`]);
//! [`transform`] runs the SQL models of `sql/` that build silver and gold Delta tables;
//! [`warehouse`] mirrors gold into PostgreSQL or SQLite for BI tools; [`engine`] is the one
//! place a DataFusion session is made; [`exec`] and [`output`] run and print queries, and
//! [`repl`] is the interactive shell over them; the generator crate [`joblake_gen`] makes a
//! realistic sample in the sources' native formats; [`pipeline`] chains the stages for the
//! CLI; [`bench`] measures them against other tools.
//!
//! Operations: [`runs`] executes a job's steps (ingest → refresh → tests → mirror, or
//! maintenance) and logs each run with its cost in [`meta`] tables; [`schedule`] runs the jobs
//! on their cron under leases kept in the lake; [`audit`] records every change; [`maintain`]
//! compacts, checkpoints and vacuums the tables.

pub mod audit;
pub mod bench;
pub mod bronze;
pub mod config;
pub mod engine;
pub mod error;
pub mod exec;
pub mod ingest;
pub mod lake;
pub mod maintain;
pub mod meta;
pub mod output;
pub mod pipeline;
pub mod repl;
pub mod runs;
pub mod schedule;
pub mod transform;
pub mod warehouse;

pub use error::{Error, Result};
