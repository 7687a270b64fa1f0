//! The description of a job: paragraphs and bullet lists filled from the text pools, and
//! their renderings as each source shows them (plain text, a one-line snippet, HTML).

use std::fmt::Write as _;

use rand::Rng;
use rand::rngs::StdRng;

use crate::catalog::{B, D, INDUSTRIES, L, M, O, SKILLS, skill};
use crate::jobs::{Company, Job};
use crate::random::{pick, shuffle_tail};
use crate::text::{push_html, write_num};
use crate::text_pools::{
    ABOUT, BENEFITS, CLOSING, DOMAINS, GENERIC_REQS, GENERIC_TASKS, HEADINGS, INTRO, STACK, TEAM,
    TEAMS, TECH_REQS, TECH_TASKS,
};

/// The description of a job as blocks, rendered per source.
#[derive(Default)]
pub(crate) struct Doc {
    intro: String,
    about: Option<String>,
    team: Option<String>,
    /// Tasks, profile and benefits: heading plus bullets.
    sections: Vec<(&'static str, Vec<String>)>,
    stack: Option<String>,
    closing: Vec<String>,
}

/// Placeholder values for the description templates.
struct Vars<'a> {
    job: &'a Job,
    company: &'a str,
    title: &'a str,
    team: &'static str,
    dom: &'static str,
    ind: &'static str,
    year: u32,
    staff: u32,
    /// Next skill to mention, per placeholder kind (index 0: any kind).
    next: [usize; 6],
    /// Bit set of the skill kinds the job has.
    kinds: u8,
}

/// Placeholder → skill kind, 0 meaning any kind.
fn kind_of(placeholder: &str) -> Option<u8> {
    let i = ["s", "lang", "data", "ops", "ml", "bi"]
        .iter()
        .position(|&k| k == placeholder)?;
    Some([0, L, D, O, M, B][i])
}

impl Vars<'_> {
    fn fill(&mut self, tpl: &str, rng: &mut StdRng) -> String {
        let mut out = String::with_capacity(tpl.len() + 40);
        let mut rest = tpl;
        // Byte search: '{' and '}' are ASCII, so the slices stay on char boundaries.
        while let Some(i) = rest.bytes().position(|b| b == b'{') {
            out.push_str(&rest[..i]);
            let Some(j) = rest.bytes().skip(i).position(|b| b == b'}') else {
                break;
            };
            match &rest[i + 1..i + j] {
                "c" => out.push_str(self.company),
                "t" => out.push_str(self.title),
                "city" => out.push_str(self.job.city.name),
                "team" => out.push_str(self.team),
                "dom" => out.push_str(self.dom),
                "ind" => out.push_str(self.ind),
                "n" => write_num(&mut out, self.job.years),
                "year" => write_num(&mut out, self.year),
                "staff" => write_num(&mut out, self.staff),
                other => out.push_str(kind_of(other).map_or("", |k| self.skill(k, rng))),
            }
            rest = &rest[i + j + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The job's next skill of a kind (0: any), cycling, in a random spelling.
    fn skill(&mut self, kind: u8, rng: &mut StdRng) -> &'static str {
        let slot = [0, L, D, O, M, B]
            .iter()
            .position(|&k| k == kind)
            .unwrap_or(0);
        let of_kind: Vec<usize> = self
            .job
            .skills
            .iter()
            .copied()
            .filter(|&s| kind == 0 || SKILLS[s].0 == kind)
            .collect();
        let Some(&s) = of_kind.get(self.next[slot] % of_kind.len().max(1)) else {
            return "";
        };
        self.next[slot] += 1;
        pick(rng, SKILLS[s].1)
    }

    /// Whether the job has a skill for every kind the template asks for.
    fn fits(&self, tpl: &str) -> bool {
        let need = tpl.as_bytes().windows(3).fold(0u8, |need, w| match w {
            b"{la" => need | L,
            b"{da" => need | D,
            b"{op" => need | O,
            b"{ml" => need | M,
            b"{bi" => need | B,
            _ => need,
        });
        // "{n}+ years" makes no sense for an internship.
        need & !self.kinds == 0
            && !(self.job.years == 0 && tpl.contains("{n}"))
            && self.duties_fit(tpl)
    }

    /// A task or requirement tied to a skill of the family (`{+Statistics}`: only jobs that
    /// ask for it run A/B tests; `{-Statistics}`: only the others), so that each family's text
    /// names its own duties. The markers print nothing.
    fn duties_fit(&self, tpl: &str) -> bool {
        let mut rest = tpl;
        while let Some(i) = [rest.find("{+"), rest.find("{-")]
            .into_iter()
            .flatten()
            .min()
        {
            let Some(j) = rest[i..].find('}') else {
                break;
            };
            let wanted = rest[i + 2..i + j].trim();
            let has = self.job.skills.contains(&skill(wanted));
            if has != rest[i..].starts_with("{+") {
                return false;
            }
            rest = &rest[i + j + 1..];
        }
        true
    }

    /// Up to `k` distinct bullets from a pool, skipping templates that do not fit.
    fn bullets(&mut self, pool: &[&str], k: usize, rng: &mut StdRng) -> Vec<String> {
        let mut fitting: Vec<&str> = pool.iter().copied().filter(|t| self.fits(t)).collect();
        shuffle_tail(&mut fitting, 0, rng);
        fitting.iter().take(k).map(|t| self.fill(t, rng)).collect()
    }
}

pub(crate) fn make_doc(job: &Job, co: &Company, rng: &mut StdRng) -> Doc {
    let l = job.lang as usize;
    let title = job.title.render(0, false);
    let mut v = Vars {
        job,
        company: &co.name,
        title: &title,
        team: pick(rng, TEAMS[l]),
        dom: pick(rng, DOMAINS[l]),
        ind: INDUSTRIES[co.industry][l],
        year: co.founded,
        staff: co.staff,
        next: [0; 6],
        kinds: job.skills.iter().fold(0, |k, &s| k | SKILLS[s].0),
    };
    let (tasks, reqs) = match job.fam.related {
        true => (TECH_TASKS[l], TECH_REQS[l]),
        false => (GENERIC_TASKS[l], GENERIC_REQS[l]),
    };
    let mut doc = Doc {
        intro: v.fill(pick(rng, INTRO[l]), rng),
        ..Doc::default()
    };
    doc.about = rng
        .random_bool(0.8)
        .then(|| v.fill(pick(rng, ABOUT[l]), rng));
    doc.team = rng
        .random_bool(0.35)
        .then(|| v.fill(pick(rng, TEAM[l]), rng));
    let mut bullets = vec![job.fam.duty[l].to_string()];
    bullets.extend(v.bullets(tasks, rng.random_range(2..=6), rng));
    doc.sections.push((pick(rng, HEADINGS[0][l]), bullets));
    doc.sections.push((
        pick(rng, HEADINGS[1][l]),
        v.bullets(reqs, rng.random_range(3..=6), rng),
    ));
    let benefits = v.bullets(BENEFITS[l], rng.random_range(2..=5), rng);
    doc.sections.push((pick(rng, HEADINGS[2][l]), benefits));
    if job.fam.related && rng.random_bool(0.6) {
        let names: Vec<&str> = job.skills.iter().map(|&s| pick(rng, SKILLS[s].1)).collect();
        doc.stack = Some(format!("{}{}", STACK[l], names.join(", ")));
    }
    doc.closing.push(v.fill(pick(rng, CLOSING[l]), rng));
    // Keep full descriptions at 600+ characters, like real postings.
    if doc_len(&doc) < 700 {
        doc.closing.push(v.fill(CLOSING[l][1], rng));
        doc.team = Some(v.fill(TEAM[l][0], rng));
    }
    doc
}

fn doc_len(d: &Doc) -> usize {
    let paras = [
        Some(&d.intro),
        d.about.as_ref(),
        d.team.as_ref(),
        d.stack.as_ref(),
    ];
    let p: usize = paras.iter().flatten().map(|s| s.len() + 2).sum();
    let bullets = |b: &Vec<String>| b.iter().map(|x| x.len() + 3).sum::<usize>();
    let s: usize = d.sections.iter().map(|(h, b)| h.len() + bullets(b)).sum();
    p + s + d.closing.iter().map(String::len).sum::<usize>()
}

/// Whose HTML markup [`render_html`] imitates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Html {
    Remotive,
    Arbeitnow,
    Page,
}

/// Plain text with line breaks, as France Travail returns it.
pub(crate) fn render_plain(d: &Doc, bullet: &str) -> String {
    let mut out = String::with_capacity(doc_len(d) + 64);
    for p in [Some(&d.intro), d.about.as_ref(), d.team.as_ref()]
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "{p}\n\n");
    }
    for (i, (head, items)) in d.sections.iter().enumerate() {
        let _ = writeln!(out, "{head}");
        for item in items {
            let _ = writeln!(out, "{bullet}{item}");
        }
        out.push('\n');
        if let (0, Some(stack)) = (i, &d.stack) {
            let _ = write!(out, "{stack}\n\n");
        }
    }
    out.push_str(&d.closing.join("\n"));
    out
}

/// Adzuna's snippet: one line, cut near 500 characters with "…".
pub(crate) fn render_snippet(d: &Doc) -> String {
    let mut out = String::with_capacity(600);
    for piece in [Some(&d.intro), d.about.as_ref()].into_iter().flatten() {
        let _ = write!(out, "{piece} ");
    }
    for (head, items) in &d.sections {
        let _ = write!(out, "{}: ", head.trim_end_matches([':', '\u{a0}']));
        for item in items {
            if out.len() < 700 {
                let _ = write!(out, "{item}. ");
            }
        }
    }
    if let Some((i, _)) = out.char_indices().nth(497) {
        out.truncate(out[..i].rfind(' ').unwrap_or(i));
        out.push_str(" …");
    }
    out
}

/// HTML as each source marks it up; `short` drops the longer parts.
pub(crate) fn render_html(d: &Doc, flavor: Html, short: bool, rng: &mut StdRng) -> String {
    let mut out = String::with_capacity(doc_len(d) * 5 / 4);
    let tag = |out: &mut String, open: &str, text: &str, close: &str| {
        out.push_str(open);
        push_html(out, text);
        out.push_str(close);
    };
    let p_open = if flavor == Html::Remotive {
        "<p style=\"text-align: justify;\">👋 "
    } else {
        "<p>"
    };
    tag(&mut out, p_open, &d.intro, "</p>\n");
    let team = if short { None } else { d.team.as_ref() };
    for p in [d.about.as_ref(), team].into_iter().flatten() {
        tag(&mut out, "<p>", p, "</p>\n");
    }
    let li = if flavor == Html::Remotive {
        "<li style=\"\">"
    } else {
        "<li>"
    };
    for (i, (head, items)) in d
        .sections
        .iter()
        .enumerate()
        .take(if short { 2 } else { 3 })
    {
        match flavor {
            Html::Remotive => {
                let emoji = ["🚀 ", "💡 ", "🎁 "][i];
                tag(
                    &mut out,
                    &format!("<p><strong>{emoji}"),
                    head,
                    "</strong></p>\n<ul style=\"\">\n",
                );
            }
            Html::Arbeitnow => tag(&mut out, "<h2>", head, "</h2>\n<ul>\n"),
            Html::Page => tag(&mut out, "<p><strong>", head, "</strong></p>\n<ul>\n"),
        }
        for item in items {
            tag(&mut out, li, item, "</li>\n");
        }
        out.push_str("</ul>\n");
        if let (0, Some(stack)) = (i, &d.stack) {
            tag(&mut out, "<p>", stack, "</p>\n");
        }
    }
    for c in &d.closing {
        tag(&mut out, "<p>", c, "</p>\n");
    }
    if flavor == Html::Arbeitnow && rng.random_bool(0.3) {
        out.push_str("<p>&nbsp;</p>");
    }
    out
}
