//! Operations: [`runs`] executes a job's steps (ingest → refresh → tests → quality → mirror, or
//! maintenance) and logs each run with its cost in the run log; [`schedule`] runs the jobs on
//! their cron under leases kept in the lake; [`stream`] consumes a Kafka topic in cycles of
//! consumption and refresh; `cluster` (feature `cluster`) runs a Ballista scheduler or executor
//! with joblake's functions and codecs.

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod runs;
pub mod schedule;
pub mod stream;
