//! One record per source, in the source's native format, a module each: Adzuna, France
//! Travail, Remotive, Arbeitnow, and schema.org JSON-LD (also inside an HTML job page). Each
//! writes its record with the [`Json`] writer into the page its stream keeps open.

mod adzuna;
mod arbeitnow;
mod france_travail;
mod jsonld;
mod remotive;

use chrono::NaiveDateTime;

use crate::jobs::{Bad, Company, Job};
use crate::json::Json;

pub(crate) use adzuna::adzuna;
pub(crate) use arbeitnow::arbeitnow;
pub(crate) use france_travail::france_travail;
pub(crate) use jsonld::{html_page, jsonld};
pub(crate) use remotive::remotive;

/// One job as published on one source.
pub(crate) struct Rec<'a> {
    pub(crate) job: &'a Job,
    pub(crate) co: &'a Company,
    pub(crate) title: String,
    pub(crate) posted: NaiveDateTime,
    /// "Today" evening: no later date is written (except `posted` itself).
    pub(crate) latest: NaiveDateTime,
    pub(crate) bad: Option<Bad>,
}

impl Rec<'_> {
    fn write_title(&self, w: &mut Json, key: &str) {
        match self.bad {
            Some(Bad::NoTitle) => {}
            Some(Bad::EmptyTitle) => _ = w.field(key, ""),
            _ => _ = w.field(key, &self.title),
        }
    }

    fn write_description(&self, w: &mut Json, key: &str, text: impl FnOnce() -> String) {
        match self.bad {
            Some(Bad::NullDescription) => w.field(key, ()),
            _ => w.field(key, text()),
        };
    }

    fn date_or_bad(&self, good: String) -> String {
        match self.bad {
            Some(Bad::UnparseableDate) => ["31/02/2026", "not-a-date"][self.job.idx % 2].into(),
            _ => good,
        }
    }

    fn salary_bad(&self) -> bool {
        matches!(self.bad, Some(Bad::SalarySwapped | Bad::NegativeSalary))
    }

    /// Applies a salary defect to a (min, max) pair.
    fn range(&self, lo: f64, hi: f64) -> (f64, f64) {
        match self.bad {
            Some(Bad::SalarySwapped) => ((hi * 1.2).round(), lo),
            Some(Bad::NegativeSalary) => (-lo, hi),
            _ => (lo, hi),
        }
    }
}

/// Per-page aggregates that the envelopes report.
#[derive(Default)]
pub(crate) struct PageStats {
    pub(crate) salary_sum: f64,
    pub(crate) salary_n: u32,
    /// France Travail facets: (filter, value, count).
    pub(crate) facets: Vec<(&'static str, &'static str, i64)>,
}

impl PageStats {
    fn facet(&mut self, filter: &'static str, value: &'static str) {
        match self
            .facets
            .iter_mut()
            .find(|f| f.0 == filter && f.1 == value)
        {
            Some(f) => f.2 += 1,
            None => self.facets.push((filter, value, 1)),
        }
    }
}
