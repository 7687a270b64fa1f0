//! The lake's own records under `_meta/`: the run log (`_meta/runs`, `_meta/run_steps`) and the
//! audit trail (`_meta/audit`). They are Delta tables like silver and gold, so `joblake sql`
//! reads them as `meta.*`, time travel works, and appends from two processes at once commit
//! one after the other instead of overwriting each other.

use std::sync::Arc;

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::arrow::json::reader::ReaderBuilder;
use deltalake::kernel::transaction::CommitProperties;
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

/// Appends `rows` (serialized field by field into `schema`) to `_meta/<table>`, creating the
/// table on first use. An `append_only` table is created with `delta.appendOnly = true`, so
/// that Delta itself refuses any later delete, update or overwrite of it.
pub async fn append<T: Serialize>(
    lake: &Lake,
    table: &str,
    schema: SchemaRef,
    rows: &[T],
    append_only: bool,
) -> Result<u64> {
    let mut decoder = ReaderBuilder::new(schema).build_decoder()?;
    decoder.serialize(rows)?;
    let batch = decoder.flush()?.ok_or_else(|| Error::Meta {
        table: format!("{DIR}/{table}"),
        message: "nothing to append".into(),
    })?;
    let creating = !lake.is_table(DIR, table).await?;
    match write(lake, table, batch.clone(), creating && append_only).await {
        // Two processes creating the table at once: one wins version 0, the other appends.
        Err(e) if creating && lake.is_table(DIR, table).await? => {
            tracing::debug!("{DIR}/{table}: created by another process ({e}); appending");
            write(lake, table, batch, false).await
        }
        other => other,
    }
}

async fn write(lake: &Lake, table: &str, batch: RecordBatch, append_only: bool) -> Result<u64> {
    let mut write = lake
        .table(DIR, table)
        .await?
        .write(vec![batch])
        .with_save_mode(SaveMode::Append)
        .with_table_name(table.to_string())
        .with_commit_properties(CommitProperties::default().with_max_retries(COMMIT_RETRIES));
    if append_only {
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
