//! schema.org `JobPosting` JSON-LD, as a scraper extracts it, and the HTML job page that
//! carries it.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::{Cc, country};
use crate::documents::{Html, render_html};
use crate::formats::Rec;
use crate::jobs::{Contract, Src};
use crate::json::{Json, Style};
use crate::random::pick;
use crate::text::{fmt_date, fmt_offset, push_html, slugify};

const SCHEMA_CONTEXTS: [&str; 3] = [
    "https://schema.org",
    "http://schema.org/",
    "https://schema.org/",
];

/// A schema.org JobPosting as a scraper extracts it from a job page.
pub(crate) fn jsonld(w: &mut Json, r: &Rec, ident: u64, url: &str, rng: &mut StdRng) {
    let (job, c) = (r.job, r.job.city);
    let cty = country(c.cc);
    let date = |t: NaiveDateTime, rng: &mut StdRng| match rng.random_range(0..3) {
        0 => fmt_date(t),
        n => fmt_offset(t, c.cc, n == 1),
    };
    let employment: &[&str] = match (job.contract, job.part_time) {
        (Contract::Freelance, _) => &["CONTRACTOR"],
        (Contract::Internship | Contract::Apprenticeship, _) => &["INTERN"],
        (Contract::FixedTerm, _) => &["TEMPORARY"],
        (_, true) if rng.random_bool(0.5) => &["FULL_TIME", "PART_TIME"],
        (_, true) => &["PART_TIME"],
        _ => &["FULL_TIME"],
    };
    let context = pick(rng, &SCHEMA_CONTEXTS);

    w.begin('{')
        .field("@context", context)
        .field("@type", "JobPosting");
    r.write_title(w, "title");
    r.write_description(w, "description", || {
        // Most sites HTML-escape the markup inside the JSON, some do not.
        let html = render_html(&job.doc, Html::Page, rng.random_bool(0.5), rng);
        let mut escaped = String::with_capacity(html.len() * 11 / 10);
        push_html(&mut escaped, &html);
        if rng.random_bool(0.7) { escaped } else { html }
    });
    w.field("datePosted", r.date_or_bad(date(r.posted, rng)));
    let days = pick(rng, &[30, 45, 60]);
    let through = date(r.posted + Duration::days(days), rng);
    w.opt_field(
        "validThrough",
        Some(through).filter(|_| rng.random_bool(0.7)),
    );
    match employment {
        [one] => w.field("employmentType", *one),
        many => w.field("employmentType", many),
    };
    let category = Some(job.fam.remotive_cat).filter(|_| rng.random_bool(0.6));
    w.opt_field("occupationalCategory", category);
    w.object("hiringOrganization", |w| {
        w.field("@type", "Organization")
            .field("name", r.co.display(Src::JsonLd, rng));
        w.field(
            "sameAs",
            format!("https://www.{}.{}", r.co.slug, country(r.co.cc).tld),
        );
    });
    if !job.remote || rng.random_bool(0.5) {
        let as_array = rng.random_bool(0.3);
        w.key("jobLocation");
        if as_array {
            w.begin('[');
        }
        w.begin('{').field("@type", "Place");
        w.object("address", |w| {
            w.field("@type", "PostalAddress")
                .field("addressLocality", c.name);
            w.field("addressRegion", c.region)
                .field("postalCode", c.postcode);
            let named = c.cc == Cc::Ca || rng.random_bool(0.15);
            w.field("addressCountry", if named { cty.name } else { cty.iso });
        });
        w.end('}');
        if as_array {
            w.end(']');
        }
    }
    if job.remote {
        w.field("jobLocationType", "TELECOMMUTE");
        w.object("applicantLocationRequirements", |w| {
            w.field("@type", "Country").field("name", cty.name);
        });
    }
    if (job.pay_shown && rng.random_bool(0.8)) || r.salary_bad() {
        let (lo, hi) = r.range(job.pay.min, job.pay.max);
        let single = lo == hi && rng.random_bool(0.7);
        w.object("baseSalary", |w| {
            w.field("@type", "MonetaryAmount")
                .field("currency", cty.currency);
            w.object("value", |w| {
                w.field("@type", "QuantitativeValue");
                match single {
                    true => w.field("value", lo),
                    false => w.field("minValue", lo).field("maxValue", hi),
                };
                w.field(
                    "unitText",
                    ["HOUR", "DAY", "MONTH", "YEAR"][job.pay.period as usize],
                );
            });
        });
    }
    if rng.random_bool(0.8) {
        w.object("identifier", |w| {
            w.field("@type", "PropertyValue").field("name", &r.co.name);
            w.field("value", format!("JR-{ident}"));
        });
    }
    w.field("url", url).end('}');
}

/// A small job page carrying the JobPosting (and sometimes a BreadcrumbList) as JSON-LD.
pub(crate) fn html_page(r: &Rec, ident: u64, rng: &mut StdRng) -> String {
    let (job, co) = (r.job, r.co);
    let title_slug = slugify(&job.title.render(0, false));
    let url = format!(
        "https://careers.{}.{}/jobs/{ident}-{title_slug}",
        co.slug,
        country(co.cc).tld
    );
    let style = Style {
        slash: rng.random_bool(0.3),
        pretty: true,
        ..Style::default()
    };
    let mut blocks = vec![String::new()];
    jsonld(&mut Json::new(&mut blocks[0], style), r, ident, &url, rng);
    if rng.random_bool(0.4) {
        // Breadcrumbs come first on some sites: a parser must pick the JobPosting.
        let mut crumbs = String::new();
        let w = &mut Json::new(&mut crumbs, style);
        w.begin('{')
            .field("@context", "https://schema.org")
            .field("@type", "BreadcrumbList");
        w.key("itemListElement").begin('[');
        for (i, name) in ["Jobs", job.city.name, r.title.as_str()].iter().enumerate() {
            w.begin('{')
                .field("@type", "ListItem")
                .field("position", i as i64 + 1);
            w.field("name", *name).end('}');
        }
        w.end(']').end('}');
        blocks.insert(usize::from(rng.random_bool(0.5)), crumbs);
    }
    let lang = ["en", "fr", "de"][job.lang as usize];
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
    );
    push_html(&mut page, &format!("{} | {} Careers", r.title, co.name));
    let _ = writeln!(page, "</title>\n<link rel=\"canonical\" href=\"{url}\">");
    for block in blocks {
        let _ = writeln!(
            page,
            "<script type=\"application/ld+json\">\n{block}\n</script>"
        );
    }
    page.push_str("</head>\n<body>\n<header class=\"site-header\"><a href=\"/\">");
    push_html(&mut page, &co.name);
    page.push_str("</a></header>\n<main class=\"job\">\n<h1>");
    push_html(&mut page, &r.title);
    page.push_str("</h1>\n<p class=\"job-meta\">");
    push_html(&mut page, job.city.name);
    page.push_str("</p>\n<section class=\"job-description\">\n");
    page.push_str(&render_html(&job.doc, Html::Page, false, rng));
    let _ = write!(
        page,
        "</section>\n<a class=\"apply\" href=\"{url}/apply\">Apply</a>\n</main>\n</body>\n</html>\n"
    );
    page
}
