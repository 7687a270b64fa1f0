//! Line-editor behaviour of the REPL: completion (keywords, schemas, tables, the columns of the
//! tables a statement names) and multi-line input (a statement ends at `;`).

use std::collections::HashMap;
use std::sync::Mutex;

use deltalake::datafusion::prelude::SessionContext;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use crate::engine::CATALOG;

/// The schemas of the catalog.
pub const SCHEMAS: [&str; 5] = ["bronze", "silver", "gold", "ref", "meta"];

/// SQL keywords offered for completion (DataFusion's dialect, the common part).
const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT JOIN",
    "RIGHT JOIN",
    "FULL JOIN",
    "INNER JOIN",
    "CROSS JOIN",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS NULL",
    "IS NOT NULL",
    "LIKE",
    "ILIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "UNION ALL",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "WITH",
    "OVER",
    "PARTITION BY",
    "ASC",
    "DESC",
    "NULLS FIRST",
    "NULLS LAST",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "CAST",
    "COALESCE",
    "EXPLAIN",
    "EXPLAIN ANALYZE",
    "DESCRIBE",
    "SHOW TABLES",
    "SHOW COLUMNS",
    "VALUES",
    "TRUE",
    "FALSE",
    "NULL",
    "date_trunc",
    "approx_percentile_cont",
    "percentile_cont",
    "array_agg",
    "string_agg",
    "table_at",
];

/// The REPL's rustyline helper.
pub struct SqlHelper {
    ctx: SessionContext,
    tables: Mutex<HashMap<String, Vec<String>>>,
    columns: Mutex<HashMap<String, Vec<String>>>,
}

impl SqlHelper {
    /// A helper completing names of `ctx`'s catalog.
    pub fn new(ctx: SessionContext) -> SqlHelper {
        SqlHelper {
            ctx,
            tables: Mutex::new(HashMap::new()),
            columns: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets cached names (after `\refresh`).
    pub fn reset(&mut self, ctx: SessionContext) {
        self.ctx = ctx;
        if let Ok(mut t) = self.tables.lock() {
            t.clear();
        }
        if let Ok(mut c) = self.columns.lock() {
            c.clear();
        }
    }

    /// Tables of `schema`, listed once.
    fn tables_of(&self, schema: &str) -> Vec<String> {
        if let Ok(cache) = self.tables.lock()
            && let Some(t) = cache.get(schema)
        {
            return t.clone();
        }
        let names = self
            .ctx
            .catalog(CATALOG)
            .and_then(|c| c.schema(schema))
            .map(|s| s.table_names())
            .unwrap_or_default();
        if let Ok(mut cache) = self.tables.lock() {
            cache.insert(schema.to_string(), names.clone());
        }
        names
    }

    /// Columns of `schema.table`, read once (opening a Delta table reads its log, not data).
    fn columns_of(&self, table: &str) -> Vec<String> {
        if let Ok(cache) = self.columns.lock()
            && let Some(c) = cache.get(table)
        {
            return c.clone();
        }
        let ctx = self.ctx.clone();
        let name = table.to_string();
        // Completion is synchronous; the lookup runs on a thread with its own runtime.
        let columns = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let df = ctx.table(name.as_str()).await.ok()?;
                Some(
                    df.schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect::<Vec<_>>(),
                )
            })
        })
        .join()
        .ok()
        .flatten()
        .unwrap_or_default();
        if let Ok(mut cache) = self.columns.lock() {
            cache.insert(table.to_string(), columns.clone());
        }
        columns
    }

    /// `schema.table` names written in `text`.
    fn tables_named(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
            if let Some((schema, table)) = word.split_once('.')
                && SCHEMAS.contains(&schema)
                && !table.is_empty()
                && !found.iter().any(|f: &String| f == word)
            {
                found.push(word.to_string());
            }
        }
        found
    }

    /// Completions of the word ending at `pos` in `line`: (start of the word, candidates).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        let mut out = Vec::new();
        if let Some((schema, prefix)) = word.split_once('.') {
            if SCHEMAS.contains(&schema) {
                for t in self.tables_of(schema) {
                    if t.starts_with(prefix) {
                        out.push(format!("{schema}.{t}"));
                    }
                }
            }
            return (start, out);
        }
        let lower = word.to_lowercase();
        for schema in SCHEMAS {
            if schema.starts_with(&lower) {
                out.push(format!("{schema}."));
            }
        }
        for table in Self::tables_named(line) {
            for c in self.columns_of(&table) {
                if c.to_lowercase().starts_with(&lower) && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        if !word.is_empty() {
            for k in KEYWORDS {
                if k.to_lowercase().starts_with(&lower) {
                    // Keep the user's case: `sel` gives `select`, `SEL` gives `SELECT`.
                    let upper = word.chars().next().is_some_and(char::is_uppercase);
                    out.push(if upper {
                        k.to_string()
                    } else {
                        k.to_lowercase()
                    });
                }
            }
        }
        (start, out)
    }
}

impl Completer for SqlHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.candidates(line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for SqlHelper {
    type Hint = String;
}

impl Highlighter for SqlHelper {}

impl Validator for SqlHelper {
    /// A statement is complete at its `;`; a meta-command (`\dt`) at the end of its line.
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let text = ctx.input().trim();
        if text.is_empty() || text.starts_with('\\') || text.ends_with(';') {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Helper for SqlHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_tables_in_a_statement_are_found() {
        let found = SqlHelper::tables_named(
            "SELECT * FROM gold.fact_job_posting f JOIN gold.dim_skill s ON x.y = 1",
        );
        assert_eq!(found, ["gold.fact_job_posting", "gold.dim_skill"]);
    }

    #[test]
    fn keywords_and_schemas_complete_in_the_users_case() {
        let helper = SqlHelper::new(SessionContext::new());
        let (start, words) = helper.candidates("sel", 3);
        assert_eq!(start, 0);
        assert!(words.contains(&"select".to_string()), "{words:?}");
        // Schema names are lower-case identifiers whatever the case typed.
        let (_, words) = helper.candidates("SELECT * FROM GOL", 17);
        assert_eq!(words, ["gold."]);
        let (start, words) = helper.candidates("SELECT * FROM go", 16);
        assert_eq!(start, 14);
        assert_eq!(words, ["gold."]);
    }
}
