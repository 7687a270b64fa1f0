//! Property-based tests (proptest) of the text readers silver runs on every posting:
//! [`html_to_text`], [`fix_mojibake`], [`parse_salary_text`], [`PayRules::normalize`] and
//! [`parse_timestamp`]. Whatever a source sends, they must not panic, not hang and not return
//! more than a bounded multiple of their input.
//!
//! Inputs are of three kinds: arbitrary Unicode text; "soups" drawn from the vocabulary each
//! reader looks for (tags, entities, currency signs, separators...), which reach far more of
//! their branches than random characters; and adversarial texts, one fragment repeated up to
//! 128 KiB, the shape that turns a rescan into quadratic time or a per-item indentation into
//! quadratic output. Each call must return within [`CASE_MS`] (measured around the call), so a
//! quadratic path fails the test instead of slowing CI down.
//!
//! Case counts are set per property (`cases` below) so that the whole file runs in a few
//! seconds in a debug build; `PROPTEST_CASES` overrides them all for a longer local run.

use joblake_enrich::{
    CurrencyRates, PayInput, PayRules, fix_mojibake, html_to_text, parse_salary_text,
    parse_timestamp,
};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::select;

/// Longest time one call may take, in milliseconds (debug build, a loaded 2-core machine).
/// Linear work on the largest inputs here takes a few tens of milliseconds; the quadratic
/// paths found by these properties took seconds at a quarter of that size.
const CASE_MS: u64 = 2_000;

/// Runs `f`, failing the case when it takes longer than [`CASE_MS`].
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    prop_assert!(
        took <= Duration::from_millis(CASE_MS),
        "{what} took {took:?}"
    );
    Ok(out)
}

/// A bounded run: `cases` cases (unless `PROPTEST_CASES` says otherwise), no regression files
/// written into the source tree, shrinking capped at 20 s.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_time: 20_000,
        ..ProptestConfig::default()
    }
}

/// Arbitrary Unicode text of up to `max` characters.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

/// Up to `max` fragments of `vocabulary`, concatenated.
fn soup(vocabulary: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(select(vocabulary), 0..max).prop_map(|parts| parts.concat())
}

/// An adversarial text: one fragment repeated, between a fragment before and after. Shown in
/// failures by how it was made, not by its (long) text.
struct Repeated {
    before: &'static str,
    unit: &'static str,
    times: usize,
    after: &'static str,
    text: String,
}

impl std::fmt::Debug for Repeated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Repeated {
            before,
            unit,
            times,
            after,
            text,
        } = self;
        write!(
            f,
            "{before:?} + {unit:?} x {times} + {after:?} ({} bytes)",
            text.len()
        )
    }
}

/// One fragment of `vocabulary` repeated up to 128 KiB, between a fragment before and after.
fn repeated(vocabulary: &'static [&'static str]) -> impl Strategy<Value = Repeated> {
    (
        select(vocabulary),
        select(vocabulary),
        select(vocabulary),
        1usize..=2048,
    )
        .prop_map(|(before, unit, after, times)| {
            // Short fragments are repeated more, so that every input is long (up to 128 KiB).
            let times = times * (64 / unit.len()).max(1);
            let text = [before, unit.repeat(times).as_str(), after].concat();
            Repeated {
                before,
                unit,
                times,
                after,
                text,
            }
        })
}

/// The first `max` bytes of `s`, cut at a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// What HTML to text looks for: tags of every role, unterminated ones, comments, CDATA,
/// entities (escaped HTML too), quotes, mojibake, whitespace of every kind.
const HTML: &[&str] = &[
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<li>",
    "</li>",
    "<ul>",
    "</ul>",
    "<ol>",
    "</ol>",
    "<pre>",
    "</pre>",
    "<div class=\"a\">",
    "</div>",
    "<td>",
    "<th>",
    "<h1>",
    "<table>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<title>",
    "</title>",
    "<head>",
    "<svg>",
    "<textarea>",
    "<!--",
    "-->",
    "<!-- x -->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "<!",
    "<?",
    "<?xml?>",
    "<a href=\"",
    "<a href='",
    "<a x=\">\">",
    "<zz ",
    "<zz a='>'",
    "<p style=\"",
    "<span>",
    "</span>",
    "<",
    ">",
    "</",
    "/>",
    "=",
    "\"",
    "'",
    "&amp;",
    "&lt;",
    "&gt;",
    "&lt;p&gt;",
    "&lt;li&gt;",
    "&lt;!",
    "&nbsp;",
    "&#x41;",
    "&#65;",
    "&#xFFFFFFFF;",
    "&#0;",
    "&",
    ";",
    "&ThickSpace;",
    "â€™",
    "Ã©",
    "Â·",
    "GdaÅ\u{84}sk",
    "Ã",
    "Å",
    "\u{a0}",
    "\u{202f}",
    "\u{200b}",
    "\u{feff}",
    "\r\n",
    "\n",
    "\r",
    "\t",
    " ",
    "text",
    "é",
    "😀",
    "\u{0}",
];

/// What the salary reader looks for: digits with separators, `k`, currencies, ranges,
/// periods, counts, percentages, dates.
const SALARY: &[&str] = &[
    "0",
    "1",
    "5",
    "9",
    "12",
    "35",
    "100",
    "1000",
    "45.000",
    "31,2",
    "60,000",
    "1 000",
    "1\u{a0}000",
    "1\u{202f}000",
    "1'000",
    "99999999999999999999999999999999999999999999999999",
    "0.0",
    ".",
    ",",
    "k",
    "K",
    "M",
    "€",
    "$",
    "£",
    "US$",
    "CHF",
    "EUR",
    "euros",
    "usd",
    " ",
    "-",
    "–",
    "—",
    "to",
    "à",
    "and",
    "de",
    "between",
    "per",
    "/",
    "hour",
    "heure",
    "h",
    "H",
    "day",
    "jour",
    "week",
    "month",
    "mois",
    "Mensuel",
    "annuel",
    "year",
    "an",
    "a year",
    "brut",
    "net",
    "sur 12 mois",
    "x 13",
    "%",
    "CCNT66",
    "Bac+5",
    "2025",
    "1999",
    "12:30",
    "01/02/2026",
    "salary",
    "Gehalt",
    "Pay Range:",
    "bonus",
    "+",
    "(",
    ")",
    "é",
    "\u{0}",
];

/// What the timestamp reader looks for.
const TIMESTAMP: &[&str] = &[
    "2026",
    "1970",
    "0000",
    "9999",
    "-",
    "/",
    ".",
    ":",
    "T",
    "t",
    " ",
    "Z",
    "z",
    "+",
    "+05:30",
    "+0530",
    "+05",
    "-23:59",
    "UTC",
    "GMT",
    "00",
    "01",
    "12",
    "23",
    "29",
    "30",
    "31",
    "59",
    "60",
    "99",
    "000",
    "1234567",
    "1700000000",
    "1700000000000",
    "99999999999999",
    "Mon, ",
    "Feb ",
    "Dec",
    ",",
    "é",
    "\u{0}",
];

/// Output no longer than `factor` times the input (plus a constant).
fn bounded(output: usize, input: usize, factor: usize) -> bool {
    output <= factor * input + 64
}

fn rules() -> PayRules {
    match CurrencyRates::builtin() {
        Ok(rates) => PayRules::new(rates),
        Err(e) => panic!("built-in currency rates: {e}"),
    }
}

/// `s` for a failure message: its start when it is long.
fn short(s: &str) -> String {
    match s.len() {
        0..=200 => format!("{s:?}"),
        n => format!("{:?}… ({n} bytes)", prefix(s, 200)),
    }
}

/// The pay a record states, whatever its fields hold, is finite and ordered.
fn check_pay(rules: &PayRules, input: &PayInput) -> Result<(), TestCaseError> {
    if let Some(pay) = timed("PayRules::normalize", || rules.normalize(input))? {
        let from = || {
            format!(
                "fields {:?}-{:?} {:?} {:?}, text {}, description {}",
                input.min,
                input.max,
                input.currency,
                input.period,
                short(input.text.unwrap_or_default()),
                short(input.description.unwrap_or_default())
            )
        };
        for v in [pay.min, pay.max, pay.annual_min, pay.annual_max] {
            prop_assert!(v.is_finite() && v >= 0.0, "{pay:?} from {}", from());
        }
        prop_assert!(pay.min <= pay.max, "{pay:?} from {}", from());
        prop_assert!(pay.basis.len() <= 1024, "{pay:?}");
    }
    Ok(())
}

fn check_salary_text(s: &str) -> Result<(), TestCaseError> {
    if let Some(p) = timed("parse_salary_text", || parse_salary_text(s))? {
        prop_assert!(
            p.min.is_finite() && p.max.is_finite(),
            "{p:?} from {}",
            short(s)
        );
        prop_assert!(p.min >= 0.0 && p.min <= p.max, "{p:?} from {}", short(s));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn html_to_text_takes_any_text(s in text(2_000)) {
        let out = timed("html_to_text", || html_to_text(&s))?;
        prop_assert!(bounded(out.len(), s.len(), 8), "{} bytes from {}", out.len(), s.len());
        prop_assert!(timed("fix_mojibake", || fix_mojibake(&s).len())? <= s.len());
    }

    #[test]
    fn html_to_text_takes_tag_soup(s in soup(HTML, 300)) {
        let out = timed("html_to_text", || html_to_text(&s))?;
        prop_assert!(bounded(out.len(), s.len(), 8), "{} bytes from {s:?}", out.len());
        prop_assert!(!out.contains(char::from(0)), "a NUL in {out:?}");
        prop_assert!(timed("fix_mojibake", || fix_mojibake(&s).len())? <= s.len());
    }

    #[test]
    fn salary_text_takes_any_text(s in text(300)) {
        check_salary_text(&s)?;
    }

    #[test]
    fn salary_text_takes_salary_soup(s in soup(SALARY, 40)) {
        check_salary_text(&s)?;
    }

    #[test]
    fn timestamps_take_any_text(s in text(80), t in soup(TIMESTAMP, 16)) {
        for s in [&s, &t] {
            if let Some(at) = timed("parse_timestamp", || parse_timestamp(s))? {
                prop_assert!(at.timestamp().checked_mul(1_000_000).is_some(), "{at} from {s:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn pay_takes_any_record(
        min in proptest::option::of(any::<f64>()),
        max in proptest::option::of(any::<f64>()),
        currency in proptest::option::of(select(&["EUR", "USD", "GBP", "eur", "XXX", "", "€€€", "ÉUR"][..])),
        period in proptest::option::of(select(&["year", "month", "hour", "day", "week", "", "yearly", "Mensuel"][..])),
        salary in proptest::option::of(soup(SALARY, 24)),
        description in proptest::option::of(soup(SALARY, 120)),
        country in proptest::option::of(select(&["FR", "fr", "GB", "US", "", "ZZZ", "é"][..])),
        hours in proptest::option::of(soup(SALARY, 8)),
    ) {
        let rules = rules();
        let input = PayInput {
            min,
            max,
            currency,
            period,
            text: salary.as_deref(),
            description: description.as_deref(),
            country,
            country_currency: currency,
            contract: None,
            hours_text: hours.as_deref(),
        };
        check_pay(&rules, &input)?;
    }
}

proptest! {
    // The long inputs: fewer cases, each up to 256 KiB.
    #![proptest_config(config(64))]

    #[test]
    fn html_to_text_is_linear_on_repeated_fragments(r in repeated(HTML)) {
        let s = &r.text;
        let out = timed("html_to_text", || html_to_text(s))?;
        prop_assert!(bounded(out.len(), s.len(), 8), "{} bytes from {} bytes", out.len(), s.len());
    }

    #[test]
    fn pay_is_linear_on_long_descriptions(d in repeated(SALARY), t in repeated(SALARY)) {
        check_salary_text(&t.text)?;
        let input = PayInput {
            description: Some(&d.text),
            text: Some(prefix(&t.text, 4096)),
            country: Some("FR"),
            ..PayInput::default()
        };
        check_pay(&rules(), &input)?;
    }

    #[test]
    fn timestamps_refuse_long_text_at_once(r in repeated(TIMESTAMP)) {
        let s = &r.text;
        let parsed = timed("parse_timestamp", || parse_timestamp(s))?;
        prop_assert!(s.trim().len() <= 64 || parsed.is_none());
    }
}
