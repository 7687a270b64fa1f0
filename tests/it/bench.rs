//! The benchmark's smoke run: `joblake bench` at a small N, without the Python peers (the
//! full comparison is run by hand: docs/performance.md). Checks that every stage runs and
//! reports figures that hold together.

use crate::util::temp_lake;

#[test]
fn a_small_bench_reports_every_stage_and_the_queries() {
    let t = temp_lake();
    let out = assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .env("TMPDIR", t.dir.path())
        .env_remove("RUST_LOG")
        .args([
            "bench",
            "--postings",
            "1500",
            "--peers",
            "none",
            "--query-runs",
            "1",
            "--json",
        ])
        .assert()
        .success();
    let bench: serde_json::Value =
        serde_json::from_slice(&out.get_output().stdout).expect("JSON report");
    let landed = bench["landed"].as_u64().expect("landed");
    assert!(
        (1200..=1800).contains(&landed),
        "{landed} postings for 1500 asked"
    );
    let stages = bench["stages"].as_array().expect("stages");
    let stage = |prefix: &str| {
        stages
            .iter()
            .find(|s| s["stage"].as_str().is_some_and(|n| n.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no stage {prefix}: {bench:#}"))
    };
    assert_eq!(stage("land")["rows"].as_u64(), Some(landed));
    for name in [
        "land",
        "refresh --full: silver",
        "refresh --full: gold",
        "refresh (incremental",
        "mirror",
    ] {
        let s = stage(name);
        assert!(s["seconds"].as_f64().is_some_and(|x| x > 0.0), "{s}");
        assert!(s["rows"].as_u64().is_some_and(|x| x > 0), "{s}");
        assert!(
            s["peak_memory_bytes"].as_u64().is_some_and(|x| x > 0),
            "{s}"
        );
    }
    // 1% more postings: about 15.
    let added = stage("refresh (incremental")["rows"]
        .as_u64()
        .expect("rows");
    assert!((5..=40).contains(&added), "{added}");
    assert!(bench["deduplicated"].as_u64().expect("dedup") < landed);
    let queries = bench["queries"].as_array().expect("queries");
    assert!(queries.len() >= 6);
    for q in queries {
        assert!(
            q["rows"].as_u64().is_some_and(|r| r > 0),
            "an empty answer: {q}"
        );
    }
    // The scratch lake is removed unless --keep.
    let left: Vec<_> = std::fs::read_dir(t.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("joblake-bench-")
        })
        .collect();
    assert!(left.is_empty());
}
