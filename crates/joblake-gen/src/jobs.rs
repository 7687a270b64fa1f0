//! The model of a job: companies, titles, salaries and the jobs themselves, drawn from the
//! catalog. One job is published on one to three sources, each with its own rendering.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use crate::DemoSpec;
use crate::catalog::{
    CITIES, COUNTRIES, Cc, City, FAMILIES, Family, Lang, NAME_A, NAME_B, NAME_C, SKILLS, SPECIAL,
    country, industry_of, skill,
};
use crate::documents::{Doc, make_doc};
use crate::random::{gcd, pick, shuffle_tail, weighted};
use crate::text::{fold_char, slugify};

/// Index = position in [`SOURCES`](crate::SOURCES).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Src {
    Adzuna,
    FranceTravail,
    Remotive,
    Arbeitnow,
    JsonLd,
}

/// Index = position in the pay factors of `make_pay`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Seniority {
    Intern,
    Junior,
    Mid,
    Senior,
    Lead,
    Principal,
}

/// The kind of contract, which each source labels its own way.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Contract {
    Permanent,
    FixedTerm,
    Freelance,
    Internship,
    Apprenticeship,
}

/// Index = position in the JSON-LD `unitText` list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Period {
    Hour,
    Day,
    Month,
    Year,
}

/// Deliberate defects, in [`MALFORMED_KINDS`](crate::MALFORMED_KINDS) order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Bad {
    NoTitle,
    EmptyTitle,
    SalarySwapped,
    UnparseableDate,
    NegativeSalary,
    NullDescription,
}

/// An employer; jobs refer to it by rank in [`World::companies`].
pub(crate) struct Company {
    pub(crate) name: String,
    suffix: &'static str,
    /// Alternative spelling used by some sources (see [`SPECIAL`]).
    alt: Option<&'static str>,
    pub(crate) cc: Cc,
    pub(crate) industry: usize,
    pub(crate) slug: String,
    pub(crate) founded: u32,
    pub(crate) staff: u32,
}

impl Company {
    /// The name as a source spells it: with or without legal suffix, upper case
    /// on France Travail, "Name, Inc." on some pages. All differences are ones a
    /// name normalisation (case, accents, punctuation, legal suffix) absorbs.
    pub(crate) fn display(&self, src: Src, rng: &mut StdRng) -> String {
        let name = match self.alt {
            Some(alt) if matches!(src, Src::Remotive | Src::JsonLd) && rng.random_bool(0.6) => alt,
            _ => self.name.as_str(),
        };
        let full = || match self.suffix {
            "" => name.to_string(),
            suffix => format!("{name} {suffix}"),
        };
        match src {
            Src::Adzuna if rng.random_bool(0.5) => full(),
            Src::FranceTravail if rng.random_bool(0.6) => full().to_uppercase(),
            Src::FranceTravail | Src::Arbeitnow => full(),
            Src::JsonLd if !self.suffix.is_empty() && rng.random_bool(0.3) => {
                format!("{name}, {}", self.suffix)
            }
            Src::JsonLd => full(),
            _ => name.to_string(),
        }
    }
}

/// Title parts; sources render them with cosmetic variations only.
#[derive(Clone, Copy)]
pub(crate) struct Title {
    pub(crate) pre: &'static str,
    base: &'static str,
    post: &'static str,
    /// Gender marker such as "(H/F)" or "(m/w/d)": part of the title on every source.
    marker: &'static str,
}

impl Title {
    /// Variant 0 is canonical; 1..=7 change only case, accents, punctuation or
    /// whitespace ("Senior Data Engineer", "senior data engineer",
    /// "Senior  Data-Engineer"), so that cross-source matching stays possible.
    pub(crate) fn render(&self, variant: u32, with_marker: bool) -> String {
        let base = match variant {
            4 => self.base.replacen(' ', "-", 1),
            _ => self.base.to_string(),
        };
        let marker = match (variant, self.marker.strip_prefix('(')) {
            _ if !with_marker => String::new(),
            (6, Some(inner)) => inner.trim_end_matches(')').to_string(),
            (6, None) if !self.marker.is_empty() => format!("({})", self.marker),
            _ => self.marker.to_string(),
        };
        let parts = [self.pre, &base, self.post, &marker];
        let s = parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        match variant {
            1 => s.to_lowercase(),
            2 => s.to_uppercase(),
            3 => s.replacen(' ', "  ", 1),
            5 => s.chars().map(fold_char).collect(),
            7 => s + " ",
            _ => s,
        }
    }
}

/// A salary in its own period unit.
#[derive(Clone, Copy)]
pub(crate) struct Pay {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) period: Period,
}

impl Pay {
    /// Annual equivalent, as Adzuna shows every salary.
    pub(crate) fn annual(&self) -> (f64, f64) {
        let k = [1750.0, 220.0, 12.0, 1.0][self.period as usize];
        ((self.min * k).round(), (self.max * k).round())
    }
}

/// One underlying job, published on one to three sources.
pub(crate) struct Job {
    pub(crate) idx: usize,
    pub(crate) fam: &'static Family,
    pub(crate) sen: Seniority,
    pub(crate) contract: Contract,
    pub(crate) part_time: bool,
    pub(crate) company: usize,
    pub(crate) city: &'static City,
    pub(crate) lang: Lang,
    pub(crate) title: Title,
    pub(crate) remote: bool,
    pub(crate) pay: Pay,
    /// The employer published a salary (each source may still omit it).
    pub(crate) pay_shown: bool,
    pub(crate) skills: Vec<usize>,
    pub(crate) years: u32,
    pub(crate) posted: NaiveDateTime,
    pub(crate) doc: Doc,
    pub(crate) sources: Vec<Src>,
}

/// The companies of a sample, drawn once per run before the jobs.
pub(crate) struct World {
    pub(crate) companies: Vec<Company>,
    /// Cumulative weights over company ranks, 1/(rank+5): the biggest employer
    /// has ~5% of the jobs, the top ten ~25%.
    company_cdf: Vec<f64>,
}

impl World {
    /// Draws the companies: their number grows with the square root of the job count.
    pub(crate) fn new(spec: &DemoSpec, rng: &mut StdRng) -> Self {
        // ~300 companies for 3,000 jobs, growing with √jobs.
        let n = ((spec.jobs as f64).sqrt() * 5.5)
            .round()
            .clamp(12.0, 4000.0) as usize;
        let (na, nb) = (NAME_A.len(), NAME_B.len());
        let combos = na * nb * NAME_C.len();
        let mut step = 7919;
        while gcd(step, combos) != 1 {
            step += 2;
        }
        let (mut companies, mut company_cdf, mut total) = (Vec::new(), Vec::new(), 0.0);
        for rank in 0..n {
            // A multiplicative permutation of the name space gives unique, mixed names.
            let k = (rank * step + spec.seed as usize % combos) % combos;
            let (a, b, c) = (k % na, k / na % nb, k / (na * nb));
            let special = SPECIAL.iter().find(|s| s.0 == rank);
            let cc = special.map_or_else(|| random_country(rng), |s| s.3);
            let (name, alt, suffix) = match special {
                Some(&(_, name, alt, _, suffix)) => (name.to_string(), alt, suffix),
                None => {
                    let words = [NAME_A[a], NAME_B[b], NAME_C[c]];
                    let name = words
                        .iter()
                        .filter(|w| !w.is_empty())
                        .copied()
                        .collect::<Vec<_>>();
                    (name.join(" "), None, pick(rng, country(cc).suffixes))
                }
            };
            let slug = match slugify(&name) {
                s if s.is_empty() => format!("company-{rank}"),
                s => s,
            };
            let founded = rng.random_range(1985..2022);
            let staff = pick(rng, &[50, 120, 300, 800, 2500]);
            let industry = industry_of(NAME_B[b]);
            companies.push(Company {
                name,
                suffix,
                alt,
                cc,
                industry,
                slug,
                founded,
                staff,
            });
            total += 1.0 / (rank as f64 + 5.0);
            company_cdf.push(total);
        }
        World {
            companies,
            company_cdf,
        }
    }

    /// Draws job `idx`: family, employer, place, seniority, contract, pay, skills, text.
    pub(crate) fn job(&self, idx: usize, anchor: NaiveDate, rng: &mut StdRng) -> Job {
        let weights: Vec<u32> = FAMILIES.iter().map(|f| f.weight).collect();
        let fam = &FAMILIES[weighted(rng, &weights)];
        let u = rng.random::<f64>() * self.company_cdf.last().copied().unwrap_or(1.0);
        let company = self
            .company_cdf
            .partition_point(|&c| c < u)
            .min(self.companies.len() - 1);
        let co = &self.companies[company];
        // Most jobs are in the company's home country; big firms hire abroad too.
        let cc = if rng.random_bool(0.75) {
            co.cc
        } else {
            random_country(rng)
        };
        let cities: Vec<&'static City> = CITIES.iter().filter(|c| c.cc == cc).collect();
        let city = if rng.random_bool(0.35) {
            cities[0]
        } else {
            pick(rng, &cities)
        };
        let lang = match cc {
            Cc::Fr if rng.random_bool(0.7) => Lang::Fr,
            Cc::De if rng.random_bool(0.45) => Lang::De,
            _ => Lang::En,
        };
        use Seniority::*;
        let sen =
            [Intern, Junior, Mid, Senior, Lead, Principal][weighted(rng, &[5, 12, 40, 28, 9, 6])];
        let contract = match sen {
            Intern if cc == Cc::Fr && rng.random_bool(0.4) => Contract::Apprenticeship,
            Intern => Contract::Internship,
            _ => [
                Contract::Permanent,
                Contract::FixedTerm,
                Contract::Freelance,
            ][weighted(rng, &[80, 9, 11])],
        };
        let part_rate = if fam.related { 0.06 } else { 0.25 };
        let part_time = contract != Contract::Freelance && rng.random_bool(part_rate);
        let remote = rng.random_range(0..100) < fam.remote_pct;
        let mut skills: Vec<usize> = fam.skills.iter().map(|s| skill(s)).collect();
        shuffle_tail(&mut skills, 2, rng); // the first two are core to the family
        skills.truncate(rng.random_range(3..=7));
        let extra = rng.random_range(0..SKILLS.len());
        if fam.related && rng.random_bool(0.2) && !skills.contains(&extra) {
            skills.push(extra);
        }
        let years = match sen {
            Intern => 0,
            Junior => 1,
            Mid => rng.random_range(2..=3),
            Senior => 5,
            Lead => 7,
            Principal => 10,
        };
        let day = anchor - Duration::days(rng.random_range(3..=120));
        let seconds = Duration::seconds(rng.random_range(6 * 3600..19 * 3600));
        let mut job = Job {
            idx,
            fam,
            sen,
            contract,
            part_time,
            company,
            city,
            lang,
            title: make_title(fam, sen, contract, lang, cc, rng),
            remote,
            pay: make_pay(fam, sen, contract, part_time, cc, rng),
            pay_shown: rng.random_bool(0.58),
            skills,
            years,
            posted: day.and_hms_opt(0, 0, 0).unwrap_or_default() + seconds,
            doc: Doc::default(),
            sources: pick_sources(cc, remote, rng),
        };
        job.doc = make_doc(&job, co, rng);
        job
    }
}

fn random_country(rng: &mut StdRng) -> Cc {
    let weights: Vec<u32> = COUNTRIES.iter().map(|c| c.weight).collect();
    COUNTRIES[weighted(rng, &weights)].cc
}

fn make_title(
    fam: &'static Family,
    sen: Seniority,
    contract: Contract,
    lang: Lang,
    cc: Cc,
    rng: &mut StdRng,
) -> Title {
    use Seniority::*;
    let (pre, post) = match (lang, sen) {
        (Lang::En, Intern) => ("", "Intern"),
        (Lang::Fr, Intern) if contract == Contract::Apprenticeship => ("", "en alternance"),
        (Lang::Fr, Intern) => ("Stagiaire", ""),
        (Lang::De, Intern) => (pick(rng, &["Praktikant", "Werkstudent"]), ""),
        (Lang::Fr, Junior) => ("", "Junior"),
        (Lang::Fr, Senior) => ("", pick(rng, &["Senior", "Confirmé"])),
        (Lang::Fr, Principal) => ("", "Expert"),
        (_, Junior) => ("Junior", ""),
        (_, Senior) => ("Senior", ""),
        (_, Lead) => ("Lead", ""),
        (_, Principal) => (pick(rng, &["Principal", "Staff"]), ""),
        (_, Mid) => ("", ""),
    };
    let marker = match cc {
        Cc::Fr => ["(H/F)", "H/F", "(F/H)", ""][weighted(rng, &[65, 15, 12, 8])],
        Cc::De => ["(m/w/d)", "(w/m/d)", "(all genders)", ""][weighted(rng, &[70, 12, 6, 12])],
        _ => "",
    };
    Title {
        pre,
        base: fam.titles[lang as usize],
        post,
        marker,
    }
}

fn make_pay(
    fam: &Family,
    sen: Seniority,
    contract: Contract,
    part_time: bool,
    cc: Cc,
    rng: &mut StdRng,
) -> Pay {
    let factor = [0.35, 0.75, 1.0, 1.3, 1.5, 1.7][sen as usize];
    let annual = fam.salary * country(cc).pay * factor * rng.random_range(0.9..1.12);
    let period = match contract {
        Contract::Freelance if rng.random_bool(0.7) => Period::Day,
        Contract::Freelance => Period::Hour,
        Contract::Internship | Contract::Apprenticeship => Period::Month,
        _ if part_time || (!fam.related && rng.random_bool(0.4)) => Period::Hour,
        _ if cc == Cc::Fr && rng.random_bool(0.3) => Period::Month,
        _ => Period::Year,
    };
    // Per period: divisor from annual pay and rounding step.
    let (div, step) = [(1750.0, 0.25), (137.5, 10.0), (12.0, 50.0), (1.0, 1000.0)][period as usize];
    let round = |v: f64| (v / div / step).round() * step;
    let min = round(annual * rng.random_range(0.85..0.95));
    let max = if rng.random_bool(0.25) {
        min
    } else {
        round(annual * rng.random_range(1.05..1.25))
    };
    Pay { min, max, period }
}

/// Each job is on 1–3 sources (≈1.55 on average) among those covering its country.
fn pick_sources(cc: Cc, remote: bool, rng: &mut StdRng) -> Vec<Src> {
    let mut pool: Vec<(Src, u32)> = match cc {
        Cc::Fr => vec![(Src::Adzuna, 3), (Src::FranceTravail, 6), (Src::JsonLd, 1)],
        Cc::De => vec![(Src::Adzuna, 3), (Src::Arbeitnow, 5), (Src::JsonLd, 1)],
        Cc::Gb | Cc::Us => vec![(Src::Adzuna, 6), (Src::JsonLd, 2)],
        Cc::Nl => vec![(Src::JsonLd, 4), (Src::Arbeitnow, 2)],
        Cc::Ca => vec![(Src::JsonLd, 4)],
    };
    if remote {
        pool.push((Src::Remotive, 6));
    }
    let k = [1, 2, 3][weighted(rng, &[52, 36, 12])].min(pool.len());
    (0..k)
        .map(|_| {
            let weights: Vec<u32> = pool.iter().map(|p| p.1).collect();
            pool.remove(weighted(rng, &weights)).0
        })
        .collect()
}
