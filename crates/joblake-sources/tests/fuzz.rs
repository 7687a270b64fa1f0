//! Property-based tests (proptest) of every source parser of the registry (adzuna, arbeitnow,
//! findwork, france_travail, jooble, reed, remoteok, remotive, themuse, and jsonld, which splits
//! what the scraper fetches): whatever a server or a hand-landed file holds, `split` must not
//! panic, not hang, and give back no more than it was given, with an error message of bounded
//! size when it refuses.
//!
//! Inputs: random bytes; JSON of every shape (random values, the sources' own envelopes with
//! postings whose fields are missing or of the wrong type, NDJSON, truncated or corrupted
//! texts); HTML pages with JSON-LD blocks; and bombs (nesting up to 100,000 deep, strings of
//! megabytes, hundreds of thousands of elements). Each call must return within [`CASE_MS`].
//!
//! Case counts are set per property (`config(n)` below) so that the whole file runs in a few
//! seconds in a debug build; `PROPTEST_CASES` overrides them all for a longer local run.

use std::time::{Duration, Instant};

use joblake_sources::{
    MAX_JSON_DEPTH, REGISTRY, RawPosting, SourceError, SourceParser, json_too_deep, minify,
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;
use serde_json::value::RawValue;

/// Longest time one call may take, in milliseconds (debug build, a loaded 2-core machine).
const CASE_MS: u64 = 3_000;

/// Longest refusal message accepted: a refusal names what it found, never all of it.
const MAX_MESSAGE: usize = 2_048;

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

/// Each source's response envelope and the keys its postings must have (from its module).
const SHAPES: &[(&str, Option<&str>, &[&str])] = &[
    ("adzuna", Some("results"), &["id", "redirect_url"]),
    ("arbeitnow", Some("data"), &["slug", "company_name"]),
    ("findwork", Some("results"), &["id", "role"]),
    ("france_travail", Some("resultats"), &["id", "intitule"]),
    ("jooble", Some("jobs"), &["id", "link"]),
    ("reed", Some("results"), &["jobId", "jobUrl"]),
    ("remoteok", None, &["id", "position"]),
    (
        "remotive",
        Some("jobs"),
        &["id", "candidate_required_location"],
    ),
    ("themuse", Some("results"), &["id", "refs"]),
    ("jsonld", None, &["@type", "identifier"]),
];

/// Keys the parsers look at, and a few they do not.
const KEYS: &[&str] = &[
    "id",
    "redirect_url",
    "results",
    "data",
    "slug",
    "company_name",
    "role",
    "resultats",
    "intitule",
    "origineOffre",
    "urlOrigine",
    "jobs",
    "link",
    "jobId",
    "jobUrl",
    "position",
    "candidate_required_location",
    "refs",
    "landing_page",
    "url",
    "@type",
    "@graph",
    "@context",
    "identifier",
    "value",
    "title",
    "description",
    "legal",
    "",
    "é",
    "\u{0}",
];

/// Strings the parsers compare values with.
const WORDS: &[&str] = &[
    "JobPosting",
    "schema:JobPosting",
    "https://schema.org/JobPosting",
    "Organization",
    "",
    " ",
    "12",
    "https://x.test/1",
    "\u{feff}",
    "\\",
    "\"",
    "\n",
];

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

/// Arbitrary Unicode text of up to `max` characters.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

/// Any JSON value, up to 6 levels deep, with keys and strings the parsers look for.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        text(24).prop_map(Value::String),
        select(WORDS).prop_map(Value::from),
        select(KEYS).prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((select(KEYS), inner), 0..8).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// A source's posting: each key it must have present four times out of five, with a value
/// of any type, beside other keys.
fn posting(required: &'static [&'static str]) -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec((any::<u8>(), json()), required.len()),
        proptest::collection::vec((select(KEYS), json()), 0..4),
        select(WORDS),
    )
        .prop_map(move |(fields, extra, word)| {
            let mut object = serde_json::Map::new();
            for (key, value) in extra {
                object.insert(key.to_string(), value);
            }
            for (key, (dice, value)) in required.iter().zip(fields) {
                match dice % 5 {
                    0 => {}
                    // Often a plausible value, to get past the checks.
                    1 | 2 if *key == "@type" => {
                        object.insert(key.to_string(), Value::from("JobPosting"));
                    }
                    1 | 2 => {
                        object.insert(key.to_string(), Value::from(format!("{word}{dice}")));
                    }
                    _ => {
                        object.insert(key.to_string(), value);
                    }
                }
            }
            Value::Object(object)
        })
}

/// A response of one of the sources: its envelope (or a bare array, or NDJSON) of postings.
fn response() -> impl Strategy<Value = (usize, Vec<u8>)> {
    (0..SHAPES.len()).prop_flat_map(|i| {
        let (_, envelope, required) = SHAPES[i];
        (
            proptest::collection::vec(posting(required), 0..6),
            0u8..4,
            json(),
        )
            .prop_map(move |(postings, layout, extra)| {
                let bytes = match (layout, envelope) {
                    (0, Some(key)) => {
                        serde_json::to_vec(&serde_json::json!({key: postings, "extra": extra}))
                    }
                    (1, _) => serde_json::to_vec_pretty(&postings),
                    (2, _) => Ok(postings
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join("\r\n")
                        .into_bytes()),
                    _ => serde_json::to_vec(&postings),
                };
                (i, bytes.unwrap_or_default())
            })
    })
}

/// A text damaged in one of the ways files are: cut short, a byte replaced or inserted, a
/// byte order mark added.
fn damaged(bytes: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = bytes.len();
    (0u8..5, 0..=len, any::<u8>()).prop_map(move |(how, at, byte)| {
        let mut b = bytes.clone();
        match how {
            0 => b.truncate(at),
            1 if at < len => b[at] = byte,
            2 => b.insert(at, byte),
            3 => b.splice(0..0, *b"\xEF\xBB\xBF").for_each(drop),
            _ => {}
        }
        b
    })
}

/// A page with JSON-LD blocks (some wrapped in comments or CDATA, some broken) among tags.
fn page() -> impl Strategy<Value = Vec<u8>> {
    const AROUND: &[&str] = &[
        "",
        "<html><head>",
        "<p>text</p>",
        "<script>var a = '<script>';</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "</script>",
        "<div",
        "&amp;",
        "\u{0}",
        "<svg><svg>",
    ];
    const TYPES: &[&str] = &[
        "application/ld+json",
        " APPLICATION/LD+JSON ",
        "text/javascript",
        "",
    ];
    const WRAP: &[(&str, &str)] = &[
        ("", ""),
        ("<!--", "-->"),
        ("//<![CDATA[\n", "\n//]]>"),
        ("/*<![CDATA[*/", "/*]]>*/"),
        ("", "}"),
    ];
    proptest::collection::vec(
        (
            select(AROUND),
            select(TYPES),
            select(WRAP),
            prop_oneof![posting(&["@type", "identifier", "url"]), json()],
        ),
        0..5,
    )
    .prop_map(|blocks| {
        let mut html = String::from("<!DOCTYPE html><html><body>");
        for (around, kind, (open, close), value) in blocks {
            html.push_str(around);
            html.push_str(&format!(
                "<script type=\"{kind}\">{open}{value}{close}</script>"
            ));
        }
        html.into_bytes()
    })
}

/// What every parser must do with `bytes`: return in time, and either postings no larger
/// than the input, each a JSON object with a non-blank id, or a refusal of bounded length.
fn check(parser: &dyn SourceParser, bytes: &[u8]) -> Result<(), TestCaseError> {
    let name = parser.name();
    match timed(name, || parser.split(bytes))? {
        Ok(postings) => {
            prop_assert!(postings.len() <= bytes.len() / 2, "{name}: {postings:?}");
            for p in &postings {
                check_posting(name, p, bytes.len())?;
            }
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(!message.is_empty(), "{name}: {e:?}");
            prop_assert!(
                message.len() <= MAX_MESSAGE,
                "{name}: a message of {} bytes: {}…",
                message.len(),
                message.chars().take(300).collect::<String>()
            );
        }
    }
    Ok(())
}

fn check_posting(name: &str, p: &RawPosting, input: usize) -> Result<(), TestCaseError> {
    prop_assert!(!p.source_id.trim().is_empty(), "{name}: {p:?}");
    prop_assert!(p.payload.len() <= input, "{name}: {p:?}");
    prop_assert!(p.source_id.len() <= input.max(39), "{name}: {p:?}");
    prop_assert!(
        p.url.as_ref().is_none_or(|u| u.len() <= input),
        "{name}: {p:?}"
    );
    let raw = serde_json::from_str::<&RawValue>(&p.payload);
    prop_assert!(raw.is_ok(), "{name}: a payload that is not JSON: {p:?}");
    prop_assert!(p.payload.starts_with('{'), "{name}: not an object: {p:?}");
    prop_assert!(!p.payload.contains('\n'), "{name}: not one line: {p:?}");
    prop_assert!(
        json_too_deep(p.payload.as_bytes()).is_none(),
        "{name}: {p:?}"
    );
    Ok(())
}

fn parsers() -> impl Iterator<Item = &'static dyn SourceParser> {
    REGISTRY.iter().map(|kind| kind.parser)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn every_parser_takes_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2_048)) {
        for parser in parsers() {
            check(parser, &bytes)?;
        }
    }

    #[test]
    fn every_parser_takes_json_of_any_shape(value in json(), pretty in any::<bool>()) {
        let bytes = if pretty {
            serde_json::to_vec_pretty(&value)
        } else {
            serde_json::to_vec(&value)
        };
        let bytes = bytes.unwrap_or_default();
        for parser in parsers() {
            check(parser, &bytes)?;
        }
    }

    #[test]
    fn every_parser_takes_ndjson_of_any_values(
        values in proptest::collection::vec(json(), 0..6),
        blank in proptest::collection::vec(select(&["", " ", "\t", "\r"][..]), 6),
    ) {
        let mut bytes = Vec::new();
        for (value, pad) in values.iter().zip(blank) {
            bytes.extend(serde_json::to_vec(value).unwrap_or_default());
            bytes.extend(pad.as_bytes());
            bytes.push(b'\n');
        }
        for parser in parsers() {
            check(parser, &bytes)?;
        }
    }

    #[test]
    fn every_parser_takes_responses_with_wrong_fields((source, bytes) in response()) {
        // The source's own parser reaches its posting checks; the others must refuse cleanly.
        for parser in parsers() {
            check(parser, &bytes)?;
        }
        let name = SHAPES[source].0;
        prop_assert!(REGISTRY.iter().any(|kind| kind.name == name));
    }

    #[test]
    fn every_parser_takes_damaged_responses(
        bytes in response().prop_flat_map(|(_, bytes)| damaged(bytes))
    ) {
        for parser in parsers() {
            check(parser, &bytes)?;
        }
    }

    #[test]
    fn the_json_ld_parser_takes_any_page(bytes in page().prop_flat_map(damaged)) {
        for parser in parsers() {
            check(parser, &bytes)?;
        }
    }

    #[test]
    fn minify_keeps_any_json_value(value in json()) {
        let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
        let small = timed("minify", || minify(&pretty))?;
        prop_assert!(small.len() <= pretty.len());
        prop_assert_eq!(&small, &value.to_string());
    }
}

/// The bombs: each a different way of being huge.
#[derive(Debug, Clone, Copy)]
enum Bomb {
    /// Arrays nested this deep, alone.
    DeepArray(usize),
    /// Objects nested this deep inside a source's posting.
    DeepPosting(usize),
    /// A posting with a string of this many bytes.
    LongString(usize),
    /// An array of this many empty arrays.
    ManyElements(usize),
    /// A source's envelope of this many minimal postings.
    ManyPostings(usize),
    /// This many blank lines between two NDJSON lines.
    BlankLines(usize),
    /// A page of this many JSON-LD blocks.
    ManyBlocks(usize),
    /// Objects with 20 keys this long, as a response and as postings (names an error quotes).
    LongKeys(usize),
    /// A page of this many unclosed elements (of one of a few kinds) before a JSON-LD block.
    DeepHtml(usize, u8),
}

fn bomb() -> impl Strategy<Value = Bomb> {
    prop_oneof![
        (MAX_JSON_DEPTH + 1..=100_000).prop_map(Bomb::DeepArray),
        (MAX_JSON_DEPTH..=50_000).prop_map(Bomb::DeepPosting),
        (1usize..=2 << 20).prop_map(Bomb::LongString),
        (1usize..=200_000).prop_map(Bomb::ManyElements),
        (1usize..=10_000).prop_map(Bomb::ManyPostings),
        (1usize..=200_000).prop_map(Bomb::BlankLines),
        (1usize..=5_000).prop_map(Bomb::ManyBlocks),
        (1usize..=50_000).prop_map(Bomb::LongKeys),
        (1usize..=50_000, 0u8..6).prop_map(|(n, kind)| Bomb::DeepHtml(n, kind)),
    ]
}

/// The bomb's bytes, for the source of `SHAPES[shape]`.
fn explode(bomb: Bomb, shape: usize) -> Vec<u8> {
    let (_, envelope, required) = SHAPES[shape];
    let minimal = |i: usize| {
        let fields: Vec<String> = required
            .iter()
            .map(|key| match *key {
                "@type" => "\"@type\":\"JobPosting\"".to_string(),
                key => format!("\"{key}\":\"v{i}\""),
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    };
    let wrap = |postings: &str| match envelope {
        Some(key) => format!("{{\"{key}\":[{postings}]}}"),
        None => format!("[{postings}]"),
    };
    let text = match bomb {
        Bomb::DeepArray(n) => format!("{}{}", "[".repeat(n), "]".repeat(n)),
        Bomb::DeepPosting(n) => {
            let posting = minimal(0);
            let deep = format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
            wrap(&format!(
                "{},\"deep\":{deep}}}",
                &posting[..posting.len() - 1]
            ))
        }
        Bomb::LongString(n) => {
            let posting = minimal(0);
            let long = "é\\u00e9\\\"x".repeat(n / 12 + 1);
            wrap(&format!(
                "{},\"description\":\"{long}\"}}",
                &posting[..posting.len() - 1]
            ))
        }
        Bomb::ManyElements(n) => format!("[{}[]]", "[],".repeat(n)),
        Bomb::ManyPostings(n) => wrap(&(0..n).map(minimal).collect::<Vec<_>>().join(",")),
        Bomb::BlankLines(n) => format!("{}{}{}", minimal(1), "\n".repeat(n), minimal(2)),
        Bomb::LongKeys(n) => {
            let object = |kind: &str| {
                let keys: Vec<String> = (0..20)
                    .map(|i| format!("\"{}{i}\":1", "k".repeat(n)))
                    .collect();
                format!(
                    "{{\"@type\":\"{}\",{}}}",
                    kind.repeat(n / 10 + 1),
                    keys.join(",")
                )
            };
            // As the response, as a posting, and as JSON-LD objects of unknown @types.
            let types: Vec<String> = (0..20).map(|i| object(&format!("T{i}"))).collect();
            format!(
                "{}\n{}\n[{}]",
                object("A"),
                wrap(&object("B")),
                types.join(",")
            )
        }
        Bomb::DeepHtml(n, kind) => {
            let open = [
                "<div>",
                "<b>",
                "<b><i>",
                "<table><tr><td>",
                "<a href=x>",
                "<p><b>",
            ];
            let block = format!(
                "<script type=\"application/ld+json\">{}</script>",
                minimal(0)
            );
            format!(
                "<html><body>{}{block}</body></html>",
                open[usize::from(kind)].repeat(n)
            )
        }
        Bomb::ManyBlocks(n) => {
            let block = format!(
                "<script type=\"application/ld+json\">{}</script>",
                minimal(0)
            );
            format!("<html>{}</html>", block.repeat(n))
        }
    };
    text.into_bytes()
}

proptest! {
    // The bombs: megabytes each, so fewer cases.
    #![proptest_config(config(16))]

    #[test]
    fn every_parser_survives_json_bombs(bomb in bomb(), shape in 0..SHAPES.len()) {
        let bytes = explode(bomb, shape);
        for parser in parsers() {
            check(parser, &bytes)?;
        }
        // Nesting deeper than the limit is refused as such, by every parser.
        if matches!(bomb, Bomb::DeepArray(_) | Bomb::DeepPosting(_)) {
            for parser in parsers() {
                let refused = parser.split(&bytes);
                prop_assert!(
                    matches!(refused, Err(SourceError::TooDeep { limit: MAX_JSON_DEPTH, .. })),
                    "{}: {:?}", parser.name(), refused.map(|p| p.len())
                );
            }
        }
        // A source's own parser reads all its postings, however many.
        if let Bomb::ManyPostings(n) = bomb {
            let (name, _, _) = SHAPES[shape];
            let parser = joblake_sources::parser_for(name).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let postings = parser.split(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(postings.len(), n);
        }
    }
}

#[test]
fn a_100k_deep_array_and_a_huge_repeated_structure_are_refused_clearly() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    // A million empty arrays (3 MB): valid JSON, of no source's shape.
    let huge = format!("[{}[]]", "[],".repeat(1_000_000));
    for parser in parsers() {
        let started = Instant::now();
        let err = match parser.split(deep.as_bytes()) {
            Ok(p) => panic!("{}: {} postings from a JSON bomb", parser.name(), p.len()),
            Err(e) => e.to_string(),
        };
        assert!(
            err.starts_with("JSON nested more than 128 levels deep at line 1, column 129"),
            "{}: {err}",
            parser.name()
        );
        let err = match parser.split(huge.as_bytes()) {
            Ok(p) => panic!("{}: {} postings from empty arrays", parser.name(), p.len()),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("element 0 of the array") || err.contains("no schema.org JobPosting"),
            "{}: {err}",
            parser.name()
        );
        assert!(err.len() < 400, "{}: {err}", parser.name());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}: {:?}",
            parser.name(),
            started.elapsed()
        );
    }
}
