//! The hand-made labels of `tests/eval/` (rules: `docs/data_quality.md`), keyed by source and
//! source id: what a careful reader finds in each posting, and which pairs are the same job.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::{Error, Result};

/// The labelled postings, embedded so that `joblake eval` runs from anywhere.
pub const POSTINGS_CSV: &str = include_str!("../../tests/eval/postings.csv");
/// The labelled duplicate pairs, embedded likewise.
pub const PAIRS_CSV: &str = include_str!("../../tests/eval/duplicate_pairs.csv");

/// What the posting says about pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SalaryLabel {
    /// The posting states pay, in a field or its text.
    Stated,
    /// Only the source's own estimate (Adzuna's `salary_is_predicted`).
    Predicted,
    /// No pay stated.
    None,
}

/// One posting as read by hand.
#[derive(Debug, Clone)]
pub struct PostingLabel {
    /// Source name (`adzuna`, `reed`...).
    pub source: String,
    /// The source's id of the posting.
    pub source_id: String,
    /// Whether pay is stated.
    pub has_salary: SalaryLabel,
    /// Annual minimum, in `salary_currency`.
    pub salary_min: Option<f64>,
    /// Annual maximum, in `salary_currency`.
    pub salary_max: Option<f64>,
    /// ISO 4217.
    pub salary_currency: Option<String>,
    /// The period the figures were published for.
    pub salary_period: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// City, as commonly named.
    pub city: Option<String>,
    /// French département code.
    pub departement: Option<String>,
    /// Contract type (`permanent`, `fixed_term`...).
    pub contract_type: Option<String>,
    /// Fully remote.
    pub remote: bool,
    /// Job family.
    pub job_family: String,
    /// Canonical skill names.
    pub skills: BTreeSet<String>,
}

/// A pair of listings judged the same job or not.
#[derive(Debug, Clone)]
pub struct PairLabel {
    /// First listing (source, source id).
    pub a: (String, String),
    /// Second listing.
    pub b: (String, String),
    /// Whether they advertise the same job.
    pub same: bool,
    /// The case: `repost`, `multi_city`, `hard_negative_city`...
    pub kind: String,
}

impl PairLabel {
    /// A pair that is easy to merge wrongly: identical text or title and company, different job.
    pub fn is_hard_negative(&self) -> bool {
        !self.same && self.kind.starts_with("hard_negative")
    }
}

#[derive(Deserialize)]
struct PostingRow {
    source: String,
    source_id: String,
    has_salary: SalaryLabel,
    salary_min: Option<f64>,
    salary_max: Option<f64>,
    salary_currency: Option<String>,
    salary_period: Option<String>,
    country: Option<String>,
    city: Option<String>,
    departement: Option<String>,
    contract_type: Option<String>,
    remote: bool,
    job_family: String,
    skills: Option<String>,
}

#[derive(Deserialize)]
struct PairRow {
    source_a: String,
    id_a: String,
    source_b: String,
    id_b: String,
    same: bool,
    kind: String,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

fn bad(file: &str, line: usize, e: impl std::fmt::Display) -> Error {
    Error::Config(format!("{file}: line {line}: {e}"))
}

/// Parses `postings.csv` (its name is only used in errors).
pub fn parse_postings(file: &str, text: &str) -> Result<Vec<PostingLabel>> {
    let mut out = Vec::new();
    for (i, row) in reader(text).deserialize::<PostingRow>().enumerate() {
        let r = row.map_err(|e| bad(file, i + 2, e))?;
        out.push(PostingLabel {
            source: r.source,
            source_id: r.source_id,
            has_salary: r.has_salary,
            salary_min: r.salary_min,
            salary_max: r.salary_max,
            salary_currency: non_empty(r.salary_currency),
            salary_period: non_empty(r.salary_period),
            country: non_empty(r.country),
            city: non_empty(r.city),
            departement: non_empty(r.departement),
            contract_type: non_empty(r.contract_type),
            remote: r.remote,
            job_family: r.job_family,
            skills: r
                .skills
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    Ok(out)
}

/// Parses `duplicate_pairs.csv`.
pub fn parse_pairs(file: &str, text: &str) -> Result<Vec<PairLabel>> {
    let mut out = Vec::new();
    for (i, row) in reader(text).deserialize::<PairRow>().enumerate() {
        let r = row.map_err(|e| bad(file, i + 2, e))?;
        out.push(PairLabel {
            a: (r.source_a, r.id_a),
            b: (r.source_b, r.id_b),
            same: r.same,
            kind: r.kind,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_labels_parse() {
        let postings = parse_postings("postings.csv", POSTINGS_CSV).expect("postings parse");
        let pairs = parse_pairs("duplicate_pairs.csv", PAIRS_CSV).expect("pairs parse");
        assert!(postings.len() >= 300, "{} postings", postings.len());
        assert!(pairs.len() >= 150, "{} pairs", pairs.len());
        let hard = pairs.iter().filter(|p| p.is_hard_negative()).count();
        let same = pairs.iter().filter(|p| p.same).count();
        assert!(hard >= 75, "{hard} hard negatives");
        assert!(same >= 1, "{same} same-job pairs");
    }

    #[test]
    fn a_bad_row_names_its_line() {
        let text = "source,source_id,has_salary,salary_min,salary_max,salary_currency,salary_period,salary_basis,country,city,departement,contract_type,remote,job_family,skills,note\n\
                    adzuna,1,maybe,,,,,,,,,,false,other,,\n";
        let e = parse_postings("postings.csv", text).expect_err("bad has_salary");
        assert!(e.to_string().contains("postings.csv: line 2"), "{e}");
    }
}
