//! The `joblake` binary as a user runs it: demo (a logged run), sql, tables, land, refresh.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::util::temp_lake;

fn joblake(lake: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("joblake").expect("binary built");
    cmd.env("JOBLAKE_LAKE", lake).env_remove("RUST_LOG");
    cmd
}

fn summary_count(stdout: &str, table: &str) -> i64 {
    // The last mention is the table listing (`table ┆ rows ┆ version ...`).
    stdout
        .lines()
        .rfind(|l| l.starts_with('│') && l.contains(&format!(" {table} ")))
        .and_then(|l| l.split('┆').nth(1))
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or_else(|| panic!("no row count for {table} in\n{stdout}"))
}

#[test]
fn demo_then_sql_answers_the_count_the_summary_gave() {
    let t = temp_lake();
    let out = joblake(t.dir.path())
        .args(["demo", "--jobs", "150", "--anchor", "2026-10-01"])
        .assert()
        .success()
        .stdout(predicate::str::contains("silver.job_postings"))
        .stdout(predicate::str::contains("Try:"))
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8_lossy(&out);
    let summary = summary_count(&stdout, "silver.job_postings");
    assert!(summary > 0);
    // The demo ends with a mirror into the SQLite warehouse beside the lake.
    assert!(
        stdout.contains("The warehouse for BI tools is sqlite://"),
        "{stdout}"
    );
    assert!(t.dir.path().join("warehouse.db").is_file());

    let out = joblake(t.dir.path())
        .args([
            "sql",
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n FROM silver.job_postings",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&out), format!("n\n{summary}\n"));

    // Running the demo again lands nothing new and changes no count.
    let again = joblake(t.dir.path())
        .args(["demo", "--jobs", "150", "--anchor", "2026-10-01"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let again = String::from_utf8_lossy(&again);
    assert!(again.contains("Nothing new in bronze"), "{again}");
    let mirrored = joblake::project::mirrored(&joblake::project::Project::embedded())
        .expect("mirrored tables")
        .len();
    assert!(
        again.contains(&format!("{mirrored} unchanged")),
        "the mirror reloaded tables: {again}"
    );
    assert_eq!(summary_count(&again, "silver.job_postings"), summary);

    joblake(t.dir.path())
        .arg("tables")
        .assert()
        .success()
        .stdout(predicate::str::contains("gold.fact_job_posting"))
        .stdout(predicate::str::contains("bronze.adzuna"));
    joblake(t.dir.path())
        .args([
            "sql",
            "--format",
            "json",
            "-c",
            "SELECT job_family FROM gold.dim_job_family WHERE job_family = 'data_engineer'",
        ])
        .assert()
        .success()
        .stdout("[{\"job_family\":\"data_engineer\"}]\n");
    joblake(t.dir.path())
        .args(["sql", "--format", "csv"])
        .write_stdin("SELECT count(*) AS n FROM gold.fact_job_posting;\nSELECT 1 AS one;\n")
        .assert()
        .success()
        .stdout(format!("n\n{summary}\none\n1\n"));
    joblake(t.dir.path())
        .arg("test")
        .assert()
        .success()
        .stdout(predicate::str::contains(" 0 failed"));
}

/// The rows of a query, as CSV without the header.
fn csv(lake: &std::path::Path, sql: &str) -> String {
    let out = joblake(lake)
        .args(["sql", "--format", "csv", "-c", sql])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out).to_string();
    text.split_once('\n')
        .map(|(_, rows)| rows.to_string())
        .unwrap_or_default()
}

#[test]
fn the_demo_is_a_run_logged_like_any_other() {
    let t = temp_lake();
    let demo = || {
        let out = joblake(t.dir.path())
            .args(["demo", "--jobs", "40", "--anchor", "2026-10-01"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Demo lake ready"))
            .get_output()
            .stdout
            .clone();
        String::from_utf8_lossy(&out).to_string()
    };
    // Each step's report is printed as the single command prints it.
    let first = demo();
    for report in [
        "Bronze\n",
        "Refresh (incremental)",
        "Data tests: ",
        "Warehouse sqlite://",
    ] {
        assert!(first.contains(report), "no {report:?} in\n{first}");
    }
    let runs = csv(
        t.dir.path(),
        "SELECT job, trigger, status, run_id FROM meta.runs",
    );
    let fields: Vec<&str> = runs.trim().split(',').collect();
    assert_eq!(fields[..3], ["demo", "manual", "succeeded"], "{runs}");
    let run_id = fields[3];
    assert_eq!(
        csv(
            t.dir.path(),
            "SELECT step, status FROM meta.run_steps ORDER BY position"
        ),
        "demo,succeeded\nrefresh,succeeded\ntest,succeeded\nquality,succeeded\nmirror,succeeded\n"
    );
    // The demo step landed the sample under the run's own id.
    assert_eq!(
        csv(t.dir.path(), "SELECT DISTINCT run_id FROM bronze.envelopes"),
        format!("{run_id}\n")
    );
    let landed = |run: &str| {
        csv(
            t.dir.path(),
            &format!(
                "SELECT rows_out FROM meta.run_steps WHERE run_id = '{run}' AND step = 'demo'"
            ),
        )
    };
    assert_ne!(landed(run_id), "0\n", "the first demo landed postings");

    // A second demo is a second run, which lands nothing.
    let again = demo();
    assert!(again.contains("Nothing new in bronze"), "{again}");
    let second = csv(
        t.dir.path(),
        &format!(
            "SELECT run_id FROM meta.runs WHERE job = 'demo' AND status = 'succeeded' AND run_id <> '{run_id}'"
        ),
    );
    assert_eq!(second.lines().count(), 1, "{second}");
    assert_eq!(landed(second.trim()), "0\n");
}

#[test]
fn sql_errors_name_the_problem_and_writes_are_refused() {
    let t = temp_lake();
    joblake(t.dir.path())
        .args(["sql", "-c", "SELECT * FROM silver.nope"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("silver.nope"));
    joblake(t.dir.path())
        .args(["sql", "-c", "CREATE TABLE t AS SELECT 1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("DDL not supported"));
}

#[test]
fn land_refuses_invalid_files_by_name_and_keeps_the_good_ones() {
    let t = temp_lake();
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, b"{\"results\": [ {\"id\": 1, ").expect("write");
    let good = dir.path().join("remotive.json");
    std::fs::write(
        &good,
        br#"{"job-count": 1, "jobs": [{"id": 7, "url": "https://example.org/7", "title": "Data Analyst", "company_name": "Acme", "description": "SQL", "publication_date": "2026-09-01T10:00:00", "candidate_required_location": "Worldwide"}]}"#,
    )
    .expect("write");
    joblake(t.dir.path())
        .args(["land", "--source", "adzuna"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains("broken.json"));
    joblake(t.dir.path())
        .args(["land", "--source", "remotive"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 postings"));
    // Nothing half-written: only the good file reached bronze.
    let bronze: Vec<_> = walk(&t.dir.path().join("bronze"));
    assert_eq!(bronze.len(), 1, "{bronze:?}");
    joblake(t.dir.path())
        .args(["land", "--source", "remotive"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("already landed"));
    joblake(t.dir.path())
        .arg("refresh")
        .assert()
        .success()
        .stdout(predicate::str::contains("0 failed"));
    joblake(t.dir.path())
        .args([
            "sql",
            "--format",
            "csv",
            "-c",
            "SELECT title, company FROM silver.job_postings",
        ])
        .assert()
        .success()
        .stdout("title,company\nData Analyst,Acme\n");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn under_a_memory_limit_a_big_sort_spills_to_disk_and_gives_the_same_answer() {
    let t = temp_lake();
    joblake(t.dir.path())
        .args(["demo", "--jobs", "3000", "--anchor", "2026-10-01"])
        .assert()
        .success();
    let spill_dir = tempfile::tempdir().expect("temp dir");
    let limited = |mb: u64| {
        let config = t.dir.path().join(format!("limit-{mb}.toml"));
        std::fs::write(
            &config,
            format!(
                "[engine]\nmemory_limit_mb = {mb}\nspill_dir = \"{}\"\n",
                spill_dir.path().display()
            ),
        )
        .expect("config written");
        config
    };
    // Every record with its description, sixteen times over: about 70 MB to sort, in one
    // partition. A sort keeps 10 MiB aside to merge its spill files; 32 MiB leaves it about
    // 20 MiB, so it has to spill several times.
    let sorted = "SELECT bronze_file, bronze_line, copy FROM silver.posting_records \
                  CROSS JOIN (SELECT * FROM unnest(range(16))) AS copies(copy) \
                  ORDER BY description, bronze_file, bronze_line, copy";
    let run = |config: Option<&std::path::Path>, sql: &str| {
        let mut cmd = joblake(t.dir.path());
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd.args(["sql", "--format", "csv"])
            .args([
                "-c",
                "SET datafusion.execution.target_partitions = 1",
                "-c",
                sql,
            ])
            .assert()
    };
    let stdout = |a: assert_cmd::assert::Assert| {
        String::from_utf8_lossy(&a.success().get_output().stdout).to_string()
    };
    let unlimited = stdout(run(None, sorted));
    let spilled = stdout(run(Some(&limited(32)), sorted));
    assert!(unlimited.lines().count() > 50_000, "{}", unlimited.len());
    assert_eq!(spilled, unlimited, "same rows in the same order");

    let spill_count = |plan: &str| -> u64 {
        plan.split("spill_count=")
            .skip(1)
            .filter_map(|s| {
                s.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .sum()
    };
    let explain = format!("EXPLAIN ANALYZE {sorted}");
    let plan = stdout(run(Some(&limited(32)), &explain));
    assert!(spill_count(&plan) > 0, "the sort spilled:\n{plan}");
    let plan = stdout(run(None, &explain));
    assert_eq!(spill_count(&plan), 0, "no spill without a limit:\n{plan}");

    // Below what the sort needs at all, the query fails and says why.
    run(Some(&limited(1)), sorted)
        .failure()
        .stderr(predicate::str::contains("Resources exhausted"));
}

#[test]
fn under_a_tight_memory_limit_a_grouped_aggregate_on_two_partitions_completes() {
    // The query of apache/datafusion#24883: under a memory limit, a repartition that spills
    // from two inputs at once waited forever in DataFusion 55.2 (every run here hung before
    // src/engine/memory.rs kept repartition buffers outside the limit). A healthy run takes
    // well under a second; the timeout turns a hang into a failure.
    let t = temp_lake();
    let config = t.dir.path().join("limit-2.toml");
    std::fs::write(&config, "[engine]\nmemory_limit_mb = 2\n").expect("config written");
    let mut cmd = joblake(t.dir.path());
    cmd.arg("--config").arg(&config).args([
        "sql",
        "--allow-writes",
        "--format",
        "csv",
        "-c",
        "SET datafusion.execution.target_partitions = 2",
        "-c",
        "SET datafusion.execution.batch_size = 64",
        "-c",
        "CREATE TABLE t AS SELECT v % 13 AS g, md5(CAST(v % 337 AS VARCHAR)) AS trace_id \
         FROM generate_series(1, 40000) AS s(v)",
    ]);
    for _ in 0..6 {
        cmd.args([
            "-c",
            "SELECT g, count(DISTINCT trace_id) AS n FROM t GROUP BY g ORDER BY g LIMIT 13",
        ]);
    }
    let out = cmd
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    // Each of the six answers: 13 groups of 337 distinct values.
    assert_eq!(out.matches("\n0,337\n").count(), 6, "{out}");
    assert_eq!(out.matches(",337\n").count(), 6 * 13, "{out}");
}
