//! `ingest` against real HTTP servers on loopback that replay recorded responses: the corpus's
//! real API pages and job pages (through `JOBLAKE_CORPUS`), and small pages of our own.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use joblake::bronze::ingest::ingest;
use joblake::lake::Lake;
use joblake_sources::http::HttpSettings;
use joblake_sources::{IngestOptions, IngestReport, Secrets, SourceReport, SourceStatus};

use crate::replay::{Received, Replay, Reply};
use crate::util::{TempLake, corpus, files_under, query_i64, query_text, temp_lake};

/// Fast but still real politeness: a rate limit, retries with short backoff, a timeout.
fn quick() -> HttpSettings {
    HttpSettings {
        requests_per_second: 200.0,
        max_retries: 2,
        backoff_initial_ms: 20,
        backoff_max_secs: 0.2,
        timeout_secs: 5.0,
        ..HttpSettings::default()
    }
}

fn sources(toml: &str) -> BTreeMap<String, serde_json::Value> {
    use figment::providers::{Format, Toml};
    figment::Figment::from(Toml::string(toml))
        .extract()
        .expect("valid sources table")
}

fn options() -> IngestOptions {
    options_with(&[])
}

/// The usual test credentials, and `extra` ones (the keys of the sources added later).
fn options_with(extra: &[(&str, &str)]) -> IngestOptions {
    let usual = [
        ("ADZUNA_APP_ID", "test-id"),
        ("ADZUNA_APP_KEY", "k3y-not-to-be-shown"),
        ("FRANCE_TRAVAIL_CLIENT_ID", "client"),
        ("FRANCE_TRAVAIL_CLIENT_SECRET", "s3cret"),
    ];
    IngestOptions {
        secrets: Secrets::with(
            usual
                .iter()
                .chain(extra)
                .map(|(k, v)| (k.to_string(), v.to_string())),
        ),
        ..IngestOptions::default()
    }
}

async fn run(
    lake: &Lake,
    http: &HttpSettings,
    declared: &BTreeMap<String, serde_json::Value>,
) -> IngestReport {
    ingest(lake, http, declared, &options())
        .await
        .expect("ingest runs")
}

fn source<'a>(report: &'a IngestReport, name: &str) -> &'a SourceReport {
    report
        .sources
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no report for {name}: {report:#?}"))
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A small Remotive response of our own with `n` jobs.
pub(crate) fn remotive_page(ids: std::ops::Range<u32>) -> String {
    let jobs: Vec<String> = ids
        .map(|i| {
            format!(
                r#"{{"id": {i}, "url": "https://remotive.test/{i}", "title": "Data Engineer {i}",
                "company_name": "Acme {i}", "candidate_required_location": "Europe",
                "publication_date": "2026-11-20T10:00:00", "salary": "$90k - $120k",
                "job_type": "full_time", "description": "<p>Python and SQL</p>"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"0-legal-notice": "ours", "job-count": {}, "jobs": [{}]}}"#,
        jobs.len(),
        jobs.join(",")
    )
}

#[tokio::test]
async fn adzuna_paginates_to_the_end_skips_duplicates_and_hides_its_key() {
    let Some(corpus) = corpus() else { return };
    let gb = read(&corpus, "adzuna/taxlyacademy_gb_search.json");
    let us = read(&corpus, "adzuna/job_finder_us_search.json");
    // Page 3 repeats page 1 (a posting moving between pages is common); page 4 is the end.
    let server = Replay::start(move |r, _| match r.path() {
        "/v1/api/jobs/gb/search/1" | "/v1/api/jobs/gb/search/3" => Reply::ok(gb.clone()),
        "/v1/api/jobs/gb/search/2" => Reply::ok(us.clone()),
        "/v1/api/jobs/gb/search/4" => Reply::ok(r#"{"count": 30, "results": []}"#),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[adzuna]\nbase_url = \"{}\"\ncountries = [\"gb\"]\nresults_per_page = 10\n",
        server.base
    ));
    let report = run(&t.lake, &quick(), &declared).await;
    let a = source(&report, "adzuna");
    assert_eq!(a.status, SourceStatus::Ok, "{a:#?}");
    assert_eq!(
        (a.pages, a.postings, a.new, a.seen),
        (4, 30, 20, 10),
        "{a:#?}"
    );
    let pages: Vec<String> = server
        .hits("/v1/")
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(pages.len(), 4, "stops at the empty page: {pages:?}");
    let first = &server.hits("/v1/")[0];
    assert_eq!(
        first.param("app_key").as_deref(),
        Some("k3y-not-to-be-shown")
    );
    assert_eq!(first.param("max_days_old").as_deref(), Some("30"));
    assert!(
        first
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("joblake/"))
    );
    let shown = serde_json::to_string(&report).expect("json");
    assert!(
        !shown.contains("k3y-not-to-be-shown"),
        "the key leaked: {shown}"
    );
    // Nor is it kept in the lake (the state remembers the pages under redacted URLs).
    assert_eq!(
        lake_files_containing(&t, "k3y-not-to-be-shown"),
        Vec::<String>::new()
    );
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.adzuna").await,
        20
    );

    // A second run finds nothing new, asks only for what appeared since the last run, and
    // writes no bronze file.
    let again = run(&t.lake, &quick(), &declared).await;
    let a = source(&again, "adzuna");
    assert_eq!((a.new, a.seen, a.files), (0, 30, 0), "{a:#?}");
    let second_run_first_page = &server.hits("/v1/")[4];
    assert_eq!(
        second_run_first_page.param("max_days_old").as_deref(),
        Some("1")
    );
}

/// A France Travail stand-in: tokens valid `lifetime` seconds, search ranges over the two
/// recorded responses (300 offers), 206 then 200.
fn france_travail_server(corpus: &Path, lifetime: f64, always_401: bool) -> Replay {
    let first = read(corpus, "france_travail/sarahlakh_offres_search_150.json");
    let second = read(
        corpus,
        "france_travail/offer_agent_offres_search_150_devsecops.json",
    );
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    Replay::start(move |r, earlier| {
        if r.path() == "/token" {
            let n = issued.fetch_add(1, Ordering::SeqCst);
            let ok = r.method == "POST"
                && r.body.contains("grant_type=client_credentials")
                && r.body.contains("client_secret=s3cret")
                && r.body.contains("scope=api_offresdemploiv2");
            if !ok {
                return Reply::status(400, r#"{"error":"invalid_client"}"#);
            }
            return Reply::ok(format!(
                r#"{{"access_token":"tok-{n}-{}","token_type":"Bearer","expires_in":{lifetime}}}"#,
                started.elapsed().as_millis()
            ));
        }
        if r.path() != "/v2/offres/search" {
            return Reply::not_found();
        }
        // The token is valid if it was issued less than `lifetime` seconds ago.
        let valid = r
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer tok-"))
            .and_then(|t| t.split_once('-'))
            .and_then(|(_, ms)| ms.parse::<u128>().ok())
            .is_some_and(|ms| (started.elapsed().as_millis() - ms) as f64 / 1000.0 < lifetime);
        if always_401 || !valid {
            return Reply::status(401, r#"{"message":"invalid token"}"#);
        }
        let _ = earlier;
        match r.param("range").as_deref() {
            Some("0-149") => Reply::status(206, first.clone())
                .header("content-range", "offres 0-149/300")
                .header("content-type", "application/json")
                .delayed(Duration::from_millis(1100)),
            Some("150-299") => Reply::ok(second.clone())
                .header("content-range", "offres 150-299/300")
                .header("content-type", "application/json"),
            _ => Reply::status(400, "bad range"),
        }
    })
}

fn france_travail_config(base: &str) -> BTreeMap<String, serde_json::Value> {
    sources(&format!(
        "[ft]\nkind = \"france_travail\"\nbase_url = \"{base}\"\ntoken_url = \"{base}/token\"\n\
         departements = [\"75\", \"92\"]\n"
    ))
}

#[tokio::test]
async fn france_travail_pages_by_range_and_renews_its_token_when_it_expires() {
    let Some(corpus) = corpus() else { return };
    // Tokens live 1 s and the first search takes 1.1 s to answer: the client must see that
    // its token expired and get a new one before the second search (no 401 is served).
    let server = france_travail_server(&corpus, 1.0, false);
    let t = temp_lake();
    let report = run(&t.lake, &quick(), &france_travail_config(&server.base)).await;
    let ft = source(&report, "ft");
    assert_eq!(ft.status, SourceStatus::Ok, "{ft:#?}");
    assert_eq!((ft.pages, ft.postings, ft.new), (2, 300, 300), "{ft:#?}");
    let searches = server.hits("/v2/offres/search");
    assert_eq!(
        searches.len(),
        2,
        "206 then 200 ends the search, and no 401 was needed"
    );
    assert_eq!(
        server.hits("/token").len(),
        2,
        "one token, then one renewal"
    );
    assert_ne!(
        searches[0].header("authorization"),
        searches[1].header("authorization"),
        "the second search carries the new token"
    );
    let q = &searches[0];
    assert_eq!(q.param("departement").as_deref(), Some("75,92"));
    assert_eq!(q.param("motsCles").as_deref(), Some("data"));
    assert!(q.param("minCreationDate").is_some() && q.param("maxCreationDate").is_some());
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.france_travail").await,
        300
    );
}

#[tokio::test]
async fn a_401_gets_one_new_token_not_a_loop() {
    let Some(corpus) = corpus() else { return };
    let server = france_travail_server(&corpus, 60.0, true);
    let t = temp_lake();
    let report = run(&t.lake, &quick(), &france_travail_config(&server.base)).await;
    let ft = source(&report, "ft");
    match &ft.status {
        SourceStatus::Failed(why) => assert!(why.contains("401"), "{why}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(server.hits("/token").len(), 2);
    assert_eq!(server.hits("/v2/offres/search").len(), 2);
    assert!(report.all_failed());
}

#[tokio::test]
async fn key_free_boards_paginate_and_use_conditional_requests() {
    let Some(corpus) = corpus() else { return };
    let arbeitnow = read(&corpus, "arbeitnow/jobscout_job_board_api_page1.json");
    let remotive = read(&corpus, "remotive/workverse_remote_jobs.json");
    let remoteok = read(&corpus, "remoteok/resume_helper_remoteok_api.json");
    let server = Replay::start(move |r, _| match (r.path(), r.param("page").as_deref()) {
        ("/api/job-board-api", Some("1")) => Reply::ok(arbeitnow.clone()),
        ("/api/job-board-api", Some("2")) => {
            Reply::ok(r#"{"data": [], "links": {"next": null}, "meta": {}}"#)
        }
        ("/api/remote-jobs", _) if r.header("if-none-match") == Some("\"v1\"") => {
            Reply::status(304, "")
        }
        ("/api/remote-jobs", _) => Reply::ok(remotive.clone()).header("etag", "\"v1\""),
        ("/api", _) => Reply::ok(remoteok.clone()),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[arbeitnow]\nbase_url = \"{0}\"\n[remotive]\nbase_url = \"{0}\"\n\
         [remoteok]\nbase_url = \"{0}\"\n",
        server.base
    ));
    let report = run(&t.lake, &quick(), &declared).await;
    let a = source(&report, "arbeitnow");
    assert_eq!((a.pages, a.postings, a.new), (2, 100, 100), "{a:#?}");
    let r = source(&report, "remotive");
    assert_eq!((r.pages, r.new), (1, 35), "{r:#?}");
    let o = source(&report, "remoteok");
    assert_eq!((o.pages, o.new), (1, 97), "{o:#?}");

    let again = run(&t.lake, &quick(), &declared).await;
    let r = source(&again, "remotive");
    assert_eq!((r.pages, r.not_modified, r.new), (0, 1, 0), "{r:#?}");
    assert_eq!(r.status, SourceStatus::Ok);
    let o = source(&again, "remoteok");
    assert_eq!((o.new, o.seen), (0, 97), "{o:#?}");
}

#[tokio::test]
async fn retries_honour_retry_after_and_recover_from_a_500() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = Replay::start(move |r, _| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match (r.path(), n) {
            (_, 0) => Reply::status(429, "slow down").header("retry-after", "1"),
            (_, 1) => Reply::status(500, "oops"),
            _ => Reply::ok(remotive_page(1..4)),
        }
    });
    let t = temp_lake();
    let declared = sources(&format!("[remotive]\nbase_url = \"{}\"\n", server.base));
    let started = Instant::now();
    let report = run(&t.lake, &quick(), &declared).await;
    let r = source(&report, "remotive");
    assert_eq!(
        (r.status.clone(), r.new, r.retries),
        (SourceStatus::Ok, 3, 2),
        "{r:#?}"
    );
    let hits = server.requests();
    assert_eq!(hits.len(), 3);
    let waited = hits[1].at - hits[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured: retried after {waited:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn client_errors_are_not_retried_and_a_failing_source_does_not_stop_the_others() {
    let server = Replay::start(|r, _| match r.path() {
        "/api/remote-jobs" => Reply::ok(remotive_page(1..3)),
        "/api" => Reply::status(403, "forbidden"),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[remotive]\nbase_url = \"{0}\"\n[remoteok]\nbase_url = \"{0}\"\n",
        server.base
    ));
    let report = run(&t.lake, &quick(), &declared).await;
    assert_eq!(source(&report, "remotive").new, 2);
    let o = source(&report, "remoteok");
    assert!(
        matches!(&o.status, SourceStatus::Failed(w) if w.contains("403")),
        "{o:#?}"
    );
    assert_eq!(
        server
            .hits("/api")
            .iter()
            .filter(|r| r.path() == "/api")
            .count(),
        1
    );
    assert!(!report.all_failed());
}

#[tokio::test]
async fn a_server_that_hangs_times_out_after_the_retries() {
    let server =
        Replay::start(|_, _| Reply::ok(remotive_page(1..2)).delayed(Duration::from_secs(3)));
    let t = temp_lake();
    let http = HttpSettings {
        timeout_secs: 0.3,
        max_retries: 1,
        ..quick()
    };
    let declared = sources(&format!("[remotive]\nbase_url = \"{}\"\n", server.base));
    let started = Instant::now();
    let report = run(&t.lake, &http, &declared).await;
    let r = source(&report, "remotive");
    assert!(
        matches!(&r.status, SourceStatus::Failed(w) if w.contains("timed out")),
        "{r:#?}"
    );
    assert_eq!(r.requests, 2, "one attempt and one retry");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "did not wait for the server"
    );
}

#[tokio::test]
async fn truncated_or_non_json_bodies_are_reported_and_land_nothing() {
    let truncated = corpus()
        .map(|c| {
            read(
                &c,
                "adzuna/personalizedjoblist_us_search_2020_TRUNCATED.json",
            )
        })
        .unwrap_or_else(|| br#"{"count": 3, "results": [{"id": "1", "redirect_url": "#.to_vec());
    let server = Replay::start(move |r, _| match r.path() {
        "/v1/api/jobs/us/search/1" => Reply::ok(truncated.clone()),
        "/api/remote-jobs" => {
            Reply::ok("<html><body>Service temporarily unavailable</body></html>")
        }
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[adzuna]\nbase_url = \"{0}\"\ncountries = [\"us\"]\n[remotive]\nbase_url = \"{0}\"\n",
        server.base
    ));
    let report = run(&t.lake, &quick(), &declared).await;
    for name in ["adzuna", "remotive"] {
        let s = source(&report, name);
        assert!(
            matches!(&s.status, SourceStatus::Failed(w) if w.contains("not valid JSON")),
            "{s:#?}"
        );
        assert_eq!(s.files, 0);
    }
    assert!(report.all_failed());
    assert!(!t.dir.path().join("bronze").exists(), "nothing landed");
}

/// A list page of our own linking to detail pages.
fn list_page(links: &[&str], next: Option<&str>) -> String {
    let items: String = links
        .iter()
        .map(|l| format!("<li class=\"job\"><a class=\"job-link\" href=\"{l}\">job</a></li>"))
        .collect();
    let next = next
        .map(|n| format!("<a rel=\"next\" href=\"{n}\">Next</a>"))
        .unwrap_or_default();
    format!("<html><body><ul class=\"jobs\">{items}</ul>{next}</body></html>")
}

/// A detail page of our own without JSON-LD, for the CSS selectors.
const PLAIN_DETAIL: &str = r#"<html><body><article>
  <h1 class="title"> Data Analyst (H/F) </h1>
  <div class="company">Météo Conseil</div><div class="place">Lyon</div>
  <p class="pay">45 000 € - 55 000 € par an</p>
  <time class="posted" datetime="2026-11-18">18 Nov</time>
  <div class="body"><p>SQL, Python and <b>Power BI</b>.</p></div>
</article></body></html>"#;

fn board_server(corpus: Option<&Path>) -> Replay {
    let detail = |file: &str| corpus.map(|c| read(c, file));
    let topjobs = detail("html/topjobs_lk_jobposting_accounts_executive.html");
    let workday = detail("html/workday_autodesk_jobposting_fr_en.html");
    let boss = detail("html/bosszhipin_cn_job_detail_autocad_engineer.html");
    Replay::start(move |r, _| {
        let page = |b: &Option<Vec<u8>>| b.clone().map(Reply::ok).unwrap_or_else(Reply::not_found);
        match r.url.as_str() {
            "/robots.txt" => Reply::ok("User-agent: *\nDisallow: /private/\n"),
            "/jobs" => Reply::ok(list_page(
                &["/jobs/1", "/jobs/2", "/jobs/3", "jobs/4#apply"],
                Some("/jobs?page=2"),
            )),
            // Page 2 repeats a job of page 1 and links to a disallowed page.
            "/jobs?page=2" => Reply::ok(list_page(&["/jobs/1", "/private/5", "/jobs/6"], None)),
            "/jobs/1" => page(&topjobs),
            "/jobs/2" => page(&workday),
            "/jobs/3" => page(&boss),
            "/jobs/4" => Reply::ok(PLAIN_DETAIL),
            "/jobs/6" => Reply::ok("<html><body><h2>Redesigned page</h2></body></html>"),
            "/private/5" => Reply::ok(PLAIN_DETAIL),
            "/moved" => Reply::ok("<html><body><div class=\"new-layout\"></div></body></html>"),
            _ => Reply::not_found(),
        }
    })
}

fn board_config(base: &str, start: &str) -> BTreeMap<String, serde_json::Value> {
    sources(&format!(
        r#"[board]
kind = "scrape"
start_urls = ["{base}{start}"]
link_selector = "ul.jobs a.job-link"
next_selector = "a[rel=next]"
[board.selectors]
title = "h1.title"
company = ".company"
location = ".place"
salary = ".pay"
date_posted = "time.posted@datetime"
description = ".body"
"#
    ))
}

#[tokio::test]
async fn the_scraper_follows_lists_obeys_robots_and_reports_layout_changes() {
    let corpus = corpus();
    let server = board_server(corpus.as_deref());
    let t = temp_lake();
    let report = run(&t.lake, &quick(), &board_config(&server.base, "/jobs")).await;
    let b = source(&report, "board");
    assert_eq!(b.status, SourceStatus::Ok, "{b:#?}");
    assert_eq!(b.list_pages, 2);
    assert_eq!(b.robots_blocked, 1, "{b:#?}");
    assert!(
        server.hits("/private/").is_empty(),
        "a disallowed page was fetched"
    );
    assert_eq!(
        server.hits("/jobs/1").len(),
        1,
        "a job listed twice is fetched once"
    );
    // /jobs/6 matches neither JSON-LD nor the selectors; so does the BOSS page (its ld+json
    // is not schema.org).
    let mismatched: Vec<&String> = b.layout_mismatches.iter().collect();
    assert!(
        mismatched
            .iter()
            .any(|m| m.contains("/jobs/6") && m.contains("h1.title")),
        "{mismatched:#?}"
    );
    let landed = query_text(
        &t.lake,
        "SELECT json_get_str(payload, 'title') AS title, json_get_str(payload, 'joblakeSalaryText') AS pay, url FROM bronze.jsonld ORDER BY url",
    )
    .await;
    assert!(
        landed.contains("Data Analyst (H/F)") && landed.contains("45 000 €"),
        "{landed}"
    );
    assert!(
        landed.contains("/jobs/4"),
        "the fragment-stripped detail URL: {landed}"
    );
    if corpus.is_some() {
        assert_eq!(mismatched.len(), 2, "{mismatched:#?}");
        assert_eq!((b.pages, b.new), (3, 3), "{b:#?}");
        assert!(landed.contains("Accounts Executive"), "{landed}");
    }

    // Next run: the detail pages that landed are not fetched again.
    let again = run(&t.lake, &quick(), &board_config(&server.base, "/jobs")).await;
    assert_eq!(source(&again, "board").new, 0);
    assert_eq!(server.hits("/jobs/4").len(), 1);

    // A list page whose links moved is reported, not landed as nothing.
    let moved = run(&t.lake, &quick(), &board_config(&server.base, "/moved")).await;
    let m = source(&moved, "board");
    assert!(
        m.layout_mismatches
            .iter()
            .any(|l| l.contains("link_selector")),
        "{m:#?}"
    );
}

#[test]
fn ingest_then_refresh_puts_the_recorded_postings_in_silver() {
    let Some(corpus) = corpus() else { return };
    let adzuna = read(&corpus, "adzuna/taxlyacademy_gb_search.json");
    let ft = read(&corpus, "france_travail/sarahlakh_offres_search_150.json");
    let server_corpus = corpus.clone();
    let board = board_server(Some(&server_corpus));
    let server = Replay::start(move |r: &Received, _| match r.path() {
        "/v1/api/jobs/gb/search/1" => Reply::ok(adzuna.clone()),
        "/v1/api/jobs/gb/search/2" => Reply::ok(r#"{"count": 10, "results": []}"#),
        "/token" => Reply::ok(r#"{"access_token":"t","expires_in":600}"#),
        "/v2/offres/search" => Reply::ok(ft.clone()).header("content-range", "offres 0-149/150"),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let config = t.dir.path().join("joblake.toml");
    std::fs::write(
        &config,
        format!(
            r#"[http]
requests_per_second = 100.0
[sources.adzuna]
base_url = "{0}"
countries = ["gb"]
[sources.france_travail]
base_url = "{0}"
token_url = "{0}/token"
[sources.board]
kind = "scrape"
start_urls = ["{1}/jobs"]
link_selector = "ul.jobs a.job-link"
next_selector = "a[rel=next]"
"#,
            server.base, board.base
        ),
    )
    .expect("config written");
    let lake = t.dir.path().join("lake");
    let joblake = |args: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("joblake").expect("binary");
        cmd.env("JOBLAKE_LAKE", &lake)
            .env("JOBLAKE_CONFIG", &config)
            .env("ADZUNA_APP_ID", "id")
            .env("ADZUNA_APP_KEY", "key")
            .env("FRANCE_TRAVAIL_CLIENT_ID", "client")
            .env("FRANCE_TRAVAIL_CLIENT_SECRET", "s3cret")
            .env_remove("RUST_LOG")
            .args(args)
            .assert()
            .success()
    };
    let out = joblake(&["ingest"]);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("adzuna") && stdout.contains("board"),
        "{stdout}"
    );
    joblake(&["refresh"]);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let lake = Lake::open(&lake.to_string_lossy(), Default::default()).expect("lake");
    rt.block_on(async {
        // Every recorded Adzuna job is in silver with its fields as the API gave them.
        let recorded: serde_json::Value =
            serde_json::from_slice(&read(&corpus, "adzuna/taxlyacademy_gb_search.json"))
                .expect("json");
        for job in recorded["results"].as_array().expect("results") {
            let id = job["id"].as_str().expect("id");
            let row = query_text(
                &lake,
                &format!(
                    "SELECT title, company, city, salary_min, salary_max FROM silver.posting_records \
                     WHERE source = 'adzuna' AND source_id = '{id}'"
                ),
            )
            .await;
            let title = job["title"].as_str().expect("title");
            let company = job["company"]["display_name"].as_str().expect("company");
            let place = job["location"]["display_name"].as_str().expect("place");
            // Adzuna's UK region London holds London's districts ("Battersea"): the city is London.
            let city = if job["location"]["area"][1] == "London" {
                "London"
            } else {
                place.split(',').next().expect("city").trim()
            };
            assert!(row.contains(title), "{id}: title {title} not in\n{row}");
            assert!(row.contains(company), "{id}: company {company} not in\n{row}");
            assert!(row.contains(city), "{id}: city {city} not in\n{row}");
            if let Some(min) = job["salary_min"].as_f64() {
                assert!(row.contains(&format!("{min}")), "{id}: salary {min} not in\n{row}");
            }
        }
        // France Travail: title, employer and commune.
        let recorded: serde_json::Value = serde_json::from_slice(&read(
            &corpus,
            "france_travail/sarahlakh_offres_search_150.json",
        ))
        .expect("json");
        let offers = recorded["resultats"].as_array().expect("resultats");
        assert_eq!(
            query_i64(
                &lake,
                "SELECT count(*) FROM silver.posting_records WHERE source = 'france_travail'"
            )
            .await,
            offers.len() as i64
        );
        for offer in offers.iter().take(25) {
            let id = offer["id"].as_str().expect("id");
            let row = query_text(
                &lake,
                &format!(
                    "SELECT title, company, lower(city) AS city FROM silver.posting_records \
                     WHERE source = 'france_travail' AND source_id = '{id}'"
                ),
            )
            .await;
            // Silver collapses runs of spaces, as in "Échafaudeuse      (H/F)".
            let title = offer["intitule"].as_str().expect("intitule");
            let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(row.contains(&title), "{id}: {title} not in\n{row}");
            if let Some(name) = offer["entreprise"]["nom"].as_str() {
                assert!(row.contains(name.trim()), "{id}: {name} not in\n{row}");
            }
        }
        // The scraped JSON-LD page: title trimmed, city from its jobLocation.
        let row = query_text(
            &lake,
            "SELECT title, city FROM silver.posting_records WHERE source = 'jsonld' AND title LIKE 'Accounts Executive%'",
        )
        .await;
        assert!(row.contains("Accounts Executive"), "{row}");
    });
}

/// An Arbeitnow page of our own: jobs `ids`, and a next link unless it is the last page.
pub(crate) fn arbeitnow_page(ids: std::ops::Range<u32>, last: bool) -> String {
    let jobs: Vec<String> = ids
        .map(|i| {
            format!(
                r#"{{"slug": "data-engineer-{i}", "company_name": "Firma {i} GmbH",
                "title": "Data Engineer (m/w/d)", "location": "Berlin", "remote": false,
                "url": "https://arbeitnow.test/{i}", "created_at": 1763900000,
                "description": "<p>Spark</p>", "tags": [], "job_types": []}}"#
            )
        })
        .collect();
    let next = if last { "null" } else { r#""more""# };
    format!(
        r#"{{"data": [{}], "links": {{"next": {next}}}, "meta": {{}}}}"#,
        jobs.join(",")
    )
}

#[tokio::test]
async fn an_interrupted_run_keeps_what_it_fetched_and_the_rerun_completes_it() {
    let opts = options();
    let cancel = opts.cancel.clone();
    let interrupt = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let armed = interrupt.clone();
    let server = Replay::start(move |r, _| {
        let page: u32 = r.param("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        // Ctrl-C arrives while page 3 is being served (first run only).
        if page == 3 && armed.swap(false, Ordering::SeqCst) {
            cancel.store(true, Ordering::SeqCst);
        }
        match page {
            1..=6 => Reply::ok(arbeitnow_page((page - 1) * 5..page * 5, page == 6)),
            _ => Reply::not_found(),
        }
    });
    let t = temp_lake();
    let declared = sources(&format!("[arbeitnow]\nbase_url = \"{}\"\n", server.base));
    let first = ingest(&t.lake, &quick(), &declared, &opts)
        .await
        .expect("ingest");
    let a = source(&first, "arbeitnow");
    assert_eq!(
        a.status,
        SourceStatus::Failed("interrupted".into()),
        "{a:#?}"
    );
    assert_eq!((a.pages, a.new), (3, 15), "{a:#?}");
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.arbeitnow").await,
        15
    );

    opts.cancel.store(false, Ordering::SeqCst);
    let second = ingest(&t.lake, &quick(), &declared, &opts)
        .await
        .expect("ingest");
    let a = source(&second, "arbeitnow");
    assert_eq!(a.status, SourceStatus::Ok, "{a:#?}");
    assert_eq!((a.pages, a.new, a.seen), (6, 15, 15), "{a:#?}");
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT count(*) - count(DISTINCT source_id) FROM bronze.arbeitnow"
        )
        .await,
        0,
        "nothing landed twice"
    );
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.arbeitnow").await,
        30
    );
}

#[tokio::test]
async fn a_dry_run_fetches_and_counts_but_writes_nothing() {
    let server = Replay::start(|r, _| match r.path() {
        "/api/remote-jobs" => Reply::ok(remotive_page(1..6)),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let declared = sources(&format!("[remotive]\nbase_url = \"{}\"\n", server.base));
    let opts = IngestOptions {
        dry_run: true,
        ..options()
    };
    let report = ingest(&t.lake, &quick(), &declared, &opts)
        .await
        .expect("ingest");
    assert_eq!(source(&report, "remotive").new, 5);
    let written: Vec<_> = std::fs::read_dir(t.dir.path())
        .expect("lake dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(written.is_empty(), "a dry run wrote {written:?}");
}

#[test]
fn the_cli_lists_sources_and_fails_only_when_every_source_failed() {
    let t = temp_lake();
    let joblake = |config: Option<&Path>| {
        let mut cmd = assert_cmd::Command::cargo_bin("joblake").expect("binary");
        cmd.env("JOBLAKE_LAKE", t.dir.path().join("lake"))
            .env_remove("RUST_LOG")
            .env_remove("ADZUNA_APP_ID")
            .env_remove("ADZUNA_APP_KEY")
            .current_dir(t.dir.path());
        if let Some(c) = config {
            cmd.env("JOBLAKE_CONFIG", c);
        }
        cmd
    };
    // The built-in list: the keyed APIs say which variables they need.
    let out = joblake(None).arg("sources").assert().success();
    let listed = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        listed.contains("ADZUNA_APP_ID") && listed.contains("remotive"),
        "{listed}"
    );

    // A port nobody listens on: the only source fails, so the run does.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let config = t.dir.path().join("joblake.toml");
    std::fs::write(
        &config,
        format!(
            "[http]\nmax_retries = 1\nbackoff_initial_ms = 10\n\
             [sources.remotive]\nbase_url = \"http://127.0.0.1:{port}\"\n"
        ),
    )
    .expect("config");
    joblake(Some(&config))
        .arg("ingest")
        .assert()
        .failure()
        .stderr(predicates::str::contains("remotive: failed"));
    joblake(Some(&config))
        .args(["ingest", "--source", "adzuna"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no source named `adzuna`"));
    joblake(Some(&config))
        .args(["ingest", "--since", "last tuesday"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("--since"));
}

#[tokio::test]
async fn crawl_delay_slows_a_board_down_and_user_agents_rotate_when_asked() {
    let server = Replay::start(|r, _| match r.path() {
        "/robots.txt" => Reply::ok("User-agent: joblake\nCrawl-delay: 0.5\nAllow: /\n"),
        "/jobs" => Reply::ok(list_page(&["/jobs/a", "/jobs/b", "/jobs/c"], None)),
        _ => Reply::ok(PLAIN_DETAIL),
    });
    let t = temp_lake();
    let http = HttpSettings {
        user_agents: vec!["agent-one".into(), "agent-two".into()],
        ..quick()
    };
    let mut declared = board_config(&server.base, "/jobs");
    if let Some(board) = declared.get_mut("board").and_then(|b| b.as_object_mut()) {
        board.insert("rotate_user_agent".into(), serde_json::Value::Bool(true));
    }
    let report = run(&t.lake, &http, &declared).await;
    assert_eq!(source(&report, "board").new, 3);
    let pages: Vec<Received> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() != "/robots.txt")
        .collect();
    assert_eq!(pages.len(), 4);
    for pair in pages.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(450),
            "Crawl-delay 0.5 not honoured: {gap:?}"
        );
    }
    let agents: std::collections::HashSet<&str> = pages
        .iter()
        .filter_map(|r| r.header("user-agent"))
        .collect();
    assert_eq!(agents, ["agent-one", "agent-two"].into_iter().collect());
}

/// Every file of a lake (gzipped ones decompressed) that contains `needle`.
fn lake_files_containing(t: &TempLake, needle: &str) -> Vec<String> {
    use std::io::Read;
    let mut found = Vec::new();
    for path in files_under(t.dir.path()) {
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut text = String::from_utf8_lossy(&raw).into_owned();
        if path.extension().is_some_and(|x| x == "gz") {
            text.clear();
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_string(&mut text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        if text.contains(needle) {
            found.push(path.display().to_string());
        }
    }
    found
}

/// A The Muse page of our own: jobs `ids`, and the page count it announces.
fn muse_page(page: usize, page_count: usize, ids: std::ops::Range<u32>) -> String {
    let jobs: Vec<String> = ids
        .map(|i| {
            format!(
                r#"{{"contents": "<p>SQL</p>", "name": "Data Analyst {i}", "id": {i},
                "publication_date": "2026-11-02T10:00:00Z", "locations": [{{"name": "Austin, TX"}}],
                "categories": [{{"name": "Data and Analytics"}}], "levels": [],
                "refs": {{"landing_page": "https://muse.test/jobs/{i}"}},
                "company": {{"id": 1, "name": "Acme"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"page": {page}, "page_count": {page_count}, "results": [{}], "aggregations": {{}}}}"#,
        jobs.join(",")
    )
}

#[tokio::test]
async fn the_muse_pages_from_zero_to_its_page_count_and_sends_a_key_only_when_set() {
    let Some(corpus) = corpus() else { return };
    let recorded = read(&corpus, "themuse/taxlyacademy_muse_jobs_page1.json");
    // The recorded page announces 18,531 pages; ours says page 1 is the last of 2.
    let server = Replay::start(move |r, _| match (r.path(), r.param("page").as_deref()) {
        ("/api/public/jobs", Some("0")) => Reply::ok(recorded.clone()),
        ("/api/public/jobs", Some("1")) => Reply::ok(muse_page(1, 2, 1..4)),
        _ => Reply::not_found(),
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[themuse]\nbase_url = \"{}\"\ncategories = [\"Data and Analytics\", \"Software Engineering\"]\n\
         levels = [\"Senior Level\"]\nmax_pages = 10\n",
        server.base
    ));
    let report = run(&t.lake, &quick(), &declared).await;
    let m = source(&report, "themuse");
    assert_eq!(m.status, SourceStatus::Ok, "{m:#?}");
    assert_eq!((m.pages, m.postings, m.new), (2, 23, 23), "{m:#?}");
    let hits = server.hits("/api/public/jobs");
    let pages: Vec<Option<String>> = hits.iter().map(|r| r.param("page")).collect();
    assert_eq!(
        pages,
        [Some("0".into()), Some("1".into())],
        "stops at page_count"
    );
    let first = &hits[0];
    assert_eq!(first.url.matches("category=").count(), 2, "{}", first.url);
    assert!(
        first.url.contains("category=Data+and+Analytics"),
        "{}",
        first.url
    );
    assert_eq!(first.param("level").as_deref(), Some("Senior Level"));
    assert_eq!(first.param("api_key"), None, "no key set, none sent");
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.themuse").await,
        23
    );
    let landed = query_text(
        &t.lake,
        "SELECT source_id, url FROM bronze.themuse WHERE source_id IN ('18573699', '2')",
    )
    .await;
    assert!(
        landed.contains("https://www.themuse.com/jobs/sunrun/site-survey-technician-ee16ee")
            && landed.contains("https://muse.test/jobs/2"),
        "{landed}"
    );

    // With THEMUSE_API_KEY set, it is sent, and shown nowhere; nothing new lands.
    let keyed = options_with(&[("THEMUSE_API_KEY", "muse-k3y-not-shown")]);
    let again = ingest(&t.lake, &quick(), &declared, &keyed)
        .await
        .expect("ingest");
    let m = source(&again, "themuse");
    assert_eq!((m.pages, m.new, m.seen), (2, 0, 23), "{m:#?}");
    let hits = server.hits("/api/public/jobs");
    assert_eq!(
        hits[2].param("api_key").as_deref(),
        Some("muse-k3y-not-shown")
    );
    let shown = serde_json::to_string(&again).expect("json");
    assert!(!shown.contains("muse-k3y-not-shown"), "{shown}");
    assert_eq!(
        lake_files_containing(&t, "muse-k3y-not-shown"),
        Vec::<String>::new()
    );

    // --max-pages 1: page 0 only.
    let one = IngestOptions {
        max_pages: Some(1),
        ..options()
    };
    ingest(&t.lake, &quick(), &declared, &one)
        .await
        .expect("ingest");
    assert_eq!(server.hits("/api/public/jobs").len(), 5);
}

/// A Reed search page of our own: jobs `ids` out of `total`.
fn reed_page(ids: std::ops::Range<u32>, total: u32) -> String {
    let jobs: Vec<String> = ids
        .map(|i| {
            format!(
                r#"{{"jobId": {i}, "employerId": 1, "employerName": "Firm {i}",
                "jobTitle": "Data Analyst", "locationName": "London", "minimumSalary": 40000.0,
                "maximumSalary": 50000.0, "currency": "GBP", "expirationDate": "24/12/2026",
                "date": "13/11/2026", "jobDescription": "SQL and Python...", "applications": 0,
                "jobUrl": "https://reed.test/jobs/data-analyst/{i}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"results": [{}], "ambiguousLocations": [], "totalResults": {total}}}"#,
        jobs.join(",")
    )
}

#[tokio::test]
async fn reed_authenticates_with_its_key_as_basic_user_and_pages_by_skip_to_the_total() {
    let Some(corpus) = corpus() else { return };
    let recorded = read(&corpus, "reed/taxlyacademy_reed_search.json");
    // base64("reed-k3y-not-shown:"): the key as user name, an empty password.
    let expected_auth = "Basic cmVlZC1rM3ktbm90LXNob3duOg==";
    let server = Replay::start(move |r, _| {
        if r.path() != "/api/1.0/search" {
            return Reply::not_found();
        }
        if r.header("authorization") != Some(expected_auth) {
            return Reply::status(401, "");
        }
        // The recorded page: 100 of 112,953 results; ours ends the search at 103.
        match r.param("resultsToSkip").as_deref() {
            Some("0") => Reply::ok(recorded.clone()),
            Some("100") => Reply::ok(reed_page(1..4, 103)),
            _ => Reply::status(400, "bad skip"),
        }
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[reed]\nbase_url = \"{}\"\nkeywords = \"data analyst\"\nlocation_name = \"London\"\n",
        server.base
    ));
    let keyed = options_with(&[("REED_API_KEY", "reed-k3y-not-shown")]);
    let report = ingest(&t.lake, &quick(), &declared, &keyed)
        .await
        .expect("ingest");
    let r = source(&report, "reed");
    assert_eq!(r.status, SourceStatus::Ok, "{r:#?}");
    assert_eq!(
        (r.pages, r.postings, r.new, r.requests),
        (2, 103, 103, 2),
        "{r:#?}"
    );
    let hits = server.hits("/api/1.0/search");
    let skips: Vec<Option<String>> = hits.iter().map(|r| r.param("resultsToSkip")).collect();
    assert_eq!(skips, [Some("0".into()), Some("100".into())]);
    let first = &hits[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.param("keywords").as_deref(), Some("data analyst"));
    assert_eq!(first.param("locationName").as_deref(), Some("London"));
    assert_eq!(first.param("resultsToTake").as_deref(), Some("100"));
    assert!(hits.iter().all(|h| !h.url.contains("reed-k3y")));
    let shown = serde_json::to_string(&report).expect("json");
    assert!(!shown.contains("reed-k3y-not-shown"), "{shown}");
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.reed").await,
        103
    );
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT count(*) FROM bronze.reed WHERE source_id = '55408327' \
             AND url = 'https://www.reed.co.uk/jobs/maths-cover-supervisor/55408327'"
        )
        .await,
        1
    );

    // A key Reed refuses: the source fails, saying which variable to check.
    let wrong = options_with(&[("REED_API_KEY", "not-the-key")]);
    let refused = ingest(&t.lake, &quick(), &declared, &wrong)
        .await
        .expect("ingest");
    let r = source(&refused, "reed");
    assert!(
        matches!(&r.status, SourceStatus::Failed(why) if why.contains("401") && why.contains("REED_API_KEY")),
        "{r:#?}"
    );
    assert_eq!(r.requests, 1, "a 401 is not retried");
}

#[tokio::test]
async fn jooble_posts_its_search_and_its_key_stays_in_the_request_path() {
    let Some(corpus) = corpus() else { return };
    let recorded = read(&corpus, "jooble/taxlyacademy_jooble_search.json");
    let key = "j00ble-k3y-not-shown";
    let server = Replay::start(move |r, _| {
        if r.method != "POST" || r.path() != format!("/api/{key}") {
            return Reply::not_found();
        }
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        // Page 1 is the recorded response (20 of 532 jobs); page 2 fails; page 3 is empty.
        match body["page"].as_str() {
            Some("1") => Reply::ok(recorded.clone()),
            Some("2") => Reply::status(400, "bad page"),
            Some("3") => Reply::ok(r#"{"totalCount": 532, "jobs": []}"#),
            _ => Reply::status(422, "no page"),
        }
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[jooble]\nbase_url = \"{}\"\nkeywords = \"data engineer\"\nlocation = \"Remote\"\n\
         max_pages = 5\n",
        server.base
    ));
    let keyed = options_with(&[("JOOBLE_API_KEY", key)]);
    let report = ingest(&t.lake, &quick(), &declared, &keyed)
        .await
        .expect("ingest");
    let j = source(&report, "jooble");
    assert_eq!(j.status, SourceStatus::Ok, "{j:#?}");
    assert_eq!((j.pages, j.postings, j.new), (2, 20, 20), "{j:#?}");
    let posts = server.requests();
    assert_eq!(posts.len(), 3, "stops at the empty page 3");
    for (n, post) in posts.iter().enumerate() {
        assert_eq!(
            (post.method.as_str(), post.path()),
            ("POST", "/api/j00ble-k3y-not-shown")
        );
        assert_eq!(post.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_str(&post.body).expect("a JSON body");
        assert_eq!(
            body,
            serde_json::json!({"keywords": "data engineer", "location": "Remote",
                               "page": (n + 1).to_string()})
        );
    }
    // The failed page is reported with the URL as shown: the key replaced by ***.
    assert_eq!(j.errors.len(), 1, "{j:#?}");
    assert!(
        j.errors[0].contains("/api/***")
            && j.errors[0].contains("page 2")
            && j.errors[0].contains("400"),
        "{:?}",
        j.errors
    );
    let shown = serde_json::to_string(&report).expect("json");
    assert!(!shown.contains(key), "the key leaked: {shown}");
    assert_eq!(lake_files_containing(&t, key), Vec::<String>::new());
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.jooble").await,
        20
    );
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT count(*) FROM bronze.jooble WHERE source_id = '-8199415145248694944' \
             AND url LIKE 'https://jooble.org/desc/-8199415145248694944?%'"
        )
        .await,
        1
    );
}

/// A findwork.dev page of our own: jobs `ids`, no next page.
fn findwork_last_page(ids: std::ops::Range<u32>, count: u32) -> String {
    let jobs: Vec<String> = ids
        .map(|i| {
            format!(
                r#"{{"id": "fw{i}", "role": "Data Engineer", "company_name": "Acme {i}",
                "company_num_employees": null, "employment_type": "full time",
                "location": "London, United Kingdom", "remote": false, "logo": null,
                "url": "https://findwork.test/fw{i}", "text": "<p>Spark</p>",
                "date_posted": "2025-07-01T10:00:00Z", "keywords": ["spark"], "source": "Hn"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"count": {count}, "next": null, "previous": "elsewhere", "results": [{}]}}"#,
        jobs.join(",")
    )
}

#[tokio::test]
async fn findwork_follows_next_on_its_own_host_with_its_token_and_stops_at_the_window() {
    let Some(corpus) = corpus() else { return };
    let recorded = read(&corpus, "findwork/taxlyacademy_findwork_jobs.json");
    let server = Replay::start(move |r, _| {
        if r.path() != "/api/jobs/" {
            return Reply::not_found();
        }
        if r.header("authorization") != Some("Token fw-t0ken-not-shown") {
            return Reply::status(401, r#"{"detail": "Invalid token."}"#);
        }
        // The recorded page 1 says next is https://findwork.dev/api/jobs/?page=2.
        match r.param("page").as_deref() {
            Some("1") => Reply::ok(recorded.clone()),
            Some("2") => Reply::ok(findwork_last_page(1..3, 102)),
            _ => Reply::not_found(),
        }
    });
    let t = temp_lake();
    let declared = sources(&format!(
        "[findwork]\nbase_url = \"{}\"\nsearch = \"data engineer\"\nlocation = \"London\"\n\
         remote = true\n",
        server.base
    ));
    let keyed = options_with(&[("FINDWORK_API_KEY", "fw-t0ken-not-shown")]);
    let report = ingest(&t.lake, &quick(), &declared, &keyed)
        .await
        .expect("ingest");
    let f = source(&report, "findwork");
    assert_eq!(f.status, SourceStatus::Ok, "{f:#?}");
    assert!(f.errors.is_empty(), "{f:#?}");
    assert_eq!(
        (f.pages, f.postings, f.new, f.requests),
        (2, 102, 102, 2),
        "{f:#?}"
    );
    // `next` named findwork.dev: the second page was asked of the configured host, with the
    // source's own filters, and the token went nowhere else.
    let hits = server.hits("/api/jobs/");
    let pages: Vec<Option<String>> = hits.iter().map(|r| r.param("page")).collect();
    assert_eq!(pages, [Some("1".into()), Some("2".into())]);
    for hit in &hits {
        assert_eq!(hit.param("search").as_deref(), Some("data engineer"));
        assert_eq!(hit.param("location").as_deref(), Some("London"));
        assert_eq!(hit.param("remote").as_deref(), Some("true"));
    }
    let shown = serde_json::to_string(&report).expect("json");
    assert!(!shown.contains("fw-t0ken"), "{shown}");
    assert_eq!(
        query_i64(&t.lake, "SELECT count(*) FROM bronze.findwork").await,
        102
    );
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT count(*) FROM bronze.findwork WHERE source_id = 'Mmj7PWX' \
             AND url = 'https://findwork.dev/Mmj7PWX/senior-software-engineer-at-mobian'"
        )
        .await,
        1
    );

    // The next run asks since the last success (minus an hour): the recorded jobs of page 1
    // (July 2025) are all older, so it stops there although `next` says there is more.
    let again = ingest(&t.lake, &quick(), &declared, &keyed)
        .await
        .expect("ingest");
    let f = source(&again, "findwork");
    assert_eq!((f.pages, f.new, f.seen), (1, 0, 100), "{f:#?}");
    assert_eq!(server.hits("/api/jobs/").len(), 3);
}

#[tokio::test]
async fn keyed_sources_without_their_keys_are_skipped_naming_the_variable() {
    let server = Replay::start(|_, _| Reply::not_found());
    let t = temp_lake();
    let declared = sources(&format!(
        "[reed]\nbase_url = \"{0}\"\n[jooble]\nbase_url = \"{0}\"\n\
         [findwork]\nbase_url = \"{0}\"\n",
        server.base
    ));
    let report = run(&t.lake, &quick(), &declared).await;
    for (name, variable) in [
        ("reed", "REED_API_KEY"),
        ("jooble", "JOOBLE_API_KEY"),
        ("findwork", "FINDWORK_API_KEY"),
    ] {
        let s = source(&report, name);
        assert!(
            matches!(&s.status, SourceStatus::Skipped(why) if why.contains(variable)),
            "{s:#?}"
        );
    }
    assert!(server.requests().is_empty());
    // Asked for by name, a source without its key fails, with the same message.
    let named = IngestOptions {
        sources: vec!["jooble".to_string()],
        ..options()
    };
    let report = ingest(&t.lake, &quick(), &declared, &named)
        .await
        .expect("ingest");
    let j = source(&report, "jooble");
    assert!(
        matches!(&j.status, SourceStatus::Failed(why) if why.contains("JOOBLE_API_KEY")),
        "{j:#?}"
    );
}
