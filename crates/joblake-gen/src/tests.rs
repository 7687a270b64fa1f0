//! Tests of the generated sample as a whole: determinism, valid files in every format,
//! duplicates across sources and pages, defects, salaries and texts.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::Value;

use crate::catalog::FAMILIES;
use crate::stream::HTML_PAGE_LIMIT;
use crate::text::fold_char;
use crate::{DemoFile, DemoSpec, DemoStats, SOURCES, generate, generate_each_with_stats};

fn spec(jobs: usize) -> DemoSpec {
    DemoSpec {
        seed: 7,
        jobs,
        anchor: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap_or_default(),
    }
}

fn run_collect(spec: &DemoSpec) -> (Vec<DemoFile>, DemoStats) {
    let mut files = Vec::new();
    let Ok(stats) = generate_each_with_stats::<std::convert::Infallible>(spec, |f| {
        files.push(f);
        Ok(())
    });
    (files, stats)
}

/// The JSON-LD blocks of an HTML page.
fn ld_blocks(html: &str) -> Vec<Value> {
    let open = "<script type=\"application/ld+json\">";
    html.split(open)
        .skip(1)
        .map(|rest| {
            let json = rest.split("</script>").next().unwrap_or("");
            serde_json::from_str(json).expect("ld+json block is valid JSON")
        })
        .collect()
}

/// The postings of a file, checking its envelope on the way.
fn records(file: &DemoFile) -> Vec<Value> {
    let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
    assert!(
        file.name.starts_with(&format!("{}/", file.source)),
        "{}",
        file.name
    );
    if file.name.ends_with(".html") {
        assert!(text.starts_with("<!DOCTYPE html>") && text.trim_end().ends_with("</html>"));
        let postings: Vec<Value> = ld_blocks(text)
            .into_iter()
            .filter(|b| b["@type"] == "JobPosting")
            .collect();
        assert_eq!(postings.len(), 1, "{}", file.name);
        return postings;
    }
    if file.name.ends_with(".ndjson") {
        return text
            .lines()
            .map(|l| serde_json::from_str(l).expect("NDJSON line"))
            .collect();
    }
    let v: Value = serde_json::from_str(text).expect("valid JSON file");
    let (key, per_page) = match file.source {
        "adzuna" => {
            assert_eq!(v["__CLASS__"], "Adzuna::API::Response::JobSearchResults");
            assert!(v["count"].is_u64() && v["mean"].is_number());
            ("results", 50)
        }
        "france_travail" => {
            assert!(v["filtresPossibles"].is_array());
            ("resultats", 150)
        }
        "remotive" => {
            assert_eq!(
                v["job-count"].as_u64().map(|n| n as usize),
                v["jobs"].as_array().map(Vec::len)
            );
            ("jobs", 200)
        }
        "arbeitnow" => {
            assert!(v["meta"]["current_page"].is_u64() && v["links"].is_object());
            ("data", 100)
        }
        other => panic!("unexpected source {other}"),
    };
    let items = v[key].as_array().expect("records array").clone();
    assert!(
        !items.is_empty() && items.len() <= per_page,
        "{}: {}",
        file.name,
        items.len()
    );
    items
}

fn all_records(files: &[DemoFile]) -> Vec<(&'static str, &str, Value)> {
    files
        .iter()
        .flat_map(|f| {
            records(f)
                .into_iter()
                .map(move |r| (f.source, f.name.as_str(), r))
        })
        .collect()
}

fn title_of<'a>(src: &str, r: &'a Value) -> Option<&'a Value> {
    r.get(if src == "france_travail" {
        "intitule"
    } else {
        "title"
    })
}

fn date_of<'a>(src: &str, r: &'a Value) -> &'a Value {
    match src {
        "adzuna" => &r["created"],
        "france_travail" => &r["dateCreation"],
        "remotive" => &r["publication_date"],
        "arbeitnow" => &r["created_at"],
        _ => &r["datePosted"],
    }
}

/// (min, max) of the numeric salary formats.
fn numeric_salary(src: &str, r: &Value) -> Option<(f64, f64)> {
    match src {
        "adzuna" => Some((r["salary_min"].as_f64()?, r["salary_max"].as_f64()?)),
        "jsonld" => {
            let v = &r["baseSalary"]["value"];
            let one = v["value"].as_f64();
            Some((
                v["minValue"].as_f64().or(one)?,
                v["maxValue"].as_f64().or(one)?,
            ))
        }
        _ => None,
    }
}

/// What a silver-layer normalisation would do: case, accents, punctuation, whitespace.
fn norm(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c) && !matches!(c, '.' | '\'' | '’'))
        .map(fold_char)
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn norm_company(s: &str) -> String {
    const LEGAL: [&str; 15] = [
        "gmbh", "ag", "se", "co", "kg", "sas", "sa", "sarl", "ltd", "limited", "plc", "inc", "llc",
        "corp", "bv",
    ];
    let n = norm(s);
    let mut words: Vec<&str> = n.split(' ').collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

fn company_of<'a>(src: &str, r: &'a Value) -> Option<&'a str> {
    match src {
        "adzuna" => r["company"]["display_name"].as_str(),
        "france_travail" => r["entreprise"]["nom"].as_str(),
        "jsonld" => r["hiringOrganization"]["name"].as_str(),
        _ => r["company_name"].as_str(),
    }
}

#[test]
fn same_spec_gives_same_bytes() {
    let a = generate(&spec(400));
    assert_eq!(a, generate(&spec(400)));
    assert!(generate(&spec(0)).is_empty());
    assert_ne!(
        a,
        generate(&DemoSpec {
            seed: 8,
            ..spec(400)
        })
    );
}

#[test]
fn files_are_valid_and_record_counts_add_up() {
    let (files, stats) = run_collect(&spec(3000));
    let recs = all_records(&files);
    let mut per_source = [0usize; 5];
    for (src, _, _) in &recs {
        per_source[SOURCES.iter().position(|s| s == src).unwrap_or(0)] += 1;
    }
    let written: usize = stats.records.iter().sum();
    assert_eq!(
        per_source.iter().sum::<usize>(),
        written + stats.republished
    );
    let ratio = written as f64 / 3000.0;
    assert!((1.4..=1.6).contains(&ratio), "records per job {ratio}");
    assert!(stats.records.iter().all(|&n| n > 300), "{stats:?}");
    assert!(files.iter().any(|f| f.name == "adzuna/gb-search-0001.json"));
    assert!(
        files
            .iter()
            .any(|f| f.name == "france_travail/offres-search-0001.json")
    );
    eprintln!("jobs=3000: {stats:?}, {} files", files.len());
}

#[test]
fn many_jsonld_postings_spill_into_ndjson() {
    let (files, stats) = run_collect(&spec(6000));
    let pages = files.iter().filter(|f| f.name.ends_with(".html")).count();
    let ndjson: Vec<&DemoFile> = files
        .iter()
        .filter(|f| f.name.ends_with(".ndjson"))
        .collect();
    assert_eq!(pages, HTML_PAGE_LIMIT);
    assert!(stats.records[4] > HTML_PAGE_LIMIT && !ndjson.is_empty());
    for f in ndjson {
        let recs = records(f);
        assert!(recs.len() <= 500 && recs.iter().all(|r| r["@type"] == "JobPosting"));
    }
}

#[test]
fn jobs_recur_across_sources_and_pages() {
    let (files, stats) = run_collect(&spec(3000));
    let recs = all_records(&files);
    // Cross-source: normalised (title, company) pairs seen on several sources.
    let mut sources_of: HashMap<(String, String), HashSet<&str>> = HashMap::new();
    for (src, _, r) in &recs {
        if let (Some(Value::String(t)), Some(c)) = (title_of(src, r), company_of(src, r)) {
            sources_of
                .entry((norm(t), norm_company(c)))
                .or_default()
                .insert(src);
        }
    }
    let shared = sources_of.values().filter(|s| s.len() > 1).count();
    eprintln!(
        "multi-source jobs {}, matching keys {shared}",
        stats.multi_source_jobs
    );
    assert!(
        shared * 10 >= stats.multi_source_jobs * 7,
        "{shared} vs {}",
        stats.multi_source_jobs
    );
    // Re-published: the same source id in two files.
    let mut files_of: HashMap<String, HashSet<&str>> = HashMap::new();
    for (src, name, r) in &recs {
        let id = match *src {
            "adzuna" | "france_travail" | "remotive" => r["id"].to_string(),
            "arbeitnow" => r["slug"].to_string(),
            _ => r["url"].to_string(),
        };
        files_of
            .entry(format!("{src}:{id}"))
            .or_default()
            .insert(name);
    }
    let repeated = files_of.values().filter(|f| f.len() > 1).count();
    assert!(
        repeated * 10 >= stats.republished * 9 && repeated > 20,
        "{repeated}"
    );
}

#[test]
fn malformed_records_are_present_and_rare() {
    let (files, stats) = run_collect(&spec(3000));
    let recs = all_records(&files);
    let mut seen = [0usize; 6];
    for (src, _, r) in &recs {
        match title_of(src, r) {
            None => seen[0] += 1,
            Some(t) if t == "" => seen[1] += 1,
            _ => {}
        }
        if let Some((lo, hi)) = numeric_salary(src, r) {
            seen[2] += usize::from(lo > hi);
            seen[4] += usize::from(lo < 0.0);
        }
        let date = date_of(src, r);
        seen[3] += usize::from(date == "31/02/2026" || date == "not-a-date");
        seen[5] += usize::from(r["description"].is_null());
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    let bad: usize = stats.malformed.iter().sum();
    let share = bad as f64 / recs.len() as f64;
    assert!((0.005..0.02).contains(&share), "{share}");
}

#[test]
fn salaries_come_in_every_period_and_currency() {
    let (files, _) = run_collect(&spec(3000));
    let recs = all_records(&files);
    let text = |src: &str, key: &str| -> Vec<String> {
        recs.iter()
            .filter(|r| r.0 == src)
            .map(|r| {
                r.2.pointer(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let ft = text("france_travail", "/salaire/libelle");
    for unit in ["Annuel de", "Mensuel de", "Horaire de"] {
        assert!(ft.iter().any(|l| l.starts_with(unit)), "{unit}");
    }
    let units = text("jsonld", "/baseSalary/value/unitText");
    let currencies = text("jsonld", "/baseSalary/currency");
    for unit in ["YEAR", "MONTH", "DAY", "HOUR"] {
        assert!(units.iter().any(|u| u == unit), "{unit}");
    }
    for cur in ["EUR", "GBP", "USD"] {
        assert!(currencies.iter().any(|c| c == cur), "{cur}");
    }
    let remotive = text("remotive", "/salary");
    for pat in ["/day", "per year", "k - ", "/hour"] {
        assert!(remotive.iter().any(|s| s.contains(pat)), "{pat}");
    }
    // About half of all records carry a usable salary.
    let with_salary = recs
        .iter()
        .filter(|(src, _, r)| match *src {
            "adzuna" => r.get("salary_min").is_some(),
            "france_travail" => r["salaire"].get("libelle").is_some(),
            "remotive" => r["salary"]
                .as_str()
                .is_some_and(|s| s.contains(|c: char| c.is_ascii_digit())),
            "jsonld" => r.get("baseSalary").is_some(),
            _ => false,
        })
        .count();
    let share = with_salary as f64 / recs.len() as f64;
    assert!((0.35..0.65).contains(&share), "{share}");
}

#[test]
fn texts_look_like_real_postings() {
    let (files, _) = run_collect(&spec(3000));
    let recs = all_records(&files);
    for (src, _, r) in &recs {
        let Some(d) = r["description"].as_str() else {
            continue;
        };
        let n = d.chars().count();
        match *src {
            "adzuna" => assert!(n <= 505, "{n}"),
            "france_travail" => assert!((600..=4000).contains(&n), "{n}"),
            _ => assert!((600..=6000).contains(&n), "{src} {n}"),
        }
    }
    let titles: Vec<&str> = recs
        .iter()
        .filter_map(|(src, _, r)| title_of(src, r)?.as_str())
        .collect();
    let has = |p: &str| titles.iter().any(|t| t.contains(p));
    for p in [
        "(H/F)",
        "(m/w/d)",
        "Analyste de données",
        "Datenanalyst",
        "Infirmier",
        "Accountant",
        "Senior",
    ] {
        assert!(has(p), "{p}");
    }
    let unrelated = titles
        .iter()
        .filter(|t| {
            FAMILIES
                .iter()
                .filter(|f| !f.related)
                .any(|f| f.titles.iter().any(|x| t.contains(x)))
        })
        .count();
    let share = unrelated as f64 / titles.len() as f64;
    assert!((0.05..0.16).contains(&share), "{share}");
    let all: String = files
        .iter()
        .filter(|f| f.source == "adzuna")
        .map(|f| String::from_utf8_lossy(&f.bytes))
        .collect();
    for p in ["\u{a0}", "’", "€", "星河数据", "k8s", "scikit learn", "…"] {
        assert!(all.contains(p), "{p:?}");
    }
}
