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
//! SELECT ...
//! ```

use std::collections::{BTreeMap, BTreeSet};

use deltalake::datafusion::sql::parser::DFParser;
use deltalake::datafusion::sql::resolve::resolve_table_references;

use super::Project;
use crate::error::{Error, Result};

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
    /// Qualified names of the models and tables it reads.
    pub deps: BTreeSet<String>,
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
            deps: BTreeSet::new(),
        };
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
                _ if model.description.is_empty() => model.description = comment.to_string(),
                _ => {}
            }
        }
        if model.description.is_empty() {
            return Err(fail(
                "no header comment: start the file with `-- what the table holds`".into(),
            ));
        }
        model.deps = table_references(sql).map_err(fail)?;
        model.deps.remove(&model.qualified());
        Ok(model)
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
/// A cycle is an error that names it.
pub fn load_models(project: &Project) -> Result<Vec<Model>> {
    let mut models = BTreeMap::new();
    for layer in MODEL_LAYERS {
        for (path, sql) in project.files_in(layer, ".sql") {
            let m = Model::parse(layer, path, sql)?;
            models.insert(m.qualified(), m);
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
    fn missing_header_is_refused() {
        let err = Model::parse("gold", "gold/x.sql", "SELECT 1").expect_err("no header");
        assert!(err.to_string().contains("header comment"));
    }
}
