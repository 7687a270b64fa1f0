//! The dashboard: its data equals the lake's own numbers (gold and silver queries on the demo
//! lake), the page is one file that works offline, an empty lake says so, `joblake serve`
//! serves it and rebuilds it after a refresh, and the page passes the browser test in a real
//! Chromium (`tests/browser/dashboard.test.mjs`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use joblake::dashboard;
use joblake::pipeline::land_demo;
use joblake::project::Project;

use crate::util::*;

/// Sums `values` by the label `dims[index]` of each row.
fn totals(dims: &[String], index: &[u32], values: &[i64]) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for (i, v) in index.iter().zip(values) {
        *out.entry(dims[*i as usize].clone()).or_default() += v;
    }
    out
}

/// A two-column query (label, count) as a map.
async fn by_label(lake: &joblake::lake::Lake, sql: &str) -> HashMap<String, i64> {
    use deltalake::arrow::array::{Array, AsArray};
    use deltalake::arrow::compute::cast;
    use deltalake::arrow::datatypes::{DataType, Int64Type};
    let mut out = HashMap::new();
    for b in query(lake, sql).await {
        let k = cast(b.column(0), &DataType::Utf8).expect("text");
        let v = cast(b.column(1), &DataType::Int64).expect("int");
        let (k, v) = (k.as_string::<i32>(), v.as_primitive::<Int64Type>());
        for i in 0..b.num_rows() {
            let key = if k.is_null(i) {
                String::new()
            } else {
                k.value(i).to_string()
            };
            out.insert(key, v.value(i));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cube_holds_the_lakes_numbers() {
    let t = temp_lake();
    land_demo(&t.lake, &small_demo(600))
        .await
        .expect("demo lands");
    run_refresh(&t.lake, false).await;
    let d = dashboard::data::build(&t.lake, &Project::embedded())
        .await
        .expect("data");
    let lake = &t.lake;

    let postings = query_i64(lake, "SELECT count(*) FROM silver.job_postings").await;
    assert!(postings > 400 && !d.meta.empty);
    assert_eq!(d.meta.postings as i64, postings);
    assert_eq!(d.cells.postings.iter().sum::<i64>(), postings);

    // Postings over time, by family and by source: the star schema (one fact per posting).
    let by_family = by_label(
        lake,
        "SELECT j.job_family, count(*) FROM gold.fact_job_posting f \
         JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key GROUP BY j.job_family",
    )
    .await;
    assert_eq!(
        totals(&d.dims.family, &d.cells.family, &d.cells.postings),
        by_family
    );
    let by_source = by_label(
        lake,
        "SELECT s.source, count(*) FROM gold.fact_job_posting f \
         JOIN gold.dim_source s ON s.source_key = f.source_key GROUP BY s.source",
    )
    .await;
    assert_eq!(
        totals(&d.dims.source, &d.cells.source, &d.cells.postings),
        by_source
    );
    let by_month = by_label(
        lake,
        "SELECT posted_month, count(*) FROM gold.fact_job_posting GROUP BY posted_month",
    )
    .await;
    let mut months = totals(&d.dims.month, &d.cells.month, &d.cells.postings);
    months.retain(|_, v| *v > 0);
    assert_eq!(months, by_month);
    let remote = query_i64(
        lake,
        "SELECT count(*) FROM gold.fact_job_posting WHERE remote",
    )
    .await;
    let remote_cells: i64 = (0..d.cells.remote.len())
        .filter(|&i| d.cells.remote[i] == 1)
        .map(|i| d.cells.postings[i])
        .sum();
    assert_eq!(remote_cells, remote);

    // Salaries: the histogram holds every comparable salary of the fact table, each once.
    let salaried = query_i64(
        lake,
        "SELECT count(*) FROM gold.fact_job_posting WHERE salary_annual_mid_eur IS NOT NULL AND NOT salary_predicted",
    )
    .await;
    assert!(salaried > 0);
    assert_eq!(d.cells.salaried.iter().sum::<i64>(), salaried);
    assert_eq!(d.salary.n.iter().sum::<i64>(), salaried);
    let median = query_i64(
        lake,
        "SELECT CAST(floor(median(salary_annual_mid_eur) / 1000) AS BIGINT) FROM gold.fact_job_posting WHERE salary_annual_mid_eur IS NOT NULL AND NOT salary_predicted",
    )
    .await;
    // The median's bin, read from the histogram as the page does.
    let mut bins: Vec<(i64, i64)> = d
        .salary
        .bin
        .iter()
        .copied()
        .zip(d.salary.n.iter().copied())
        .collect();
    bins.sort();
    let (mut seen, half) = (0, (salaried + 1) / 2);
    let median_bin = bins
        .iter()
        .find(|(_, n)| {
            seen += n;
            seen >= half
        })
        .map(|(b, _)| *b);
    assert!(
        median_bin.is_some_and(|b| (b - median).abs() <= 1),
        "{median_bin:?} vs {median}"
    );

    // Skills: gold.agg_skill_demand_monthly.
    let skills = by_label(
        lake,
        "SELECT skill, sum(postings) FROM gold.agg_skill_demand_monthly GROUP BY skill",
    )
    .await;
    assert_eq!(
        totals(&d.skills.names, &d.skills.skill, &d.skills.n),
        skills
    );

    // Opened and closed: gold.agg_postings_lifecycle_monthly.
    let opened = query_i64(
        lake,
        "SELECT sum(opened) FROM gold.agg_postings_lifecycle_monthly",
    )
    .await;
    assert_eq!(d.lifecycle.opened.iter().sum::<i64>(), opened);

    // French postings by département, and the top companies.
    let deps = by_label(
        lake,
        "SELECT departement, count(*) FROM silver.job_postings WHERE country = 'FR' AND departement IS NOT NULL GROUP BY 1",
    )
    .await;
    assert!(!deps.is_empty());
    assert_eq!(
        totals(
            &d.departements.codes,
            &d.departements.dep,
            &d.departements.n
        ),
        deps
    );
    let companies = by_label(
        lake,
        "SELECT company, count(*) FROM silver.job_postings GROUP BY company",
    )
    .await;
    assert_eq!(d.companies.total as usize, companies.len());
    for (name, n) in totals(&d.companies.names, &d.companies.company, &d.companies.n) {
        assert_eq!(companies.get(&name), Some(&n), "{name}");
    }

    // The posting list: the newest first, each in a cell.
    assert!(!d.postings.title.is_empty());
    assert!(d.postings.date.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(d.postings.cell.len(), d.postings.title.len());
    // No model trained: no estimate anywhere (tests/it/model.rs checks them with one).
    assert!(d.postings.salary_estimate_eur.iter().all(Option::is_none));
}

#[test]
fn an_empty_lake_gives_a_page_that_says_so() {
    let t = temp_lake();
    let out = t.dir.path().join("empty.html");
    let joblake = assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .args([
            "--lake",
            &t.dir.path().join("lake").to_string_lossy(),
            "dashboard",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    drop(joblake);
    let page = std::fs::read_to_string(&out).expect("page");
    assert!(
        page.contains(r#""empty":true"#),
        "the data says the lake is empty"
    );
    for key in dashboard::page::PLACEHOLDERS {
        assert!(!page.contains(key), "{key} is replaced");
    }
}

/// The demo lake's page, its models trained, written by the binary as a user would.
fn demo_page(dir: &Path) -> PathBuf {
    let lake = dir.join("lake");
    let out = dir.join("dashboard.html");
    assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .current_dir(dir)
        .args(["--lake", &lake.to_string_lossy(), "demo", "--quiet"])
        .assert()
        .success();
    // With the models trained, so that the page lists estimated salaries too.
    for args in [["train", "--quiet"], ["refresh", "--quiet"]] {
        assert_cmd::Command::cargo_bin("joblake")
            .expect("binary")
            .arg("--lake")
            .arg(&lake)
            .args(args)
            .assert()
            .success();
    }
    assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .args(["--lake", &lake.to_string_lossy(), "dashboard", "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn the_demo_page_passes_the_browser_test() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let ready = chromium.exists() && root.join("web/node_modules/playwright-core").is_dir();
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Chromium and web/node_modules (.ci/run) for the browser test"
        );
        eprintln!("no Chromium or web/node_modules: skipping the browser test (see web/README.md)");
        return;
    }
    let t = tempfile::tempdir().expect("temp dir");
    let page = demo_page(t.path());
    let size = std::fs::metadata(&page).expect("page").len();
    assert!(size < 5_000_000, "the demo page is {size} bytes");
    // Screenshots stay for a human to look at (CI keeps them as artifacts).
    let shots = std::env::var_os("JOBLAKE_ARTIFACTS").map_or_else(
        || t.path().join("shots"),
        |d| PathBuf::from(d).join("dashboard"),
    );
    let out = Command::new("node")
        .arg(root.join("tests/browser/dashboard.test.mjs"))
        .arg(&page)
        .arg("--artifacts")
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser test failed:\n{text}");
    assert!(text.contains(" 0 failed"), "{text}");
    assert!(shots.join("dashboard-laptop.png").is_file());
}

/// One HTTP GET on the loopback: the status line and the body.
fn get(url: &str, path: &str) -> (String, String) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("request");
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).expect("response");
    let response = String::from_utf8_lossy(&bytes).to_string();
    let status = response.lines().next().unwrap_or("").to_string();
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

#[test]
fn serve_answers_on_loopback_and_rebuilds_after_a_refresh() {
    let t = tempfile::tempdir().expect("temp dir");
    let lake = t.path().join("lake").to_string_lossy().to_string();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("joblake"))
        .args(["--lake", &lake, "serve", "--port", "0", "--quiet"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("url");
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let (status, body) = get(&url, "/");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains(r#""empty":true"#), "an empty lake first");
    let (status, _) = get(&url, "/nothing-here");
    assert!(status.contains("404"), "{status}");

    // A refresh elsewhere: the next request sees the postings.
    assert_cmd::Command::cargo_bin("joblake")
        .expect("binary")
        .current_dir(t.path())
        .args(["--lake", &lake, "demo", "--quiet"])
        .assert()
        .success();
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let (status, body) = get(&url, "/");
    let _ = child.kill();
    let _ = child.wait();
    assert!(status.contains("200"), "{status}");
    // The demo's data is large enough to travel compressed; either way it is no longer empty.
    assert!(
        !body.contains(r#""empty":true"#)
            && (body.contains(r#""empty":false"#) || body.contains("application/gzip+base64")),
        "rebuilt after the refresh"
    );
}
