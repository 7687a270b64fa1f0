//! The lake's own records under `_meta/`: the run log (`_meta/runs`, `_meta/run_steps`) and the
//! audit trail (`_meta/audit`). They are Delta tables like silver and gold, so `joblake sql`
//! reads them as `meta.*`, time travel works, and appends from two processes at once commit
//! one after the other instead of overwriting each other.

use std::sync::Arc;

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::arrow::json::reader::ReaderBuilder;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::lake::Lake;

/// Directory of the side tables, and the name of their SQL schema.
pub const DIR: &str = "_meta";
/// The SQL schema the side tables are queried under (`meta.runs`).
pub const SCHEMA: &str = "meta";

/// How often a commit is retried when another process committed first (appends never
/// conflict, they only need the next version number).
const COMMIT_RETRIES: usize = 50;

/// How an append commits.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    /// Create the table with `delta.appendOnly = true`, so that Delta itself refuses any
    /// later delete, update or overwrite of it.
    pub append_only: bool,
    /// Fail with [`Appended::LostRace`] instead of retrying when another process committed
    /// since the table was read: for rows that depend on what was read (the audit chain).
    pub exclusive: bool,
    /// Stored in the commit's metadata (`commitInfo`).
    pub metadata: Vec<(String, serde_json::Value)>,
    /// The table as read when the rows were made (with `exclusive`): the commit must follow
    /// that version directly. Loaded afresh when `None`.
    pub based_on: Option<deltalake::DeltaTable>,
}

/// What became of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Committed as this Delta version.
    Version(u64),
    /// An exclusive append found the table changed by another process: nothing written.
    LostRace,
}

/// Appends `rows` (serialized field by field into `schema`) to `_meta/<table>`, creating the
/// table on first use. An `append_only` table is created with `delta.appendOnly = true`.
pub async fn append<T: Serialize>(
    lake: &Lake,
    table: &str,
    schema: SchemaRef,
    rows: &[T],
    append_only: bool,
) -> Result<u64> {
    let commit = Commit {
        append_only,
        ..Commit::default()
    };
    match append_with(lake, table, schema, rows, &commit).await? {
        Appended::Version(v) => Ok(v),
        Appended::LostRace => Err(Error::Meta {
            table: format!("{DIR}/{table}"),
            message: "another process committed first".into(),
        }),
    }
}

/// [`append`] with the commit's settings spelled out.
pub async fn append_with<T: Serialize>(
    lake: &Lake,
    table: &str,
    schema: SchemaRef,
    rows: &[T],
    commit: &Commit,
) -> Result<Appended> {
    let mut decoder = ReaderBuilder::new(schema).build_decoder()?;
    decoder.serialize(rows)?;
    let batch = decoder.flush()?.ok_or_else(|| Error::Meta {
        table: format!("{DIR}/{table}"),
        message: "nothing to append".into(),
    })?;
    let creating = match &commit.based_on {
        Some(t) => t.version().is_none(),
        None => !lake.is_table(DIR, table).await?,
    };
    match write(lake, table, batch.clone(), commit, creating).await {
        Ok(version) => Ok(Appended::Version(version)),
        // Two processes creating the table at once: one wins version 0, the other appends.
        Err(e) if creating && lake.is_table(DIR, table).await? => {
            if commit.exclusive {
                return Ok(Appended::LostRace);
            }
            tracing::debug!("{DIR}/{table}: created by another process ({e}); appending");
            let commit = Commit {
                based_on: None,
                ..commit.clone()
            };
            write(lake, table, batch, &commit, false)
                .await
                .map(Appended::Version)
        }
        Err(e) if commit.exclusive && lost_race(&e) => Ok(Appended::LostRace),
        Err(e) => Err(e),
    }
}

/// True when a commit failed only because another process took the next version.
fn lost_race(e: &Error) -> bool {
    use deltalake::DeltaTableError;
    use deltalake::kernel::transaction::TransactionError;
    match e {
        Error::Delta(d) => matches!(
            d.as_ref(),
            DeltaTableError::VersionAlreadyExists(_)
                | DeltaTableError::Transaction {
                    source: TransactionError::MaxCommitAttempts(_)
                        | TransactionError::VersionAlreadyExists(_)
                }
        ),
        _ => false,
    }
}

async fn write(
    lake: &Lake,
    table: &str,
    batch: RecordBatch,
    commit: &Commit,
    creating: bool,
) -> Result<u64> {
    let retries = if commit.exclusive { 0 } else { COMMIT_RETRIES };
    let base = match &commit.based_on {
        Some(t) => t.clone(),
        None => lake.table(DIR, table).await?,
    };
    let mut write = base
        .write(vec![batch])
        .with_save_mode(SaveMode::Append)
        // Columns added in a later joblake version join the table's schema.
        .with_schema_mode(SchemaMode::Merge)
        .with_table_name(table.to_string())
        .with_writer_properties(super::parquet::writer_properties())
        .with_commit_properties(
            CommitProperties::default()
                .with_max_retries(retries)
                .with_metadata(commit.metadata.clone()),
        );
    if creating && commit.append_only {
        write = write.with_configuration([("delta.appendOnly", Some("true"))]);
    }
    let written = write.await?;
    written.version().ok_or_else(|| Error::Meta {
        table: format!("{DIR}/{table}"),
        message: "no version after the append".into(),
    })
}

/// The arrow schema builder shared by the side tables.
pub(crate) fn schema(fields: Vec<deltalake::arrow::datatypes::Field>) -> SchemaRef {
    Arc::new(deltalake::arrow::datatypes::Schema::new(fields))
}
