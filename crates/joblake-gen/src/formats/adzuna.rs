//! Adzuna: a search result (`Adzuna::API::Response::Job`) with annual salaries, an `adref`
//! and a one-line snippet as description.

use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::{ADZUNA_CATS, Cc, country};
use crate::documents::render_snippet;
use crate::formats::{PageStats, Rec};
use crate::jobs::{Contract, Src};
use crate::json::Json;
use crate::random::jitter;
use crate::text::fmt_naive;

/// A JWT-looking Adzuna `adref`: two runs of 43 base64url characters.
fn adref(rng: &mut StdRng) -> String {
    const CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::from("eyJhbGciOiJIUzI1NiJ9.");
    let mut bits = 0u64;
    for i in 0..86 {
        if i % 10 == 0 {
            bits = rng.random(); // ten 6-bit characters per draw
        }
        if i == 43 {
            s.push('.');
        }
        s.push(char::from(CHARS[(bits >> (6 * (i % 10))) as usize & 63]));
    }
    s
}

pub(crate) fn adzuna(w: &mut Json, r: &Rec, id: u64, rng: &mut StdRng, page: &mut PageStats) {
    let (job, c) = (r.job, r.job.city);
    // Adzuna shows annual figures; without one it often shows its own prediction.
    let (lo, hi) = job.pay.annual();
    let salary = if (job.pay_shown && rng.random_bool(0.85)) || r.salary_bad() {
        Some((r.range(lo, hi), "0"))
    } else if rng.random_bool(0.3) {
        let v = ((lo + hi) / 2.0 * rng.random_range(0.9..1.1) * 100.0).round() / 100.0;
        Some(((v, v), "1"))
    } else {
        None
    };
    if let (Some(((lo, hi), _)), None) = (salary, r.bad) {
        page.salary_sum += (lo + hi) / 2.0;
        page.salary_n += 1;
    }
    let coords = rng
        .random_bool(0.88)
        .then(|| (jitter(rng, c.lat), jitter(rng, c.lon)));
    let cat = ADZUNA_CATS[if rng.random_bool(0.1) {
        6
    } else {
        job.fam.adzuna_cat
    }];
    // Adzuna's area runs from the country down: region and city, except for a city-state
    // whose region is the city (London, Berlin, Hamburg); in France region, département,
    // then the commune or Paris's arrondissement. display_name is "<deepest>, <its parent>".
    let arrondissement;
    let mut area = vec![country(c.cc).area, c.region];
    if c.cc == Cc::Fr {
        area.push(c.departement);
        if c.name == "Paris" {
            let n = c.postcode[3..].trim_start_matches('0');
            let suffix = if n == "1" { "er" } else { "ème" };
            arrondissement = format!("{n}{suffix} Arrondissement");
            area.push(&arrondissement);
        } else {
            area.push(c.name);
        }
    } else if !(c.name == c.region && matches!(c.cc, Cc::Gb | Cc::De)) {
        area.push(c.name);
    }
    let display = match area.len() {
        2 => c.name.to_string(),
        n => format!("{}, {}", area[n - 1], area[n - 2]),
    };
    let host = country(c.cc).adzuna[1];

    w.begin('{');
    w.opt_field("salary_min", salary.map(|s| s.0.0));
    r.write_title(w, "title");
    w.opt_field("longitude", coords.map(|c| c.1));
    w.field("__CLASS__", "Adzuna::API::Response::Job")
        .field("adref", adref(rng));
    let url = format!("https://{host}/jobs/details/{id}?utm_medium=api&utm_source=demo");
    w.field("redirect_url", url);
    w.object("category", |w| {
        let label = cat[match c.cc {
            Cc::Fr => 2,
            Cc::De => 3,
            _ => 1,
        }];
        w.field("tag", cat[0]).field("label", label);
        w.field("__CLASS__", "Adzuna::API::Response::Category");
    });
    w.object("location", |w| {
        w.field("__CLASS__", "Adzuna::API::Response::Location");
        w.field("display_name", display).field("area", area);
    });
    w.field(
        "created",
        r.date_or_bad(format!("{}Z", fmt_naive(r.posted))),
    );
    let time = if job.part_time {
        "part_time"
    } else {
        "full_time"
    };
    w.opt_field("contract_time", Some(time).filter(|_| rng.random_bool(0.6)));
    w.field("salary_is_predicted", salary.map_or("0", |s| s.1));
    r.write_description(w, "description", || render_snippet(&job.doc));
    w.object("company", |w| {
        w.field("display_name", r.co.display(Src::Adzuna, rng));
        w.field("__CLASS__", "Adzuna::API::Response::Company");
    });
    w.opt_field("salary_max", salary.map(|s| s.0.1));
    w.opt_field("latitude", coords.map(|c| c.0));
    w.field("id", id.to_string());
    let kind = if job.contract == Contract::Permanent {
        "permanent"
    } else {
        "contract"
    };
    w.opt_field(
        "contract_type",
        Some(kind).filter(|_| rng.random_bool(0.45)),
    );
    w.end('}');
}
