//! The SQL project: models (`silver/`, `gold/`), data tests (`tests/`) and reference CSVs
//! (`reference/`), either built into the binary from the repo's `sql/` folder or read from a
//! directory given by the user.

pub mod model;
pub mod rollup;

pub use model::{Mirror, Mirrored, mirrored};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use deltalake::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use deltalake::arrow::datatypes::{DataType, Field, Schema};
use deltalake::datafusion::catalog::TableProvider;
use deltalake::datafusion::datasource::MemTable;
use include_dir::{Dir, include_dir};

use crate::error::{Error, Result};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/sql");

/// The files of a SQL project, by path relative to its root (`silver/job_postings.sql`).
#[derive(Debug, Clone)]
pub struct Project {
    files: BTreeMap<String, String>,
    origin: String,
    /// The models, parsed once ([`model::load_models`]): every session reads them (the
    /// optimizer's star, the views), and the files never change after construction.
    models: Arc<OnceLock<Vec<model::Model>>>,
}

impl Project {
    /// The models built into this binary (the repository's `sql/` folder at build time).
    pub fn embedded() -> Project {
        let mut files = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut files);
        Project {
            files,
            origin: "built-in models".into(),
            models: Arc::default(),
        }
    }

    /// The models of a directory laid out like `sql/`.
    pub fn from_dir(dir: &Path) -> Result<Project> {
        let mut files = BTreeMap::new();
        collect_dir(dir, dir, &mut files)?;
        if !files.keys().any(|k| k.ends_with(".sql")) {
            return Err(Error::Config(format!(
                "{} holds no .sql models (expected silver/*.sql, gold/*.sql)",
                dir.display()
            )));
        }
        Ok(Project {
            files,
            origin: dir.display().to_string(),
            models: Arc::default(),
        })
    }

    /// A project from files held in memory (tests, generated projects).
    pub fn from_files(files: BTreeMap<String, String>) -> Project {
        Project {
            files,
            origin: "in-memory project".into(),
            models: Arc::default(),
        }
    }

    /// Where the models come from, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Files under `folder/` with extension `ext`, as (path, text), sorted by path.
    pub fn files_in<'a>(
        &'a self,
        folder: &'a str,
        ext: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.files.iter().filter_map(move |(path, text)| {
            let rest = path.strip_prefix(folder)?.strip_prefix('/')?;
            (!rest.contains('/') && rest.ends_with(ext)).then_some((path.as_str(), text.as_str()))
        })
    }

    /// A reference file's text (`reference/skills.csv` → `file("reference/skills.csv")`).
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Like [`Project::file`], but a missing file is an error naming it.
    pub fn require(&self, path: &str) -> Result<&str> {
        self.file(path)
            .ok_or_else(|| Error::Config(format!("{} has no {path}", self.origin)))
    }

    /// Every `reference/*.csv` as an in-memory table named after the file.
    pub fn reference_tables(&self) -> Result<Vec<(String, Arc<dyn TableProvider>)>> {
        self.files_in("reference", ".csv")
            .map(|(path, text)| {
                let name = path
                    .trim_start_matches("reference/")
                    .trim_end_matches(".csv")
                    .to_string();
                let batch = csv_to_batch(text).map_err(|message| Error::Model {
                    model: format!("ref.{name}"),
                    message: format!("{path}: {message}"),
                })?;
                let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
                Ok((name, Arc::new(table) as Arc<dyn TableProvider>))
            })
            .collect()
    }
}

fn collect_embedded(dir: &Dir<'_>, out: &mut BTreeMap<String, String>) {
    for file in dir.files() {
        if let (Some(path), Some(text)) = (file.path().to_str(), file.contents_utf8()) {
            out.insert(path.replace('\\', "/"), text.to_string());
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

fn collect_dir(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<()> {
    let io = |source, what: &Path| Error::Io {
        context: format!("reading {}", what.display()),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(e, dir))? {
        let path = entry.map_err(|e| io(e, dir))?.path();
        if path.is_dir() {
            collect_dir(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let text = std::fs::read_to_string(&path).map_err(|e| io(e, &path))?;
            out.insert(rel.to_string_lossy().replace('\\', "/"), text);
        }
    }
    Ok(())
}

/// Parses a small CSV with a header into one batch. A column whose values all parse as
/// integers becomes Int64, as numbers Float64, otherwise Utf8; empty cells are NULL.
fn csv_to_batch(text: &str) -> std::result::Result<RecordBatch, String> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); headers.len()];
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", i + 2))?;
        for (c, col) in columns.iter_mut().enumerate() {
            let v = record.get(c).map(str::trim).filter(|v| !v.is_empty());
            col.push(v.map(str::to_string));
        }
    }
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, values) in headers.iter().zip(columns) {
        let present = || values.iter().flatten();
        if present().next().is_some() && present().all(|v| v.parse::<i64>().is_ok()) {
            fields.push(Field::new(name, DataType::Int64, true));
            arrays.push(Arc::new(Int64Array::from_iter(
                values
                    .iter()
                    .map(|v| v.as_ref().and_then(|v| v.parse().ok())),
            )));
        } else if present().next().is_some() && present().all(|v| v.parse::<f64>().is_ok()) {
            fields.push(Field::new(name, DataType::Float64, true));
            arrays.push(Arc::new(Float64Array::from_iter(
                values
                    .iter()
                    .map(|v| v.as_ref().and_then(|v| v.parse().ok())),
            )));
        } else {
            fields.push(Field::new(name, DataType::Utf8, true));
            arrays.push(Arc::new(StringArray::from_iter(values)));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_types_are_inferred() {
        let b = csv_to_batch("a,b,c\n1,1.5,x\n2,,y\n").expect("valid csv");
        assert_eq!(b.schema().field(0).data_type(), &DataType::Int64);
        assert_eq!(b.schema().field(1).data_type(), &DataType::Float64);
        assert_eq!(b.schema().field(2).data_type(), &DataType::Utf8);
        assert_eq!(b.num_rows(), 2);
        assert!(b.column(1).is_null(1));
    }

    #[test]
    fn embedded_project_has_models() {
        let p = Project::embedded();
        assert!(p.files_in("silver", ".sql").count() > 0);
        assert!(p.file("reference/skills.csv").is_some());
    }
}
