//! One source of truth: the places that name the same tables, columns and sources agree.
//! The models (`sql/`) decide; `lake_layout.md`, the warehouse migrations (both backends),
//! `sql/reference/sources.csv` and the generator follow, and a disagreement fails here with
//! a diff naming both sides.

use std::collections::{BTreeMap, BTreeSet};

use joblake::bronze::FileSelection;
use joblake::engine;
use joblake::pipeline::land_demo;
use joblake::project::model::{Materialized, load_models, table_references};
use joblake::project::{Project, mirrored};
use joblake_sources::REGISTRY;

use deltalake::datafusion::prelude::SessionContext;

use crate::util::{TempLake, run_refresh, small_demo, temp_lake};

/// The repository's root (lake_layout.md, migrations/).
fn repo_file(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// "only in <a>: x, y; only in <b>: z" for two column sets, or None when they are equal.
fn diff(a: &str, left: &BTreeSet<String>, b: &str, right: &BTreeSet<String>) -> Option<String> {
    let only = |x: &BTreeSet<String>, y: &BTreeSet<String>| {
        x.difference(y).cloned().collect::<Vec<_>>().join(", ")
    };
    let (l, r) = (only(left, right), only(right, left));
    if l.is_empty() && r.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !l.is_empty() {
        parts.push(format!("only in {a}: {l}"));
    }
    if !r.is_empty() {
        parts.push(format!("only in {b}: {r}"));
    }
    Some(parts.join("; "))
}

/// Fails with every problem, one per line.
fn assert_none(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what} disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// The tables a migration set creates, with their columns: `CREATE TABLE [schema.]name (...)`,
/// column definitions only (not PRIMARY KEY, FOREIGN KEY, UNIQUE, CHECK, CONSTRAINT lines).
fn migration_tables(backend: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut tables = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("migration text");
        let text: String = text
            .lines()
            .map(|l| l.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("CREATE TABLE ") {
            rest = &rest[at + "CREATE TABLE ".len()..];
            let open = rest.find('(').expect("CREATE TABLE has a column list");
            let name = rest[..open]
                .trim()
                .trim_start_matches("IF NOT EXISTS ")
                .to_string();
            let mut depth = 0;
            let mut end = open;
            for (i, c) in rest[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = open + i;
                    break;
                }
            }
            let body = &rest[open + 1..end];
            // Split on commas outside parentheses (`NUMERIC(12, 2)`, `REFERENCES t (k)`).
            let mut items = Vec::new();
            let (mut depth, mut start) = (0, 0);
            for (i, c) in body.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&body[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            items.push(&body[start..]);
            let columns = items
                .iter()
                .filter_map(|item| item.split_whitespace().next())
                .filter(|first| {
                    !matches!(
                        first.to_ascii_uppercase().as_str(),
                        "PRIMARY" | "FOREIGN" | "UNIQUE" | "CHECK" | "CONSTRAINT"
                    )
                })
                .map(|c| c.trim_matches('"').to_string())
                .collect();
            tables.insert(name, columns);
            rest = &rest[end..];
        }
    }
    tables
}

/// The gold tables of a migration set, by bare name: PostgreSQL's `gold.<name>`; SQLite's
/// tables other than the loader's (`joblake_*`) and the run log's (`meta_*`).
fn warehouse_gold(backend: &str) -> BTreeMap<String, BTreeSet<String>> {
    migration_tables(backend)
        .into_iter()
        .filter_map(|(name, columns)| match backend {
            "postgres" => name.strip_prefix("gold.").map(|n| (n.to_string(), columns)),
            _ => (!name.starts_with("joblake_") && !name.starts_with("meta_"))
                .then_some((name, columns)),
        })
        .collect()
}

/// The column reference of lake_layout.md: its rows `` | `layer.table` | a, b, c | ``
/// under `## Columns of every model`.
fn layout_columns() -> BTreeMap<String, BTreeSet<String>> {
    let text = repo_file("lake_layout.md");
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Columns of every model"))
        .expect("lake_layout.md has a `## Columns of every model` section");
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            let [table, columns] = cells.as_slice() else {
                return None;
            };
            let table = table.trim().strip_prefix('`')?.strip_suffix('`')?;
            let columns = columns
                .split(',')
                .map(|c| c.trim().trim_matches('`').to_string())
                .filter(|c| !c.is_empty())
                .collect();
            Some((table.to_string(), columns))
        })
        .collect()
}

/// A refreshed demo lake of the built-in project and a session over it.
async fn refreshed_demo() -> (TempLake, Project, SessionContext) {
    let t = temp_lake();
    land_demo(&t.lake, &small_demo(40))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;
    let project = Project::embedded();
    let ctx = engine::session(&t.lake, &project, FileSelection::All)
        .await
        .expect("session");
    (t, project, ctx)
}

/// Every stored model's output columns in order, read from a refreshed demo lake.
async fn model_columns() -> BTreeMap<String, Vec<String>> {
    let (_t, project, ctx) = refreshed_demo().await;
    let mut out = BTreeMap::new();
    for model in load_models(&project).expect("models load") {
        if model.materialized == Materialized::View {
            continue; // not stored: staging views are not tables of the lake
        }
        let df = ctx
            .table(model.qualified().as_str())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", model.qualified()));
        let columns = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        out.insert(model.qualified(), columns);
    }
    out
}

#[tokio::test]
async fn models_layout_and_migrations_agree_on_tables_and_columns() {
    let models = model_columns().await;
    assert!(models.contains_key("gold.fact_job_posting"), "{models:?}");

    let layout = layout_columns();
    let mut problems = Vec::new();
    for (table, columns) in &models {
        match layout.get(table) {
            None => problems.push(format!(
                "{table}: a model, not in lake_layout.md (| `{table}` | {} |)",
                columns.join(", ")
            )),
            Some(documented) => {
                let columns = columns.iter().cloned().collect();
                if let Some(d) = diff("the model", &columns, "lake_layout.md", documented) {
                    problems.push(format!("{table}: {d}"));
                }
            }
        }
    }
    for table in layout.keys().filter(|t| !models.contains_key(*t)) {
        problems.push(format!("{table}: in lake_layout.md, no such stored model"));
    }
    assert_none("the models and lake_layout.md", problems);

    let mirrored = mirrored(&Project::embedded()).expect("mirrored tables");
    assert!(!mirrored.is_empty());
    for backend in ["postgres", "sqlite"] {
        let warehouse = warehouse_gold(backend);
        let mut problems = Vec::new();
        for table in mirrored.tables() {
            let model: BTreeSet<String> =
                models[&format!("gold.{table}")].iter().cloned().collect();
            match warehouse.get(table) {
                None => problems.push(format!(
                    "gold.{table}: marked `mirror:`, no table in migrations/{backend}"
                )),
                Some(created) => {
                    let place = format!("migrations/{backend}");
                    if let Some(d) = diff("the model", &model, &place, created) {
                        problems.push(format!("gold.{table}: {d}"));
                    }
                }
            }
        }
        for table in warehouse.keys() {
            if mirrored.kind(table).is_none() {
                problems.push(format!(
                    "{table}: created by migrations/{backend}, no gold model marked `mirror:`"
                ));
            }
        }
        assert_none(&format!("the models and migrations/{backend}"), problems);
    }
}

#[test]
fn the_migration_parser_reads_columns_not_constraints() {
    let tables = warehouse_gold("postgres");
    let bridge = &tables["bridge_posting_skill"];
    let expected: BTreeSet<String> = ["posting_key", "skill_key"].map(String::from).into();
    assert_eq!(bridge, &expected);
}

#[test]
fn sources_agree_with_the_registry() {
    let project = Project::embedded();
    let names: BTreeSet<String> = REGISTRY.iter().map(|k| k.name.to_string()).collect();
    let mut problems = Vec::new();

    // Each entry's staging model is stg_<name>__postings, and its file exists.
    for kind in &REGISTRY {
        let expected = format!("silver.stg_{}__postings", kind.name);
        if kind.staging_model != expected {
            problems.push(format!(
                "{}: staging model {} (expected {expected})",
                kind.name, kind.staging_model
            ));
        }
        let file = format!("silver/stg_{}__postings.sql", kind.name);
        if project.file(&file).is_none() {
            problems.push(format!("{}: no sql/{file}", kind.name));
        }
    }
    let staging_files: BTreeSet<String> = project
        .files_in("silver", ".sql")
        .filter_map(|(path, _)| {
            let stem = path
                .strip_prefix("silver/stg_")?
                .strip_suffix("__postings.sql")?;
            Some(stem.to_string())
        })
        .collect();
    if let Some(d) = diff("the registry", &names, "sql/silver/stg_*", &staging_files) {
        problems.push(format!("staging models: {d}"));
    }

    // The union of posting_records reads exactly the registry's staging models.
    let union = project
        .file("silver/posting_records.sql")
        .expect("posting_records model");
    let read: BTreeSet<String> = table_references(union)
        .expect("posting_records parses")
        .into_iter()
        .filter(|t| t.starts_with("silver.stg_"))
        .collect();
    let staged: BTreeSet<String> = REGISTRY
        .iter()
        .map(|k| k.staging_model.to_string())
        .collect();
    if let Some(d) = diff("the registry", &staged, "posting_records.sql", &read) {
        problems.push(format!("the union of staging models: {d}"));
    }

    // ref.sources: one row per registry entry, its kind the fetcher's (scrape or api).
    let csv = project
        .file("reference/sources.csv")
        .expect("reference/sources.csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut listed = BTreeSet::new();
    for record in reader.records() {
        let record = record.expect("valid CSV");
        let (name, kind) = (&record[0], &record[2]);
        listed.insert(name.to_string());
        if let Some(entry) = REGISTRY.iter().find(|k| k.name == name) {
            let expected = match entry.fetcher {
                Some(f) if f.kind == "scrape" => "scrape",
                _ => "api",
            };
            if kind != expected {
                problems.push(format!(
                    "sources.csv: {name} has kind {kind}, the registry says {expected}"
                ));
            }
        }
    }
    if let Some(d) = diff("the registry", &names, "sources.csv", &listed) {
        problems.push(format!("sql/reference/sources.csv: {d}"));
    }

    // The generator writes sources the registry knows (not necessarily all of them).
    for source in joblake_gen::SOURCES {
        if !names.contains(source) {
            problems.push(format!(
                "joblake_gen::SOURCES: {source} is not in the registry"
            ));
        }
    }
    assert_none("the source registry and its copies", problems);
}

/// Delta stores timestamps in microseconds. A model whose query yields nanoseconds (a bare
/// `CAST(NULL AS TIMESTAMP)` in one branch of a union) is cast by the writer on every refresh,
/// which warns on the user's terminal. Every table model's query, and its increment's, yields
/// microseconds.
#[tokio::test]
async fn every_model_yields_timestamps_as_its_table_stores_them() {
    let (t, project, ctx) = refreshed_demo().await;
    let models = load_models(&project).expect("models load");
    joblake::transform::run::register_views(&ctx, &models)
        .await
        .expect("views register");
    let mut problems = Vec::new();
    for model in models {
        if model.materialized == Materialized::View {
            continue;
        }
        let forms = std::iter::once((&model.path, &model.sql))
            .chain(model.increment.as_ref().map(|i| (&i.path, &i.sql)));
        for (path, sql) in forms {
            let (df, steps) = joblake::transform::steps::plan(&t.lake, &ctx, sql, 1, None)
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            for field in df.schema().fields() {
                if let deltalake::arrow::datatypes::DataType::Timestamp(
                    deltalake::arrow::datatypes::TimeUnit::Nanosecond,
                    _,
                ) = field.data_type()
                {
                    problems.push(format!("{path}: {} is {}", field.name(), field.data_type()));
                }
            }
            steps.drop(&t.lake, &ctx).await;
        }
    }
    assert!(
        problems.is_empty(),
        "nanosecond timestamps:\n  {}",
        problems.join("\n  ")
    );
}
