//! Every report a command prints, as tables (comfy-table) and summary lines: the stages here,
//! the measuring commands in [`measure`], the stream in [`stream`]. Tests read this text:
//! change it only with them.

mod measure;
mod stream;

pub(crate) use measure::*;
pub(crate) use stream::*;

use std::io::IsTerminal;
use std::process::ExitCode;

use comfy_table::{Table, presets};
use indicatif::{ProgressBar, ProgressStyle};
use joblake_sources::{IngestReport, SourceStatus};

use crate::lake::run_log::RunRecord;
use crate::maintain::MaintainReport;
use crate::pipeline::{self, LandReport};
use crate::transform::RefreshReport;
use crate::transform::checks::TestScope;
use crate::warehouse::MirrorReport;

/// A spinner on stderr while `message` runs (hidden when quiet or not on a terminal).
pub(crate) fn spinner(quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        pb.set_style(style);
    }
    pb.set_message(message.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// Failure when a data test failed.
pub(crate) fn exit_for(report: &RefreshReport) -> ExitCode {
    if report.failed_tests().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `joblake land`: each file, then the totals; refused files on stderr.
pub(crate) fn print_land(source: &str, r: &LandReport, quiet: bool) {
    for (origin, reason) in &r.refused {
        eprintln!("refused {origin}: {reason}");
    }
    if quiet {
        return;
    }
    for (origin, f) in &r.landed {
        println!(
            "landed {origin}: {} postings -> {}",
            f.records, f.bronze_file
        );
    }
    for (origin, b) in &r.already_landed {
        println!("skipped {origin}: already landed as {b}");
    }
    println!(
        "{source}: {} file(s) landed ({} postings), {} already landed, {} refused, in {:.2} s",
        r.landed.len(),
        r.records(),
        r.already_landed.len(),
        r.refused.len(),
        r.seconds
    );
}

/// `joblake ingest`: a row per source, then their problems and the total.
pub(crate) fn print_ingest(r: &IngestReport, dry_run: bool) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "source", "status", "pages", "postings", "new", "seen", "errors", "layout", "robots",
        "requests", "seconds",
    ]);
    for s in &r.sources {
        let status = match &s.status {
            SourceStatus::Ok => "ok".to_string(),
            SourceStatus::Failed(_) => "FAILED".to_string(),
            SourceStatus::Skipped(_) => "skipped".to_string(),
        };
        let pages = if s.list_pages > 0 {
            format!("{} (+{} lists)", s.pages, s.list_pages)
        } else if s.not_modified > 0 {
            format!("{} ({} unchanged)", s.pages, s.not_modified)
        } else {
            s.pages.to_string()
        };
        t.add_row(vec![
            s.name.clone(),
            status,
            pages,
            s.postings.to_string(),
            s.new.to_string(),
            s.seen.to_string(),
            s.errors.len().to_string(),
            s.layout_mismatches.len().to_string(),
            s.robots_blocked.to_string(),
            format!("{} ({} retries)", s.requests, s.retries),
            format!("{:.1}", s.seconds),
        ]);
    }
    println!("{t}");
    for s in &r.sources {
        match &s.status {
            SourceStatus::Failed(why) => eprintln!("{}: failed: {why}", s.name),
            SourceStatus::Skipped(why) => println!("{}: skipped: {why}", s.name),
            SourceStatus::Ok => {}
        }
        for e in s.errors.iter().take(5) {
            eprintln!("{}: page error: {e}", s.name);
        }
        for m in s.layout_mismatches.iter().take(5) {
            eprintln!("{}: layout mismatch: {m}", s.name);
        }
        let more = s.errors.len().saturating_sub(5) + s.layout_mismatches.len().saturating_sub(5);
        if more > 0 {
            eprintln!("{}: ... and {more} more (see --json)", s.name);
        }
    }
    let verb = if dry_run { "would land" } else { "landed" };
    println!(
        "{verb} {} new postings in {:.1} s (run {})",
        r.new_postings(),
        r.seconds,
        r.run_id
    );
}

/// `joblake run`: a row per step, then the run with its cost.
pub(crate) fn print_run(run: &RunRecord) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "step", "status", "rows in", "rows out", "seconds", "cpu s", "peak MB", "Wh", "note",
    ]);
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for s in &run.steps {
        t.add_row(vec![
            s.step.clone(),
            s.status.to_string(),
            opt(s.rows_in),
            opt(s.rows_out),
            format!("{:.2}", s.wall_seconds),
            s.cpu_seconds.map(|c| format!("{c:.2}")).unwrap_or_default(),
            s.peak_memory_bytes
                .map(|b| format!("{:.0}", b as f64 / 1e6))
                .unwrap_or_default(),
            format!("{:.4}", s.energy_wh),
            s.error.as_deref().map(short).unwrap_or_default(),
        ]);
    }
    println!("{t}");
    if let Some(e) = &run.error {
        println!("{}: {e}", run.failed_step.as_deref().unwrap_or("stopped"));
    }
    println!(
        "{} run {} {} in {:.1} s: {:.1} CPU s, estimated {:.4} Wh and {:.3} g CO2e{}",
        run.job,
        run.run_id,
        run.status,
        run.wall_seconds,
        run.cpu_seconds.unwrap_or(0.0),
        run.energy_wh,
        run.co2e_g,
        run.failed_step
            .as_ref()
            .map(|s| format!("; failed at {s}"))
            .unwrap_or_default()
    );
}

/// The first line of a message, cut at 60 characters, for a table cell.
pub(crate) fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// A run with its steps, for `--json`.
pub(crate) fn run_json(run: &RunRecord) -> serde_json::Value {
    let mut v = serde_json::to_value(run).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "steps".into(),
            serde_json::to_value(&run.steps).unwrap_or_default(),
        );
    }
    v
}

/// `joblake maintain`: a row per table, then the totals.
pub(crate) fn print_maintain(r: &MaintainReport) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "table",
        "files before",
        "files after",
        "MB",
        "vacuumed",
        "seconds",
    ]);
    for m in &r.tables {
        t.add_row(vec![
            m.table.clone(),
            m.files_before.to_string(),
            m.files_after.to_string(),
            format!("{:.1}", m.bytes_after as f64 / 1e6),
            m.vacuumed_files.to_string(),
            format!("{:.2}", m.seconds),
        ]);
    }
    println!("{t}");
    let (before, after) = r.files();
    println!(
        "{} tables: {before} data files -> {after}; {} bronze files expired; {:.1} s",
        r.tables.len(),
        r.bronze_expired,
        r.seconds
    );
}

/// `joblake mirror`: a row per table, then the totals.
pub(crate) fn print_mirror(r: &MirrorReport) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "delta version", "rows loaded", "seconds"]);
    for m in &r.tables {
        t.add_row(vec![
            m.table.clone(),
            m.version.to_string(),
            if m.unchanged {
                "unchanged".to_string()
            } else {
                m.rows.to_string()
            },
            format!("{:.2}", m.seconds),
        ]);
    }
    println!("Warehouse {}\n{t}", r.warehouse);
    let loaded = r.tables.iter().filter(|m| !m.unchanged).count();
    println!(
        "{} migration(s) applied; {loaded} table(s) reloaded ({} rows), {} unchanged; swap {:.2} s, total {:.1} s",
        r.migrations_applied,
        r.rows(),
        r.tables.len() - loaded,
        r.swap_seconds,
        r.seconds
    );
}

/// The demo's landing: a row per source; refused files on stderr.
pub(crate) fn print_land_summary(reports: &[(String, LandReport)]) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "source",
        "files landed",
        "postings",
        "already landed",
        "refused",
    ]);
    for (source, r) in reports {
        t.add_row(vec![
            source.clone(),
            r.landed.len().to_string(),
            r.records().to_string(),
            r.already_landed.len().to_string(),
            r.refused.len().to_string(),
        ]);
        for (origin, reason) in &r.refused {
            eprintln!("refused {origin}: {reason}");
        }
    }
    println!("Bronze\n{t}");
}

/// `joblake refresh`: a row per model, failed data tests, then the tests' totals.
pub(crate) fn print_refresh(r: &RefreshReport) {
    if r.up_to_date() {
        println!(
            "Nothing new in bronze ({} files, all consumed): every table is up to date, no version written.",
            r.bronze_files
        );
        return;
    }
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "model", "kind", "rows", "version", "seconds", "peak MB",
    ]);
    for m in &r.models {
        t.add_row(vec![
            m.model.clone(),
            match m.passes {
                0 | 1 => m.materialized.to_string(),
                n => format!("{}, {n} passes", m.materialized),
            },
            m.rows.map(|r| r.to_string()).unwrap_or_default(),
            m.version.map(|v| v.to_string()).unwrap_or_default(),
            format!("{:.2}", m.seconds),
            m.peak_memory_bytes
                .map(|b| format!("{:.0}", b as f64 / 1e6))
                .unwrap_or_default(),
        ]);
    }
    println!(
        "Refresh ({}): read {} of {} bronze files in {:.1} s\n{t}",
        if r.full { "full" } else { "incremental" },
        r.bronze_files_read,
        r.bronze_files,
        r.seconds
    );
    print_failures(r);
    let failed = r.failed_tests().len();
    let count = |scope| r.tests.iter().filter(|t| t.scope == scope).count();
    let (changed, unchanged) = (count(TestScope::Changed), count(TestScope::Unchanged));
    let scopes = if changed + unchanged > 0 {
        format!(
            " ({changed} on the rows changed since the last passing run, {unchanged} on tables not written since)"
        )
    } else {
        String::new()
    };
    println!(
        "Data tests: {} passed, {failed} failed{scopes}",
        r.tests.len() - failed
    );
}

/// The failed data tests and the tables restored, on stderr.
pub(crate) fn print_failures(r: &RefreshReport) {
    for t in r.failed_tests() {
        print_failed_test(t);
    }
    if !r.rolled_back.is_empty() {
        eprintln!(
            "data tests failed: tables restored to their previous version ({}); the failed version stays readable with time travel",
            r.rolled_back_list()
        );
    }
}

/// One failed data test, with its sample rows, on stderr.
pub(crate) fn print_failed_test(t: &crate::transform::checks::TestOutcome) {
    match &t.error {
        Some(e) => eprintln!("FAILED {}: could not run: {e}", t.name),
        None => eprintln!(
            "FAILED {}: {} row(s)\n{}",
            t.name,
            t.failing_rows,
            t.sample.as_deref().unwrap_or("")
        ),
    }
}

/// `joblake tables`: a row per table.
pub(crate) fn print_tables(tables: &[pipeline::TableInfo]) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "rows", "version", "files", "last refresh"]);
    for info in tables {
        t.add_row(vec![
            format!("{}.{}", info.layer, info.name),
            info.rows.to_string(),
            info.version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            info.files.to_string(),
            info.last_refresh
                .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    println!("{t}");
}

/// `joblake gen`: postings, files, rates and sizes.
pub(crate) fn print_gen(report: &pipeline::GenReport) {
    println!(
        "{} postings in {} files landed in {:.1} s ({:.0} postings/s, {:.1} MB/s of raw responses): {:.0} MB raw -> {:.0} MB of bronze",
        report.records,
        report.files,
        report.seconds,
        report.records as f64 / report.seconds,
        report.raw_bytes as f64 / 1e6 / report.seconds,
        report.raw_bytes as f64 / 1e6,
        report.bronze_bytes as f64 / 1e6
    );
}

/// A configured source, as `joblake sources` lists it.
pub(crate) struct SourceRow {
    /// `[sources.<name>]`.
    pub name: String,
    /// Its kind (the parser and fetcher it uses).
    pub kind: String,
    /// Whether `ingest` runs it.
    pub enabled: bool,
    /// "yes", or why it cannot run (e.g. a missing key).
    pub ready: String,
}

/// `joblake sources`: a row per configured source.
pub(crate) fn print_sources(sources: &[SourceRow]) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["source", "kind", "enabled", "ready"]);
    for s in sources {
        t.add_row(vec![
            s.name.clone(),
            s.kind.clone(),
            if s.enabled { "yes" } else { "no" }.to_string(),
            s.ready.clone(),
        ]);
    }
    println!("{t}");
}

/// `joblake test`: the failed tests on stderr, then the totals.
pub(crate) fn print_tests(outcomes: &[crate::transform::checks::TestOutcome]) {
    let failed: Vec<_> = outcomes.iter().filter(|t| !t.passed()).collect();
    for t in &failed {
        print_failed_test(t);
    }
    println!(
        "{} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    );
}

/// The end of `joblake demo`: where the lake and the warehouse are, and what to try.
pub(crate) fn print_demo_ready(lake: &str, seconds: f64, warehouse: &str) {
    println!(
        "\nDemo lake ready at {lake} in {seconds:.1} s. Try:\n  joblake sql -c \"SELECT job_family, count(*) AS postings FROM silver.job_postings GROUP BY 1 ORDER BY 2 DESC\"\n  joblake sql -c \"SELECT * FROM gold.agg_skill_demand_monthly ORDER BY postings DESC LIMIT 10\"\n  joblake tables\nThe warehouse for BI tools is {warehouse} (tables and views such as v_postings)."
    );
}

/// `joblake eval`: the figures against their goals, then one line per source.
/// `joblake quality`: one row per source (its latest landing run), then the broken thresholds.
pub(crate) fn print_quality(r: &crate::quality::QualityReport, quiet: bool) {
    let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.0}%", v * 100.0));
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    let mut header: Vec<String> = ["source", "landed", "records", "rejected", "duplicates"]
        .iter()
        .map(ToString::to_string)
        .collect();
    header.extend(crate::quality::FIELDS.iter().map(|f| f.to_string()));
    t.set_header(header);
    for q in &r.latest {
        let mut row = vec![
            q.source.clone(),
            q.landed_at.format("%Y-%m-%d %H:%M").to_string(),
            q.records.to_string(),
            format!("{} ({})", q.rejected, pct(Some(q.reject_share))),
            q.duplicates.to_string(),
        ];
        row.extend(
            crate::quality::FIELDS
                .iter()
                .map(|f| pct(q.shares.get(*f).copied().flatten())),
        );
        t.add_row(row);
    }
    println!("{t}");
    if !quiet {
        for q in r.latest.iter().filter(|q| q.rejects_by_reason.is_some()) {
            println!(
                "{} rejects: {}",
                q.source,
                q.rejects_by_reason.as_deref().unwrap_or_default()
            );
        }
    }
    if r.breaches.is_empty() {
        println!("every threshold holds ([quality] in joblake.toml)");
    }
    for b in &r.breaches {
        println!("BROKEN {b}");
    }
}
