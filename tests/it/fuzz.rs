//! Hardened inputs of the lake: the bronze envelope reader (`bronze::decode`) under
//! property-based tests (proptest), the size limit of `joblake land`, and names that look like
//! paths, which must never write outside the lake.
//!
//! The reader's properties: whatever a bronze file holds (random bytes, gzipped or not,
//! envelopes with missing fields and wrong types, payloads nested 100,000 deep, lines of
//! megabytes), `decode` does not panic, returns within [`CASE_MS`], and gives one row per
//! non-blank line, each either a record or a `parse_error` of bounded length. Case counts are
//! set per property; `PROPTEST_CASES` overrides them for a longer local run.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use deltalake::arrow::array::{Array, AsArray, RecordBatch};
use joblake::bronze::ingest::LakeLanding;
use joblake::bronze::{self, BronzeFile};
use joblake::error::Error;
use joblake::lake::Lake;
use joblake::pipeline::{LandSettings, land_paths_with};
use joblake_sources::{Landing, MAX_JSON_DEPTH, RawPosting};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use crate::util::files_under;

/// Longest time one decode may take, in milliseconds (debug build, a loaded 2-core machine).
const CASE_MS: u64 = 3_000;

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

fn file(name: &str) -> BronzeFile {
    BronzeFile {
        path: object_store::path::Path::from(name),
        relative: name.to_string(),
        source: "adzuna".to_string(),
        ingest_date: None,
        size: 0,
        modified: 0,
        e_tag: None,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}

/// Lines that hold something other than whitespace: the rows a bronze file must give.
fn records(text: &[u8]) -> usize {
    text.split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .count()
}

/// Decodes `bytes` as a plain and as a gzipped bronze file and checks what came out.
fn check(text: &[u8]) -> Result<(), TestCaseError> {
    let plain = timed(|| bronze::decode(&file("bronze/adzuna/x.ndjson"), text))?;
    let gz = gzip(text);
    let zipped = timed(|| bronze::decode(&file("bronze/adzuna/x.ndjson.gz"), &gz))?;
    // Random bytes named .gz: refused as such, or read (they may be gzip by chance).
    let raw_gz = timed(|| bronze::decode(&file("bronze/adzuna/y.ndjson.gz"), text))?;
    if let Err(e) = &raw_gz {
        prop_assert!(e.to_string().contains("cannot decompress"), "{e}");
    }
    let plain = plain.map_err(|e| TestCaseError::fail(format!("plain: {e}")))?;
    let zipped = zipped.map_err(|e| TestCaseError::fail(format!("gzipped: {e}")))?;
    prop_assert_eq!(plain.num_rows(), records(text));
    // The same rows whether gzipped or not (all but the column naming the file).
    for column in [1, 2, 3, 4, 5, 8, 9] {
        prop_assert_eq!(
            plain.column(column),
            zipped.column(column),
            "column {}",
            column
        );
    }
    check_batch(&plain, text.len())
}

fn timed<T>(f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    prop_assert!(
        took <= Duration::from_millis(CASE_MS),
        "decode took {took:?}"
    );
    Ok(out)
}

/// Every row is a record (a payload that is JSON, not nested too deep) or a short error.
fn check_batch(batch: &RecordBatch, input: usize) -> Result<(), TestCaseError> {
    let payload = batch.column(5).as_string::<i32>();
    let error = batch.column(9).as_string::<i32>();
    let mut total = 0;
    for row in 0..batch.num_rows() {
        prop_assert!(payload.is_null(row) != error.is_null(row), "row {row}");
        if !payload.is_null(row) {
            let p = payload.value(row);
            total += p.len();
            prop_assert!(serde_json::from_str::<&serde_json::value::RawValue>(p).is_ok());
            prop_assert!(joblake_sources::json_too_deep(p.as_bytes()).is_none());
        } else {
            prop_assert!(error.value(row).len() <= 310, "{}", error.value(row));
        }
    }
    prop_assert!(total <= input);
    Ok(())
}

/// Any JSON value, up to 5 levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        ".{0,24}".prop_map(Value::String),
        select(&["2026-10-01T12:00:00Z", "2026-13-01", "", "adzuna"][..]).prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An envelope line: each field present or not, of its type or of any other.
fn envelope() -> impl Strategy<Value = String> {
    const FIELDS: [&str; 6] = [
        "source",
        "source_id",
        "fetched_at",
        "url",
        "run_id",
        "payload",
    ];
    (
        proptest::collection::vec((0u8..4, json()), FIELDS.len()),
        prop_oneof![json(), Just(serde_json::json!({"id": 1}))],
    )
        .prop_map(|(fields, payload)| {
            let mut object = serde_json::Map::new();
            for (name, (dice, value)) in FIELDS.iter().zip(fields) {
                let good = match *name {
                    "fetched_at" => Value::from("2026-10-01T12:00:00Z"),
                    "payload" => payload.clone(),
                    other => Value::from(format!("{other}-1")),
                };
                match dice {
                    0 => {}
                    1 => {
                        object.insert(name.to_string(), value);
                    }
                    _ => {
                        object.insert(name.to_string(), good);
                    }
                }
            }
            Value::Object(object).to_string()
        })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_envelope_reader_takes_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2_048)) {
        check(&bytes)?;
    }

    #[test]
    fn the_envelope_reader_takes_envelopes_of_any_shape(
        lines in proptest::collection::vec(envelope(), 0..12),
        ends in proptest::collection::vec(select(&["\n", "\r\n", "\n\n", " \n"][..]), 12),
    ) {
        let mut text = String::new();
        for (line, end) in lines.iter().zip(ends) {
            text.push_str(line);
            text.push_str(end);
        }
        check(text.as_bytes())?;
    }

    #[test]
    fn the_envelope_reader_keeps_well_formed_envelopes_verbatim(
        // (A null payload is no payload: a parse error.)
        payloads in proptest::collection::vec(json().prop_filter("a payload", |v| !v.is_null()), 1..8)
    ) {
        let lines: Vec<String> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{{\"source\":\"adzuna\",\"source_id\":\"{i}\",\"fetched_at\":\"2026-10-01T12:00:00Z\",\"payload\":{p}}}"
                )
            })
            .collect();
        let text = lines.join("\n");
        let batch = bronze::decode(&file("bronze/adzuna/x.ndjson"), text.as_bytes())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(batch.num_rows(), payloads.len());
        let payload = batch.column(5).as_string::<i32>();
        let ids = batch.column(1).as_string::<i32>();
        for (i, p) in payloads.iter().enumerate() {
            prop_assert_eq!(payload.value(i), p.to_string());
            prop_assert_eq!(ids.value(i), i.to_string());
        }
    }
}

/// A bomb in a bronze file: a payload this deep, or a line of this many elements.
#[derive(Debug, Clone, Copy)]
enum Bomb {
    Deep(usize),
    Wide(usize),
    LongString(usize),
}

proptest! {
    // Lines of megabytes: fewer cases.
    #![proptest_config(config(16))]

    #[test]
    fn the_envelope_reader_survives_bombs(
        bomb in prop_oneof![
            (MAX_JSON_DEPTH..=100_000).prop_map(Bomb::Deep),
            (1usize..=1_000_000).prop_map(Bomb::Wide),
            (1usize..=8 << 20).prop_map(Bomb::LongString),
        ]
    ) {
        let payload = match bomb {
            Bomb::Deep(n) => format!("{}{}", "[".repeat(n), "]".repeat(n)),
            Bomb::Wide(n) => format!("[{}[]]", "[],".repeat(n)),
            Bomb::LongString(n) => format!("\"{}\"", "é\\\"".repeat(n / 4 + 1)),
        };
        let text = format!("{{\"source_id\":\"1\",\"payload\":{payload}}}\n");
        check(text.as_bytes())?;
        let batch = bronze::decode(&file("bronze/adzuna/x.ndjson"), text.as_bytes())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let error = batch.column(9).as_string::<i32>();
        match bomb {
            Bomb::Deep(n) if n > MAX_JSON_DEPTH => {
                prop_assert!(error.value(0).starts_with("payload nested more than 128 levels deep"));
            }
            _ => prop_assert!(error.is_null(0), "{}", error.value(0)),
        }
    }
}

#[test]
fn a_100k_deep_payload_and_a_huge_repeated_one_are_read_without_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = format!("[{}[]]", "[],".repeat(4_000_000));
    let text = format!(
        "{{\"source_id\":\"1\",\"payload\":{deep}}}\n{{\"source_id\":\"2\",\"payload\":{huge}}}\n"
    );
    let started = Instant::now();
    let batch = bronze::decode(&file("bronze/adzuna/x.ndjson.gz"), &gzip(text.as_bytes()))
        .expect("decoded");
    assert!(started.elapsed() < Duration::from_secs(30));
    let error = batch.column(9).as_string::<i32>();
    assert_eq!(
        error.value(0),
        "payload nested more than 128 levels deep (at byte 128 of the payload)"
    );
    assert!(error.is_null(1));
    assert_eq!(
        batch.column(5).as_string::<i32>().value(1).len(),
        huge.len()
    );
}

#[test]
fn no_json_entry_point_lifts_serde_json_s_depth_limit() {
    // serde_json refuses more than 128 levels when it builds values, unless told otherwise
    // (`disable_recursion_limit`, the `unbounded_depth` feature): nothing here may.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = ["src", "crates", "tests"]
        .iter()
        .flat_map(|dir| files_under(&root.join(dir)))
        .filter(|path| path.extension().is_some_and(|e| e == "rs" || e == "toml"))
        .collect();
    files.push(root.join("Cargo.toml"));
    assert!(files.len() > 50, "{} files", files.len());
    let this = Path::new(file!()).file_name();
    for path in files {
        if path.file_name() == this {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for banned in ["disable_recursion_limit", "unbounded_depth"] {
            assert!(!text.contains(banned), "{} uses {banned}", path.display());
        }
    }
}

/// A lake in `dir/lake`, so that anything written beside it shows.
fn lake_in(dir: &Path) -> Lake {
    let root = dir.join("lake");
    std::fs::create_dir_all(&root).expect("lake dir");
    Lake::open(&root.to_string_lossy(), Default::default()).expect("lake opens")
}

/// Every file under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = files_under(dir)
        .iter()
        .filter_map(|path| path.strip_prefix(dir).ok())
        .map(|rel| rel.display().to_string())
        .collect();
    files.sort();
    files
}

const PATHS: [&str; 10] = [
    "../escape",
    "..",
    ".",
    "a/b",
    "/tmp/abs",
    "..\\escape",
    "a\0b",
    "",
    "bronze/../../x",
    "C:\\x",
];

#[tokio::test]
async fn names_that_look_like_paths_never_write_outside_the_lake() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = lake_in(dir.path());
    let posting = RawPosting {
        source_id: "1".into(),
        url: None,
        payload: "{\"id\":1}".into(),
    };
    let at = chrono::Utc::now();
    for name in PATHS {
        // As a source name and as a run id of a bronze file.
        let err = bronze::write_postings(&lake, name, [(&posting, at)], "run-1", 0)
            .await
            .expect_err(name);
        assert!(
            matches!(&err, Error::UnsafeName { what, .. } if what == "source name"),
            "{name:?}: {err}"
        );
        assert!(
            err.to_string().starts_with(&format!(
                "source name {name:?} cannot be used in a lake path: "
            )),
            "{err}"
        );
        let err = bronze::write_postings(&lake, "adzuna", [(&posting, at)], name, 0)
            .await
            .expect_err(name);
        assert!(
            matches!(&err, Error::UnsafeName { what, .. } if what == "run id"),
            "{name:?}: {err}"
        );
        // As the name of a source's saved state.
        let landing = LakeLanding::new(&lake);
        let err = landing
            .save_state(name, b"{}".to_vec())
            .await
            .expect_err(name);
        assert!(
            err.to_string().contains("cannot be used in a lake path"),
            "{err}"
        );
        assert!(landing.load_state(name).await.is_err(), "{name:?}");
        // As a parser's name: not a source.
        let err = bronze::land_raw(&lake, name, "x.json", b"[]", "run-1", 0)
            .await
            .expect_err(name);
        assert!(matches!(err, Error::Source { .. }), "{name:?}: {err}");
    }
    // As a `[sources.<name>]` table: refused before anything runs.
    for name in ["../escape", "a/b", "..", "a\\b"] {
        let declared = std::collections::BTreeMap::from([(
            name.to_string(),
            serde_json::json!({"kind": "remotive", "base_url": "http://127.0.0.1:9"}),
        )]);
        let err =
            bronze::ingest::ingest(&lake, &Default::default(), &declared, &Default::default())
                .await
                .expect_err(name);
        assert!(
            err.to_string().contains("not a usable source name"),
            "{name:?}: {err}"
        );
    }
    // A file whose name looks like a path lands under a name of joblake's making.
    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("sub")).expect("dir");
    let odd = files.join("sub").join("..").join("..evil.json");
    std::fs::write(
        &odd,
        r#"{"results":[{"id":"1","redirect_url":"https://x.test/1"}]}"#,
    )
    .expect("write");
    let report = land_paths_with(&lake, "adzuna", &[&odd], &LandSettings::default())
        .await
        .expect("landed");
    assert_eq!(report.records(), 1, "{report:?}");
    let beside: Vec<String> = tree(dir.path())
        .into_iter()
        .filter(|f| !f.starts_with("lake/") && !f.starts_with("files/"))
        .collect();
    assert!(beside.is_empty(), "written outside the lake: {beside:?}");
    let bronze = tree(&dir.path().join("lake"));
    assert!(
        bronze
            .iter()
            .all(|f| f.starts_with("bronze/adzuna/ingest_date=")
                || f.starts_with("_meta/landed/adzuna/")
                || f == bronze::line_cache::PATH),
        "{bronze:?}"
    );
}

/// A lake whose paths are computed, never written.
static PATHS_LAKE: std::sync::LazyLock<Lake> = std::sync::LazyLock::new(|| {
    let dir = std::env::temp_dir().join("joblake-fuzz-paths");
    std::fs::create_dir_all(&dir).expect("temp dir");
    Lake::open(&dir.to_string_lossy(), Default::default()).expect("lake opens")
});

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn lake_paths_stay_under_the_lake_root(relative in "[./\\\\a-z\\x00 ]{0,24}", name in ".{0,16}") {
        let lake = &*PATHS_LAKE;
        let root = lake.path("");
        let path = lake.path(&relative);
        prop_assert!(path.as_ref().starts_with(root.as_ref()), "{relative:?} -> {path}");
        prop_assert!(!path.parts().any(|p| p.as_ref() == ".."), "{relative:?} -> {path}");
        // A name that passes the check is one plain segment.
        if bronze::path_segment("source name", &name).is_ok() {
            let p = lake.path(&format!("bronze/{name}/x"));
            prop_assert_eq!(lake.relative(&p), format!("bronze/{name}/x"));
        }
    }
}

#[tokio::test]
async fn landed_files_larger_than_the_limit_are_refused_naming_file_and_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = lake_in(dir.path());
    let body = r#"{"results":[{"id":"1","redirect_url":"https://x.test/1"}]}"#;
    let small = dir.path().join("small.json");
    std::fs::write(&small, body).expect("write");
    let big = dir.path().join("big.json");
    std::fs::write(&big, format!("{body}{}", " ".repeat(100))).expect("write");
    let settings = LandSettings {
        max_file_bytes: body.len() as u64,
    };
    let report = land_paths_with(&lake, "adzuna", &[&small, &big], &settings)
        .await
        .expect("land");
    assert_eq!(report.records(), 1, "{report:?}");
    assert_eq!(
        report.refused,
        [(
            big.display().to_string(),
            format!(
                "{} bytes, more than the limit of {} bytes ([land] max_file_bytes)",
                body.len() + 100,
                body.len()
            )
        )]
    );
    // A device without a size: the read stops past the limit.
    if Path::new("/dev/zero").exists() {
        let started = Instant::now();
        let report = land_paths_with(&lake, "adzuna", &["/dev/zero"], &settings)
            .await
            .expect("land");
        assert_eq!(
            report.refused,
            [(
                "/dev/zero".to_string(),
                format!(
                    "the file holds more than the limit of {} bytes ([land] max_file_bytes)",
                    body.len()
                )
            )]
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    // Typed, for callers that read files themselves.
    let err = joblake::pipeline::read_raw_file(&big, 10).expect_err("too large");
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: {} bytes, more than the limit of 10 bytes ([land] max_file_bytes)",
            big.display(),
            body.len() + 100
        )
    );
}

#[test]
fn joblake_land_refuses_a_file_over_the_configured_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("joblake.toml");
    std::fs::write(&config, "[land]\nmax_file_bytes = 100\n").expect("config");
    let big = dir.path().join("page.json");
    std::fs::write(
        &big,
        format!(
            r#"{{"results":[{{"id":"1","redirect_url":"https://x.test/1"}}]}}{}"#,
            " ".repeat(200)
        ),
    )
    .expect("write");
    let out = assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .env("JOBLAKE_LAKE", dir.path().join("lake"))
        .env("JOBLAKE_CONFIG", &config)
        .env_remove("RUST_LOG")
        .current_dir(dir.path())
        .args(["land", "--source", "adzuna"])
        .arg(&big)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!(
            "refused {}: 258 bytes, more than the limit of 100 bytes ([land] max_file_bytes)",
            big.display()
        )),
        "{stderr}"
    );
}
