//! Transform: bronze → silver → gold, the dbt way without templating. The SQL project
//! ([`Project`]) holds one model per file; [`refresh`] runs them in the order their table
//! references imply, then the data tests. Rust UDFs ([`udf`]) do what SQL does badly.

pub mod checks;
pub mod merge;
pub mod report;
pub mod run;
pub mod steps;

pub use report::{ModelReport, RefreshEvent, RefreshReport, RolledBack, RunKind};
pub use run::{RefreshOptions, refresh};
