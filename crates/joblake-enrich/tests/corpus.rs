//! The enrichers over the real corpus named by `JOBLAKE_CORPUS` (skipped when unset):
//! html_to_text and SkillMatcher::find on every description, the row functions on titles,
//! companies, salaries and dates, with throughput figures.

use joblake_enrich::{
    JobFamilyRules, SkillMatcher, html_to_text, normalize_company, normalize_key,
    parse_salary_text, parse_timestamp,
};

fn matcher() -> SkillMatcher {
    match SkillMatcher::builtin() {
        Ok(m) => m,
        Err(e) => panic!("builtin skills.csv: {e}"),
    }
}

/// Collects the string (or number) values of `keys` found anywhere in a JSON value.
fn collect_fields(v: &serde_json::Value, keys: &[&str], out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map {
                match val {
                    serde_json::Value::String(s) if keys.contains(&k.as_str()) => {
                        out.push(s.clone())
                    }
                    serde_json::Value::Number(n) if keys.contains(&k.as_str()) => {
                        out.push(n.to_string())
                    }
                    _ => collect_fields(val, keys, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_fields(i, keys, out)),
        _ => {}
    }
}

/// Best-of-3 rows per second of `f` over `rows`.
fn rows_per_sec(rows: &[String], f: impl Fn(&str) -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let n: usize = rows.iter().map(|r| f(r)).sum();
        std::hint::black_box(n);
        best = best.min(t.elapsed().as_secs_f64());
    }
    rows.len() as f64 / best.max(1e-9)
}

fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, files);
        } else {
            files.push(p);
        }
    }
}

/// Runs html_to_text and SkillMatcher::find over every description of the corpus named by
/// JOBLAKE_CORPUS (skipped when unset) and reports throughput.
#[test]
fn corpus_descriptions() {
    let Ok(root) = std::env::var("JOBLAKE_CORPUS") else {
        eprintln!("corpus_descriptions: JOBLAKE_CORPUS is not set, skipping");
        return;
    };
    let mut files = Vec::new();
    walk(std::path::Path::new(&root), &mut files);
    files.sort();
    const DESCRIPTION_KEYS: [&str; 7] = [
        "description",
        "contents",
        "text",
        "description_text",
        "jobDescription",
        "snippet",
        "job_description",
    ];
    const TITLE_KEYS: [&str; 5] = ["title", "position", "role", "jobTitle", "intitule"];
    const COMPANY_KEYS: [&str; 4] = [
        "company_name",
        "display_name",
        "employerName",
        "organization",
    ];
    const SALARY_KEYS: [&str; 3] = ["salary", "libelle", "commentaire"];
    const DATE_KEYS: [&str; 8] = [
        "created",
        "created_at",
        "date",
        "publication_date",
        "date_posted",
        "dateCreation",
        "updated",
        "epoch",
    ];
    let mut docs: Vec<String> = Vec::new();
    let (mut titles, mut companies, mut salaries, mut dates) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim_start_matches('\u{feff}');
        match f.extension().and_then(|e| e.to_str()) {
            Some("json") => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => {
                    collect_fields(&v, &DESCRIPTION_KEYS, &mut docs);
                    collect_fields(&v, &TITLE_KEYS, &mut titles);
                    collect_fields(&v, &COMPANY_KEYS, &mut companies);
                    collect_fields(&v, &SALARY_KEYS, &mut salaries);
                    collect_fields(&v, &DATE_KEYS, &mut dates);
                }
                Err(e) => eprintln!("corpus_descriptions: skipping {} ({e})", f.display()),
            },
            Some("html") => docs.push(text.to_string()),
            _ => {}
        }
    }
    assert!(!docs.is_empty(), "no descriptions found under {root}");
    let m = matcher();
    let tag = regex::Regex::new(
        r"(?i)</?(p|div|br|li|ul|ol|span|strong|em|b|a|h[1-6]|script|style|table|tr|td)\b[^>]*>",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bytes: usize = docs.iter().map(String::len).sum();
    // Best of a few rounds (the machine is shared, single timings are noisy); one round in
    // debug builds, where the numbers mean little anyway.
    let rounds = if cfg!(debug_assertions) { 1 } else { 5 };
    let mut html_secs = f64::MAX;
    let mut texts: Vec<String> = Vec::new();
    for _ in 0..rounds {
        let t0 = std::time::Instant::now();
        texts = docs.iter().map(|d| html_to_text(d)).collect();
        html_secs = html_secs.min(t0.elapsed().as_secs_f64());
    }
    let text_bytes: usize = texts.iter().map(String::len).sum();
    let mut skill_secs = f64::MAX;
    let mut skill_hits = 0usize;
    for _ in 0..rounds {
        let t1 = std::time::Instant::now();
        skill_hits = texts.iter().map(|t| m.find(t).len()).sum();
        skill_secs = skill_secs.min(t1.elapsed().as_secs_f64());
    }
    for (doc, t) in docs.iter().zip(&texts) {
        if let Some(found) = tag.find(t) {
            // Tags may only survive when the source escaped them twice or more.
            assert!(
                doc.contains("&amp;lt;"),
                "tag remnant {:?} in output of a {}-byte document",
                found.as_str(),
                doc.len()
            );
        }
        assert!(!t.contains("\n\n\n"), "more than one blank line");
        assert_eq!(t.trim(), t.as_str(), "not trimmed");
    }
    let mb = |n: usize| n as f64 / 1_000_000.0;
    eprintln!(
        "corpus_descriptions: {} documents, {:.2} MB HTML -> {:.2} MB text; html_to_text {:.1} MB/s; SkillMatcher::find {:.1} MB/s ({} skill hits)",
        docs.len(),
        mb(bytes),
        mb(text_bytes),
        mb(bytes) / html_secs.max(1e-9),
        mb(text_bytes) / skill_secs.max(1e-9),
        skill_hits
    );
    let rules = match JobFamilyRules::builtin() {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let parsed_dates = dates
        .iter()
        .filter(|d| parse_timestamp(d).is_some())
        .count();
    eprintln!(
        "corpus_descriptions: rows/s: normalize_key {:.0} ({} titles), job_family {:.0}, normalize_company {:.0} ({} names), parse_salary_text {:.0} ({} values), parse_timestamp {:.0} ({} values, {} parsed)",
        rows_per_sec(&titles, |t| normalize_key(t).len()),
        titles.len(),
        rows_per_sec(&titles, |t| rules.classify(t).len()),
        rows_per_sec(&companies, |c| normalize_company(c).len()),
        companies.len(),
        rows_per_sec(&salaries, |s| usize::from(parse_salary_text(s).is_some())),
        salaries.len(),
        rows_per_sec(&dates, |d| usize::from(parse_timestamp(d).is_some())),
        dates.len(),
        parsed_dates
    );
    assert!(
        parsed_dates * 10 >= dates.len() * 9,
        "most corpus dates parse"
    );
}
