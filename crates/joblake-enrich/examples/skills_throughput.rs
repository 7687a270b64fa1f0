//! Skills extraction throughput on real descriptions: MB/s of description text through
//! `SkillMatcher::find`. `JOBLAKE_CORPUS=../shared/corpus cargo run --release -p joblake-enrich
//! --example skills_throughput` (docs/data_quality.md, "Throughput").

use std::time::Instant;

use joblake_enrich::SkillMatcher;

mod corpus_texts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let texts = corpus_texts::load()?;
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
