//! A SQL model: one file, one table. Its header comment declares what it is; the tables it
//! reads (qualified names such as `silver.job_postings`) decide the order models run in.
//!
//! ```sql
//! -- One row per distinct posting across all sources.
//! -- grain: posting_id
//! -- materialized: table            (view | table | incremental)
//! -- partition_by: posted_month
//! -- unique: posting_id
//! -- not_null: posting_id, title
//! -- relationships: company_key -> gold.dim_company.company_key
//! -- accepted_values: remote in (true, false)
//! -- mirror: star                   (star | aggregate; gold tables only)
//! -- rollup: true                   (gold tables only: project::rollup)
//! -- merge_on: posting_id           (tables that call joblake_pass, or whose increment returns
//!                                    the rows of the keys it changes: rows replaced by key)
//! -- deletion_vectors: keep         (with merge_on: replace rows with deletion vectors, for
//!                                    tables only models read; default `rewrite`)
//! SELECT ...
//! ```

use std::collections::{BTreeMap, BTreeSet};

use deltalake::datafusion::sql::parser::DFParser;
use deltalake::datafusion::sql::resolve::resolve_table_references;

use super::Project;
use super::rollup::Rollup;
use crate::error::{Error, Result};

/// The SQL name of the pass function (`engine::pass_udf`): a model's query or step that
/// calls it can be run over part of its keys (passes, merges).
pub const PASS_FUNCTION: &str = "joblake_pass";

/// Whether `sql` calls the pass function.
pub fn calls_pass(sql: &str) -> bool {
    sql.to_ascii_lowercase()
        .contains(&format!("{PASS_FUNCTION}("))
}

/// How a model's result is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Materialized {
    /// Not stored: registered in the session for the models after it (staging models).
    View,
    /// A Delta table rebuilt from its inputs on every refresh.
    Table,
    /// A Delta table that only appends the rows of bronze files it has not consumed yet.
    /// It must carry a `bronze_file` column: the set of consumed files is read from it.
    Incremental,
}

/// How a gold table is mirrored into the warehouse (`-- mirror:` header). A model without the
/// header is not mirrored; one with it must have a table of the same name in the warehouse
/// migrations (`migrations/<backend>/`), or the mirror fails naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mirror {
    /// Part of the star (dimensions, fact, bridge): reloaded as a whole when any part of it
    /// changed, so that its foreign keys always hold.
    Star,
    /// An aggregate: reloaded on its own when it changed.
    Aggregate,
}

impl Mirror {
    /// The header value: `star` or `aggregate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mirror::Star => "star",
            Mirror::Aggregate => "aggregate",
        }
    }
}

impl std::str::FromStr for Mirror {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Mirror, String> {
        match s {
            "star" => Ok(Mirror::Star),
            "aggregate" => Ok(Mirror::Aggregate),
            other => Err(format!("unknown mirror kind {other:?} (star or aggregate)")),
        }
    }
}

/// The layers that hold models, in order.
pub const MODEL_LAYERS: [&str; 2] = ["silver", "gold"];

/// One model file.
#[derive(Debug, Clone)]
pub struct Model {
    /// Layer (schema): `silver` or `gold`.
    pub layer: String,
    /// Table name (the file stem).
    pub name: String,
    /// Path of the file in the project.
    pub path: String,
    /// The query.
    pub sql: String,
    /// First header line: what the table holds.
    pub description: String,
    /// Declared grain.
    pub grain: Option<String>,
    /// Materialization.
    pub materialized: Materialized,
    /// Delta partition columns.
    pub partition_by: Vec<String>,
    /// Declared data tests.
    pub checks: Vec<Check>,
    /// How it is mirrored into the warehouse (None: it is not).
    pub mirror: Option<Mirror>,
    /// Qualified names of the models and tables it reads (its increment's too).
    pub deps: BTreeSet<String>,
    /// Its increment (`<layer>/increments/<name>.sql`), when it has one.
    pub increment: Option<Increment>,
    /// What it rolls up, for a rollup (`rollup: true`): queries over the same inputs at a
    /// coarser grain are answered from it (`engine::rollups`).
    pub rollup: Option<Rollup>,
    /// The key its rows are replaced by in a refresh that is not `--full` (`merge_on:`): only
    /// the keys whose input rows changed are computed again (its `joblake_pass(key)` is true
    /// for them alone) and replace their rows (`lake::rewrite`, or `lake::deletion_vectors`
    /// with `deletion_vectors: keep`). The query
    /// must give each key's rows from the rows of that key alone (as passes require) and read
    /// other tables only where they only grow (`transform::merge`). A model with an increment
    /// is replaced by the rows its increment returns instead: every row of each key they
    /// hold (`silver.int_listing_openings`).
    pub merge_on: Option<String>,
    /// With `merge_on`: replace rows with deletion vectors and leave them and the new files
    /// (`deletion_vectors: keep`), for a table only models read, instead of writing the
    /// partitions that hold the replaced rows again (the default, `rewrite`:
    /// `lake::rewrite`). Vectors put a reader feature in the table's protocol that some
    /// readers refuse (Python's `deltalake` with pyarrow), and delta-rs reads a file with a
    /// vector without the query's filters: a table analysts query is rewritten.
    pub keep_deletion_vectors: bool,
}

/// The other form of a table model: a query that reads the table as the last refresh wrote it
/// (under the table's own name) and the inputs as they are now, and returns what the full form
/// would return, at the cost of what changed. A refresh that is not `--full` runs it when the
/// table was built by the same project (`transform::run`).
#[derive(Debug, Clone)]
pub struct Increment {
    /// Path of the file in the project.
    pub path: String,
    /// The query.
    pub sql: String,
}

/// Where a model's increment lives: `silver/increments/int_listing_openings.sql` for
/// `silver.int_listing_openings`.
pub fn increment_path(layer: &str, name: &str) -> String {
    format!("{layer}/increments/{name}.sql")
}

/// A declared data test on a model's output.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The columns together are unique.
    Unique(Vec<String>),
    /// The column is never NULL.
    NotNull(String),
    /// Every non-NULL value of `column` exists in `table.to_column`.
    Relationship {
        /// Column of this model.
        column: String,
        /// Qualified referenced table.
        table: String,
        /// Referenced column.
        to_column: String,
    },
    /// The column only takes these values (or NULL).
    AcceptedValues {
        /// Column of this model.
        column: String,
        /// Allowed values, as SQL literals.
        values: Vec<String>,
    },
}

impl Model {
    /// Qualified name, `layer.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.layer, self.name)
    }

    /// Parses a model file.
    pub fn parse(layer: &str, path: &str, sql: &str) -> Result<Model> {
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".sql")
            .to_string();
        let fail = |message: String| Error::Model {
            model: format!("{layer}.{name}"),
            message: format!("{path}: {message}"),
        };
        let mut model = Model {
            layer: layer.to_string(),
            name: name.clone(),
            path: path.to_string(),
            sql: sql.to_string(),
            description: String::new(),
            grain: None,
            materialized: Materialized::Table,
            partition_by: Vec::new(),
            checks: Vec::new(),
            mirror: None,
            increment: None,
            deps: BTreeSet::new(),
            rollup: None,
            merge_on: None,
            keep_deletion_vectors: false,
        };
        let mut rollup = false;
        for line in sql.lines() {
            let Some(comment) = line.trim().strip_prefix("--") else {
                break;
            };
            let comment = comment.trim();
            let known = comment.split_once(':').and_then(|(k, v)| {
                let k = k.trim();
                matches!(
                    k,
                    "grain"
                        | "materialized"
                        | "partition_by"
                        | "unique"
                        | "not_null"
                        | "relationships"
                        | "accepted_values"
                        | "mirror"
                        | "rollup"
                        | "merge_on"
                        | "deletion_vectors"
                )
                .then(|| (k, v.trim()))
            });
            match known {
                Some(("grain", v)) => model.grain = Some(v.to_string()),
                Some(("materialized", v)) => {
                    model.materialized = match v {
                        "view" => Materialized::View,
                        "table" => Materialized::Table,
                        "incremental" => Materialized::Incremental,
                        other => {
                            return Err(fail(format!(
                                "unknown materialization {other:?} (view, table or incremental)"
                            )));
                        }
                    }
                }
                Some(("partition_by", v)) => model.partition_by = list(v),
                Some(("unique", v)) => model.checks.push(Check::Unique(list(v))),
                Some(("not_null", v)) => {
                    model.checks.extend(list(v).into_iter().map(Check::NotNull))
                }
                Some(("relationships", v)) => {
                    for rel in v.split(';').map(str::trim).filter(|r| !r.is_empty()) {
                        let (column, target) = rel.split_once("->").ok_or_else(|| {
                            fail(format!(
                                "relationship {rel:?}: expected `col -> layer.table.col`"
                            ))
                        })?;
                        let target = target.trim();
                        let (table, to_column) = target.rsplit_once('.').ok_or_else(|| {
                            fail(format!(
                                "relationship target {target:?}: expected layer.table.col"
                            ))
                        })?;
                        model.checks.push(Check::Relationship {
                            column: column.trim().to_string(),
                            table: table.to_string(),
                            to_column: to_column.to_string(),
                        });
                    }
                }
                Some(("accepted_values", v)) => {
                    let (column, values) = v.split_once(" in ").ok_or_else(|| {
                        fail(format!("accepted_values {v:?}: expected `col in (a, b)`"))
                    })?;
                    let values = values.trim().trim_start_matches('(').trim_end_matches(')');
                    model.checks.push(Check::AcceptedValues {
                        column: column.trim().to_string(),
                        values: list(values),
                    });
                }
                Some(("mirror", v)) => model.mirror = Some(v.parse().map_err(fail)?),
                Some(("merge_on", v)) => model.merge_on = Some(v.to_string()),
                Some(("deletion_vectors", v)) => {
                    model.keep_deletion_vectors = match v {
                        "keep" => true,
                        // `purge`: its name before merges wrote files again (`lake::rewrite`).
                        "rewrite" | "purge" => false,
                        other => {
                            return Err(fail(format!(
                                "deletion_vectors: {other:?} (keep or rewrite)"
                            )));
                        }
                    }
                }
                Some(("rollup", v)) => {
                    rollup = match v {
                        "true" => true,
                        "false" => false,
                        other => return Err(fail(format!("rollup: {other:?} (true or false)"))),
                    }
                }
                _ if model.description.is_empty() => model.description = comment.to_string(),
                _ => {}
            }
        }
        if model.description.is_empty() {
            return Err(fail(
                "no header comment: start the file with `-- what the table holds`".into(),
            ));
        }
        if model.mirror.is_some() {
            // Only a stored gold table has a Delta version to compare with the warehouse's.
            if layer != "gold" {
                return Err(fail("`mirror:` is for gold models only".into()));
            }
            if model.materialized == Materialized::View {
                return Err(fail(
                    "`mirror:` needs a stored table: materialized view is not mirrored".into(),
                ));
            }
        }
        if model.keep_deletion_vectors && model.merge_on.is_none() {
            return Err(fail("`deletion_vectors:` goes with `merge_on:`".into()));
        }
        if let Some(key) = &model.merge_on {
            // Its keys are picked through joblake_pass: without it nothing would be limited.
            if model.materialized != Materialized::Table || !calls_pass(sql) {
                return Err(fail(format!(
                    "`merge_on: {key}` is for `materialized: table` models whose query calls joblake_pass({key})"
                )));
            }
        }
        model.deps = table_references(sql).map_err(fail)?;
        model.deps.remove(&model.qualified());
        if rollup {
            // Answered from in place of its inputs: it must be a stored gold table holding
            // nothing but its inputs' rows, grouped.
            if layer != "gold" || model.materialized != Materialized::Table {
                return Err(fail(
                    "`rollup: true` is for gold models with `materialized: table`".into(),
                ));
            }
            let parsed = Rollup::parse(sql).map_err(|e| fail(format!("rollup: {e}")))?;
            model.rollup = Some(parsed);
        }
        Ok(model)
    }

    /// Gives a table model its increment; the increment's inputs become dependencies too
    /// (the table itself excepted: the increment reads its previous version).
    pub fn with_increment(&mut self, path: String, sql: &str) -> Result<()> {
        let fail = |message: String| Error::Model {
            model: self.qualified(),
            message: format!("{path}: {message}"),
        };
        if self.materialized != Materialized::Table {
            return Err(fail(
                "only a `materialized: table` model has an increment".into(),
            ));
        }
        let mut deps = table_references(sql).map_err(fail)?;
        if !deps.remove(&self.qualified()) {
            return Err(fail(format!(
                "an increment reads the table as the last refresh wrote it ({}), and this one does not",
                self.qualified()
            )));
        }
        self.deps.extend(deps);
        self.increment = Some(Increment {
            path,
            sql: sql.to_string(),
        });
        Ok(())
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The qualified tables a query reads (`schema.table`), ignoring CTE names.
pub fn table_references(sql: &str) -> std::result::Result<BTreeSet<String>, String> {
    let statements = DFParser::parse_sql(sql).map_err(|e| e.to_string())?;
    let mut out = BTreeSet::new();
    for statement in &statements {
        let (tables, _ctes) =
            resolve_table_references(statement, true).map_err(|e| e.to_string())?;
        for t in tables {
            if let Some(schema) = t.schema() {
                out.insert(format!("{schema}.{}", t.table()));
            }
        }
    }
    Ok(out)
}

/// Every model of the project, in an order where each comes after the models it reads.
/// A cycle is an error that names it. Parsed on the first call; later calls copy the result.
pub fn load_models(project: &Project) -> Result<Vec<Model>> {
    if let Some(models) = project.models.get() {
        return Ok(models.clone());
    }
    let models = parse_models(project)?;
    Ok(project.models.get_or_init(|| models).clone())
}

fn parse_models(project: &Project) -> Result<Vec<Model>> {
    let mut models = BTreeMap::new();
    for layer in MODEL_LAYERS {
        for (path, sql) in project.files_in(layer, ".sql") {
            let mut m = Model::parse(layer, path, sql)?;
            let increment = increment_path(layer, &m.name);
            if let Some(sql) = project.file(&increment) {
                m.with_increment(increment, sql)?;
            }
            models.insert(m.qualified(), m);
        }
        // An increment without its model would never run: say so rather than ignore it.
        for (path, _) in project.files_in(&format!("{layer}/increments"), ".sql") {
            let name = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".sql");
            if !models.contains_key(&format!("{layer}.{name}")) {
                return Err(Error::Model {
                    model: format!("{layer}.{name}"),
                    message: format!("{path}: an increment of no model ({layer}/{name}.sql)"),
                });
            }
        }
    }
    let mut ordered = Vec::with_capacity(models.len());
    let mut state: BTreeMap<String, u8> = BTreeMap::new(); // 1 = visiting, 2 = done
    fn visit(
        name: &str,
        models: &BTreeMap<String, Model>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        ordered: &mut Vec<Model>,
    ) -> Result<()> {
        match state.get(name) {
            Some(2) => return Ok(()),
            Some(_) => {
                let start = stack.iter().position(|n| n == name).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(name.to_string());
                return Err(Error::Model {
                    model: name.to_string(),
                    message: format!("dependency cycle: {}", cycle.join(" -> ")),
                });
            }
            None => {}
        }
        let Some(model) = models.get(name) else {
            return Ok(()); // a bronze or ref table, not a model
        };
        state.insert(name.to_string(), 1);
        stack.push(name.to_string());
        for dep in &model.deps {
            visit(dep, models, state, stack, ordered)?;
        }
        stack.pop();
        state.insert(name.to_string(), 2);
        ordered.push(model.clone());
        Ok(())
    }
    for name in models.keys() {
        visit(name, &models, &mut state, &mut Vec::new(), &mut ordered)?;
    }
    Ok(ordered)
}

/// The gold tables a project mirrors into the warehouse, from its models' `mirror:` headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mirrored {
    /// The star's tables, each after the tables it references (its `relationships`).
    pub star: Vec<String>,
    /// The aggregates, by name.
    pub aggregates: Vec<String>,
}

impl Mirrored {
    /// Every mirrored table: the star, then the aggregates.
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        self.star.iter().chain(&self.aggregates).map(String::as_str)
    }

    /// How `table` is mirrored (None: it is not).
    pub fn kind(&self, table: &str) -> Option<Mirror> {
        if self.star.iter().any(|t| t == table) {
            Some(Mirror::Star)
        } else if self.aggregates.iter().any(|t| t == table) {
            Some(Mirror::Aggregate)
        } else {
            None
        }
    }

    /// How many tables are mirrored.
    pub fn len(&self) -> usize {
        self.star.len() + self.aggregates.len()
    }

    /// True when the project mirrors nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The tables of `project` marked `mirror:`. The star is ordered so that a table comes after
/// those its `relationships` point to (the warehouse's foreign keys), ties by name.
pub fn mirrored(project: &Project) -> Result<Mirrored> {
    let models = load_models(project)?;
    let mut star: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut aggregates = Vec::new();
    for m in models.iter().filter(|m| m.layer == "gold") {
        match m.mirror {
            Some(Mirror::Star) => {
                let refs = m.checks.iter().filter_map(|c| match c {
                    Check::Relationship { table, .. } => table.strip_prefix("gold."),
                    _ => None,
                });
                let refs = refs.filter(|t| *t != m.name).map(str::to_string).collect();
                star.insert(m.name.clone(), refs);
            }
            Some(Mirror::Aggregate) => aggregates.push(m.name.clone()),
            None => {}
        }
    }
    aggregates.sort();
    // References to tables outside the star do not order it.
    let names: BTreeSet<String> = star.keys().cloned().collect();
    for refs in star.values_mut() {
        refs.retain(|t| names.contains(t));
    }
    let mut ordered = Vec::with_capacity(star.len());
    while !star.is_empty() {
        let ready = star
            .iter()
            .find(|(_, refs)| refs.iter().all(|r| ordered.contains(r)))
            .map(|(name, _)| name.clone());
        let Some(name) = ready else {
            let left: Vec<&str> = star.keys().map(String::as_str).collect();
            return Err(Error::Model {
                model: format!("gold.{}", left.join(", gold.")),
                message: "the star's relationships form a cycle: no load order".into(),
            });
        };
        star.remove(&name);
        ordered.push(name);
    }
    Ok(Mirrored {
        star: ordered,
        aggregates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_parsed() {
        let sql = "-- Postings.\n-- grain: posting_id\n-- materialized: incremental\n-- partition_by: a, b\n-- unique: posting_id\n-- not_null: x, y\n-- relationships: k -> gold.dim.k\n-- accepted_values: c in ('a', 'b')\nSELECT * FROM silver.x JOIN bronze.adzuna USING (a)";
        let m = Model::parse("silver", "silver/t.sql", sql).expect("valid model");
        assert_eq!(m.description, "Postings.");
        assert_eq!(m.materialized, Materialized::Incremental);
        assert_eq!(m.partition_by, vec!["a", "b"]);
        assert_eq!(m.checks.len(), 5);
        assert!(m.deps.contains("silver.x") && m.deps.contains("bronze.adzuna"));
    }

    #[test]
    fn merge_on_needs_a_table_that_calls_joblake_pass() {
        let parse = |header: &str, query: &str| {
            Model::parse(
                "silver",
                "silver/t.sql",
                &format!("-- t\n{header}\n{query}"),
            )
        };
        let pass = "SELECT * FROM silver.a WHERE joblake_pass(k)";
        let m = parse("-- merge_on: k", pass).expect("valid");
        assert_eq!(m.merge_on.as_deref(), Some("k"));
        assert!(!m.keep_deletion_vectors, "rewritten by default");
        let m = parse("-- merge_on: k\n-- deletion_vectors: keep", pass).expect("valid");
        assert!(m.keep_deletion_vectors);
        for value in ["rewrite", "purge"] {
            let header = format!("-- merge_on: k\n-- deletion_vectors: {value}");
            let m = parse(&header, pass).expect("valid");
            assert!(!m.keep_deletion_vectors, "{value}");
        }
        for (header, query, says) in [
            ("-- merge_on: k", "SELECT * FROM silver.a", "joblake_pass"),
            (
                "-- merge_on: k\n-- materialized: view",
                pass,
                "materialized: table",
            ),
            ("-- deletion_vectors: keep", pass, "goes with `merge_on:`"),
            (
                "-- merge_on: k\n-- deletion_vectors: sometimes",
                pass,
                "keep or rewrite",
            ),
        ] {
            let err = parse(header, query).expect_err(header).to_string();
            assert!(err.contains(says), "{header}: {err}");
        }
    }

    #[test]
    fn cte_names_are_not_dependencies() {
        let deps = table_references("WITH t AS (SELECT 1) SELECT * FROM t JOIN gold.a ON true")
            .expect("valid sql");
        assert_eq!(deps.into_iter().collect::<Vec<_>>(), vec!["gold.a"]);
    }

    #[test]
    fn cycles_are_named() {
        let mut files = BTreeMap::new();
        files.insert("silver/a.sql".into(), "-- a\nSELECT * FROM silver.b".into());
        files.insert("silver/b.sql".into(), "-- b\nSELECT * FROM silver.a".into());
        let p = Project::from_files(files);
        let err = load_models(&p).expect_err("cycle").to_string();
        assert!(err.contains("silver.a -> silver.b -> silver.a"), "{err}");
    }

    #[test]
    fn an_increment_reads_its_table_and_adds_its_inputs() {
        let project = |files: &[(&str, &str)]| {
            Project::from_files(
                files
                    .iter()
                    .map(|(p, t)| (p.to_string(), t.to_string()))
                    .collect(),
            )
        };
        let base = [
            ("silver/a.sql", "-- a\nSELECT 1 AS x"),
            ("silver/b.sql", "-- b\nSELECT x FROM silver.a"),
        ];
        let mut files = base.to_vec();
        files.push((
            "silver/increments/b.sql",
            "-- b, increment\nCREATE TABLE t AS SELECT * FROM silver.c;\nSELECT x FROM silver.b UNION ALL SELECT x FROM t",
        ));
        files.push(("silver/c.sql", "-- c\nSELECT 2 AS x"));
        let models = load_models(&project(&files)).expect("loads");
        let b = models.iter().find(|m| m.name == "b").expect("b");
        assert_eq!(
            b.deps.iter().map(String::as_str).collect::<Vec<_>>(),
            ["silver.a", "silver.c"],
            "the increment's inputs, not the table itself"
        );
        let c = models.iter().position(|m| m.name == "c").expect("c");
        let b = models.iter().position(|m| m.name == "b").expect("b");
        assert!(c < b, "b runs after what its increment reads");

        // An increment that does not read its table, of a view, or of no model is refused.
        for (path, sql, expected) in [
            (
                "silver/increments/b.sql",
                "-- b\nSELECT x FROM silver.a",
                "reads the table",
            ),
            (
                "silver/increments/v.sql",
                "-- v\nSELECT * FROM silver.v",
                "only a `materialized: table`",
            ),
            (
                "silver/increments/z.sql",
                "-- z\nSELECT * FROM silver.z",
                "an increment of no model",
            ),
        ] {
            let mut files = base.to_vec();
            files.push(("silver/v.sql", "-- v\n-- materialized: view\nSELECT 1 AS x"));
            files.push((path, sql));
            let err = load_models(&project(&files)).expect_err(path).to_string();
            assert!(err.contains(expected), "{path}: {err}");
        }
    }

    #[test]
    fn mirror_header_is_typed_and_checked() {
        let m = Model::parse("gold", "gold/a.sql", "-- a\n-- mirror: aggregate\nSELECT 1")
            .expect("valid model");
        assert_eq!(m.mirror, Some(Mirror::Aggregate));
        let err = Model::parse("gold", "gold/a.sql", "-- a\n-- mirror: stars\nSELECT 1")
            .expect_err("unknown kind")
            .to_string();
        assert!(err.contains("gold.a") && err.contains("\"stars\""), "{err}");
        let err = Model::parse("silver", "silver/a.sql", "-- a\n-- mirror: star\nSELECT 1")
            .expect_err("silver is not mirrored")
            .to_string();
        assert!(err.contains("gold models only"), "{err}");
    }

    #[test]
    fn star_is_ordered_by_its_relationships() {
        let mut files = BTreeMap::new();
        let model = |header: &str| format!("-- t\n-- mirror: star\n{header}SELECT 1 AS k");
        files.insert(
            "gold/a_fact.sql".into(),
            model("-- relationships: k -> gold.z_dim.k; k -> gold.b_dim.k\n"),
        );
        files.insert(
            "gold/b_dim.sql".into(),
            model("-- relationships: k -> gold.z_dim.k\n"),
        );
        files.insert("gold/z_dim.sql".into(), model(""));
        files.insert(
            "gold/agg.sql".into(),
            "-- t\n-- mirror: aggregate\nSELECT 1".into(),
        );
        files.insert("gold/other.sql".into(), "-- t\nSELECT 1".into());
        let m = mirrored(&Project::from_files(files)).expect("no cycle");
        assert_eq!(m.star, vec!["z_dim", "b_dim", "a_fact"]);
        assert_eq!(m.aggregates, vec!["agg"]);
        assert_eq!(m.kind("other"), None);
    }

    #[test]
    fn missing_header_is_refused() {
        let err = Model::parse("gold", "gold/x.sql", "SELECT 1").expect_err("no header");
        assert!(err.to_string().contains("header comment"));
    }
}
