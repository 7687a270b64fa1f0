//! A table model's rows replaced by key (`merge_on:`) in a refresh that is not `--full`.
//!
//! The keys to compute again are those whose rows changed in an input that has the key
//! column: when the input's commits since the version the table was last built from
//! (recorded in its commit, `lake::inputs`) only added files or marked rows deleted (appends,
//! and merges like this one: `lake::inputs::row_changes`), the keys of the rows added and of
//! the rows deleted, read from those files; otherwise the rows of that version and of the
//! version now, compared by a full join on the input's unique key (`EXCEPT` both ways without
//! one). Inputs without the key must only have grown since (an incremental table appending
//! records): a row of theirs reaches the model only through a keyed row, which is then new.
//! A model with an increment replaces instead the keys of the rows its increment returns
//! ([`keys_of`]). Anything else (a
//! view or bronze among the inputs, an input rewritten, no record of the last build, a
//! schema that changed, more changed keys than a tenth of the table's rows, a memory limit or a
//! cluster, whose passes this does not combine with) and the table is written whole, as
//! before.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use deltalake::DeltaTable;
use deltalake::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::DataType;
use deltalake::datafusion::prelude::SessionContext;

use super::steps;
use crate::engine::pass_udf;
use crate::error::Result;
use crate::lake::deletion_vectors::{self, CompactAt};
use crate::lake::{DELTA_LAYERS, Lake, changed_rows, inputs, parquet, rewrite};
use crate::project::model::{Check, Materialized, Model};

/// Which keys a merge replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    /// These, found from the inputs ([`changed_keys`]); the model computes their rows.
    Changed(HashSet<String>),
    /// Those of the rows the model's increment returns ([`keys_of`]).
    Returned,
}

/// What a merge replaces, and how its rows are computed.
pub struct Merge<'a> {
    /// The `merge_on:` column.
    pub key: &'a str,
    /// The keys replaced.
    pub keys: Keys,
    /// The model's SQL (its steps, then its query), or its increment's.
    pub sql: &'a str,
    /// The passes of the steps that call `joblake_pass` ([`steps::plan`]).
    pub passes: u64,
    /// Set to end the refresh between passes.
    pub stop: Option<&'a AtomicBool>,
}

/// Computes the rows of `merge`'s keys and replaces the stored rows of those keys in `table`:
/// with deletion vectors and new files when its model keeps the vectors and no cluster reads
/// it, else by writing the partitions that hold them again (`lake::rewrite`). Then compacts
/// the table once its fragmentation passes [`CompactAt::kept_vectors`] or
/// [`CompactAt::REWRITTEN`].
/// Returns the version written (the table's own when no key changed).
/// Where the time goes is logged (debug): finding the keys is the caller's, then computing
/// the rows, replacing them, compacting.
pub async fn replace(
    lake: &Lake,
    ctx: &SessionContext,
    model: &Model,
    table: DeltaTable,
    merge: Merge<'_>,
) -> Result<Option<u64>> {
    let mut phases = Vec::new();
    let mut phase = Instant::now();
    let mut lap = |name: &'static str| {
        phases.push((name, phase.elapsed().as_secs_f64()));
        phase = Instant::now();
    };
    let outcome = async {
        if let Keys::Changed(keys) = &merge.keys {
            pass_udf::only(ctx, Some(Arc::new(keys.clone())));
        }
        let (df, steps) = steps::plan(lake, ctx, merge.sql, merge.passes, merge.stop).await?;
        let batches = df.collect().await;
        steps.drop(lake, ctx).await;
        let batches = batches?;
        lap("rows");
        // An increment returns every row of the keys it replaces.
        let keys = match merge.keys {
            Keys::Changed(keys) => keys,
            Keys::Returned => keys_of(&batches, merge.key)?,
        };
        if keys.is_empty() {
            // Nothing it reads changed: the table stays as it is.
            return Ok(table.version());
        }
        let inputs = inputs::current(lake, &model.deps).await?;
        // Vectors only where models alone read the table (and no cluster, which reads whole
        // files): the `deletionVectors` reader feature they need stays in the protocol, and
        // some readers refuse it (`lake::rewrite`). Elsewhere the files are written again.
        let keep_vectors = model.keep_deletion_vectors && lake.engine_settings().cluster.is_none();
        let (rows, properties) = (batches, inputs::commit_properties(&inputs));
        let writer_properties = parquet::writer_properties();
        let (table, replaced) = if keep_vectors {
            deletion_vectors::replace_rows(
                table,
                merge.key,
                &keys,
                rows,
                writer_properties,
                properties,
            )
            .await?
        } else {
            rewrite::replace_rows(
                table,
                merge.key,
                &keys,
                rows,
                writer_properties,
                properties,
                rewrite::Writers::default(),
            )
            .await?
        };
        lap("replace");
        tracing::debug!(
            "{}: {} keys changed, {replaced:?}",
            model.qualified(),
            keys.len()
        );
        // Files with vectors are read without the query's filters: a table that keeps them
        // is compacted once its small files or deleted rows pass a bound, or at once where
        // steps read it in passes. A table written again holds a file a partition it touched,
        // and a file of new rows in each other partition they entered: compacted once those
        // pile up.
        let bound = if keep_vectors {
            CompactAt::kept_vectors(lake.engine_settings().pass_rows_in_effect())
        } else {
            CompactAt::REWRITTEN
        };
        let (table, compacted) =
            deletion_vectors::compact_past(table, bound, parquet::writer_properties()).await?;
        if let Some(fragmentation) = compacted {
            tracing::debug!("{}: compacted at {fragmentation:?}", model.qualified());
        }
        lap("compact");
        Ok(table.version())
    }
    .await;
    tracing::debug!("{}: merge phases (s): {phases:?}", model.qualified());
    pass_udf::only(ctx, None);
    outcome
}

/// With more changed keys than this share of the table's rows, replacing them costs about
/// what writing it whole does (and holds the new rows in memory): it is written whole.
const MAX_SHARE: f64 = 0.1;

/// The keys of `model` to compute again, or None when the table is to be written whole.
pub async fn changed_keys(
    lake: &Lake,
    ctx: &SessionContext,
    model: &Model,
    models: &[Model],
    table: &DeltaTable,
    key: &str,
) -> Result<Option<HashSet<String>>> {
    if lake.engine_settings().cluster.is_some() {
        return Ok(None);
    }
    let Some(recorded) = inputs::recorded(table).await? else {
        return Ok(None);
    };
    let mut keys = HashSet::new();
    for dep in &model.deps {
        let Some((layer, name)) = dep.split_once('.') else {
            return Ok(None);
        };
        if !DELTA_LAYERS.contains(&layer) {
            if layer == "ref" {
                continue; // part of the fingerprint: a change rebuilds the table whole
            }
            return Ok(None);
        }
        if models
            .iter()
            .any(|m| &m.qualified() == dep && m.materialized == Materialized::View)
        {
            return Ok(None);
        }
        let (Some(then), Some(now)) = (recorded.get(dep), lake.latest_version(layer, name).await?)
        else {
            return Ok(None);
        };
        if *then == now {
            continue;
        }
        let schema = ctx.table(dep.as_str()).await?.schema().clone();
        let keyed = schema.field_with_unqualified_name(key).is_ok();
        // Files added and rows marked deleted only (appends, merges): the keys of those rows,
        // read from those files. A file gone since (vacuumed) is compared instead.
        let mut read = None;
        if keyed && let Some(changes) = inputs::row_changes(lake, layer, name, *then, now).await? {
            let table = lake.unloaded_table(layer, name)?;
            match changed_rows::changed_keys(&table, &changes, key).await {
                Ok(changed) => read = Some(changed),
                Err(e) => tracing::info!("{}: {dep}: {e}: compared instead", model.qualified()),
            }
        }
        if let Some(changed) = read {
            keys.extend(changed);
        } else if keyed {
            let columns: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| format!("\"{}\"", f.name()))
                .collect();
            let unique = models.iter().find(|m| &m.qualified() == dep).and_then(|m| {
                m.checks.iter().find_map(|c| match c {
                    Check::Unique(cols) => Some(cols.clone()),
                    _ => None,
                })
            });
            let diff = diff_query(dep, *then, key, &columns, unique.as_deref());
            let batches = match ctx.sql(&diff).await {
                Ok(df) => df.collect().await,
                Err(e) => Err(e),
            };
            let batches = match batches {
                Ok(batches) => batches,
                Err(e) => {
                    // Another schema than the recorded version's, most likely: written whole.
                    tracing::info!(
                        "{}: {dep} not compared with its version {then} ({e}): written whole",
                        model.qualified()
                    );
                    return Ok(None);
                }
            };
            for batch in batches {
                add_values(batch.column(0), &mut keys)?;
            }
        } else if inputs::grown(lake, layer, name, *then, now)
            .await?
            .is_none()
        {
            return Ok(None);
        }
    }
    let rows = crate::engine::count_rows(ctx, &model.qualified()).await?;
    if keys.len() as f64 > MAX_SHARE * rows as f64 {
        tracing::debug!(
            "{}: {} of {rows} keys changed, written whole",
            model.qualified(),
            keys.len()
        );
        return Ok(None);
    }
    // The merge holds the new rows of its keys in memory (they replace the old ones in one
    // commit): under a memory limit, no more keys than a pass takes; more are written whole,
    // in passes.
    if let Some(pass_rows) = lake.engine_settings().pass_rows_in_effect()
        && keys.len() as u64 > pass_rows
    {
        tracing::debug!(
            "{}: {} keys changed, more than a pass's {pass_rows}: written whole",
            model.qualified(),
            keys.len()
        );
        return Ok(None);
    }
    Ok(Some(keys))
}

/// The distinct non-null values of column `key` in `batches`, as text: the keys an increment
/// that returns the rows it replaces (`merge_on:` with an increment) replaces.
pub fn keys_of(batches: &[RecordBatch], key: &str) -> Result<HashSet<String>> {
    let mut keys = HashSet::new();
    for batch in batches {
        let Some(column) = batch.column_by_name(key) else {
            return Err(crate::error::Error::Config(format!(
                "the increment returns no column {key}, its merge_on key"
            )));
        };
        add_values(column, &mut keys)?;
    }
    Ok(keys)
}

/// Adds a column's non-null values, as text, to `keys`.
fn add_values(column: &ArrayRef, keys: &mut HashSet<String>) -> Result<()> {
    let column = cast(column, &DataType::Utf8)?;
    let values = column.as_string::<i32>();
    keys.extend(
        (0..values.len())
            .filter(|&i| values.is_valid(i))
            .map(|i| values.value(i).to_string()),
    );
    Ok(())
}

/// The keys of the rows of `dep` that differ between its version `then` and now. With the
/// input's unique key, one full join on it, comparing every column (a third of the time of
/// `EXCEPT` both ways at a million rows, which deduplicates both sides twice); without, `EXCEPT`.
fn diff_query(
    dep: &str,
    then: u64,
    key: &str,
    columns: &[String],
    unique: Option<&[String]>,
) -> String {
    let old = format!("table_at('{dep}', {then})");
    let Some(unique) = unique.filter(|u| !u.is_empty()) else {
        return format!(
            "SELECT DISTINCT \"{key}\" FROM (\
               (SELECT * FROM {dep} EXCEPT SELECT * FROM {old}) \
               UNION ALL \
               (SELECT * FROM {old} EXCEPT SELECT * FROM {dep}))"
        );
    };
    let on: Vec<String> = unique
        .iter()
        .map(|c| format!("(n.\"{c}\" IS NOT DISTINCT FROM o.\"{c}\")"))
        .collect();
    let differs: Vec<String> = columns
        .iter()
        .map(|c| format!("(n.{c} IS DISTINCT FROM o.{c})"))
        .collect();
    format!(
        "SELECT DISTINCT k FROM (\
           SELECT unnest(make_array(n.\"{key}\", o.\"{key}\")) AS k \
           FROM {dep} n FULL JOIN {old} o ON {} \
           WHERE {}) \
         WHERE k IS NOT NULL",
        on.join(" AND "),
        differs.join(" OR ")
    )
}
