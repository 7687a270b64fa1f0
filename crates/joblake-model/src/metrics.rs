//! Evaluation figures, defined as scikit-learn defines them so that the notebook's baseline
//! and joblake's model are measured alike.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One class's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    /// Of the postings predicted in the class, the share that are.
    pub precision: f64,
    /// Of the postings in the class, the share predicted so.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Postings truly in the class.
    pub support: u64,
}

/// A classifier's figures on a set of postings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Postings measured.
    pub n: u64,
    /// Share predicted right.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1 over the classes that occur in the truth or the
    /// predictions (scikit-learn's `f1_score(average="macro")`).
    pub macro_f1: f64,
    /// Per class.
    pub per_class: BTreeMap<String, ClassReport>,
}

/// Figures of `predicted` against `truth` (equal lengths).
pub fn classification<S: AsRef<str>>(truth: &[S], predicted: &[S]) -> Classification {
    let classes: BTreeSet<&str> = truth.iter().chain(predicted).map(|s| s.as_ref()).collect();
    let mut per_class = BTreeMap::new();
    let mut right = 0u64;
    for (t, p) in truth.iter().zip(predicted) {
        if t.as_ref() == p.as_ref() {
            right += 1;
        }
    }
    for class in &classes {
        let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
        for (t, p) in truth.iter().zip(predicted) {
            let (t, p) = (t.as_ref() == *class, p.as_ref() == *class);
            match (t, p) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fneg += 1,
                (false, false) => {}
            }
        }
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fneg);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        per_class.insert(
            class.to_string(),
            ClassReport {
                precision,
                recall,
                f1,
                support: tp + fneg,
            },
        );
    }
    let n = truth.len().min(predicted.len()) as u64;
    let macro_f1 = if per_class.is_empty() {
        0.0
    } else {
        per_class.values().map(|c| c.f1).sum::<f64>() / per_class.len() as f64
    };
    Classification {
        n,
        accuracy: if n == 0 { 0.0 } else { right as f64 / n as f64 },
        macro_f1,
        per_class,
    }
}

/// A salary estimator's figures on a set of postings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regression {
    /// Postings measured.
    pub n: u64,
    /// Mean absolute error, EUR a year.
    pub mae: f64,
    /// Mean absolute percentage error, as a fraction (0.2 is 20%).
    pub mape: f64,
    /// Median absolute error, EUR a year.
    pub median_ae: f64,
    /// Share of true salaries inside the predicted interval (`None` without intervals).
    pub coverage: Option<f64>,
}

/// Figures of `predicted` against `truth`, with the interval `[low, high]` when given.
pub fn regression(
    truth: &[f64],
    predicted: &[f64],
    interval: Option<(&[f64], &[f64])>,
) -> Regression {
    let n = truth.len().min(predicted.len());
    if n == 0 {
        return Regression {
            n: 0,
            mae: 0.0,
            mape: 0.0,
            median_ae: 0.0,
            coverage: None,
        };
    }
    let mut errors: Vec<f64> = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).abs())
        .collect();
    let mae = errors.iter().sum::<f64>() / n as f64;
    let mape = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).abs() / t.abs().max(f64::EPSILON))
        .sum::<f64>()
        / n as f64;
    errors.sort_by(f64::total_cmp);
    let median_ae = if n % 2 == 1 {
        errors[n / 2]
    } else {
        (errors[n / 2 - 1] + errors[n / 2]) / 2.0
    };
    let coverage = interval.map(|(low, high)| {
        let inside = truth
            .iter()
            .zip(low.iter().zip(high))
            .filter(|(t, (l, h))| *l <= *t && *t <= *h)
            .count();
        inside as f64 / n as f64
    });
    Regression {
        n: n as u64,
        mae,
        mape,
        median_ae,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_matches_scikit_learn() {
        // As sklearn.metrics.f1_score(t, p, average="macro"):
        let t = ["a", "a", "b", "b", "c"];
        let p = ["a", "b", "b", "b", "a"];
        let c = classification(&t, &p);
        // a: P 1/2 R 1/2 F 1/2; b: P 2/3 R 1 F 0.8; c: 0.
        assert!((c.macro_f1 - (0.5 + 0.8 + 0.0) / 3.0).abs() < 1e-12);
        assert!((c.accuracy - 0.6).abs() < 1e-12);
        assert_eq!(c.per_class["b"].support, 2);
    }

    #[test]
    fn regression_figures() {
        let r = regression(
            &[100.0, 200.0],
            &[110.0, 150.0],
            Some((&[90.0, 160.0], &[120.0, 190.0])),
        );
        assert!((r.mae - 30.0).abs() < 1e-9);
        assert!((r.mape - (0.1 + 0.25) / 2.0).abs() < 1e-9);
        assert_eq!(r.coverage, Some(0.5));
    }
}
