//! Arbeitnow: a job-board entry (no salary, `created_at` as a Unix timestamp).

use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::{Lang, SKILLS};
use crate::documents::{Html, render_html};
use crate::formats::Rec;
use crate::jobs::{Contract, Seniority, Src};
use crate::json::Json;
use crate::random::pick;
use crate::text::slugify;

/// Arbeitnow `job_types` of ordinary full-time jobs (often empty in the real feed).
const ARBEITNOW_TYPES: [&[&str]; 3] = [
    &[],
    &["full time", "Berufserfahren"],
    &["Full-time permanent", "experienced"],
];

pub(crate) fn arbeitnow(w: &mut Json, r: &Rec, number: u64, rng: &mut StdRng) {
    let job = r.job;
    let slug = format!(
        "{}-{}-{number}",
        slugify(&job.title.render(0, false)),
        slugify(job.city.name)
    );
    let job_types: &[&str] = match (job.contract, job.lang) {
        (Contract::Internship | Contract::Apprenticeship, Lang::De) => match job.title.pre {
            "Werkstudent" => &["Werkstudent"],
            _ => &["Praktikum"],
        },
        (Contract::Internship | Contract::Apprenticeship, _) => &["Internship"],
        (Contract::Freelance, _) => &["Freelance"],
        _ if job.part_time => &["part time"],
        _ if job.sen == Seniority::Junior => &["full time", "berufseinstieg"],
        _ => pick(rng, &ARBEITNOW_TYPES),
    };
    let mut tags = vec![job.fam.arbeitnow_tag];
    tags.extend(
        job.skills
            .iter()
            .take(rng.random_range(0..4))
            .map(|&s| SKILLS[s].1[0]),
    );

    w.begin('{').field("slug", &slug);
    w.field("company_name", r.co.display(Src::Arbeitnow, rng));
    r.write_title(w, "title");
    r.write_description(w, "description", || {
        render_html(&job.doc, Html::Arbeitnow, false, rng)
    });
    w.field("remote", job.remote);
    w.field(
        "url",
        format!(
            "https://www.arbeitnow.com/jobs/companies/{}/{slug}",
            r.co.slug
        ),
    );
    w.field("tags", tags).field("job_types", job_types);
    w.field("location", job.city.name);
    w.field("created_at", r.posted.and_utc().timestamp())
        .end('}');
}
