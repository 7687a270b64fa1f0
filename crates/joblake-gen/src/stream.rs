//! Output: one paginated stream per source (per country for Adzuna), each wrapping its
//! records in the source's page envelope; re-published and malformed records.

use crate::truth::{ADZUNA_ID, ARBEITNOW_ID, IDS_PER_JOB, JSONLD_ID, REMOTIVE_ID};
use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::{Cc, country};
use crate::formats::{
    PageStats, Rec, adzuna, arbeitnow, france_travail, html_page, jsonld, remotive,
};
use crate::jobs::{Bad, Job, Src, World};
use crate::json::{Json, Style};
use crate::random::pick;
use crate::{DemoFile, DemoStats, SOURCES};

/// JSON-LD postings beyond this many are written as NDJSON instead of pages.
pub(crate) const HTML_PAGE_LIMIT: usize = 2000;
/// Share of records that a later fetch returns again.
const REPUBLISH: f64 = 0.02;
/// Share of records that are deliberately malformed.
const MALFORMED: f64 = 0.01;

/// Per source: records per page, and JSON style as the real API serialises:
/// Adzuna raw UTF-8, France Travail and Remotive `\u`-escaped, Arbeitnow (PHP)
/// also escaping `/`, Remotive with Python-style spacing, NDJSON compact.
#[rustfmt::skip]
const PAGING: [(usize, Style); 5] = [
    (50, Style { ascii: false, slash: false, spaced: false, pretty: false }),
    (150, Style { ascii: true, slash: false, spaced: false, pretty: false }),
    (200, Style { ascii: true, slash: false, spaced: true, pretty: false }),
    (100, Style { ascii: true, slash: true, spaced: false, pretty: false }),
    (500, Style { ascii: false, slash: false, spaced: false, pretty: false }),
];

/// The open page of one source (one Adzuna country), flushed as a file once full.
pub(crate) struct Stream {
    src: Src,
    /// Adzuna country; unused by the other sources.
    cc: Cc,
    per_page: usize,
    style: Style,
    body: String,
    n: usize,
    page: usize,
    /// Records that a later fetch returns again: written at the start of the next page.
    pending: Vec<String>,
    stats: PageStats,
    count_hint: i64,
}

impl Stream {
    fn new(src: Src, cc: Cc, jobs: usize) -> Self {
        let (per_page, style) = PAGING[src as usize];
        let (body, pending, stats) = (String::new(), Vec::new(), PageStats::default());
        let count_hint = jobs as i64 / 5 + 17;
        Stream {
            src,
            cc,
            per_page,
            style,
            body,
            n: 0,
            page: 1,
            pending,
            stats,
            count_hint,
        }
    }

    fn push_separator(&mut self) {
        if self.n > 0 {
            self.body.push_str(match self.src {
                Src::JsonLd => "\n",
                _ if self.style.spaced => ", ",
                _ => ",",
            });
        }
    }

    /// Makes room for one record (flushing a full page first); returns where it starts.
    fn begin<E>(&mut self, f: &mut impl FnMut(DemoFile) -> Result<(), E>) -> Result<usize, E> {
        if self.n >= self.per_page {
            self.flush(false, f)?;
        }
        self.push_separator();
        self.n += 1;
        Ok(self.body.len())
    }

    fn flush<E>(
        &mut self,
        last: bool,
        f: &mut impl FnMut(DemoFile) -> Result<(), E>,
    ) -> Result<(), E> {
        let file = self.wrap(last);
        self.page += 1;
        self.n = 0;
        self.body.clear();
        self.stats = PageStats::default();
        for rec in std::mem::take(&mut self.pending) {
            self.push_separator();
            self.body.push_str(&rec);
            self.n += 1;
        }
        f(file)
    }

    /// Writes what is left: the open page, then a page for pending re-published records.
    pub(crate) fn finish<E>(
        &mut self,
        f: &mut impl FnMut(DemoFile) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.n == 0 {
            return Ok(());
        }
        if !self.pending.is_empty() {
            self.flush(false, f)?;
        }
        self.flush(true, f)
    }

    /// The page body inside the source's envelope.
    fn wrap(&self, last: bool) -> DemoFile {
        let mut s = String::with_capacity(self.body.len() + 1024);
        let (page, n, per_page) = (self.page, self.n as i64, self.per_page);
        let w = &mut Json::new(&mut s, self.style);
        let name = match self.src {
            Src::Adzuna => {
                let mean = match self.stats.salary_n {
                    0 => 45_000.0,
                    k => (self.stats.salary_sum / f64::from(k) * 100.0).round() / 100.0,
                };
                w.begin('{')
                    .field("count", self.count_hint)
                    .raw_array("results", &self.body);
                w.field("mean", mean);
                w.field("__CLASS__", "Adzuna::API::Response::JobSearchResults")
                    .end('}');
                format!(
                    "adzuna/{}-search-{page:04}.json",
                    country(self.cc).adzuna[0]
                )
            }
            Src::FranceTravail => {
                w.begin('{').raw_array("resultats", &self.body);
                w.key("filtresPossibles").begin('[');
                for filter in [
                    "typeContrat",
                    "experience",
                    "qualification",
                    "natureContrat",
                ] {
                    w.begin('{')
                        .field("filtre", filter)
                        .key("agregation")
                        .begin('[');
                    let mut values: Vec<_> =
                        self.stats.facets.iter().filter(|f| f.0 == filter).collect();
                    values.sort_by_key(|f| f.1);
                    for &&(_, value, count) in &values {
                        w.begin('{')
                            .field("valeurPossible", value)
                            .field("nbResultats", count)
                            .end('}');
                    }
                    w.end(']').end('}');
                }
                w.end(']').end('}');
                format!("france_travail/offres-search-{page:04}.json")
            }
            Src::Remotive => {
                w.begin('{');
                w.field(
                    "00-warning",
                    "Demo data generated by joblake: every job and company is invented.",
                );
                w.field(
                    "0-legal-notice",
                    "Synthetic sample in the shape of the Remotive public API.",
                );
                w.field("job-count", n).field("total-job-count", n);
                w.raw_array("jobs", &self.body).end('}');
                format!("remotive/remote-jobs-{page:04}.json")
            }
            Src::Arbeitnow => {
                let base = "https://www.arbeitnow.com/api/job-board-api";
                let link = |p: usize| Some(format!("{base}?page={p}"));
                w.begin('{').raw_array("data", &self.body);
                w.object("links", |w| {
                    w.field("first", link(1)).field("last", None::<String>);
                    w.field("prev", link(page - 1).filter(|_| page > 1));
                    w.field("next", link(page + 1).filter(|_| !last));
                });
                w.object("meta", |w| {
                    w.field("current_page", page as i64)
                        .field("current_page_url", link(page));
                    w.field("from", ((page - 1) * per_page + 1) as i64)
                        .field("path", base);
                    w.field("per_page", per_page as i64);
                    w.field("to", (page - 1) as i64 * per_page as i64 + n);
                    w.field(
                        "terms",
                        "Synthetic demo page in the shape of the Arbeitnow job board API.",
                    );
                    w.field(
                        "info",
                        "Jobs are ordered by created_at. Use ?page= to paginate.",
                    );
                });
                w.end('}');
                format!("arbeitnow/job-board-api-{page:04}.json")
            }
            Src::JsonLd => {
                s.push_str(&self.body);
                s.push('\n');
                format!("jsonld/extracted-{page:04}.ndjson")
            }
        };
        DemoFile {
            source: SOURCES[self.src as usize],
            name,
            bytes: s.into_bytes(),
        }
    }
}

/// Every stream of a run, the HTML pages written so far, and the run's counts.
pub(crate) struct Output {
    /// Adzuna gb, fr, de, us; France Travail; Remotive; Arbeitnow; JSON-LD NDJSON.
    pub(crate) streams: Vec<Stream>,
    html_pages: usize,
    pub(crate) stats: DemoStats,
}

impl Output {
    /// Adzuna gb, fr, de, us, then one stream per other source.
    pub(crate) fn new(jobs: usize) -> Self {
        let mut streams: Vec<Stream> = [Cc::Gb, Cc::Fr, Cc::De, Cc::Us]
            .iter()
            .map(|&cc| Stream::new(Src::Adzuna, cc, jobs))
            .collect();
        for src in [
            Src::FranceTravail,
            Src::Remotive,
            Src::Arbeitnow,
            Src::JsonLd,
        ] {
            streams.push(Stream::new(src, Cc::Gb, jobs));
        }
        Output {
            streams,
            html_pages: 0,
            stats: DemoStats::default(),
        }
    }

    /// Writes a job's records on its sources (with title and date variations on all but the
    /// first), handing over every page that fills up.
    pub(crate) fn publish<E>(
        &mut self,
        world: &World,
        job: &Job,
        anchor: NaiveDate,
        rng: &mut StdRng,
        f: &mut impl FnMut(DemoFile) -> Result<(), E>,
    ) -> Result<(), E> {
        let co = &world.companies[job.company];
        let latest = anchor.and_hms_opt(20, 0, 0).unwrap_or_default();
        self.stats.multi_source_jobs += usize::from(job.sources.len() > 1);
        for (rank, &src) in job.sources.iter().enumerate() {
            let bad = malformation(job.idx, rank, src, rng);
            // The first source has the canonical title and date, the others variations.
            let (mut variant, mut delay) = (0, Duration::zero());
            if rank > 0 {
                // Canonical in 5 cases out of 12, else one of the variations 1..=7.
                variant = rng.random_range(0u32..12).saturating_sub(4);
                delay = Duration::days(rng.random_range(0..=3))
                    + Duration::minutes(rng.random_range(-180..180));
            }
            let title = job.title.render(variant, true);
            let posted = (job.posted + delay).min(latest);
            let rec = Rec {
                job,
                co,
                title,
                posted,
                latest,
                bad,
            };
            self.stats.records[src as usize] += 1;
            if let Some(b) = bad {
                self.stats.malformed[b as usize] += 1;
            }
            let repeat = rng.random_bool(REPUBLISH);
            self.stats.republished += usize::from(repeat);
            let uid = job.idx as u64 * IDS_PER_JOB + rng.random_range(0..IDS_PER_JOB);
            if src == Src::JsonLd && self.html_pages < HTML_PAGE_LIMIT {
                let page = html_page(&rec, JSONLD_ID + uid, rng).into_bytes();
                for _ in 0..1 + usize::from(repeat) {
                    self.html_pages += 1;
                    let name = format!("jsonld/page-{:06}.html", self.html_pages);
                    f(DemoFile {
                        source: SOURCES[4],
                        name,
                        bytes: page.clone(),
                    })?;
                }
                continue;
            }
            let stream = match src {
                Src::Adzuna => [Cc::Gb, Cc::Fr, Cc::De]
                    .iter()
                    .position(|&c| c == job.city.cc)
                    .unwrap_or(3),
                _ => 3 + src as usize,
            };
            let stream = &mut self.streams[stream];
            let start = stream.begin(f)?;
            let w = &mut Json::new(&mut stream.body, stream.style);
            match src {
                Src::Adzuna => adzuna(w, &rec, ADZUNA_ID + uid, rng, &mut stream.stats),
                Src::FranceTravail => france_travail(w, &rec, rng, &mut stream.stats),
                Src::Remotive => remotive(w, &rec, REMOTIVE_ID + uid, rng),
                Src::Arbeitnow => arbeitnow(w, &rec, ARBEITNOW_ID + uid, rng),
                Src::JsonLd => {
                    let url = format!(
                        "https://careers.{}.{}/jobs/{}",
                        co.slug,
                        country(co.cc).tld,
                        JSONLD_ID + uid
                    );
                    jsonld(w, &rec, JSONLD_ID + uid, &url, rng);
                }
            }
            if repeat {
                stream.pending.push(stream.body[start..].to_string());
            }
        }
        Ok(())
    }
}

/// About 1% of records carry a defect; a few jobs near the start always do, so
/// that small samples contain every kind.
fn malformation(idx: usize, rank: usize, src: Src, rng: &mut StdRng) -> Option<Bad> {
    use Bad::*;
    let kinds = [
        NoTitle,
        EmptyTitle,
        SalarySwapped,
        UnparseableDate,
        NegativeSalary,
        NullDescription,
    ];
    let random = rng.random_bool(MALFORMED).then(|| pick(rng, &kinds));
    let forced = [5, 12, 19, 26, 33, 40]
        .iter()
        .position(|&i| i == idx)
        .map(|k| kinds[k]);
    let bad = forced.filter(|_| rank == 0).or(random);
    // Arbeitnow has no salary and an integer `created_at`: keep its types intact.
    // France Travail offers always carry `intitule` (parsers require it): blank it instead.
    match (src, bad) {
        (Src::FranceTravail, Some(NoTitle)) => Some(EmptyTitle),
        (Src::Arbeitnow, Some(SalarySwapped | UnparseableDate | NegativeSalary)) => {
            Some(NullDescription)
        }
        _ => bad,
    }
}
