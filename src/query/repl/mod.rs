//! The interactive SQL shell: `joblake sql` on a terminal. The same engine, catalog and
//! printing as `sql -c` ([`crate::query::exec`]), with line editing, a history file, completion,
//! psql-style meta-commands, and Ctrl-C cancelling the running query rather than the shell.

mod helper;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use comfy_table::{Table, presets};
use deltalake::datafusion::prelude::SessionContext;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use crate::bronze::FileSelection;
use crate::error::{Error, Result};
use crate::lake::Lake;
use crate::project::{Project, model};
use crate::query::exec::{ExecOptions, run_sql};
use crate::query::output::Format;
use crate::transform::run as runner;
use crate::{engine, pipeline};

pub use helper::SqlHelper;

const HELP: &str = "\
Statements end with `;` and may span lines. Tables: bronze.<source>, silver.*, gold.*, ref.*;
time travel: SELECT * FROM table_at('silver.job_postings', 3)  (a version, or a timestamp).
Ctrl-C cancels the running query, Ctrl-D quits.

  \\dt [PATTERN]       tables with layer, rows and Delta version (* and ? in PATTERN)
  \\d TABLE            columns, types, partition columns and description of TABLE
  \\timing [on|off]    show each statement's elapsed time
  \\format FORMAT      table, csv, json, ndjson or markdown
  \\pset maxrows N     rows shown in table format (0: all)
  \\o [FILE]           send results to FILE (no FILE: back to the terminal)
  \\i FILE             run the statements of FILE
  \\history            the statements typed so far
  \\refresh            re-read the lake (new tables and versions, after a refresh elsewhere)
  \\?                  this help
  \\q                  quit";

/// The session the shell queries: the engine's, with the staging views registered.
pub async fn sql_session(lake: &Lake, project: &Project) -> Result<SessionContext> {
    let ctx = engine::session(lake, project, FileSelection::All).await?;
    runner::register_views(&ctx, &model::load_models(project)?).await?;
    Ok(ctx)
}

/// Where the history is kept: `$XDG_DATA_HOME/joblake/history` (or the platform's data
/// directory).
pub fn history_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("joblake").join("history"))
}

/// What a meta-command asks of the loop.
enum Next {
    Continue,
    Quit,
}

struct Shell {
    lake: Lake,
    project: Project,
    ctx: SessionContext,
    options: ExecOptions,
    output: Option<(PathBuf, File)>,
}

impl Shell {
    fn out(&mut self) -> Box<dyn Write + '_> {
        match &mut self.output {
            Some((_, file)) => Box::new(file),
            None => Box::new(std::io::stdout()),
        }
    }

    /// Runs SQL text; Ctrl-C drops the running query (and its streams) and returns.
    async fn run(&mut self, sql: &str) {
        let ctx = self.ctx.clone();
        let options = self.options;
        let lake = self.lake.clone();
        let mut out = self.out();
        tokio::select! {
            result = run_sql(&ctx, sql, &options, &mut *out, Some(&lake)) => {
                if let Err(e) = result {
                    eprintln!("error: {e}");
                }
            }
            _ = tokio::signal::ctrl_c() => eprintln!("cancelled"),
        }
        let _ = out.flush();
    }

    async fn meta(&mut self, line: &str, editor: &mut Editor<SqlHelper, FileHistory>) -> Next {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let arg: Vec<&str> = words.collect();
        let arg = arg.join(" ");
        let result = match command {
            "\\q" | "\\quit" => return Next::Quit,
            "\\?" | "\\h" | "\\help" => {
                println!("{HELP}");
                Ok(())
            }
            "\\dt" => self.list_tables(&arg).await,
            "\\d" if arg.is_empty() => self.list_tables("").await,
            "\\d" => self.describe(&arg).await,
            "\\timing" => {
                self.options.timing = match arg.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => !self.options.timing,
                };
                println!(
                    "Timing is {}.",
                    if self.options.timing { "on" } else { "off" }
                );
                Ok(())
            }
            "\\format" => match <Format as clap::ValueEnum>::from_str(&arg, true) {
                Ok(f) => {
                    self.options.format = f;
                    println!("Output format is {arg}.");
                    Ok(())
                }
                Err(_) => Err(Error::Usage(
                    "usage: \\format table|csv|json|ndjson|markdown".into(),
                )),
            },
            "\\pset" => self.pset(&arg),
            "\\o" => self.redirect(&arg),
            "\\i" => match std::fs::read_to_string(&arg) {
                Ok(sql) => {
                    self.run(&sql).await;
                    Ok(())
                }
                Err(e) => Err(Error::Io {
                    context: format!("reading {arg}"),
                    source: e,
                }),
            },
            "\\history" => {
                for (i, entry) in editor.history().iter().enumerate() {
                    println!("{:>5}  {entry}", i + 1);
                }
                Ok(())
            }
            "\\refresh" => match sql_session(&self.lake, &self.project).await {
                Ok(ctx) => {
                    self.ctx = ctx.clone();
                    if let Some(h) = editor.helper_mut() {
                        h.reset(ctx);
                    }
                    println!("Lake re-read: tables at their latest versions.");
                    Ok(())
                }
                Err(e) => Err(e),
            },
            other => Err(Error::Usage(format!(
                "unknown command {other}: \\? lists them"
            ))),
        };
        if let Err(e) = result {
            eprintln!("error: {e}");
        }
        Next::Continue
    }

    fn pset(&mut self, arg: &str) -> Result<()> {
        let mut words = arg.split_whitespace();
        match (words.next(), words.next().map(str::parse::<usize>)) {
            (Some("maxrows"), Some(Ok(n))) => {
                self.options.style.max_rows = if n == 0 { usize::MAX } else { n };
                println!(
                    "Showing at most {} rows.",
                    if n == 0 {
                        "all".to_string()
                    } else {
                        n.to_string()
                    }
                );
                Ok(())
            }
            (Some("width"), Some(Ok(n))) => {
                self.options.style.width = u16::try_from(n).ok();
                Ok(())
            }
            _ => Err(Error::Usage(
                "usage: \\pset maxrows N | \\pset width N".into(),
            )),
        }
    }

    fn redirect(&mut self, arg: &str) -> Result<()> {
        if arg.is_empty() {
            self.output = None;
            println!("Results go to the terminal.");
            return Ok(());
        }
        let path = PathBuf::from(arg);
        let file = File::create(&path).map_err(|e| Error::Io {
            context: format!("opening {arg}"),
            source: e,
        })?;
        println!("Results go to {arg}.");
        self.output = Some((path, file));
        Ok(())
    }

    async fn list_tables(&mut self, pattern: &str) -> Result<()> {
        let tables = pipeline::tables(&self.lake, &self.project).await?;
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        t.set_header(vec!["layer", "table", "rows", "version", "files"]);
        let mut shown = 0;
        for info in tables {
            let qualified = format!("{}.{}", info.layer, info.name);
            if !pattern.is_empty() && !glob(pattern, &qualified) && !glob(pattern, &info.name) {
                continue;
            }
            shown += 1;
            t.add_row(vec![
                info.layer,
                info.name,
                info.rows.to_string(),
                info.version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
                info.files.to_string(),
            ]);
        }
        println!("{t}\n{shown} table{}", if shown == 1 { "" } else { "s" });
        Ok(())
    }

    async fn describe(&mut self, name: &str) -> Result<()> {
        let name = name.trim_end_matches(';');
        let df = self.ctx.table(name).await?;
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        t.set_header(vec!["column", "type", "nullable"]);
        for f in df.schema().fields() {
            t.add_row(vec![
                f.name().clone(),
                f.data_type().to_string(),
                if f.is_nullable() { "yes" } else { "no" }.to_string(),
            ]);
        }
        println!("{t}");
        if let Some((layer, table)) = name.split_once('.') {
            if crate::lake::DELTA_LAYERS.contains(&layer)
                && self.lake.is_table(layer, table).await?
            {
                let delta = self.lake.table(layer, table).await?;
                let partitions = delta
                    .snapshot()
                    .map(|s| s.metadata().partition_columns().to_vec())
                    .unwrap_or_default();
                println!(
                    "Delta version {}; partitioned by {}",
                    delta
                        .version()
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "-".into()),
                    if partitions.is_empty() {
                        "nothing".to_string()
                    } else {
                        partitions.join(", ")
                    }
                );
            }
            if let Some(m) = model::load_models(&self.project)?
                .into_iter()
                .find(|m| m.layer == layer && m.name == table)
            {
                println!("{}", m.description);
                if let Some(grain) = m.grain {
                    println!("Grain: {grain}");
                }
            }
        }
        Ok(())
    }
}

/// `*` and `?` wildcards, case-insensitive.
fn glob(pattern: &str, text: &str) -> bool {
    fn matches(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => matches(&p[1..], t) || (!t.is_empty() && matches(p, &t[1..])),
            (Some('?'), Some(_)) => matches(&p[1..], &t[1..]),
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b) && matches(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t)
}

/// Runs the shell until `\q` or Ctrl-D.
pub async fn run(lake: Lake, project: Project, options: ExecOptions) -> Result<()> {
    let ctx = sql_session(&lake, &project).await?;
    let config = Config::builder()
        .auto_add_history(false)
        .max_history_size(10_000)
        .map_err(|e| Error::Terminal(e.to_string()))?
        .build();
    let mut editor: Editor<SqlHelper, FileHistory> =
        Editor::with_config(config).map_err(|e| Error::Terminal(e.to_string()))?;
    editor.set_helper(Some(SqlHelper::new(ctx.clone())));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A first run has no history yet.
        let _ = editor.load_history(path);
    }
    println!(
        "joblake {} — SQL on the lake at {}. \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION"),
        lake.display()
    );
    let mut shell = Shell {
        lake,
        project,
        ctx,
        options,
        output: None,
    };
    loop {
        let line = tokio::task::block_in_place(|| editor.readline("joblake> "));
        let text = match line {
            Ok(text) => text,
            // Ctrl-C at the prompt drops the line being typed.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::Terminal(e.to_string())),
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(text);
        if let Some(path) = &history {
            save_history(&mut editor, path);
        }
        if text.starts_with('\\') {
            if let Next::Quit = shell.meta(text, &mut editor).await {
                break;
            }
        } else {
            shell.run(text).await;
        }
    }
    Ok(())
}

fn save_history(editor: &mut Editor<SqlHelper, FileHistory>, path: &Path) {
    if let Err(e) = editor.save_history(path) {
        tracing::warn!("cannot save the history to {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_like_psql_patterns() {
        assert!(glob("gold.dim_*", "gold.dim_skill"));
        assert!(glob("*skill*", "gold.agg_skill_demand_monthly"));
        assert!(glob("DIM_?ATE", "dim_date"));
        assert!(!glob("dim_*", "gold.dim_date"));
    }
}
