//! The warehouse: gold mirrored into a relational database that BI tools read. PostgreSQL for
//! real deployments, SQLite (a file beside the lake) as the zero-setup default.
//!
//! `mirror` applies the pending migrations (`migrations/<backend>/`, embedded in the binary),
//! then reloads each gold table whose Delta version differs from the one the warehouse holds
//! (all of them with `full`). PostgreSQL: tables are first loaded into staging tables, outside
//! any lock, then one transaction renames them in place of the live tables. SQLite (one writer,
//! readers on WAL snapshots): one transaction empties and refills the live tables. Either way
//! the versions are recorded in the same transaction, so a BI query sees the old data or the
//! new, never a mix, an empty table or half a load; a mirror that dies before that commit
//! leaves the warehouse as it was, and the next one starts over.
//!
//! The tables mirrored are the project's gold models marked `-- mirror: star` or
//! `-- mirror: aggregate`; each must have a table in the migrations, or the mirror fails naming
//! it. The star (dimensions, fact, bridge) is reloaded as a whole when any part of it changed,
//! so that its foreign keys always hold; aggregates are reloaded one by one.

mod pgcopy;
mod postgres;
mod runs;
mod sqlite;

pub use runs::mirror_runs;

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use deltalake::datafusion::execution::SendableRecordBatchStream;
use deltalake::datafusion::prelude::SessionContext;
use include_dir::{Dir, include_dir};
use serde::Serialize;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::bronze::FileSelection;
use crate::engine;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::{Mirrored, Project, mirrored};
use crate::redact::redacted;

pub use pgcopy::PgType;

static MIGRATIONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// A warehouse connection.
pub enum Warehouse {
    /// A PostgreSQL database (`postgres://...`).
    Postgres(sqlx::PgPool),
    /// A SQLite file (`sqlite://path`).
    Sqlite(sqlx::SqlitePool),
}

/// How to mirror.
#[derive(Debug, Clone, Copy, Default)]
pub struct MirrorOptions {
    /// Reload every table, changed or not.
    pub full: bool,
}

/// What happened to one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableMirror {
    /// Gold table name.
    pub table: String,
    /// Its Delta version now in the warehouse.
    pub version: u64,
    /// Rows loaded (0 when unchanged).
    pub rows: u64,
    /// True when the warehouse already held this version: nothing loaded.
    pub unchanged: bool,
    /// Seconds spent loading it (PostgreSQL: into staging).
    pub seconds: f64,
}

impl TableMirror {
    /// A table of `load` just loaded with `rows` rows, its loading begun at `started`.
    fn loaded(load: &Load, rows: u64, started: Instant) -> TableMirror {
        TableMirror {
            table: load.table.clone(),
            version: load.version,
            rows,
            unchanged: false,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// What `mirror` did.
#[derive(Debug, Clone, Serialize)]
pub struct MirrorReport {
    /// The warehouse, its password hidden.
    pub warehouse: String,
    /// Migrations applied by this run.
    pub migrations_applied: usize,
    /// One entry per gold table.
    pub tables: Vec<TableMirror>,
    /// Seconds the final swap transaction took (the time readers may wait).
    pub swap_seconds: f64,
    /// Wall time.
    pub seconds: f64,
}

impl MirrorReport {
    /// Rows loaded, all tables.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// The warehouse URL used when none is configured: a SQLite file in the lake directory, or in
/// the current directory for a lake in an object store.
pub fn default_url(lake: &Lake) -> String {
    match lake.url().to_file_path() {
        Ok(dir) => format!("sqlite://{}", dir.join("warehouse.db").display()),
        Err(()) => "sqlite://warehouse.db".to_string(),
    }
}

fn db_error(url: &str, context: &str, e: impl std::fmt::Display) -> Error {
    Error::Warehouse(format!("{} ({context}): {e}", redacted(url)))
}

impl Warehouse {
    /// Connects to `url`: `postgres://user:password@host/db?sslmode=require` or
    /// `sqlite://path/to/file.db` (created if missing).
    pub async fn connect(url: &str) -> Result<Warehouse> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            postgres::connect(url)
                .await
                .map(Warehouse::Postgres)
                .map_err(|e| db_error(url, "connecting", e))
        } else if url.starts_with("sqlite:") {
            sqlite::connect(url)
                .await
                .map(Warehouse::Sqlite)
                .map_err(|e| db_error(url, "opening", e))
        } else {
            Err(Error::Config(format!(
                "warehouse URL `{}`: expected postgres://... or sqlite://...",
                redacted(url)
            )))
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            Warehouse::Postgres(_) => "postgres",
            Warehouse::Sqlite(_) => "sqlite",
        }
    }

    /// The embedded migrations of this backend.
    fn migrator(&self) -> Result<Migrator> {
        let dir = MIGRATIONS
            .get_dir(self.backend())
            .ok_or_else(|| Error::Warehouse(format!("no migrations for {}", self.backend())))?;
        let mut migrations = Vec::new();
        for file in dir.files() {
            let name = file
                .path()
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let Some(stem) = name.strip_suffix(".sql") else {
                continue;
            };
            // `0001_star_schema.sql`; other files (roles.sql) are not migrations.
            let Some((version, description)) = stem.split_once('_') else {
                continue;
            };
            let Ok(version) = version.parse::<i64>() else {
                continue;
            };
            let sql = file
                .contents_utf8()
                .ok_or_else(|| Error::Warehouse(format!("migration {name} is not UTF-8")))?;
            migrations.push(Migration::new(
                version,
                description.replace('_', " ").into(),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                false,
            ));
        }
        migrations.sort_by_key(|m| m.version);
        let mut migrator = Migrator::with_migrations(migrations);
        if let Warehouse::Postgres(_) = self {
            // The loader's bookkeeping lives in its own schema, not in `public`.
            migrator.create_schema("joblake");
            migrator.dangerous_set_table_name("joblake._sqlx_migrations");
        }
        Ok(migrator)
    }

    /// Applies the pending migrations; returns how many were applied. Running it again does
    /// nothing.
    pub async fn migrate(&self) -> Result<usize> {
        let migrator = self.migrator()?;
        let before = self.applied_migrations().await;
        let result = match self {
            Warehouse::Postgres(pool) => migrator.run(pool).await,
            Warehouse::Sqlite(pool) => migrator.run(pool).await,
        };
        result.map_err(|e| Error::Warehouse(format!("migrations: {e}")))?;
        Ok(self.applied_migrations().await.saturating_sub(before))
    }

    async fn applied_migrations(&self) -> usize {
        let count = match self {
            Warehouse::Postgres(pool) => {
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM joblake._sqlx_migrations")
                    .fetch_one(pool)
                    .await
            }
            Warehouse::Sqlite(pool) => {
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM _sqlx_migrations")
                    .fetch_one(pool)
                    .await
            }
        };
        // No table yet: none applied.
        count.map(|c| c as usize).unwrap_or(0)
    }

    /// The names of the gold tables the warehouse has (after its migrations).
    pub async fn tables(&self) -> Result<BTreeSet<String>> {
        let rows: std::result::Result<Vec<String>, sqlx::Error> = match self {
            Warehouse::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'gold' AND table_type = 'BASE TABLE'",
                )
                .fetch_all(pool)
                .await
            }
            Warehouse::Sqlite(pool) => {
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(pool)
                    .await
            }
        };
        let rows = rows.map_err(|e| Error::Warehouse(format!("listing tables: {e}")))?;
        Ok(rows.into_iter().collect())
    }

    /// Fails naming every mirrored table the warehouse has no table for: a model marked
    /// `mirror:` needs one in the migrations, it is never skipped silently.
    pub async fn check_tables(&self, mirrored: &Mirrored) -> Result<()> {
        let have = self.tables().await?;
        let missing: Vec<String> = mirrored
            .tables()
            .filter(|t| !have.contains(*t))
            .map(|t| {
                let kind = mirrored.kind(t).map(|k| k.as_str()).unwrap_or_default();
                format!("gold.{t} (mirror: {kind})")
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::Warehouse(format!(
            "{} marked `mirror:` but the warehouse migrations (migrations/{}/) create no table \
             of that name: add one in a new migration, or remove the `mirror:` header",
            missing.join(", "),
            self.backend()
        )))
    }

    /// Delta version of each gold table the warehouse holds.
    pub async fn versions(&self) -> Result<HashMap<String, u64>> {
        let rows: std::result::Result<Vec<(String, i64)>, sqlx::Error> = match self {
            Warehouse::Postgres(pool) => {
                sqlx::query_as("SELECT table_name, delta_version FROM joblake.mirror_state")
                    .fetch_all(pool)
                    .await
            }
            Warehouse::Sqlite(pool) => {
                sqlx::query_as("SELECT table_name, delta_version FROM joblake_mirror_state")
                    .fetch_all(pool)
                    .await
            }
        };
        let rows = rows.map_err(|e| Error::Warehouse(format!("reading mirror state: {e}")))?;
        Ok(rows
            .into_iter()
            .map(|(t, v)| (t, u64::try_from(v).unwrap_or(0)))
            .collect())
    }

    /// Closes the connections.
    pub async fn close(&self) {
        match self {
            Warehouse::Postgres(pool) => pool.close().await,
            Warehouse::Sqlite(pool) => pool.close().await,
        }
    }
}

/// A gold table to load, with the Delta version being loaded.
pub(crate) struct Load {
    pub table: String,
    pub version: u64,
}

/// Streams `SELECT <columns> FROM gold.<table> [ORDER BY <order_by>]` from the lake.
pub(crate) async fn read_gold(
    ctx: &SessionContext,
    table: &str,
    columns: &[String],
    order_by: &[String],
) -> Result<SendableRecordBatchStream> {
    let quoted = |names: &[String]| {
        names
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let order = if order_by.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", quoted(order_by))
    };
    let df = ctx
        .sql(&format!(
            "SELECT {} FROM gold.{table}{order}",
            quoted(columns)
        ))
        .await
        .map_err(|e| Error::Warehouse(format!("reading gold.{table}: {e}")))?;
    Ok(df.execute_stream().await?)
}

/// Which gold tables to load: those whose Delta version differs from the warehouse's (the
/// whole star if any of it differs), or all with `full`.
async fn plan(
    lake: &Lake,
    mirrored: &Mirrored,
    held: &HashMap<String, u64>,
    full: bool,
) -> Result<(Vec<Load>, Vec<TableMirror>)> {
    let mut current = Vec::new();
    for table in mirrored.tables() {
        // `Lake::table` looks for the log first: an unloaded table has no version.
        let Some(version) = lake.table("gold", table).await?.version() else {
            return Err(Error::Warehouse(format!(
                "gold.{table} does not exist in the lake: run `joblake refresh` first"
            )));
        };
        current.push((table.to_string(), version));
    }
    let changed = |t: &str, v: u64| full || held.get(t) != Some(&v);
    let star_changed = current
        .iter()
        .filter(|(t, _)| mirrored.star.contains(t))
        .any(|(t, v)| changed(t, *v));
    let mut loads = Vec::new();
    let mut unchanged = Vec::new();
    for (table, version) in current {
        let load = if mirrored.star.contains(&table) {
            star_changed
        } else {
            changed(&table, version)
        };
        if load {
            loads.push(Load { table, version });
        } else {
            unchanged.push(TableMirror {
                table,
                version,
                rows: 0,
                unchanged: true,
                seconds: 0.0,
            });
        }
    }
    Ok((loads, unchanged))
}

/// Mirrors gold into the warehouse at `url`: migrations, then the changed tables.
pub async fn mirror(
    lake: &Lake,
    project: &Project,
    url: &str,
    options: MirrorOptions,
) -> Result<MirrorReport> {
    let started = Instant::now();
    let mirrored = mirrored(project)?;
    let warehouse = Warehouse::connect(url).await?;
    let migrations_applied = warehouse.migrate().await?;
    warehouse.check_tables(&mirrored).await?;
    let held = warehouse.versions().await?;
    let (loads, mut tables) = plan(lake, &mirrored, &held, options.full).await?;
    let mut swap_seconds = 0.0;
    if !loads.is_empty() {
        let ctx = engine::session(lake, project, FileSelection::All).await?;
        let (loaded, swap) = match &warehouse {
            Warehouse::Postgres(pool) => postgres::load(pool, &ctx, &loads).await,
            Warehouse::Sqlite(pool) => sqlite::load(pool, &ctx, &loads).await,
        }
        .map_err(|e| match e {
            Error::Warehouse(m) => Error::Warehouse(format!("{}: {m}", redacted(url))),
            other => other,
        })?;
        swap_seconds = swap;
        tables.extend(loaded);
    }
    warehouse.close().await;
    let order: Vec<&str> = mirrored.tables().collect();
    tables.sort_by_key(|t| order.iter().position(|o| *o == t.table));
    Ok(MirrorReport {
        warehouse: redacted(url),
        migrations_applied,
        tables,
        swap_seconds,
        seconds: started.elapsed().as_secs_f64(),
    })
}
