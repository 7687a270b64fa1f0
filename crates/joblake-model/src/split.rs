//! The deterministic split of postings into training and test parts.
//!
//! A posting's part depends only on the seed and its `posting_id` (the deduplicated posting of
//! `silver.job_postings`), so the records and listings of one posting (its duplicates across
//! sources) never straddle the split, and any tool can recompute it: in Python,
//! `int.from_bytes(sha256(f"{seed}:{posting_id}".encode()).digest()[:8], "big") % 10000 <
//! test_share * 10000` is the test part.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a posting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Fits the model.
    Train,
    /// Calibrates the salary interval (a share of the training part, held out of fitting).
    Calibration,
    /// Measures the model; never seen in training.
    Test,
}

/// The split: a seed and the share of postings held out for testing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Seed of the hash.
    pub seed: u64,
    /// Share of postings in the test part, 0 to 1.
    pub test_share: f64,
    /// Share of the remaining postings kept out of fitting to calibrate intervals.
    pub calibration_share: f64,
}

impl Default for Split {
    fn default() -> Split {
        Split {
            seed: 42,
            test_share: 0.2,
            calibration_share: 0.2,
        }
    }
}

impl Split {
    /// The part of the posting `posting_id`.
    pub fn part(&self, posting_id: &str) -> Part {
        if bucket(&format!("{}:{posting_id}", self.seed)) < share(self.test_share) {
            Part::Test
        } else if bucket(&format!("{}:calibration:{posting_id}", self.seed))
            < share(self.calibration_share)
        {
            Part::Calibration
        } else {
            Part::Train
        }
    }

    /// The cross-fitting fold, `0..k`, of a posting (salted apart from the split).
    pub fn fold(&self, posting_id: &str, k: usize) -> usize {
        (bucket(&format!("{}:fold:{posting_id}", self.seed)) % k.max(1) as u64) as usize
    }

    /// True for a deterministic sample of `fraction` of the postings (salted apart from the
    /// split, so a sample keeps the split's proportions).
    pub fn sampled(&self, posting_id: &str, fraction: f64) -> bool {
        fraction >= 1.0 || bucket(&format!("{}:sample:{posting_id}", self.seed)) < share(fraction)
    }
}

fn share(fraction: f64) -> u64 {
    (fraction.clamp(0.0, 1.0) * 10_000.0).round() as u64
}

/// The first 8 bytes of SHA-256, big-endian, modulo 10,000.
fn bucket(key: &str) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_stable_and_near_its_share() {
        let split = Split::default();
        let ids: Vec<String> = (0..20_000).map(|i| format!("{i:016x}")).collect();
        let test = ids.iter().filter(|id| split.part(id) == Part::Test).count();
        let calibration = ids
            .iter()
            .filter(|id| split.part(id) == Part::Calibration)
            .count();
        assert!((3_700..4_300).contains(&test), "{test}");
        // 20% of the remaining 80%.
        assert!((2_900..3_500).contains(&calibration), "{calibration}");
        assert_eq!(split.part(&ids[7]), split.part(&ids[7]));
        // Folds are near-even and apart from the parts.
        let mut folds = [0usize; 5];
        ids.iter().for_each(|id| folds[split.fold(id, 5)] += 1);
        assert!(
            folds.iter().all(|&n| (3_700..4_300).contains(&n)),
            "{folds:?}"
        );
        let other = Split { seed: 7, ..split };
        assert!(ids.iter().any(|id| split.part(id) != other.part(id)));
    }

    #[test]
    fn the_python_recipe_gives_the_same_parts() {
        // int.from_bytes(hashlib.sha256(b"42:abc").digest()[:8], "big") % 10000, in Python.
        assert_eq!(bucket("42:abc"), 6450);
    }
}
