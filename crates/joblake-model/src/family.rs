//! The job-family classifier: multinomial logistic regression on the title, the description's
//! opening and the skills, behind a policy that keeps the rules where they matched.
//!
//! The rules of `sql/reference/job_families.csv` read titles and are precise when they match
//! (`docs/data_quality.md`); what they cannot do is place a posting whose title names no family
//! ("Consultant H/F", "Engineer II"). The classifier learns from the rules' labels (weak
//! supervision) and from hand labels (weighted up), and the policy uses it only for postings
//! the rules call `other`, when its probability clears a threshold.

use serde::{Deserialize, Serialize};

use crate::features::{Featurizer, TextCounts};
use crate::linear::{Linear, order};

/// The rules' "no family" answer.
pub const OTHER: &str = "other";

/// A threshold no probability reaches: the policy keeps the rules' answer everywhere.
pub const NEVER: f32 = 1.01;

/// How many folds [`FamilyModel::cross_fit`] trains: each model leaves out a fifth of the hand
/// labels, which then judge it.
pub const CROSS_FIT_FOLDS: usize = 5;

/// The thresholds [`choose_threshold`] tries, highest (most cautious) first.
pub const THRESHOLDS: [f32; 7] = [NEVER, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5];

/// Whether `wins` overrules that were right, against `losses` that were wrong, are more than
/// luck: a one-sided sign test, P(at least `wins` of `wins + losses` fair coin flips) < 5%.
/// Five wins and no loss pass; four do not, nor do seven against two.
fn significant(wins: usize, losses: usize) -> bool {
    let n = wins + losses;
    if wins == 0 {
        return false;
    }
    // ln C(n, k) built up term by term: no factorial overflows.
    let ln_choose = |k: usize| -> f64 {
        (0..k)
            .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
            .sum()
    };
    let tail: f64 = (wins..=n)
        .map(|k| (ln_choose(k) - n as f64 * std::f64::consts::LN_2).exp())
        .sum();
    tail < 0.05
}

/// Settings of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyTraining {
    /// Passes over the training postings.
    pub epochs: u32,
    /// Initial step size, divided by the epoch number.
    pub learning_rate: f32,
    /// L2 penalty.
    pub l2: f32,
    /// Seed of the visiting order.
    pub seed: u64,
    /// How much a hand-labelled posting counts against a rule-labelled one.
    pub hand_label_weight: f32,
    /// The policy's threshold until [`FamilyModel::choose_threshold`] picks one: the least
    /// probability at which the model overrules an `other`.
    pub threshold: f32,
}

impl Default for FamilyTraining {
    fn default() -> FamilyTraining {
        FamilyTraining {
            epochs: 6,
            learning_rate: 0.5,
            l2: 1e-6,
            seed: 42,
            hand_label_weight: 5.0,
            threshold: NEVER,
        }
    }
}

/// One training posting.
#[derive(Debug, Clone)]
pub struct FamilyExample {
    /// Its text features (before weighting).
    pub counts: TextCounts,
    /// The family to learn: the hand label when there is one, else the rules' family.
    pub label: String,
    /// True when `label` is a hand label.
    pub hand_labelled: bool,
}

/// How predictions are made from the rules and the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FamilyPolicy {
    /// The least probability at which the model's family replaces the rules' `other`.
    pub threshold: f32,
}

/// One prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyPrediction {
    /// The answer under the policy.
    pub family: String,
    /// The model's probability of `family`.
    pub probability: f32,
    /// The model's own most likely family, whatever the rules said.
    pub model_family: String,
    /// Its probability.
    pub model_probability: f32,
}

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct FamilyModel {
    /// The features it reads (with the IDF table learned in training).
    pub featurizer: Featurizer,
    /// Class names, sorted; the outputs of `linear` in this order.
    pub classes: Vec<String>,
    /// The policy applied by [`FamilyModel::predict`].
    pub policy: FamilyPolicy,
    linear: Linear,
}

impl FamilyModel {
    /// Fits a classifier on `examples` (their counts weighted with IDF learned from them).
    pub fn train(
        featurizer: Featurizer,
        examples: &[FamilyExample],
        settings: &FamilyTraining,
    ) -> FamilyModel {
        FamilyModel::train_on(featurizer, &examples.iter().collect::<Vec<_>>(), settings)
    }

    /// [`FamilyModel::train`] on borrowed examples, so that cross-fitting trains on subsets
    /// without copying their features.
    fn train_on(
        mut featurizer: Featurizer,
        examples: &[&FamilyExample],
        settings: &FamilyTraining,
    ) -> FamilyModel {
        featurizer.fit_idf(examples.iter().map(|e| &e.counts));
        let mut classes: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
        classes.push(OTHER.to_string());
        classes.sort_unstable();
        classes.dedup();
        let index = |label: &str| classes.binary_search_by(|c| c.as_str().cmp(label)).ok();
        let rows: Vec<_> = examples
            .iter()
            .map(|e| featurizer.weigh(&e.counts))
            .collect();
        let labels: Vec<usize> = examples
            .iter()
            .map(|e| index(&e.label).unwrap_or(0))
            .collect();

        // Class weights: the square root of the balanced weights, so that rare families are
        // heard without their few postings dominating.
        let mut counts = vec![0usize; classes.len()];
        labels.iter().for_each(|&c| counts[c] += 1);
        let n = examples.len().max(1) as f32;
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&k| {
                if k == 0 {
                    0.0
                } else {
                    (n / (classes.len() as f32 * k as f32)).sqrt()
                }
            })
            .collect();

        let mut linear = Linear::new(featurizer.dim(), classes.len());
        let mut scores = vec![0.0f32; classes.len()];
        let mut grad = vec![0.0f32; classes.len()];
        for epoch in 0..settings.epochs {
            let lr = settings.learning_rate / (1.0 + epoch as f32);
            for i in order(rows.len(), settings.seed, epoch) {
                linear.scores(&rows[i], &mut scores);
                softmax(&mut scores);
                let weight = class_weight[labels[i]]
                    * if examples[i].hand_labelled {
                        settings.hand_label_weight
                    } else {
                        1.0
                    };
                for (c, (g, p)) in grad.iter_mut().zip(&scores).enumerate() {
                    let y = if c == labels[i] { 1.0 } else { 0.0 };
                    *g = (p - y) * weight;
                }
                linear.step(&rows[i], &grad, lr, settings.l2);
            }
        }
        FamilyModel {
            featurizer,
            classes,
            policy: FamilyPolicy {
                threshold: settings.threshold,
            },
            linear,
        }
    }

    /// The class probabilities of a weighted row, in the order of [`FamilyModel::classes`].
    pub fn probabilities(&self, row: &[(u32, f32)]) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.classes.len()];
        self.linear.scores(row, &mut scores);
        softmax(&mut scores);
        scores
    }

    /// The prediction for a posting's counts, given the rules' family.
    pub fn predict(&self, counts: &TextCounts, rules: &str) -> FamilyPrediction {
        let p = self.probabilities(&self.featurizer.weigh(counts));
        let (best, best_p) =
            p.iter().enumerate().fold(
                (0, f32::MIN),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
        let model_family = self
            .classes
            .get(best)
            .cloned()
            .unwrap_or_else(|| OTHER.into());
        let prob_of = |name: &str| {
            self.classes
                .binary_search_by(|c| c.as_str().cmp(name))
                .ok()
                .map_or(0.0, |i| p[i])
        };
        let family = policy_family(rules, &model_family, best_p, self.policy.threshold).to_string();
        FamilyPrediction {
            probability: prob_of(&family),
            family,
            model_family,
            model_probability: best_p,
        }
    }

    /// Cross-fitting: the answers, for every hand-labelled example, of a model trained without
    /// the hand labels of its fold. `folds[i]` is `Some((fold, rules' family))` for a
    /// hand-labelled example, `None` for the others (always trained on). Every hand label
    /// then both trains the final model and judges a model that never saw it, so the
    /// threshold is chosen on all of them rather than on a held-out slice of the few there are.
    pub fn cross_fit(
        featurizer: &Featurizer,
        examples: &[FamilyExample],
        folds: &[Option<(usize, String)>],
        k: usize,
        settings: &FamilyTraining,
    ) -> Vec<HeldOut> {
        let mut out = Vec::new();
        for fold in 0..k {
            let in_fold = |i: &usize| matches!(&folds[*i], Some((f, _)) if *f == fold);
            let (held, kept): (Vec<usize>, Vec<usize>) = (0..examples.len()).partition(in_fold);
            if held.is_empty() {
                continue;
            }
            let kept: Vec<&FamilyExample> = kept.into_iter().map(|i| &examples[i]).collect();
            let model = FamilyModel::train_on(featurizer.clone(), &kept, settings);
            for i in held {
                let rules = folds[i].as_ref().map_or(OTHER, |(_, r)| r.as_str());
                let p = model.predict(&examples[i].counts, rules);
                out.push(HeldOut {
                    rules: rules.to_string(),
                    truth: examples[i].label.clone(),
                    model_family: p.model_family,
                    probability: p.model_probability,
                });
            }
        }
        out
    }

    /// The stored form: bias and non-zero weight rows.
    pub(crate) fn parts(&mut self) -> (Vec<f32>, Vec<(u32, Vec<f32>)>) {
        (self.linear.bias.clone(), self.linear.sparse_rows())
    }

    /// Rebuilds a model from its stored parts.
    pub(crate) fn from_parts(
        featurizer: Featurizer,
        classes: Vec<String>,
        policy: FamilyPolicy,
        bias: Vec<f32>,
        rows: &[(u32, Vec<f32>)],
    ) -> FamilyModel {
        let linear = Linear::from_rows(featurizer.dim(), bias, rows);
        FamilyModel {
            featurizer,
            classes,
            policy,
            linear,
        }
    }
}

/// A hand-labelled posting as judged by a model that never saw its label.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    /// The rules' family.
    pub rules: String,
    /// The hand label.
    pub truth: String,
    /// The model's most likely family.
    pub model_family: String,
    /// Its probability.
    pub probability: f32,
}

/// The policy: the rules' family where they matched; the model's where they say `other` and
/// its probability reaches `threshold`.
fn policy_family<'a>(rules: &'a str, model_family: &'a str, p: f32, threshold: f32) -> &'a str {
    if rules != OTHER && !rules.is_empty() {
        rules
    } else if model_family != OTHER && p >= threshold {
        model_family
    } else {
        OTHER
    }
}

/// One threshold as tried on held-out answers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tried {
    /// The least probability at which the model overrules an `other`.
    pub threshold: f32,
    /// Macro-F1 of the policy's answers against the hand labels.
    pub macro_f1: f64,
    /// Overrules that fixed the rules' answer.
    pub wins: usize,
    /// Overrules that broke a right answer (the rules' `other` was right).
    pub losses: usize,
    /// Overrules of a wrong `other` to another wrong family.
    pub wrong_family: usize,
}

/// Picks the policy's threshold from held-out answers: the one of [`THRESHOLDS`] with the
/// best macro-F1, the most cautious among equals, so that the model overrules the rules only
/// where that helped on postings it never saw. A threshold is eligible only when its overrules
/// were right significantly more often than the rules they replaced ([`significant`]): with a
/// handful of postings the rules miss, one lucky overrule would otherwise pick a threshold
/// that loses on the next sample. Without such postings the threshold is [`NEVER`]: nothing
/// shows that the model beats the rules. Returns the threshold and how each one did.
pub fn choose_threshold(held: &[HeldOut]) -> (f32, Vec<Tried>) {
    if held.is_empty() {
        return (NEVER, Vec::new());
    }
    let truth: Vec<&str> = held.iter().map(|h| h.truth.as_str()).collect();
    let mut tried = Vec::new();
    let mut best = (NEVER, f64::MIN);
    for t in THRESHOLDS {
        let predicted: Vec<&str> = held
            .iter()
            .map(|h| policy_family(&h.rules, &h.model_family, h.probability, t))
            .collect();
        let (mut wins, mut losses, mut wrong_family) = (0, 0, 0);
        for ((h, p), truth) in held.iter().zip(&predicted).zip(&truth) {
            if *p != h.rules {
                if p == truth {
                    wins += 1;
                } else if h.rules == *truth {
                    losses += 1;
                } else {
                    wrong_family += 1;
                }
            }
        }
        let macro_f1 = crate::metrics::classification(&truth, &predicted).macro_f1;
        tried.push(Tried {
            threshold: t,
            macro_f1,
            wins,
            losses,
            wrong_family,
        });
        let eligible = t == NEVER || significant(wins, losses);
        if eligible && macro_f1 > best.1 + 1e-12 {
            best = (t, macro_f1);
        }
    }
    (best.0, tried)
}

fn softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    if sum > 0.0 {
        scores.iter_mut().for_each(|s| *s /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Posting;

    fn example(f: &Featurizer, title: &str, description: &str, label: &str) -> FamilyExample {
        let p = Posting {
            title,
            description,
            ..Posting::default()
        };
        FamilyExample {
            counts: f.text_counts(&p),
            label: label.into(),
            hand_labelled: false,
        }
    }

    fn toy() -> (Featurizer, Vec<FamilyExample>) {
        let f = Featurizer::new(16, 300);
        let mut ex = Vec::new();
        for i in 0..30 {
            ex.push(example(
                &f,
                &format!("Data Engineer {i}"),
                "Build Spark pipelines and Airflow DAGs on the data platform.",
                "data_engineer",
            ));
            ex.push(example(
                &f,
                &format!("Boulanger {i}"),
                "Préparer le pain et les viennoiseries chaque matin.",
                "other",
            ));
        }
        (f, ex)
    }

    #[test]
    fn learns_from_the_description_where_the_title_is_vague() {
        let (f, ex) = toy();
        let settings = FamilyTraining {
            threshold: 0.5,
            ..FamilyTraining::default()
        };
        let m = FamilyModel::train(f, &ex, &settings);
        let vague = Posting {
            title: "Consultant H/F",
            description: "You will build Spark pipelines and Airflow DAGs.",
            ..Posting::default()
        };
        let p = m.predict(&m.featurizer.text_counts(&vague), OTHER);
        assert_eq!(p.family, "data_engineer", "{p:?}");
        assert!(p.probability >= 0.5);
        // The rules win where they matched.
        let kept = m.predict(&m.featurizer.text_counts(&vague), "software_engineer");
        assert_eq!(kept.family, "software_engineer");
        assert_eq!(kept.model_family, "data_engineer");
    }

    #[test]
    fn the_threshold_is_chosen_on_held_out_labels() {
        let (f, ex) = toy();
        let m = FamilyModel::train(f, &ex, &FamilyTraining::default());
        assert_eq!(choose_threshold(&[]), (NEVER, Vec::new()));
        let p = m.predict(
            &m.featurizer.text_counts(&Posting {
                title: "Consultant",
                description: "Spark pipelines and Airflow DAGs.",
                ..Posting::default()
            }),
            OTHER,
        );
        assert_eq!(p.model_family, "data_engineer", "{p:?}");
        let held = |truth: &str| HeldOut {
            rules: OTHER.into(),
            truth: truth.into(),
            model_family: p.model_family.clone(),
            probability: p.model_probability,
        };
        // Where the overrule was right often enough, the model speaks; twice is luck; where it
        // was wrong, it keeps quiet.
        let right = vec![held("data_engineer"); 5];
        let (threshold, tried) = choose_threshold(&right);
        assert!(threshold < NEVER, "{tried:?}");
        let at = tried.iter().find(|t| t.threshold == threshold);
        assert_eq!(at.map(|t| (t.wins, t.losses)), Some((5, 0)), "{tried:?}");
        assert_eq!(choose_threshold(&right[..2]).0, NEVER);
        let (threshold, tried) = choose_threshold(&[held(OTHER), held(OTHER)]);
        assert_eq!(threshold, NEVER);
        assert!(tried.iter().any(|t| t.losses == 2), "{tried:?}");
    }

    #[test]
    fn cross_fitting_judges_each_hand_label_with_a_model_that_never_saw_it() {
        let (f, mut ex) = toy();
        // A hand label of a family no other example has: only a model that saw it knows it.
        let vague = Posting {
            title: "Consultant",
            description: "Kubernetes clusters, Terraform modules and Helm charts.",
            ..Posting::default()
        };
        ex.push(FamilyExample {
            counts: f.text_counts(&vague),
            label: "devops_cloud".into(),
            hand_labelled: true,
        });
        let mut folds = vec![None; ex.len()];
        folds[ex.len() - 1] = Some((3, OTHER.to_string()));
        let settings = FamilyTraining::default();
        let held = FamilyModel::cross_fit(&f, &ex, &folds, CROSS_FIT_FOLDS, &settings);
        assert_eq!(held.len(), 1);
        assert_eq!(
            (held[0].truth.as_str(), held[0].rules.as_str()),
            ("devops_cloud", OTHER)
        );
        assert_ne!(held[0].model_family, "devops_cloud", "{held:?}");
        // The model trained on every example, that one included, does know it.
        let full = FamilyModel::train(f, &ex, &settings);
        let p = full.predict(&full.featurizer.text_counts(&vague), OTHER);
        assert_eq!(p.model_family, "devops_cloud", "{p:?}");
    }

    #[test]
    fn the_sign_test_asks_for_more_than_luck() {
        assert!(!significant(0, 0));
        assert!(!significant(4, 0)); // 1/16 = 6.25%
        assert!(significant(5, 0)); // 1/32 = 3.1%
        assert!(!significant(7, 2)); // 9%
        assert!(significant(9, 1)); // 1.1%
        assert!(significant(60, 35)); // 0.7%
        assert!(!significant(500, 480));
    }

    #[test]
    fn training_is_deterministic() {
        let (f, ex) = toy();
        let mut a = FamilyModel::train(f.clone(), &ex, &FamilyTraining::default());
        let mut b = FamilyModel::train(f, &ex, &FamilyTraining::default());
        assert_eq!(a.parts(), b.parts());
    }
}
