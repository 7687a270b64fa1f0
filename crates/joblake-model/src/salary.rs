//! The salary estimator: a ridge regression of the log annual salary (EUR) with a
//! split-conformal interval.
//!
//! Pay is roughly log-normal and its effects multiply (a senior role in Paris pays a share
//! more, not a fixed amount more), so the model is fitted on `ln(salary)`; its estimate is
//! `exp` of the prediction, a median rather than a mean. The interval comes from the residuals
//! on calibration postings that the fit never saw: their empirical quantiles at
//! `(1 − level) / 2` and `(1 + level) / 2` (with the finite-sample correction), added to the
//! log prediction. Under exchangeability it covers `level` of new postings.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::features::{Featurizer, SparseRow};
use crate::linear::{Linear, order};

/// Settings of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalaryTraining {
    /// Passes over the training postings.
    pub epochs: u32,
    /// Initial step size, divided by the square root of the epoch number.
    pub learning_rate: f32,
    /// L2 penalty.
    pub l2: f32,
    /// Seed of the visiting order.
    pub seed: u64,
    /// The interval's nominal coverage, e.g. 0.8.
    pub interval_level: f64,
}

impl Default for SalaryTraining {
    fn default() -> SalaryTraining {
        SalaryTraining {
            epochs: 12,
            learning_rate: 0.1,
            l2: 1e-5,
            seed: 42,
            interval_level: 0.8,
        }
    }
}

/// One posting that states its salary.
#[derive(Debug, Clone)]
pub struct SalaryExample {
    /// Its features ([`Featurizer::salary_row`]).
    pub row: SparseRow,
    /// Its annual salary in EUR (midpoint of the stated range).
    pub salary_eur: f64,
}

/// One estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SalaryPrediction {
    /// The estimate, EUR a year.
    pub salary: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

/// A trained estimator.
#[derive(Debug, Clone)]
pub struct SalaryModel {
    /// The features it reads.
    pub featurizer: Featurizer,
    /// Mean log salary of the training postings (the prediction when nothing is known).
    pub intercept: f64,
    /// Residual quantiles (log scale) bounding the interval.
    pub residual_low: f64,
    /// Upper residual quantile.
    pub residual_high: f64,
    /// Nominal coverage of the interval.
    pub level: f64,
    linear: Linear,
}

impl SalaryModel {
    /// Fits on `fit`, calibrates the interval on `calibration` (fitted on `fit` alone; with no
    /// calibration postings the fit's own residuals are used, which understates the width).
    pub fn train(
        featurizer: Featurizer,
        fit: &[SalaryExample],
        calibration: &[SalaryExample],
        settings: &SalaryTraining,
    ) -> SalaryModel {
        let logs: Vec<f64> = fit.iter().map(|e| e.salary_eur.max(1.0).ln()).collect();
        let intercept = if logs.is_empty() {
            0.0
        } else {
            logs.iter().sum::<f64>() / logs.len() as f64
        };
        let mut linear = Linear::new(featurizer.dim(), 1);
        let mut out = [0.0f32];
        for epoch in 0..settings.epochs {
            let lr = settings.learning_rate / (1.0 + epoch as f32).sqrt();
            for i in order(fit.len(), settings.seed, epoch) {
                linear.scores(&fit[i].row, &mut out);
                let err = out[0] - (logs[i] - intercept) as f32;
                linear.step(&fit[i].row, &[err], lr, settings.l2);
            }
        }
        let mut model = SalaryModel {
            featurizer,
            intercept,
            residual_low: 0.0,
            residual_high: 0.0,
            level: settings.interval_level,
            linear,
        };
        let held = if calibration.is_empty() {
            fit
        } else {
            calibration
        };
        let mut residuals: Vec<f64> = held
            .iter()
            .map(|e| e.salary_eur.max(1.0).ln() - model.log_estimate(&e.row))
            .collect();
        residuals.sort_by(f64::total_cmp);
        let alpha = (1.0 - settings.interval_level).clamp(0.0, 1.0);
        model.residual_low = conformal_quantile(&residuals, alpha / 2.0, false);
        model.residual_high = conformal_quantile(&residuals, 1.0 - alpha / 2.0, true);
        model
    }

    fn log_estimate(&self, row: &[(u32, f32)]) -> f64 {
        let mut out = [0.0f32];
        self.linear.scores(row, &mut out);
        self.intercept + f64::from(out[0])
    }

    /// The estimate and interval for a posting's salary row.
    pub fn predict(&self, row: &[(u32, f32)]) -> SalaryPrediction {
        let log = self.log_estimate(row);
        SalaryPrediction {
            salary: log.exp(),
            low: (log + self.residual_low).exp(),
            high: (log + self.residual_high).exp(),
        }
    }

    /// The stored form: bias and non-zero weight rows.
    pub(crate) fn parts(&mut self) -> (Vec<f32>, Vec<(u32, Vec<f32>)>) {
        (self.linear.bias.clone(), self.linear.sparse_rows())
    }

    /// Rebuilds a model from its stored parts.
    pub(crate) fn from_parts(
        featurizer: Featurizer,
        [intercept, residual_low, residual_high, level]: [f64; 4],
        bias: Vec<f32>,
        rows: &[(u32, Vec<f32>)],
    ) -> SalaryModel {
        let linear = Linear::from_rows(featurizer.dim(), bias, rows);
        SalaryModel {
            featurizer,
            intercept,
            residual_low,
            residual_high,
            level,
            linear,
        }
    }
}

/// The conformal quantile of sorted `residuals` at `q`: the `ceil((n + 1)·q)`-th smallest for
/// the upper end, the `floor((n + 1)·q)`-th for the lower end, clamped to the sample.
fn conformal_quantile(sorted: &[f64], q: f64, upper: bool) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let pos = (n as f64 + 1.0) * q;
    let k = if upper { pos.ceil() } else { pos.floor() } as usize;
    sorted[k.clamp(1, n) - 1]
}

/// The baseline the estimator must beat: the median salary of the training postings of the
/// same family and country, else of the family, else of all.
#[derive(Debug, Clone, Default)]
pub struct MedianBaseline {
    by_pair: HashMap<(String, String), f64>,
    by_family: HashMap<String, f64>,
    overall: f64,
}

impl MedianBaseline {
    /// Medians of `(family, country, salary)` triples.
    pub fn fit<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, f64)>) -> MedianBaseline {
        let mut pairs: HashMap<(String, String), Vec<f64>> = HashMap::new();
        let mut families: HashMap<String, Vec<f64>> = HashMap::new();
        let mut all = Vec::new();
        for (family, country, salary) in rows {
            pairs
                .entry((family.to_string(), country.to_string()))
                .or_default()
                .push(salary);
            families.entry(family.to_string()).or_default().push(salary);
            all.push(salary);
        }
        MedianBaseline {
            by_pair: pairs.into_iter().map(|(k, v)| (k, median(v))).collect(),
            by_family: families.into_iter().map(|(k, v)| (k, median(v))).collect(),
            overall: median(all),
        }
    }

    /// The baseline's estimate.
    pub fn predict(&self, family: &str, country: &str) -> f64 {
        self.by_pair
            .get(&(family.to_string(), country.to_string()))
            .or_else(|| self.by_family.get(family))
            .copied()
            .unwrap_or(self.overall)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Posting;

    fn examples(f: &Featurizer, n: usize, salt: usize) -> Vec<SalaryExample> {
        let skills_py = ["Python"];
        let none: [&str; 0] = [];
        (0..n)
            .map(|i| {
                let senior = (i + salt).is_multiple_of(2);
                let paris = (i + salt).is_multiple_of(3);
                let p = Posting {
                    title: if senior {
                        "Senior Data Engineer"
                    } else {
                        "Data Engineer"
                    },
                    skills: if i % 5 == 0 { &skills_py } else { &none },
                    job_family: "data_engineer",
                    country: "FR",
                    region: if paris { "Île-de-France" } else { "Bretagne" },
                    ..Posting::default()
                };
                let base: f64 =
                    45_000.0 * if senior { 1.4 } else { 1.0 } * if paris { 1.15 } else { 1.0 };
                // A deterministic ±10% spread.
                let noise = 1.0 + 0.1 * (((i * 7919 + salt) % 21) as f64 - 10.0) / 10.0;
                SalaryExample {
                    row: f.salary_row(&p),
                    salary_eur: base * noise,
                }
            })
            .collect()
    }

    #[test]
    fn learns_multiplicative_effects_and_covers_its_level() {
        let f = Featurizer::new(16, 0);
        let fit = examples(&f, 600, 0);
        let cal = examples(&f, 200, 1);
        let test = examples(&f, 300, 2);
        let m = SalaryModel::train(f, &fit, &cal, &SalaryTraining::default());
        let truth: Vec<f64> = test.iter().map(|e| e.salary_eur).collect();
        let preds: Vec<SalaryPrediction> = test.iter().map(|e| m.predict(&e.row)).collect();
        let est: Vec<f64> = preds.iter().map(|p| p.salary).collect();
        let low: Vec<f64> = preds.iter().map(|p| p.low).collect();
        let high: Vec<f64> = preds.iter().map(|p| p.high).collect();
        let r = crate::metrics::regression(&truth, &est, Some((&low, &high)));
        assert!(r.mape < 0.08, "{r:?}");
        let coverage = r.coverage.unwrap_or(0.0);
        assert!((0.7..=0.95).contains(&coverage), "{r:?}");
        assert!(
            preds
                .iter()
                .all(|p| p.low <= p.salary && p.salary <= p.high)
        );
    }

    #[test]
    fn conformal_quantiles_are_order_statistics() {
        let r: Vec<f64> = (1..=9).map(f64::from).collect();
        assert_eq!(conformal_quantile(&r, 0.1, false), 1.0);
        assert_eq!(conformal_quantile(&r, 0.9, true), 9.0);
        assert_eq!(conformal_quantile(&r, 0.5, true), 5.0);
    }

    #[test]
    fn the_baseline_falls_back_from_pair_to_family_to_all() {
        let b = MedianBaseline::fit([
            ("data_engineer", "FR", 50_000.0),
            ("data_engineer", "FR", 60_000.0),
            ("data_engineer", "DE", 70_000.0),
            ("data_analyst", "FR", 40_000.0),
        ]);
        assert_eq!(b.predict("data_engineer", "FR"), 55_000.0);
        assert_eq!(b.predict("data_engineer", "GB"), 60_000.0);
        assert_eq!(b.predict("mlops", "GB"), 55_000.0);
    }
}
