//! joblake's sample-data generator: deterministic, invented job postings in the native
//! response formats of the sources joblake reads: Adzuna search pages, France Travail
//! `offres/search` pages, Remotive and Arbeitnow API pages, and schema.org `JobPosting`
//! JSON-LD, both inside small HTML job pages and (past the first 2,000 pages) as the NDJSON a
//! scraper extracts.
//!
//! Why: the lakehouse needs a realistic sample that costs no key, no server and no network
//! (`joblake demo`, the tests, the benchmarks). Everything is invented (companies, texts, ids);
//! only the *shapes* follow the real APIs, so that the bronze parsers and the silver cleaning
//! get realistic work: the same job on several sources with cosmetic differences (title case,
//! accents, legal suffixes), missing and mixed-period salaries, several languages and
//! currencies, re-published records and a few malformed ones ([`MALFORMED_KINDS`]).
//!
//! Generation streams: each source keeps one open page and hands it to the caller once full,
//! so memory stays flat even for a million jobs. One seeded RNG drives everything in a fixed
//! order, which makes the output byte-stable: the same [`DemoSpec`] always gives the same
//! bytes.
//!
//! The (private) modules follow the generation: `catalog` and `text_pools` hold the vocabulary
//! (skills, job families, countries, cities, company names, description templates); `jobs`
//! draws the companies and jobs; `documents` writes their descriptions and renders them as
//! plain text or HTML; `formats` writes one record per source with the `json` writer;
//! `stream` pages the records into files and decides which ones are re-published or
//! malformed; `text` and `random` are small helpers. `truth` reads back which job a landed
//! record advertises, to score deduplication against what was generated.

mod catalog;
mod documents;
mod formats;
mod jobs;
mod json;
mod random;
mod stream;
#[cfg(test)]
mod tests;
mod text;
mod text_pools;
pub mod truth;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::jobs::World;
use crate::stream::Output;

/// One raw file as a source would have returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// Source name, one of [`SOURCES`].
    pub source: &'static str,
    /// Relative path, e.g. `adzuna/gb-search-0001.json`.
    pub name: String,
    /// File content, byte for byte.
    pub bytes: Vec<u8>,
}

/// Options for a generated sample.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// RNG seed: the same spec always yields the same bytes.
    pub seed: u64,
    /// Number of distinct underlying jobs (records ≈ 1.55 × jobs).
    pub jobs: usize,
    /// "Today": postings are dated in the ~120 days before it.
    pub anchor: NaiveDate,
}

/// The sources written by the generator (file names start with `<source>/`).
pub const SOURCES: [&str; 5] = [
    "adzuna",
    "france_travail",
    "remotive",
    "arbeitnow",
    "jsonld",
];

/// Names of the deliberate defects, in [`DemoStats::malformed`] order.
pub const MALFORMED_KINDS: [&str; 6] = [
    "no_title",
    "empty_title",
    "salary_min_gt_max",
    "bad_date",
    "negative_salary",
    "null_description",
];

/// What a run generated, e.g. for a summary line after `joblake demo`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoStats {
    /// Records per source, in [`SOURCES`] order (re-published copies excluded).
    pub records: [usize; 5],
    /// Jobs published on more than one source.
    pub multi_source_jobs: usize,
    /// Records written a second time on a later page or file.
    pub republished: usize,
    /// Malformed records per kind, in [`MALFORMED_KINDS`] order.
    pub malformed: [usize; 6],
}

/// Generates the sample: deterministic for a given spec (same bytes every time).
pub fn generate(spec: &DemoSpec) -> Vec<DemoFile> {
    let mut files = Vec::new();
    let Ok(()) = generate_each::<std::convert::Infallible>(spec, |f| {
        files.push(f);
        Ok(())
    });
    files
}

/// Same as [`generate`], but hands files to a callback one by one so that
/// 1M postings never sit in memory at once. Stops at the first callback error.
pub fn generate_each<E>(
    spec: &DemoSpec,
    f: impl FnMut(DemoFile) -> Result<(), E>,
) -> Result<(), E> {
    generate_each_with_stats(spec, f).map(|_| ())
}

/// Same as [`generate_each`], and reports what was generated.
pub fn generate_each_with_stats<E>(
    spec: &DemoSpec,
    mut f: impl FnMut(DemoFile) -> Result<(), E>,
) -> Result<DemoStats, E> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let world = World::new(spec, &mut rng);
    let mut out = Output::new(spec.jobs);
    for idx in 0..spec.jobs {
        let job = world.job(idx, spec.anchor, &mut rng);
        out.publish(&world, &job, spec.anchor, &mut rng, &mut f)?;
    }
    for stream in &mut out.streams {
        stream.finish(&mut f)?;
    }
    Ok(out.stats)
}
