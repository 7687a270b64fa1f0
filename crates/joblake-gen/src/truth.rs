//! The generator's ground truth, read back from what it wrote: each source's id encodes the
//! index of the job it advertises, so deduplication can be scored against the jobs that were
//! really generated, at any scale (`joblake bench`, `tests/it/dedup.rs`), where hand labels
//! (`joblake eval`) cannot go.

use std::collections::HashMap;

/// Adzuna ids: this base plus the record's id within its job ([`IDS_PER_JOB`]).
pub(crate) const ADZUNA_ID: u64 = 5_100_000_000;
/// Remotive ids.
pub(crate) const REMOTIVE_ID: u64 = 1_900_000;
/// Arbeitnow slugs end with this base plus the record's id.
pub(crate) const ARBEITNOW_ID: u64 = 10_000;
/// Job-page identifiers (`JR-<n>`) and URLs (`/jobs/<n>-<title>`).
pub(crate) const JSONLD_ID: u64 = 100_000;
/// Ids reserved per job: a record's id is `base + IDS_PER_JOB × job + r`, with `r` random below
/// it, so that the copies of one job do not share an obvious id.
pub(crate) const IDS_PER_JOB: u64 = 4;

/// France Travail offer id of a job: three digits and four letters, e.g. "201XYZK".
pub(crate) fn france_travail_id(job: usize) -> String {
    let mut letters = [b'A'; 4];
    let mut n = job;
    for l in letters.iter_mut().rev() {
        *l = b'A' + (n % 26) as u8;
        n /= 26;
    }
    format!("{}{}", 201 + n, String::from_utf8_lossy(&letters))
}

/// The generated job a landed record advertises, from its source and `source_id` as silver
/// reads them; `None` for an id the generator does not write (a JSON-LD page without
/// identifier or URL gets a content hash).
pub fn job_of(source: &str, source_id: &str) -> Option<u64> {
    let from = |base: u64, digits: &str| {
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_sub(base))
            .map(|n| n / IDS_PER_JOB)
    };
    match source {
        "adzuna" => from(ADZUNA_ID, source_id),
        "remotive" => from(REMOTIVE_ID, source_id),
        "arbeitnow" => from(ARBEITNOW_ID, source_id.rsplit('-').next()?),
        "jsonld" => {
            let rest = source_id
                .strip_prefix("JR-")
                .or_else(|| source_id.split("/jobs/").nth(1))?;
            let digits: &str = &rest[..rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len())];
            from(JSONLD_ID, digits)
        }
        "france_travail" => {
            let split = source_id.find(|c: char| c.is_ascii_uppercase())?;
            let (high, letters) = source_id.split_at(split);
            let high = high.parse::<u64>().ok()?.checked_sub(201)?;
            if letters.len() != 4 {
                return None;
            }
            letters.bytes().try_fold(high, |n, b| {
                b.is_ascii_uppercase().then(|| n * 26 + u64::from(b - b'A'))
            })
        }
        _ => None,
    }
}

/// How well groupings of records (postings) match the generated jobs, over pairs of records:
/// a pair is merged when both are in one posting, true when both advertise one job.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PairScores {
    /// Records scored (with a known job).
    pub records: u64,
    /// Distinct postings among them.
    pub postings: u64,
    /// Distinct jobs among them.
    pub jobs: u64,
    /// Pairs in one posting.
    pub merged_pairs: u64,
    /// Pairs of one job.
    pub true_pairs: u64,
    /// Pairs in one posting and of one job.
    pub right_pairs: u64,
}

impl PairScores {
    /// Scores `(posting, job)` assignments, one per record.
    pub fn of<P: std::hash::Hash + Eq>(records: impl IntoIterator<Item = (P, u64)>) -> Self {
        let mut by_posting: HashMap<P, HashMap<u64, u64>> = HashMap::new();
        let mut by_job: HashMap<u64, u64> = HashMap::new();
        let mut n = 0;
        for (posting, job) in records {
            *by_posting
                .entry(posting)
                .or_default()
                .entry(job)
                .or_default() += 1;
            *by_job.entry(job).or_default() += 1;
            n += 1;
        }
        let pairs = |k: u64| k * k.saturating_sub(1) / 2;
        PairScores {
            records: n,
            postings: by_posting.len() as u64,
            jobs: by_job.len() as u64,
            merged_pairs: by_posting
                .values()
                .map(|jobs| pairs(jobs.values().sum()))
                .sum(),
            true_pairs: by_job.values().map(|&k| pairs(k)).sum(),
            right_pairs: by_posting
                .values()
                .flat_map(|jobs| jobs.values())
                .map(|&k| pairs(k))
                .sum(),
        }
    }

    /// Share of merged pairs that are one job (1 when nothing was merged).
    pub fn precision(&self) -> f64 {
        ratio(self.right_pairs, self.merged_pairs)
    }

    /// Share of one job's pairs that were merged (1 when no job has two records).
    pub fn recall(&self) -> f64 {
        ratio(self.right_pairs, self.true_pairs)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_id_names_its_job() {
        for job in [0_u64, 1, 7, 4_999, 456_976, 1_000_003] {
            for r in 0..IDS_PER_JOB {
                let uid = job * IDS_PER_JOB + r;
                assert_eq!(job_of("adzuna", &(ADZUNA_ID + uid).to_string()), Some(job));
                assert_eq!(
                    job_of("remotive", &(REMOTIVE_ID + uid).to_string()),
                    Some(job)
                );
                let slug = format!("data-engineer-frankfurt-am-main-{}", ARBEITNOW_ID + uid);
                assert_eq!(job_of("arbeitnow", &slug), Some(job));
                let ident = JSONLD_ID + uid;
                assert_eq!(job_of("jsonld", &format!("JR-{ident}")), Some(job));
                let url = format!("https://careers.company-17.co.uk/jobs/{ident}-senior-analyst");
                assert_eq!(job_of("jsonld", &url), Some(job));
            }
            let ft = france_travail_id(job as usize);
            assert_eq!(job_of("france_travail", &ft), Some(job), "{ft}");
        }
        assert_eq!(job_of("jsonld", "3f2a9c"), None);
        assert_eq!(job_of("reed", "123"), None);
    }

    #[test]
    fn pair_scores_count_merged_true_and_right_pairs() {
        // Posting p1 holds two records of job 1 and one of job 2; job 1 has a third record
        // alone in p2.
        let s = PairScores::of([("p1", 1), ("p1", 1), ("p1", 2), ("p2", 1)]);
        assert_eq!((s.merged_pairs, s.true_pairs, s.right_pairs), (3, 3, 1));
        assert!((s.precision() - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.recall() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(PairScores::of(Vec::<(u8, u64)>::new()).precision(), 1.0);
    }
}
