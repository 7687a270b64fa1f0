//! Every report a command prints, as tables (comfy-table) and summary lines. Tests read this
//! text: change it only with them.

use std::io::IsTerminal;
use std::process::ExitCode;

use comfy_table::{Table, presets};
use indicatif::{ProgressBar, ProgressStyle};
use joblake_sources::{IngestReport, SourceStatus};

use crate::lake::run_log::RunRecord;
use crate::maintain::MaintainReport;
use crate::pipeline::{self, LandReport};
use crate::transform::RefreshReport;
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

/// `joblake bench`: the stages, the analyst queries, then joblake beside its peers.
pub(crate) fn print_bench(b: &crate::bench::stages::Bench) {
    let mb = |bytes: u64| format!("{:.0}", bytes as f64 / 1e6);
    println!(
        "joblake bench: {} postings landed ({} records in silver, {} after deduplication)",
        b.landed, b.silver_rows, b.deduplicated
    );
    println!(
        "deduplication against the generated jobs: {} jobs became {} postings; listing pairs: precision {:.3}, recall {:.3}",
        b.dedup.jobs, b.dedup.postings, b.dedup.precision, b.dedup.recall
    );
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "stage",
        "seconds",
        "rows",
        "rows/s",
        "MB in/s",
        "peak MB",
        "MB on disk",
    ]);
    for s in &b.stages {
        t.add_row(vec![
            s.stage.clone(),
            format!("{:.2}", s.seconds),
            s.rows.to_string(),
            format!("{:.0}", s.rows_per_second()),
            format!("{:.1}", s.mb_per_second()),
            s.peak_memory_bytes.map(mb).unwrap_or_default(),
            mb(s.output_bytes),
        ]);
    }
    println!("{t}");
    // Both refreshes with their data tests, so that the two sides do the same work.
    let with_tests = b.refresh_seconds()
        + b.stage("refresh --full: data tests")
            .map(|s| s.seconds)
            .unwrap_or_default();
    if let Some(inc) = b.stage("refresh (incremental, +1% postings)") {
        println!(
            "incremental refresh of 1% new postings: {:.2} s = {:.1}% of the full refresh with its data tests ({with_tests:.2} s)",
            inc.seconds,
            100.0 * inc.seconds / with_tests.max(1e-9)
        );
    }
    let mut q = Table::new();
    q.load_preset(presets::UTF8_FULL_CONDENSED);
    q.set_header(vec!["analyst query", "cold ms", "median ms", "rows"]);
    for x in &b.queries {
        q.add_row(vec![
            x.name.clone(),
            format!("{:.1}", x.cold_ms),
            format!("{:.1}", x.median_ms),
            x.rows.to_string(),
        ]);
    }
    println!("{q}");
    if b.peers.is_empty() {
        return;
    }
    let full = b.refresh_seconds();
    let joblake_peak = b
        .stage("refresh --full: silver")
        .and_then(|s| s.peak_memory_bytes)
        .unwrap_or(0);
    let mut p = Table::new();
    p.load_preset(presets::UTF8_FULL_CONDENSED);
    p.set_header(vec![
        "full refresh",
        "silver s",
        "gold s",
        "total s",
        "peer time / joblake time",
        "peak MB",
        "postings",
        "note",
    ]);
    p.add_row(vec![
        "joblake".to_string(),
        format!(
            "{:.2}",
            b.stage("refresh --full: silver").map_or(0.0, |s| s.seconds)
        ),
        format!(
            "{:.2}",
            b.stage("refresh --full: gold").map_or(0.0, |s| s.seconds)
        ),
        format!("{full:.2}"),
        "1.00".to_string(),
        mb(joblake_peak),
        b.deduplicated.to_string(),
        String::new(),
    ]);
    for r in &b.peers {
        p.add_row(vec![
            r.tool.clone(),
            format!("{:.2}", r.silver_seconds),
            format!("{:.2}", r.gold_seconds),
            format!("{:.2}", r.refresh_seconds()),
            if r.error.is_none() {
                format!("{:.2}", r.refresh_seconds() / full.max(1e-9))
            } else {
                String::new()
            },
            mb(r.peak_rss_bytes),
            r.postings.to_string(),
            r.error.as_deref().map(short).unwrap_or_default(),
        ]);
    }
    println!("{p}");
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
    t.set_header(vec!["model", "kind", "rows", "version", "seconds"]);
    for m in &r.models {
        t.add_row(vec![
            m.model.clone(),
            m.materialized.clone(),
            m.rows.map(|r| r.to_string()).unwrap_or_default(),
            m.version.map(|v| v.to_string()).unwrap_or_default(),
            format!("{:.2}", m.seconds),
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
    println!(
        "Data tests: {} passed, {failed} failed",
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

/// `joblake bench mirror`: the mirror beside psql's `\copy`, then the figures.
pub(crate) fn print_bench_mirror(b: &crate::bench::mirror::MirrorBench) {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["load", "rows", "seconds", "rows/s"]);
    t.add_row(vec![
        "joblake mirror --full (Delta -> binary COPY -> swap)".to_string(),
        b.total_rows.to_string(),
        format!("{:.2}", b.mirror_seconds),
        format!("{:.0}", b.mirror_rate()),
    ]);
    t.add_row(vec![
        format!("psql \\copy from CSV ({:.0} MB)", b.csv_bytes as f64 / 1e6),
        b.total_rows.to_string(),
        format!("{:.2}", b.copy_seconds),
        format!("{:.0}", b.copy_rate()),
    ]);
    println!("{t}");
    println!(
        "{} fact rows ({} rows in all gold tables); gold generated in {:.1} s; swap {:.2} s; joblake at {:.0}% of \\copy's rate; peak RSS {:.0} MB",
        b.fact_rows,
        b.total_rows,
        b.generate_seconds,
        b.swap_seconds,
        100.0 * b.mirror_rate() / b.copy_rate(),
        crate::bench::peak_rss().unwrap_or(0) as f64 / 1e6
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

pub(crate) fn print_eval(r: &crate::eval::EvalReport, quiet: bool) {
    use crate::eval::Metric;
    let s = &r.scores;
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["field", "measured", "right / cases", "goal", ""]);
    for f in &s.overall {
        let value = if f.metric == Metric::SalaryInvented {
            format!("{}", f.value)
        } else {
            format!("{:.3}", f.value)
        };
        t.add_row(vec![
            f.metric.name().to_string(),
            value,
            format!("{} / {}", f.hits, f.cases),
            f.goal.to_string(),
            if f.met() { "ok" } else { "BELOW" }.to_string(),
        ]);
    }
    println!("{t}");
    if !quiet {
        let shown = [
            Metric::SalaryAnnual,
            Metric::SalaryInvented,
            Metric::SkillsPrecision,
            Metric::SkillsRecall,
            Metric::JobFamily,
            Metric::Country,
            Metric::City,
            Metric::Contract,
            Metric::Remote,
        ];
        let mut p = Table::new();
        p.load_preset(presets::UTF8_FULL_CONDENSED);
        let mut header = vec!["source".to_string()];
        header.extend(shown.iter().map(|m| m.name().to_string()));
        p.set_header(header);
        for (source, figures) in &s.per_source {
            let mut row = vec![source.clone()];
            for m in shown {
                row.push(match figures.iter().find(|f| f.metric == m) {
                    Some(f) if m == Metric::SalaryInvented => f.value.to_string(),
                    Some(f) if f.cases > 0 => format!("{:.2} ({})", f.value, f.cases),
                    _ => "-".into(),
                });
            }
            p.add_row(row);
        }
        println!("{p}");
    }
    println!(
        "{} of {} labelled postings and {} of {} labelled pairs found in silver; {} corpus file(s) refused; {} data test(s) failed; {:.1} s",
        s.postings_found.0,
        s.postings_found.1,
        s.pairs_found.0,
        s.pairs_found.1,
        r.refused.len(),
        r.failed_tests.len(),
        r.seconds
    );
    for name in &r.failed_tests {
        println!("data test failed: {name}");
    }
}

/// `joblake eval --mismatches FILE`: every mismatch as CSV.
pub(crate) fn write_mismatches(
    path: &std::path::Path,
    mismatches: &[crate::eval::Mismatch],
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["source", "source_id", "field", "expected", "got"])?;
    for m in mismatches {
        w.write_record([
            m.source.as_str(),
            m.source_id.as_str(),
            m.metric.name(),
            m.expected.as_str(),
            m.got.as_str(),
        ])?;
    }
    w.flush()
}

/// A figure of a model's metrics JSON, as text ("-" when absent).
fn figure(v: &serde_json::Value, path: &[&str], percent: bool) -> String {
    let mut at = v;
    for key in path {
        at = &at[*key];
    }
    match at.as_f64() {
        Some(x) if percent => format!("{:.1}%", 100.0 * x),
        Some(x) if x.abs() >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.3}"),
        None => "-".into(),
    }
}

/// `joblake train`: each stored model with its figures beside its baselines.
pub(crate) fn print_train(r: &crate::ml::TrainReport, quiet: bool) {
    for (kind, why) in &r.skipped {
        eprintln!("{kind}: not trained: {why}");
    }
    if quiet {
        return;
    }
    for m in &r.models {
        let x = &m.metrics;
        println!(
            "{} v{}: {} training, {} test postings; trained on {}",
            m.name,
            m.version,
            m.train_rows,
            m.test_rows,
            m.trained_on
                .iter()
                .map(|(t, v)| format!("{t}@{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        match m.name {
            joblake_model::ModelKind::JobFamily => {
                t.set_header([
                    "classifier (vs ".to_string() + x["truth"].as_str().unwrap_or("?") + ")",
                    "accuracy".into(),
                    "macro-F1".into(),
                ]);
                for (label, key) in [
                    ("joblake (rules + model)", None),
                    ("model alone", Some("model_alone")),
                    ("rules alone", Some("rules")),
                    ("majority class", Some("baseline_majority")),
                ] {
                    let path =
                        |f: &'static str| -> Vec<&str> { key.into_iter().chain([f]).collect() };
                    t.add_row([
                        label.to_string(),
                        figure(x, &path("accuracy"), false),
                        figure(x, &path("macro_f1"), false),
                    ]);
                }
            }
            joblake_model::ModelKind::Salary => {
                t.set_header([
                    "salary estimator",
                    "MAE (EUR)",
                    "MAPE",
                    "median AE",
                    "coverage",
                ]);
                t.add_row([
                    "joblake".to_string(),
                    figure(x, &["mae"], false),
                    figure(x, &["mape"], true),
                    figure(x, &["median_ae"], false),
                    format!(
                        "{} (nominal {})",
                        figure(x, &["coverage"], true),
                        figure(x, &["interval_level"], true)
                    ),
                ]);
                let b = ["baseline_median_family_country"];
                t.add_row([
                    "median per family x country".to_string(),
                    figure(x, &[b[0], "mae"], false),
                    figure(x, &[b[0], "mape"], true),
                    figure(x, &[b[0], "median_ae"], false),
                    "-".into(),
                ]);
            }
        }
        println!("{t}");
    }
    println!(
        "{} postings read ({} with a hand label) in {:.1} s; {:.1} s in all",
        r.postings, r.hand_labels, r.read_seconds, r.seconds
    );
}

/// `joblake models`: every stored version.
pub(crate) fn print_models(models: &[joblake_model::ModelMeta]) {
    if models.is_empty() {
        println!("no trained model: run `joblake train`");
        return;
    }
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_header([
        "model",
        "version",
        "created",
        "trained on",
        "train",
        "test",
        "figure",
    ]);
    for m in models {
        let headline = match m.name {
            joblake_model::ModelKind::JobFamily => {
                format!("macro-F1 {}", figure(&m.metrics, &["macro_f1"], false))
            }
            joblake_model::ModelKind::Salary => {
                format!("MAE {} EUR", figure(&m.metrics, &["mae"], false))
            }
        };
        t.add_row([
            m.name.to_string(),
            m.version.to_string(),
            m.created_at.chars().take(19).collect(),
            m.trained_on
                .iter()
                .map(|(t, v)| format!("{t}@{v}"))
                .collect::<Vec<_>>()
                .join(", "),
            m.train_rows.to_string(),
            m.test_rows.to_string(),
            headline,
        ]);
    }
    println!("{t}");
}
