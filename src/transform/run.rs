//! The model runner: `joblake refresh`. Runs the models layer by layer in dependency order,
//! incrementally by default (only bronze files no incremental model has consumed yet are read,
//! and a model with an increment runs it instead of its full form, when the stored table was
//! built from the same project), then the data tests. When a test fails, or a model fails midway, every table the refresh
//! wrote is restored to the version it had before (a table it created is removed), so readers
//! keep the last good data; a failed version stays readable through time travel for diagnosis.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use deltalake::arrow::array::AsArray;
use deltalake::datafusion::common::TableReference;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use object_store::{ObjectStoreExt, PutPayload};
use serde::Serialize;

use super::checks::{self, TestOutcome};
use super::report::{ModelReport, RefreshEvent, RefreshReport, RolledBack, RunKind};
use super::{merge, steps};
use crate::bronze::{self, FileSelection};
use crate::engine;
use crate::error::{Error, Result};
use crate::lake::audit::{self, AuditEvent};
use crate::lake::{Lake, models};
use crate::meter::PeakMark;
use crate::project::Project;
use crate::project::model::{Materialized, Model, load_models};

/// Options of a refresh.
#[derive(Debug, Clone, Default)]
pub struct RefreshOptions {
    /// Rebuild everything from all of bronze.
    pub full: bool,
    /// Set (by a signal) to stop at the next safe point: before a model or between two passes
    /// of a step. The tables written so far are put back and the refresh returns
    /// [`Error::Stopped`]; the data tests, once started, finish.
    pub stop: Option<Arc<AtomicBool>>,
}

impl RefreshOptions {
    /// A full or incremental refresh that runs to its end.
    pub fn new(full: bool) -> Self {
        RefreshOptions { full, stop: None }
    }
}

/// Runs the project's models over the lake.
pub async fn refresh(
    lake: &Lake,
    project: &Project,
    options: &RefreshOptions,
    progress: &(dyn Fn(&RefreshEvent) + Sync),
) -> Result<RefreshReport> {
    let started = Instant::now();
    let models = load_models(project)?;
    let all_files = bronze::list_files(lake, None).await?;
    let completed = RefreshState::read(lake).await?;
    // What the stored tables of stateful models were built from; an increment only continues
    // a table built by a completed refresh of this same project.
    let fingerprints = fingerprints(project, &models);
    let built_from = completed
        .as_ref()
        .map(|c| c.built_from.clone())
        .unwrap_or_default();
    // An incremental table built by other SQL (an edited model, new reference rows, another
    // joblake version) cannot take more rows: everything is rebuilt, once. Known from the last
    // completed refresh; without one (a first refresh that died midway) the tables are this
    // project's.
    let mut changed = Vec::new();
    for m in models
        .iter()
        .filter(|m| m.materialized == Materialized::Incremental)
    {
        let q = m.qualified();
        if completed.is_some()
            && built_from.get(&q) != fingerprints.get(&q)
            && lake.table(&m.layer, &m.name).await?.version().is_some()
        {
            changed.push(q);
        }
    }
    if !options.full && !changed.is_empty() {
        tracing::info!(
            "{} changed since the lake was built: a full refresh",
            changed.join(", ")
        );
    }
    let full = options.full || !changed.is_empty();

    let consumed = if full {
        HashSet::new()
    } else {
        consumed_files(lake, project, &models).await?
    };
    let new_files = all_files
        .iter()
        .filter(|f| !consumed.contains(&f.relative))
        .count();
    let mut report = RefreshReport {
        full,
        bronze_files: all_files.len(),
        bronze_files_read: new_files,
        models: Vec::new(),
        tests: Vec::new(),
        rolled_back: Vec::new(),
        seconds: 0.0,
    };
    // Up to date means: nothing new in bronze, and the last refresh that completed (tests
    // included) built everything from the incremental tables as they are now. A refresh that
    // died between two commits leaves them ahead, and the next one finishes its work.
    // A newly trained model (`joblake train`) is an input too: its predictions are a table.
    let incremental_now = incremental_versions(lake, &models).await?;
    let trained_now = trained_versions(lake).await?;
    let downstream_current = completed.as_ref().is_some_and(|c| {
        c.incremental_versions == incremental_now && c.trained_models == trained_now
    });
    if !full && new_files == 0 && downstream_current {
        tracing::info!("no new bronze files: every table is up to date, nothing written");
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }
    let skip_incremental = !full && new_files == 0;

    let selection = if full {
        FileSelection::All
    } else {
        FileSelection::Except(Arc::new(consumed))
    };
    let ctx = engine::session(lake, project, selection).await?;
    if lake.engine_settings().cluster.is_some() {
        purge_deletion_vectors(lake, &models).await?;
    }
    let mut written: Vec<(Model, Option<u64>)> = Vec::new();
    let plan = RunPlan {
        full,
        skip_incremental,
        increments_from: fingerprints
            .iter()
            .filter(|(model, print)| built_from.get(*model) == Some(*print))
            .map(|(model, _)| model.clone())
            .collect(),
        stop: options.stop.clone(),
    };
    if let Err(e) = run_models(
        lake,
        &ctx,
        &models,
        &plan,
        progress,
        &mut written,
        &mut report,
    )
    .await
    {
        // Whatever failed, no table stays one step ahead of the others.
        let undone = roll_back(lake, &written).await;
        if let Ok(undone) = &undone {
            let why = match &e {
                Error::Model { model, .. } => format!("model {model} failed"),
                Error::Stopped { .. } => "refresh stopped on request".to_string(),
                _ => "refresh failed".to_string(),
            };
            let event =
                |r: &RolledBack| AuditEvent::new("restore", &r.table).detail(format!("{why}: {r}"));
            let events: Vec<AuditEvent> = undone.iter().map(event).collect();
            if !events.is_empty()
                && let Err(a) = audit::record(lake, &events).await
            {
                tracing::warn!("the restores could not be audited: {a}");
            }
        }
        return Err(match (e, undone) {
            (Error::Model { model, message }, Ok(undone)) if !undone.is_empty() => {
                let list: Vec<String> = undone.iter().map(ToString::to_string).collect();
                Error::Model {
                    model,
                    message: format!(
                        "{message}; tables put back as they were: {}",
                        list.join(", ")
                    ),
                }
            }
            (e, Ok(_)) => e,
            (e, Err(r)) => {
                tracing::error!("the failed refresh could not be rolled back: {r}");
                e
            }
        });
    }

    // The tests see the whole lake, not just the bronze files this refresh read.
    progress(&RefreshEvent::DataTests);
    crate::meter::release_free_memory();
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    // The reconciliation test's bronze positions are kept for the next refresh.
    crate::bronze::line_cache::record_in(&ctx);
    register_views(&ctx, &models).await?;
    let tests = checks::collect(&models, project);
    let tests_print = tests_fingerprint(&tests);
    let tables: Vec<String> = models
        .iter()
        .filter(|m| m.materialized != Materialized::View)
        .map(Model::qualified)
        .collect();
    // After a refresh whose tests passed, the same tests check the rows changed since.
    let changes = match completed.as_ref() {
        Some(c) if !full && c.tests_fingerprint == tests_print => {
            checks::Changes::since(lake, &ctx, &tests, &tables, &c.tested).await?
        }
        _ => checks::Changes::default(),
    };
    report.tests = checks::run(&ctx, &tests, &changes).await;
    if !report.failed_tests().is_empty() {
        report.rolled_back = roll_back(lake, &written).await?;
    }
    if report.failed_tests().is_empty() {
        let mut tested = BTreeMap::new();
        for table in &tables {
            if let Some((layer, name)) = table.split_once('.')
                && let Some(stamp) = lake.stamp(layer, name).await?
            {
                tested.insert(table.clone(), stamp);
            }
        }
        RefreshState {
            incremental_versions: incremental_versions(lake, &models).await?,
            trained_models: trained_now,
            built_from: fingerprints,
            tested,
            tests_fingerprint: tests_print,
            completed_at: chrono::Utc::now(),
        }
        .write(lake)
        .await?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Puts every table in `written` back as it was before the refresh, newest first: restored to
/// its earlier version, or removed when the refresh created it.
async fn roll_back(lake: &Lake, written: &[(Model, Option<u64>)]) -> Result<Vec<RolledBack>> {
    let mut undone = Vec::new();
    for (model, before) in written.iter().rev() {
        match before {
            Some(v) => {
                let table = lake.table(&model.layer, &model.name).await?;
                if table.version() != Some(*v) {
                    table.restore().with_version_to_restore(*v).await?;
                }
            }
            None => lake.remove_table(&model.layer, &model.name).await?,
        }
        undone.push(RolledBack {
            table: model.qualified(),
            version: *before,
        });
    }
    Ok(undone)
}

/// How a refresh runs its models.
struct RunPlan {
    /// Rebuild everything from all of bronze.
    full: bool,
    /// Nothing new in bronze: the incremental tables are left as they are.
    skip_incremental: bool,
    /// Models whose stored table a completed refresh of this same project built: they may run
    /// their increment instead of their full form.
    increments_from: HashSet<String>,
    /// Set to stop before the next model or pass ([`RefreshOptions::stop`]).
    stop: Option<Arc<AtomicBool>>,
}

/// Runs the models in order, recording each table written (and its version before) in
/// `written` as soon as it is written, so that a failure later can undo it.
async fn run_models(
    lake: &Lake,
    ctx: &SessionContext,
    models: &[Model],
    plan: &RunPlan,
    progress: &(dyn Fn(&RefreshEvent) + Sync),
    written: &mut Vec<(Model, Option<u64>)>,
    report: &mut RefreshReport,
) -> Result<()> {
    let stop = plan.stop.as_deref();
    for model in models {
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(Error::Stopped {
                at: model.qualified(),
            });
        }
        if plan.skip_incremental && model.materialized == Materialized::Incremental {
            progress(&RefreshEvent::Model {
                model: model.qualified(),
                materialized: RunKind::of(model.materialized),
            });
            continue;
        }
        let t = Instant::now();
        if model.materialized != Materialized::View {
            // What earlier models freed goes back to the system before this one allocates.
            crate::meter::release_free_memory();
        }
        let peak = PeakMark::start();
        let table = match model.materialized {
            Materialized::View => None,
            _ => Some(lake.table(&model.layer, &model.name).await?),
        };
        let before = table.as_ref().and_then(|t| t.version());
        // The increment reads the table as it is now: only one a completed refresh of this
        // project wrote (a failed refresh puts its tables back before it returns).
        let increment = model.increment.as_ref().filter(|_| {
            !plan.full && before.is_some() && plan.increments_from.contains(&model.qualified())
        });
        let (sql, path, kind) = match increment {
            Some(inc) => (&inc.sql, &inc.path, RunKind::Increment),
            None => (&model.sql, &model.path, RunKind::of(model.materialized)),
        };
        progress(&RefreshEvent::Model {
            model: model.qualified(),
            materialized: kind,
        });
        let fail = |e: Error| match e {
            // Not a failure of the model: it ends the refresh as asked.
            Error::Stopped { .. } => e,
            e => Error::Model {
                model: model.qualified(),
                message: format!("{path}: {}", shorten(&e.to_string())),
            },
        };
        // A table replaced by key computes the keys whose inputs changed only, or replaces
        // the keys of the rows its increment returns.
        let merge = match (&model.merge_on, &table) {
            (Some(key), Some(_)) if increment.is_some() => {
                Some((key.clone(), merge::Keys::Returned))
            }
            (Some(key), Some(t))
                if !plan.full
                    && before.is_some()
                    && plan.increments_from.contains(&model.qualified()) =>
            {
                let found = Instant::now();
                let keys = merge::changed_keys(lake, ctx, model, models, t, key)
                    .await
                    .map_err(fail)?;
                tracing::debug!(
                    "{}: keys found in {:.2} s",
                    model.qualified(),
                    found.elapsed().as_secs_f64()
                );
                keys.map(|keys| (key.clone(), merge::Keys::Changed(keys)))
            }
            _ => None,
        };
        if let (Some((key, keys)), Some(table)) = (merge, table.clone()) {
            let kind = match keys {
                merge::Keys::Changed(_) => RunKind::Merge,
                merge::Keys::Returned => RunKind::IncrementMerge,
            };
            // An increment's steps run in passes under a memory limit, as when it is written
            // whole; a merge takes no more keys than one pass does (merge::changed_keys), and
            // its steps are split further only if they run out of memory.
            let passes = match &keys {
                merge::Keys::Changed(_) => 1,
                merge::Keys::Returned => {
                    passes(lake, ctx, model, models, sql).await.map_err(fail)?
                }
            };
            let outcome = merge::replace(
                lake,
                ctx,
                model,
                table,
                merge::Merge {
                    key: &key,
                    keys,
                    sql,
                    passes,
                    stop,
                },
            )
            .await;
            // Put back on failure: the replacement and the compaction are commits of their own.
            written.push((model.clone(), before));
            let version = outcome.map_err(fail)?;
            let rows = engine::count_rows(ctx, &model.qualified())
                .await
                .map_err(fail)?;
            report.models.push(ModelReport {
                model: model.qualified(),
                materialized: kind,
                rows: Some(rows),
                version,
                seconds: t.elapsed().as_secs_f64(),
                passes: 1,
                peak_memory_bytes: peak.peak(),
            });
            continue;
        }
        let passes = passes(lake, ctx, model, models, sql).await.map_err(fail)?;
        let (df, mut steps) = steps::plan(lake, ctx, sql, passes, stop)
            .await
            .map_err(|e| {
                tracing::debug!("{}: {e}", model.qualified());
                fail(e)
            })?;
        let mut outcome = write_model(lake, ctx, model, plan, table, before, df, written).await;
        // A query that calls joblake_pass and ran out of memory (a hash join's build side
        // cannot spill) runs again in twice as many passes; nothing of it was committed.
        let mut query_passes = 1;
        while let Err(e) = &outcome
            && model.materialized != Materialized::View
            && steps::is_out_of_memory(e)
        {
            if query_passes >= steps.query_max_passes(lake) {
                if query_passes > 1 {
                    outcome = Err(Error::QueryMemory {
                        passes: query_passes,
                        message: e.to_string(),
                    });
                }
                break;
            }
            query_passes *= 2;
            tracing::info!(
                "{}: its query ran out of memory, run again in {query_passes} passes",
                model.qualified()
            );
            outcome = async {
                let df = steps.query_in_passes(ctx, query_passes).await?;
                let table = lake.table(&model.layer, &model.name).await?;
                write_model(lake, ctx, model, plan, Some(table), before, df, written).await
            }
            .await;
        }
        // What the steps ran in, passes split because they ran out of memory included.
        let passes = steps.passes();
        steps.drop(lake, ctx).await;
        let (rows, version) = outcome.map_err(|e| {
            tracing::debug!("{}: {e}", model.qualified());
            fail(e)
        })?;
        report.models.push(ModelReport {
            model: model.qualified(),
            materialized: kind,
            rows,
            version,
            seconds: t.elapsed().as_secs_f64(),
            passes,
            // A view runs nothing here: no peak of its own.
            peak_memory_bytes: peak
                .peak()
                .filter(|_| model.materialized != Materialized::View),
        });
    }

    Ok(())
}

/// The tables of `models` whose rows a merge left marked in their files (deletion vectors,
/// `merge_on:` with `deletion_vectors: keep`) rewritten without them, in commits that change no
/// row: a cluster reads whole files (`engine::cluster::table`).
async fn purge_deletion_vectors(lake: &Lake, models: &[Model]) -> Result<()> {
    for m in models.iter().filter(|m| m.merge_on.is_some()) {
        let table = lake.table(&m.layer, &m.name).await?;
        if table.version().is_none() {
            continue;
        }
        let (_, purged) =
            crate::lake::deletion_vectors::purge(table, crate::lake::parquet::writer_properties())
                .await?;
        if purged > 0 {
            tracing::info!(
                "{}: {purged} files rewritten without their deleted rows, for the cluster",
                m.qualified()
            );
        }
    }
    Ok(())
}

/// How many passes the steps of `model` that call `joblake_pass()` run in: one per
/// `[engine] pass_rows` rows of the largest table it reads (through views), when that is set
/// or memory is bounded; otherwise one.
async fn passes(
    lake: &Lake,
    ctx: &SessionContext,
    model: &Model,
    models: &[Model],
    sql: &str,
) -> Result<u64> {
    let settings = lake.engine_settings();
    let Some(pass_rows) = settings.pass_rows_in_effect() else {
        return Ok(1);
    };
    // A cluster bounds memory per executor; its sessions know one pass only.
    if settings.cluster.is_some() || !crate::project::model::calls_pass(sql) {
        return Ok(1);
    }
    let mut largest: u64 = 0;
    for m in read_through_views(model, models).tables {
        if lake.table(&m.layer, &m.name).await?.version().is_some() {
            let rows = engine::count_rows(ctx, &m.qualified()).await?;
            largest = largest.max(u64::try_from(rows).unwrap_or(0));
        }
    }
    Ok(largest.div_ceil(pass_rows).max(1))
}

/// Writes a model's result: a view is registered in the session, a table written to Delta
/// (appended to, for an incremental model after its first build). Returns the rows the table
/// holds and its new version.
#[allow(clippy::too_many_arguments)]
async fn write_model(
    lake: &Lake,
    ctx: &SessionContext,
    model: &Model,
    plan: &RunPlan,
    table: Option<deltalake::DeltaTable>,
    before: Option<u64>,
    df: deltalake::datafusion::dataframe::DataFrame,
    written: &mut Vec<(Model, Option<u64>)>,
) -> Result<(Option<i64>, Option<u64>)> {
    Ok(if let Some(table) = table {
        let append =
            model.materialized == Materialized::Incremental && !plan.full && before.is_some();
        // The inputs' versions, recorded in the commit. A model runs after its inputs were
        // written, so these are the versions its query read, unless another process committed
        // to an input in between (scheduled runs hold the lake's lease against that).
        let inputs = crate::lake::inputs::current(lake, &model.deps).await?;
        let (input, state) = engine::writer_input(lake, ctx, df).await?;
        let mut write = table
            .write(Vec::new())
            .with_input_plan(input)
            .with_commit_properties(crate::lake::inputs::commit_properties(&inputs))
            .with_session_state(state)
            .with_table_name(model.name.clone())
            .with_description(model.description.clone())
            .with_partition_columns(model.partition_by.clone())
            .with_writer_properties(crate::lake::parquet::writer_properties());
        write = if append {
            write.with_save_mode(SaveMode::Append)
        } else {
            write
                .with_save_mode(SaveMode::Overwrite)
                .with_schema_mode(SchemaMode::Overwrite)
        };
        let table = write.await?;
        written.push((model.clone(), before));
        let rows = engine::count_rows(ctx, &model.qualified()).await?;
        (Some(rows), table.version())
    } else {
        ctx.register_table(
            TableReference::partial(model.layer.as_str(), model.name.as_str()),
            df.into_view(),
        )?;
        (None, None)
    })
}

/// What the last completed refresh built from: the versions of the incremental tables and of
/// the trained models it predicted with. Stored in `_meta/refresh_state.json` with a single
/// put, after the data tests passed.
#[derive(Debug, Serialize, serde::Deserialize)]
struct RefreshState {
    incremental_versions: BTreeMap<String, Option<u64>>,
    /// Newest version of each trained model (`_meta/models/`); absent in older states.
    #[serde(default)]
    trained_models: BTreeMap<String, u64>,
    /// The fingerprint ([`fingerprints`]) of each stateful model the tables were built with;
    /// absent in older states (their next refresh is a full one).
    #[serde(default)]
    built_from: BTreeMap<String, String>,
    /// The version of each table the data tests passed on; the next refresh's tests check
    /// what changed since (`checks::Changes`). Absent in older states.
    #[serde(default)]
    tested: BTreeMap<String, crate::lake::TableStamp>,
    /// The tests that passed ([`tests_fingerprint`]): another set (a check added to a
    /// model, another joblake) reads every table whole once.
    #[serde(default)]
    tests_fingerprint: String,
    completed_at: chrono::DateTime<chrono::Utc>,
}

impl RefreshState {
    const PATH: &'static str = "_meta/refresh_state.json";

    async fn read(lake: &Lake) -> Result<Option<RefreshState>> {
        match lake.store().get(&lake.path(Self::PATH)).await {
            Ok(found) => {
                let bytes = found.bytes().await?;
                // An unreadable state only costs a rebuild of the downstream tables.
                Ok(serde_json::from_slice(&bytes).ok())
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn write(&self, lake: &Lake) -> Result<()> {
        let body = serde_json::to_vec_pretty(self).map_err(|e| Error::Encode {
            what: Self::PATH.to_string(),
            message: e.to_string(),
        })?;
        lake.store()
            .put(&lake.path(Self::PATH), PutPayload::from(body))
            .await?;
        Ok(())
    }
}

async fn incremental_versions(
    lake: &Lake,
    models: &[Model],
) -> Result<BTreeMap<String, Option<u64>>> {
    let mut versions = BTreeMap::new();
    for m in models
        .iter()
        .filter(|m| m.materialized == Materialized::Incremental)
    {
        let table = lake.table(&m.layer, &m.name).await?;
        versions.insert(m.qualified(), table.version());
    }
    Ok(versions)
}

/// What the table of a stateful model (incremental, or with an increment) was built from: its
/// queries and the views they read, the project's reference tables, joblake's version and
/// the code behind its SQL functions and bronze decoding (`build.rs`). A table built from
/// anything else (an edited model, new reference rows, an upgrade, a changed normalizer) is
/// rebuilt once, not continued.
fn fingerprints(project: &Project, models: &[Model]) -> BTreeMap<String, String> {
    // The code behind the SQL functions and the decoding (build.rs): a change of it changes
    // rows as surely as a change of the SQL.
    fingerprints_with(project, models, env!("JOBLAKE_LOGIC_HASH"))
}

/// [`fingerprints`] with the hash of that code given.
fn fingerprints_with(project: &Project, models: &[Model], logic: &str) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let mut common = Sha256::new();
    common.update(env!("CARGO_PKG_VERSION"));
    common.update(logic);
    for (path, text) in project.files_in("reference", ".csv") {
        common.update(path);
        common.update(text);
    }
    models
        .iter()
        .filter(|m| {
            m.increment.is_some()
                || m.merge_on.is_some()
                || m.materialized == Materialized::Incremental
        })
        .map(|m| {
            let mut h = common.clone();
            h.update(&m.sql);
            if let Some(inc) = &m.increment {
                h.update(&inc.sql);
            }
            // The views it reads are part of its query (the openings read their records
            // through silver.int_listing_records).
            for view in read_through_views(m, models).views {
                h.update(&view.sql);
            }
            let print = hex::encode(&h.finalize()[..8]);
            (m.qualified(), print)
        })
        .collect()
}

/// The models `model` reads, directly or through views: the views, and the other models
/// (tables) they end at, each once, in name order. Reference tables and bronze are left out.
struct Reads<'a> {
    views: Vec<&'a Model>,
    tables: Vec<&'a Model>,
}

fn read_through_views<'a>(model: &Model, models: &'a [Model]) -> Reads<'a> {
    let mut found: BTreeMap<String, &'a Model> = BTreeMap::new();
    let mut next: Vec<&String> = model.deps.iter().collect();
    while let Some(dep) = next.pop() {
        let Some(m) = models.iter().find(|m| &m.qualified() == dep) else {
            continue; // a reference table or bronze
        };
        if found.insert(dep.clone(), m).is_none() && m.materialized == Materialized::View {
            next.extend(m.deps.iter());
        }
    }
    let (views, tables) = found
        .into_values()
        .partition(|m| m.materialized == Materialized::View);
    Reads { views, tables }
}

/// The newest version of each trained model of the lake.
async fn trained_versions(lake: &Lake) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for kind in joblake_model::ModelKind::ALL {
        if let Some(&v) = models::versions(lake, kind).await?.last() {
            out.insert(kind.to_string(), v);
        }
    }
    Ok(out)
}

/// Runs the data tests alone, over the lake as it is: every table read whole.
pub async fn test(lake: &Lake, project: &Project) -> Result<Vec<TestOutcome>> {
    let models = load_models(project)?;
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    register_views(&ctx, &models).await?;
    let tests = checks::collect(&models, project);
    Ok(checks::run(&ctx, &tests, &checks::Changes::default()).await)
}

/// What the data `tests` are: their names and queries, and the joblake that runs them.
fn tests_fingerprint(tests: &[checks::DataTest]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    for test in tests {
        h.update(&test.name);
        h.update([0]);
        h.update(&test.sql);
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// Registers the project's view models in `ctx`, so that queries can use them too. A view
/// whose inputs do not exist yet (an empty lake) is left out rather than failing the session.
pub async fn register_views(ctx: &SessionContext, models: &[Model]) -> Result<()> {
    for m in models
        .iter()
        .filter(|m| m.materialized == Materialized::View)
    {
        match ctx.sql(&m.sql).await {
            Ok(df) => {
                ctx.register_table(
                    TableReference::partial(m.layer.as_str(), m.name.as_str()),
                    df.into_view(),
                )?;
            }
            Err(e) => tracing::debug!("view {} not registered: {e}", m.qualified()),
        }
    }
    Ok(())
}

/// Bronze files already read by every incremental model (from their `bronze_file` column).
async fn consumed_files(
    lake: &Lake,
    project: &Project,
    models: &[Model],
) -> Result<HashSet<String>> {
    let incremental: Vec<&Model> = models
        .iter()
        .filter(|m| m.materialized == Materialized::Incremental)
        .collect();
    let mut consumed: Option<HashSet<String>> = None;
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    for m in incremental {
        if lake.table(&m.layer, &m.name).await?.version().is_none() {
            return Ok(HashSet::new());
        }
        let batches = ctx
            .sql(&format!(
                "SELECT DISTINCT bronze_file FROM {}",
                m.qualified()
            ))
            .await?
            .collect()
            .await?;
        let mut files = HashSet::new();
        for b in &batches {
            let col = deltalake::arrow::compute::cast(
                b.column(0),
                &deltalake::arrow::datatypes::DataType::Utf8,
            )?;
            let col = col.as_string::<i32>();
            files.extend(col.iter().flatten().map(str::to_string));
        }
        consumed = Some(match consumed {
            None => files,
            Some(prev) => prev.intersection(&files).cloned().collect(),
        });
    }
    Ok(consumed.unwrap_or_default())
}

/// Cuts a message that embeds a whole query plan down to something a person can read.
fn shorten(message: &str) -> String {
    const MAX: usize = 600;
    if message.len() <= MAX {
        return message.to_string();
    }
    let cut = (0..=MAX)
        .rev()
        .find(|i| message.is_char_boundary(*i))
        .unwrap_or(0);
    format!(
        "{}… (message cut; RUST_LOG=debug shows it whole)",
        &message[..cut]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stateful_table_is_rebuilt_when_the_code_behind_its_functions_changes() {
        let project = Project::embedded();
        let models = load_models(&project).expect("the project's models");
        let now = fingerprints(&project, &models);
        assert!(
            now.contains_key("silver.posting_records") && now.contains_key("silver.job_postings"),
            "the incremental and merged tables have fingerprints: {now:?}"
        );
        assert_eq!(
            now,
            fingerprints_with(&project, &models, env!("JOBLAKE_LOGIC_HASH"))
        );
        let other = fingerprints_with(&project, &models, "another build");
        for (model, print) in &now {
            assert_ne!(Some(print), other.get(model), "{model}");
        }
    }

    #[test]
    fn a_stateful_table_is_rebuilt_when_a_view_it_reads_changes() {
        let project = Project::embedded();
        let mut models = load_models(&project).expect("the project's models");
        let before = fingerprints(&project, &models);
        let view = models
            .iter_mut()
            .find(|m| m.qualified() == "silver.int_listing_records")
            .expect("the openings' records view");
        assert_eq!(view.materialized, Materialized::View);
        view.sql.push_str("\n-- edited");
        let after = fingerprints(&project, &models);
        assert_ne!(
            before["silver.int_listing_openings"], after["silver.int_listing_openings"],
            "the openings read the view"
        );
        assert_eq!(
            before["silver.posting_records"], after["silver.posting_records"],
            "posting_records does not"
        );
    }
}
