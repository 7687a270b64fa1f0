//! France Travail: an `offres/search` result, in French, with ROME codes, a plain-text
//! description and the `salaire` label.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::INDUSTRIES;
use crate::documents::render_plain;
use crate::formats::{PageStats, Rec};
use crate::jobs::{Contract, Period, Seniority, Src};
use crate::json::Json;
use crate::random::pick;
use crate::text::fmt_naive;
use crate::text_pools::FT_SKILLS;

pub(crate) fn france_travail(w: &mut Json, r: &Rec, rng: &mut StdRng, page: &mut PageStats) {
    let (job, c, id) = (
        r.job,
        r.job.city,
        crate::truth::france_travail_id(r.job.idx),
    );
    let created = r.posted + Duration::milliseconds(rng.random_range(0..1000));
    let updated = created + Duration::minutes(rng.random_range(0..3000));
    let updated = updated.min(r.latest.max(created));
    let ms = |t: NaiveDateTime| {
        format!(
            "{}.{:03}Z",
            fmt_naive(t),
            t.and_utc().timestamp_subsec_millis()
        )
    };
    let months = pick(rng, &[3, 6, 12, 18]);
    let (contract, contract_label) = match job.contract {
        Contract::Permanent => ("CDI", "CDI".to_string()),
        Contract::FixedTerm => ("CDD", format!("CDD - {months} Mois")),
        Contract::Freelance if rng.random_bool(0.5) => ("LIB", "Profession libérale".into()),
        Contract::Freelance => ("MIS", format!("Intérim - {months} Mois")),
        Contract::Internship => ("CDD", "CDD - 6 Mois".into()),
        Contract::Apprenticeship => ("CDD", "CDD - 24 Mois".into()),
    };
    let apprentice = job.contract == Contract::Apprenticeship;
    let junior = matches!(job.sen, Seniority::Intern | Seniority::Junior);
    let experience = if junior {
        "Débutant accepté".into()
    } else {
        format!("{} An(s)", job.years)
    };
    let (qual_code, qual) = match (job.fam.related, junior) {
        (true, true) => ("7", "Technicien"),
        (true, false) => ("9", "Cadre"),
        (false, _) => ("6", "Employé qualifié"),
    };
    let hours = if job.part_time {
        "24H"
    } else {
        pick(rng, &["35H", "37H30", "39H"])
    };
    let bullet = if rng.random_bool(0.5) { "- " } else { "" };

    w.begin('{');
    w.field("id", &id);
    r.write_title(w, "intitule");
    r.write_description(w, "description", || render_plain(&job.doc, bullet));
    w.field("dateCreation", r.date_or_bad(ms(created)));
    w.field("dateActualisation", ms(updated));
    w.object("lieuTravail", |w| {
        w.field("libelle", c.ft_label);
        if rng.random_bool(0.85) {
            w.field("latitude", c.lat).field("longitude", c.lon);
            w.field("codePostal", c.postcode).field("commune", c.insee);
        }
    });
    w.field("romeCode", job.fam.rome[0])
        .field("romeLibelle", job.fam.rome[1]);
    w.field("appellationlibelle", job.fam.titles[1]);
    w.object("entreprise", |w| {
        let name = r.co.display(Src::FranceTravail, rng);
        w.opt_field("nom", Some(name).filter(|_| rng.random_bool(0.88)));
        if rng.random_bool(0.25) {
            let (co, ind) = (r.co, INDUSTRIES[r.co.industry][1]);
            let about = format!(
                "{} accompagne les acteurs {ind} depuis {}. Nous sommes {} passionnés.",
                co.name, co.founded, co.staff
            );
            w.field("description", about);
        }
        w.field("entrepriseAdaptee", false);
    });
    w.field("typeContrat", contract)
        .field("typeContratLibelle", contract_label);
    let nature = if apprentice {
        "Contrat apprentissage"
    } else {
        "Contrat travail"
    };
    w.field("natureContrat", nature);
    w.field("experienceExige", if junior { "D" } else { "E" });
    w.field("experienceLibelle", experience);
    if rng.random_bool(0.8) {
        let pool = FT_SKILLS[usize::from(!job.fam.related)];
        w.key("competences").begin('[');
        for (i, label) in pool.iter().enumerate().skip(rng.random_range(0..2)).take(3) {
            let code = (300_100 + i * 37 + job.fam.weight as usize).to_string();
            w.begin('{').field("code", code).field("libelle", *label);
            w.field("exigence", if i % 3 == 0 { "E" } else { "S" })
                .end('}');
        }
        w.end(']');
    }
    ft_salaire(w, r, rng);
    let duree = match rng.random_bool(0.5) {
        true => format!("{hours}/semaine\nTravail en journée"),
        false => format!("{hours} Horaires normaux"),
    };
    w.field("dureeTravailLibelle", duree);
    let converted = if job.part_time {
        "Temps partiel"
    } else {
        "Temps plein"
    };
    w.field("dureeTravailLibelleConverti", converted);
    w.field("alternance", apprentice);
    w.field("nombrePostes", if rng.random_bool(0.9) { 1i64 } else { 2 });
    w.field("accessibleTH", rng.random_bool(0.3));
    w.field("qualificationCode", qual_code)
        .field("qualificationLibelle", qual);
    w.field("secteurActiviteLibelle", INDUSTRIES[r.co.industry][3]);
    w.object("origineOffre", |w| {
        let url = format!("https://candidat.francetravail.fr/offres/recherche/detail/{id}");
        w.field("origine", "1").field("urlOrigine", url);
    });
    w.field("offresManqueCandidats", rng.random_bool(0.1));
    w.end('}');
    page.facet("typeContrat", contract);
    page.facet("experience", if junior { "1" } else { "2" });
    page.facet("qualification", if qual_code == "9" { "9" } else { "X" });
    page.facet("natureContrat", if apprentice { "E2" } else { "E1" });
}

/// France Travail `salaire`: "Annuel de 45000.0 Euros à 55000.0 Euros sur 12 mois",
/// "Mensuel de …", "Horaire de …", a free-text `commentaire`, or nothing.
fn ft_salaire(w: &mut Json, r: &Rec, rng: &mut StdRng) {
    let pay = r.job.pay;
    let shown = (r.job.pay_shown && rng.random_bool(0.9)) || r.salary_bad();
    w.object("salaire", |w| {
        // France Travail has no daily unit: a day rate goes to the comment.
        if shown && (pay.period != Period::Day || r.salary_bad()) {
            let (label, (lo, hi), dec) = match pay.period {
                Period::Year if rng.random_bool(0.3) => (
                    "Mensuel",
                    ((pay.min / 12.0).round(), (pay.max / 12.0).round()),
                    2,
                ),
                Period::Year | Period::Day => ("Annuel", pay.annual(), 1),
                Period::Month => ("Mensuel", (pay.min, pay.max), 2),
                Period::Hour => ("Horaire", (pay.min, pay.max), 2),
            };
            let (lo, hi) = r.range(lo, hi);
            let mut s = format!("{label} de {lo:.dec$} Euros");
            if hi != lo {
                let _ = write!(s, " à {hi:.dec$} Euros");
            }
            s.push_str(pick(
                rng,
                &["", " sur 12 mois", " sur 12.0 mois", " sur 13.0 mois"],
            ));
            w.field("libelle", s);
            let extra = pick(rng, &["Prime", "Tickets restaurant", "Mutuelle"]);
            w.opt_field("complement1", Some(extra).filter(|_| rng.random_bool(0.15)));
        } else if shown {
            w.field("commentaire", format!("TJM {}\u{a0}€ / jour", pay.min));
        } else if rng.random_bool(0.45) {
            let comments = [
                "Selon profil",
                "selon expérience",
                "A négocier",
                "Selon convention",
            ];
            w.field("commentaire", pick(rng, &comments));
        }
    });
}
