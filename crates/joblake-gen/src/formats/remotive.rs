//! Remotive: a remote job with a free-text salary and an HTML description.

use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::{Cc, SKILLS, country};
use crate::documents::{Html, render_html};
use crate::formats::Rec;
use crate::jobs::{Contract, Period, Src};
use crate::json::Json;
use crate::random::pick;
use crate::text::{fmt_naive, slugify, thousands};

/// Remotive's free-text salary: "$120k - $150k", "€60,000 - €75,000 per year",
/// "$50 - $70/hour", "", "Competitive", …
fn remotive_salary(r: &Rec, rng: &mut StdRng) -> String {
    if !(r.salary_bad() || r.job.pay_shown && rng.random_bool(0.9)) {
        return pick(rng, &["", "", "", "Competitive", "DOE"]).to_string();
    }
    let (lo, hi) = r.range(r.job.pay.min, r.job.pay.max);
    let sym = country(r.job.city.cc).symbol;
    let range = |a: String, b: String, unit: &str| match lo == hi {
        true => format!("{sym}{a}{unit}"),
        false => format!("{sym}{a} - {sym}{b}{unit}"),
    };
    let k = |v: f64| format!("{}k", (v / 1000.0).round());
    match r.job.pay.period {
        Period::Year if rng.random_bool(0.5) => range(k(lo), k(hi), ""),
        Period::Year => range(thousands(lo), thousands(hi), " per year"),
        Period::Month => range(thousands(lo), thousands(hi), " / month"),
        Period::Day => range(lo.to_string(), hi.to_string(), "/day"),
        Period::Hour => range(lo.to_string(), hi.to_string(), pick(rng, &["/hour", "/hr"])),
    }
}

pub(crate) fn remotive(w: &mut Json, r: &Rec, id: u64, rng: &mut StdRng) {
    let job = r.job;
    let locations = match job.city.cc {
        Cc::Us => ["USA", "USA, Canada", "Worldwide"],
        Cc::Gb => ["UK", "Europe", "UK, Germany"],
        Cc::De => ["Germany", "Europe", "Worldwide"],
        Cc::Fr => ["France", "Europe", "Europe, UK"],
        Cc::Ca => ["Canada", "USA, Canada", "Worldwide"],
        Cc::Nl => ["Netherlands", "Europe", "Worldwide"],
    };
    let job_type = match (job.contract, job.part_time) {
        (Contract::Freelance, _) => pick(rng, &["contract", "freelance"]),
        (Contract::Internship | Contract::Apprenticeship, _) => "internship",
        (_, true) => "part_time",
        _ => "full_time",
    };
    let tags: Vec<String> = job
        .skills
        .iter()
        .take(5)
        .map(|&s| SKILLS[s].1[0].to_lowercase())
        .collect();
    let title_slug = slugify(&job.title.render(0, false));
    let logo = format!("https://remotive.com/job/{id}/logo");

    w.begin('{').field("id", id as i64);
    let category = job.fam.remotive_cat;
    w.field(
        "url",
        format!(
            "https://remotive.com/remote-jobs/{}/{title_slug}-{id}",
            slugify(category)
        ),
    );
    r.write_title(w, "title");
    w.field("company_name", r.co.display(Src::Remotive, rng));
    w.field("company_logo", &logo).field("category", category);
    w.field("tags", tags.iter().map(String::as_str).collect::<Vec<_>>());
    w.field("job_type", job_type);
    w.field("publication_date", r.date_or_bad(fmt_naive(r.posted)));
    w.field("candidate_required_location", pick(rng, &locations));
    w.field("salary", remotive_salary(r, rng));
    r.write_description(w, "description", || {
        render_html(&job.doc, Html::Remotive, false, rng)
    });
    w.field("company_logo_url", &logo).end('}');
}
