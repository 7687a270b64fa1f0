//! The reports of the commands that measure: `bench` (stages and the mirror), `eval` (silver
//! against hand labels), `train` and `models` (the models' figures).

use comfy_table::{Table, presets};

use super::short;

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
        let reference = r.tool == crate::bench::peers::READ_REFERENCE;
        p.add_row(vec![
            if reference {
                format!("{} (plain read, no models)", r.tool)
            } else {
                r.tool.clone()
            },
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
    if let Some(read) = b.read_reference_seconds() {
        println!(
            "joblake's full refresh takes {:.2}x the time of DuckDB's plain read of the same \
             bronze ({full:.2} s / {read:.2} s)",
            full / read
        );
    }
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
