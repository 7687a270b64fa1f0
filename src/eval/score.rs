//! Comparing silver with the labels: one figure per field, its goal, and every mismatch, so
//! that a figure below its goal points at the postings that made it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::labels::{PairLabel, PostingLabel, SalaryLabel};

/// What silver holds for one listing (its valid record), in the labels' terms.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Annual minimum in `salary_currency`.
    pub salary_annual_min: Option<f64>,
    /// Annual maximum.
    pub salary_annual_max: Option<f64>,
    /// ISO 4217.
    pub salary_currency: Option<String>,
    /// The source estimated the salary.
    pub salary_predicted: bool,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// City.
    pub city: Option<String>,
    /// French département code.
    pub departement: Option<String>,
    /// Contract type.
    pub contract_type: Option<String>,
    /// Remote flag.
    pub remote: bool,
    /// Job family.
    pub job_family: Option<String>,
    /// Skills found.
    pub skills: BTreeSet<String>,
    /// The posting the listing was merged into.
    pub posting_id: Option<String>,
}

/// A measured field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Stated salaries whose annual min and max are within 2% and whose currency is right.
    SalaryAnnual,
    /// Postings stating no pay that silver gives a salary (a count).
    SalaryInvented,
    /// Skills found that the posting asks for, over skills found.
    SkillsPrecision,
    /// Skills the posting asks for that were found.
    SkillsRecall,
    /// Job family right.
    JobFamily,
    /// Country right (unknown counts when both are unknown).
    Country,
    /// City right (case and accents aside).
    City,
    /// Département right, on French postings.
    Departement,
    /// Contract type right.
    Contract,
    /// Remote flag right.
    Remote,
    /// Merged pairs that are the same job, over merged pairs.
    DuplicatePrecision,
    /// Same-job pairs that were merged.
    DuplicateRecall,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 12] = [
        Metric::SalaryAnnual,
        Metric::SalaryInvented,
        Metric::SkillsPrecision,
        Metric::SkillsRecall,
        Metric::JobFamily,
        Metric::Country,
        Metric::City,
        Metric::Departement,
        Metric::Contract,
        Metric::Remote,
        Metric::DuplicatePrecision,
        Metric::DuplicateRecall,
    ];

    /// The name in reports and in `--mismatches`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::SalaryAnnual => "salary_annual",
            Metric::SalaryInvented => "salary_invented",
            Metric::SkillsPrecision => "skills_precision",
            Metric::SkillsRecall => "skills_recall",
            Metric::JobFamily => "job_family",
            Metric::Country => "country",
            Metric::City => "city",
            Metric::Departement => "departement",
            Metric::Contract => "contract",
            Metric::Remote => "remote",
            Metric::DuplicatePrecision => "duplicate_precision",
            Metric::DuplicateRecall => "duplicate_recall",
        }
    }

    /// The goal (issue 14; the département's is ours, as the city's).
    pub fn goal(self) -> Goal {
        match self {
            Metric::SalaryAnnual => Goal::AtLeast(0.95),
            Metric::SalaryInvented => Goal::AtMost(0.0),
            Metric::SkillsPrecision => Goal::AtLeast(0.95),
            Metric::SkillsRecall => Goal::AtLeast(0.92),
            Metric::JobFamily => Goal::AtLeast(0.93),
            Metric::Country => Goal::AtLeast(0.97),
            Metric::City | Metric::Departement | Metric::Contract | Metric::Remote => {
                Goal::AtLeast(0.92)
            }
            Metric::DuplicatePrecision => Goal::AtLeast(0.95),
            Metric::DuplicateRecall => Goal::AtLeast(0.90),
        }
    }
}

/// What a figure must reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Goal {
    /// A rate that must be at least this.
    AtLeast(f64),
    /// A count that must be at most this.
    AtMost(f64),
}

impl Goal {
    /// Whether `value` meets the goal.
    pub fn met_by(self, value: f64) -> bool {
        match self {
            Goal::AtLeast(g) => value + 1e-9 >= g,
            Goal::AtMost(g) => value <= g + 1e-9,
        }
    }
}

impl std::fmt::Display for Goal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Goal::AtLeast(g) => write!(f, ">= {g:.2}"),
            Goal::AtMost(g) => write!(f, "<= {g}"),
        }
    }
}

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// What was measured.
    pub metric: Metric,
    /// The rate (or the count, for [`Metric::SalaryInvented`]).
    pub value: f64,
    /// Right cases (numerator; for [`Metric::SalaryInvented`], postings with no invented
    /// salary).
    pub hits: usize,
    /// Cases measured (denominator).
    pub cases: usize,
    /// Its goal.
    pub goal: Goal,
}

impl Figure {
    /// Whether the figure meets its goal.
    pub fn met(&self) -> bool {
        self.goal.met_by(self.value)
    }
}

/// A labelled value silver got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    /// Source of the posting (for pairs: of the first listing).
    pub source: String,
    /// Source id (for pairs: `a | b`).
    pub source_id: String,
    /// The field.
    pub metric: Metric,
    /// What the label says.
    pub expected: String,
    /// What silver holds.
    pub got: String,
}

/// The comparison of silver with the labels.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// Every figure over all sources, in [`Metric::ALL`] order.
    pub overall: Vec<Figure>,
    /// The posting figures per source.
    pub per_source: BTreeMap<String, Vec<Figure>>,
    /// Labelled postings found in silver, and labelled in all.
    pub postings_found: (usize, usize),
    /// Labelled pairs whose two listings are both in silver, and labelled in all.
    pub pairs_found: (usize, usize),
    /// Every mismatch.
    pub mismatches: Vec<Mismatch>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    hits: usize,
    cases: usize,
}

impl Tally {
    fn add(&mut self, hit: bool) {
        self.cases += 1;
        self.hits += usize::from(hit);
    }
}

#[derive(Default)]
struct Tallies(BTreeMap<Metric, Tally>);

impl Tallies {
    fn add(&mut self, m: Metric, hit: bool) {
        self.0.entry(m).or_default().add(hit);
    }
    fn add_counts(&mut self, m: Metric, hits: usize, cases: usize) {
        let t = self.0.entry(m).or_default();
        t.hits += hits;
        t.cases += cases;
    }
    fn figures(&self) -> Vec<Figure> {
        self.0
            .iter()
            .map(|(&metric, t)| {
                let value = if metric == Metric::SalaryInvented {
                    // Right cases are the ones with no invented salary: the figure is the rest.
                    (t.cases - t.hits) as f64
                } else if t.cases == 0 {
                    1.0
                } else {
                    t.hits as f64 / t.cases as f64
                };
                Figure {
                    metric,
                    value,
                    hits: t.hits,
                    cases: t.cases,
                    goal: metric.goal(),
                }
            })
            .collect()
    }
}

fn within(expected: f64, got: Option<f64>) -> bool {
    got.is_some_and(|g| (g - expected).abs() <= 0.02 * expected.abs().max(1.0))
}

fn fold(s: &Option<String>) -> String {
    s.as_deref()
        .map(joblake_enrich::normalize_key)
        .unwrap_or_default()
}

fn show(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "∅".into())
}

fn show_salary(min: Option<f64>, max: Option<f64>, currency: &Option<String>) -> String {
    match (min, max) {
        (None, None) => "∅".into(),
        _ => format!(
            "{}–{} {}",
            min.map_or("?".into(), |v| format!("{v:.0}")),
            max.map_or("?".into(), |v| format!("{v:.0}")),
            show(currency)
        ),
    }
}

/// The tallies of one scoring run: over all postings, per source, and the mismatches.
#[derive(Default)]
struct Scorer {
    all: Tallies,
    per_source: BTreeMap<String, Tallies>,
    mismatches: Vec<Mismatch>,
}

impl Scorer {
    /// Counts one case of `metric` for `label`; a miss is kept as a mismatch.
    fn check(
        &mut self,
        label: &PostingLabel,
        metric: Metric,
        hit: bool,
        expected: String,
        got: String,
    ) {
        self.all.add(metric, hit);
        self.per_source
            .entry(label.source.clone())
            .or_default()
            .add(metric, hit);
        if !hit {
            self.mismatches.push(Mismatch {
                source: label.source.clone(),
                source_id: label.source_id.clone(),
                metric,
                expected,
                got,
            });
        }
    }

    /// Adds `hits` of `cases` to a rate (skills).
    fn count(&mut self, label: &PostingLabel, metric: Metric, hits: usize, cases: usize) {
        self.all.add_counts(metric, hits, cases);
        self.per_source
            .entry(label.source.clone())
            .or_default()
            .add_counts(metric, hits, cases);
    }

    fn posting(&mut self, label: &PostingLabel, got: &Observed) {
        let got_salary = show_salary(
            got.salary_annual_min,
            got.salary_annual_max,
            &got.salary_currency,
        );
        match label.has_salary {
            SalaryLabel::Stated => {
                let hit = label
                    .salary_min
                    .is_some_and(|v| within(v, got.salary_annual_min))
                    && label
                        .salary_max
                        .is_some_and(|v| within(v, got.salary_annual_max))
                    && fold(&label.salary_currency) == fold(&got.salary_currency);
                let expected =
                    show_salary(label.salary_min, label.salary_max, &label.salary_currency);
                self.check(label, Metric::SalaryAnnual, hit, expected, got_salary);
            }
            SalaryLabel::None => {
                // A count: a "miss" is an invented salary.
                let invented = got.salary_annual_min.is_some() || got.salary_annual_max.is_some();
                self.check(
                    label,
                    Metric::SalaryInvented,
                    !invented,
                    "no salary".into(),
                    got_salary,
                );
            }
            SalaryLabel::Predicted => {}
        }
        let tp = label.skills.intersection(&got.skills).count();
        let missing: Vec<&str> = label
            .skills
            .difference(&got.skills)
            .map(String::as_str)
            .collect();
        let extra: Vec<&str> = got
            .skills
            .difference(&label.skills)
            .map(String::as_str)
            .collect();
        self.count(label, Metric::SkillsPrecision, tp, tp + extra.len());
        self.count(label, Metric::SkillsRecall, tp, tp + missing.len());
        if !missing.is_empty() || !extra.is_empty() {
            self.mismatches.push(Mismatch {
                source: label.source.clone(),
                source_id: label.source_id.clone(),
                metric: if extra.is_empty() {
                    Metric::SkillsRecall
                } else {
                    Metric::SkillsPrecision
                },
                expected: format!("missing: {}", missing.join(";")),
                got: format!("extra: {}", extra.join(";")),
            });
        }
        let family = got.job_family.clone().unwrap_or_else(|| "other".into());
        self.check(
            label,
            Metric::JobFamily,
            family == label.job_family,
            label.job_family.clone(),
            family,
        );
        let same = |a: &Option<String>, b: &Option<String>| fold(a) == fold(b);
        self.check(
            label,
            Metric::Country,
            same(&label.country, &got.country),
            show(&label.country),
            show(&got.country),
        );
        self.check(
            label,
            Metric::City,
            same(&label.city, &got.city),
            show(&label.city),
            show(&got.city),
        );
        if label.country.as_deref() == Some("FR") {
            self.check(
                label,
                Metric::Departement,
                same(&label.departement, &got.departement),
                show(&label.departement),
                show(&got.departement),
            );
        }
        self.check(
            label,
            Metric::Contract,
            label.contract_type == got.contract_type,
            show(&label.contract_type),
            show(&got.contract_type),
        );
        self.check(
            label,
            Metric::Remote,
            label.remote == got.remote,
            label.remote.to_string(),
            got.remote.to_string(),
        );
    }
}

/// Scores silver (`observed`, keyed by source and source id) against the labels.
pub fn score(
    postings: &[PostingLabel],
    pairs: &[PairLabel],
    observed: &HashMap<(String, String), Observed>,
) -> Scores {
    let mut scorer = Scorer::default();
    let mut found = 0;
    for label in postings {
        if let Some(got) = observed.get(&(label.source.clone(), label.source_id.clone())) {
            found += 1;
            scorer.posting(label, got);
        }
    }
    let Scorer {
        mut all,
        per_source,
        mut mismatches,
    } = scorer;

    let mut pairs_found = 0;
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for pair in pairs {
        let (Some(a), Some(b)) = (
            observed.get(&pair.a).and_then(|o| o.posting_id.as_ref()),
            observed.get(&pair.b).and_then(|o| o.posting_id.as_ref()),
        ) else {
            continue;
        };
        pairs_found += 1;
        let merged = a == b;
        match (merged, pair.same) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => {}
        }
        if merged != pair.same {
            mismatches.push(Mismatch {
                source: pair.a.0.clone(),
                source_id: format!("{} | {}:{}", pair.a.1, pair.b.0, pair.b.1),
                metric: if merged {
                    Metric::DuplicatePrecision
                } else {
                    Metric::DuplicateRecall
                },
                expected: format!(
                    "{} ({})",
                    if pair.same { "same" } else { "different" },
                    pair.kind
                ),
                got: if merged { "merged" } else { "kept apart" }.into(),
            });
        }
    }
    all.add_counts(Metric::DuplicatePrecision, tp, tp + fp);
    all.add_counts(Metric::DuplicateRecall, tp, tp + fn_);

    let mut overall = all.figures();
    overall.sort_by_key(|f| f.metric);
    Scores {
        overall,
        per_source: per_source
            .into_iter()
            .map(|(s, t)| (s, t.figures()))
            .collect(),
        postings_found: (found, postings.len()),
        pairs_found: (pairs_found, pairs.len()),
        mismatches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(id: &str) -> PostingLabel {
        PostingLabel {
            source: "reed".into(),
            source_id: id.into(),
            has_salary: SalaryLabel::Stated,
            salary_min: Some(30000.0),
            salary_max: Some(40000.0),
            salary_currency: Some("GBP".into()),
            salary_period: Some("year".into()),
            country: Some("GB".into()),
            city: Some("Londres".into()),
            departement: None,
            contract_type: Some("permanent".into()),
            remote: false,
            job_family: "other".into(),
            skills: ["SQL".to_string(), "Excel".to_string()].into(),
        }
    }

    fn observed_for(l: &PostingLabel) -> Observed {
        Observed {
            salary_annual_min: l.salary_min,
            salary_annual_max: l.salary_max,
            salary_currency: l.salary_currency.clone(),
            country: l.country.clone(),
            city: l.city.clone(),
            contract_type: l.contract_type.clone(),
            remote: l.remote,
            job_family: Some(l.job_family.clone()),
            skills: l.skills.clone(),
            posting_id: Some(l.source_id.clone()),
            ..Observed::default()
        }
    }

    fn figure(s: &Scores, m: Metric) -> f64 {
        s.overall
            .iter()
            .find(|f| f.metric == m)
            .map(|f| f.value)
            .expect("measured")
    }

    #[test]
    fn a_perfect_reading_meets_every_posting_goal_and_one_error_shows() {
        let labels = vec![label("1"), label("2")];
        let mut observed: HashMap<_, _> = labels
            .iter()
            .map(|l| ((l.source.clone(), l.source_id.clone()), observed_for(l)))
            .collect();
        let s = score(&labels, &[], &observed);
        assert!(s.overall.iter().all(Figure::met), "{:?}", s.overall);
        // 1% off is within 2%; the wrong currency and an extra skill are not.
        let o = observed
            .get_mut(&("reed".into(), "2".into()))
            .expect("present");
        o.salary_annual_max = Some(40400.0);
        o.salary_currency = Some("EUR".into());
        o.skills.insert("Go".into());
        o.city = Some("LONDRES".into());
        let s = score(&labels, &[], &observed);
        assert_eq!(figure(&s, Metric::SalaryAnnual), 0.5);
        assert_eq!(figure(&s, Metric::SkillsPrecision), 4.0 / 5.0);
        assert_eq!(figure(&s, Metric::SkillsRecall), 1.0);
        assert_eq!(figure(&s, Metric::City), 1.0, "case does not matter");
        assert_eq!(s.mismatches.len(), 2);
    }

    #[test]
    fn an_invented_salary_is_counted_and_pairs_score_precision_and_recall() {
        let mut none = label("3");
        none.has_salary = SalaryLabel::None;
        let labels = vec![label("1"), label("2"), none];
        let mut observed: HashMap<_, _> = labels
            .iter()
            .map(|l| ((l.source.clone(), l.source_id.clone()), observed_for(l)))
            .collect();
        // 1 and 2 merged (right), 2 and 3 merged too (wrong).
        for id in ["2", "3"] {
            observed
                .get_mut(&("reed".into(), id.into()))
                .expect("present")
                .posting_id = Some("1".into());
        }
        let pair = |a: &str, b: &str, same: bool| PairLabel {
            a: ("reed".into(), a.into()),
            b: ("reed".into(), b.into()),
            same,
            kind: if same { "repost" } else { "hard_negative_city" }.into(),
        };
        let pairs = vec![
            pair("1", "2", true),
            pair("2", "3", false),
            pair("1", "9", true),
        ];
        let s = score(&labels, &pairs, &observed);
        assert_eq!(figure(&s, Metric::SalaryInvented), 1.0);
        assert_eq!(figure(&s, Metric::DuplicatePrecision), 0.5);
        assert_eq!(figure(&s, Metric::DuplicateRecall), 1.0);
        assert_eq!(
            s.pairs_found,
            (2, 3),
            "a pair with a listing not in silver is not measured"
        );
    }
}
