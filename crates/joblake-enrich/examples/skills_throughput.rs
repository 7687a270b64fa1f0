//! Skills extraction throughput on real descriptions: MB/s of description text through
//! `SkillMatcher::find`. `JOBLAKE_CORPUS=../shared/corpus cargo run --release -p joblake-enrich
//! --example skills_throughput` (docs/data_quality.md, "Throughput").

use std::time::Instant;

use joblake_enrich::{SkillMatcher, html_to_text};

fn descriptions(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if let (true, Some(s)) = (
                    matches!(
                        k.as_str(),
                        "description" | "contents" | "text" | "jobDescription" | "snippet"
                    ),
                    v.as_str(),
                ) {
                    out.push(html_to_text(s));
                } else {
                    descriptions(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| descriptions(v, out)),
        _ => {}
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let corpus = std::env::var("JOBLAKE_CORPUS").map_err(|_| "set JOBLAKE_CORPUS")?;
    let mut texts = Vec::new();
    for dir in std::fs::read_dir(&corpus)? {
        let dir = dir?.path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir)? {
            let file = file?.path();
            if file.extension().is_some_and(|e| e == "json") {
                let bytes = std::fs::read(&file)?;
                let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
                    descriptions(&v, &mut texts);
                }
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let matcher = SkillMatcher::builtin()?;
    let rounds = 20;
    let started = Instant::now();
    let mut found = 0;
    for _ in 0..rounds {
        for t in &texts {
            found += matcher.find(t).len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} descriptions, {:.1} MB, {} rounds: {:.1} MB/s ({} skills found a round)",
        texts.len(),
        bytes as f64 / 1e6,
        rounds,
        bytes as f64 * rounds as f64 / 1e6 / secs,
        found / rounds
    );
    Ok(())
}
