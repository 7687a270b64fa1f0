//! Listing clustering throughput on real descriptions: listings/s through `cluster`, in blocks
//! of four listings of one company (every listing compared with the openings before it, the
//! worst case of a block). `JOBLAKE_CORPUS=../shared/corpus cargo run --release -p
//! joblake-enrich --example listings_throughput` (docs/data_quality.md, "Throughput").

use std::time::Instant;

use joblake_enrich::{ListingFacts, MatchRule, Workplaces, cluster};

mod corpus_texts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let texts = corpus_texts::load()?;
    let workplaces = Workplaces::embedded()?;
    let facts: Vec<ListingFacts<'_>> = texts
        .iter()
        .map(|t| ListingFacts {
            text: t,
            company: "one company",
            ..Default::default()
        })
        .collect();
    let rounds = 5;
    let started = Instant::now();
    let mut openings = 0;
    for _ in 0..rounds {
        for block in facts.chunks(4) {
            openings += cluster(block, &workplaces)
                .iter()
                .filter(|a| a.rule == MatchRule::Founder)
                .count();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} listings in blocks of 4, {} rounds: {:.0} listings/s ({} openings a round)",
        facts.len(),
        rounds,
        (facts.len() * rounds) as f64 / secs,
        openings / rounds
    );
    Ok(())
}
