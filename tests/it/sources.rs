//! The source parsers against the real corpus (`JOBLAKE_CORPUS`), file by file.

use std::collections::HashSet;
use std::path::Path;

use joblake_sources::{RawPosting, SourceError, hash_id, minify, parser_for, source_names};
use serde_json::Value;

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("cannot read {file}: {e}"))
}

fn split(dir: &Path, source: &str, file: &str) -> Result<Vec<RawPosting>, SourceError> {
    let parser = parser_for(source).unwrap_or_else(|e| panic!("{e}"));
    parser.split(&read(dir, file))
}

fn accepted(dir: &Path, source: &str, file: &str) -> Vec<RawPosting> {
    split(dir, source, file).unwrap_or_else(|e| panic!("{source} refused {file}: {e}"))
}

/// A corpus file of an API source, and what splitting it must give.
struct Case {
    source: &'static str,
    file: &'static str,
    /// Where the postings array is in the file (a JSON pointer; "" for a bare array).
    list: &'static str,
    /// The key of the posting id; array elements without it are notices, not postings.
    id: &'static str,
    /// Where the URL is in a posting (a JSON pointer).
    url: &'static str,
    postings: usize,
    distinct_ids: usize,
}

const CASES: [Case; 12] = [
    Case {
        source: "adzuna",
        file: "adzuna/job_finder_us_search.json",
        list: "/results",
        id: "id",
        url: "/redirect_url",
        postings: 10,
        distinct_ids: 10,
    },
    Case {
        source: "adzuna",
        file: "adzuna/taxlyacademy_gb_search.json",
        list: "/results",
        id: "id",
        url: "/redirect_url",
        postings: 10,
        distinct_ids: 10,
    },
    // Search pages concatenated by hand: 9 jobs came back on two pages.
    Case {
        source: "adzuna",
        file: "adzuna/job_market_fr_results_2000_merged.json",
        list: "",
        id: "id",
        url: "/redirect_url",
        postings: 2000,
        distinct_ids: 1991,
    },
    Case {
        source: "france_travail",
        file: "france_travail/sarahlakh_offres_search_150.json",
        list: "/resultats",
        id: "id",
        url: "/origineOffre/urlOrigine",
        postings: 150,
        distinct_ids: 150,
    },
    Case {
        source: "france_travail",
        file: "france_travail/offer_agent_offres_search_150_devsecops.json",
        list: "/resultats",
        id: "id",
        url: "/origineOffre/urlOrigine",
        postings: 150,
        distinct_ids: 150,
    },
    Case {
        source: "remotive",
        file: "remotive/workverse_remote_jobs.json",
        list: "/jobs",
        id: "id",
        url: "/url",
        postings: 35,
        distinct_ids: 35,
    },
    Case {
        source: "arbeitnow",
        file: "arbeitnow/jobscout_job_board_api_page1.json",
        list: "/data",
        id: "slug",
        url: "/url",
        postings: 100,
        distinct_ids: 100,
    },
    Case {
        source: "remoteok",
        file: "remoteok/resume_helper_remoteok_api.json",
        list: "",
        id: "id",
        url: "/url",
        postings: 97,
        distinct_ids: 97,
    },
    Case {
        source: "themuse",
        file: "themuse/taxlyacademy_muse_jobs_page1.json",
        list: "/results",
        id: "id",
        url: "/refs/landing_page",
        postings: 20,
        distinct_ids: 20,
    },
    Case {
        source: "reed",
        file: "reed/taxlyacademy_reed_search.json",
        list: "/results",
        id: "jobId",
        url: "/jobUrl",
        postings: 100,
        distinct_ids: 100,
    },
    // Numeric ids beyond 2^53, many of them negative: kept as their exact text.
    Case {
        source: "jooble",
        file: "jooble/taxlyacademy_jooble_search.json",
        list: "/jobs",
        id: "id",
        url: "/link",
        postings: 20,
        distinct_ids: 20,
    },
    Case {
        source: "findwork",
        file: "findwork/taxlyacademy_findwork_jobs.json",
        list: "/results",
        id: "id",
        url: "/url",
        postings: 100,
        distinct_ids: 100,
    },
];

/// The id as the parsers must give it: a string's value, a number's text.
fn id_of(value: &Value) -> String {
    match value {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

#[test]
fn api_files_split_into_their_postings_verbatim() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    for case in &CASES {
        let postings = accepted(&dir, case.source, case.file);
        let file = case.file;
        assert_eq!(postings.len(), case.postings, "{file}");

        // The original elements, read independently of the parsers.
        let bytes = read(&dir, file);
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let whole: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let elements: Vec<&Value> = (whole.pointer(case.list).and_then(Value::as_array))
            .unwrap_or_else(|| panic!("{file}: no array at {:?}", case.list))
            .iter()
            .filter(|element| element.get(case.id).is_some())
            .collect();
        assert_eq!(elements.len(), postings.len(), "{file}");

        // Verbatim: the payloads are stretches, in order, of the file with its whitespace out.
        let minified = minify(text);
        let mut rest = minified.as_str();
        let mut ids = HashSet::new();
        for (posting, element) in postings.iter().zip(&elements) {
            let payload = &posting.payload;
            assert!(!payload.contains(['\n', '\r']), "{file}: {payload}");
            let parsed: Value = serde_json::from_str(payload)
                .unwrap_or_else(|e| panic!("{file}: payload is not JSON ({e}): {payload}"));
            assert_eq!(&&parsed, element, "{file}");
            let at = (rest.find(payload.as_str()))
                .unwrap_or_else(|| panic!("{file}: not verbatim: {payload}"));
            rest = &rest[at + payload.len()..];
            assert_eq!(posting.source_id, id_of(&element[case.id]), "{file}");
            assert!(!posting.source_id.is_empty(), "{file}");
            let url = element.pointer(case.url).and_then(Value::as_str);
            assert_eq!(posting.url.as_deref(), url, "{file}");
            assert!(
                posting.url.is_some(),
                "{file}: every posting of the corpus has a URL"
            );
            ids.insert(posting.source_id.clone());
        }
        assert_eq!(ids.len(), case.distinct_ids, "{file}");
    }
}

#[test]
fn adzuna_payloads_keep_key_order_number_text_and_escapes() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let postings = accepted(&dir, "adzuna", "adzuna/job_finder_us_search.json");
    assert_eq!(postings[0].source_id, "5291949745");
    assert!(
        postings[0].payload.starts_with(
            r#"{"salary_min":119228.48,"location":{"display_name":"Barstow, Calvert County","#
        ),
        "{}",
        postings[0].payload
    );
    // The file writes "…" as \u2026; so must the payload.
    assert!(postings.iter().any(|p| p.payload.contains(r"\u2026")));
}

#[test]
fn adzuna_merged_file_repeats_jobs_with_only_tracking_fields_changed() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let file = "adzuna/job_market_fr_results_2000_merged.json";
    let mut first_seen = std::collections::HashMap::new();
    let mut repeats = 0;
    for posting in accepted(&dir, "adzuna", file) {
        let mut job: Value =
            serde_json::from_str(&posting.payload).unwrap_or_else(|e| panic!("{e}"));
        let Some(fields) = job.as_object_mut() else {
            panic!("{file}: not an object")
        };
        fields.remove("adref");
        fields.remove("redirect_url");
        match first_seen.get(&posting.source_id) {
            None => {
                first_seen.insert(posting.source_id, job);
            }
            Some(first) => {
                repeats += 1;
                assert_eq!(first, &job, "{file}: {}", posting.source_id);
            }
        }
    }
    assert_eq!(repeats, 9);
}

#[test]
fn truncated_adzuna_file_is_refused_with_the_position_of_its_end() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let file = "adzuna/personalizedjoblist_us_search_2020_TRUNCATED.json";
    let err = split(&dir, "adzuna", file)
        .err()
        .unwrap_or_else(|| panic!("{file} accepted"));
    assert!(
        matches!(
            err,
            SourceError::NotJson {
                line: 1,
                column: 57344,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "not valid JSON at line 1, column 57344: EOF while parsing a string"
    );
}

#[test]
fn remotive_file_with_a_bom_is_read() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let file = "remotive/workverse_remote_jobs.json";
    assert!(
        read(&dir, file).starts_with(b"\xEF\xBB\xBF"),
        "the corpus file has a BOM"
    );
    let postings = accepted(&dir, "remotive", file);
    assert_eq!(postings[0].source_id, "2090903");
    assert!(postings.iter().all(|p| p.payload.starts_with(r#"{"id":"#)));
}

#[test]
fn remoteok_skips_its_legal_notice_and_keeps_escapes() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let postings = accepted(&dir, "remoteok", "remoteok/resume_helper_remoteok_api.json");
    assert!(postings.iter().all(|p| !p.payload.contains("\"legal\":")));
    assert_eq!(postings[0].source_id, "1130788");
    // URLs come unescaped, payloads as written: `\/` and the mojibake of "Gdańsk".
    assert_eq!(
        postings[0].url.as_deref(),
        Some(
            "https://remoteOK.com/remote-jobs/\
             remote-benefits-advisor-leadership-training-program-fisher-agencies-1130788"
        )
    );
    assert!(
        postings[0]
            .payload
            .contains(r#""url":"https:\/\/remoteOK.com\/"#)
    );
    assert!(
        postings
            .iter()
            .any(|p| p.payload.contains(r"Gda\u00c5\u0084sk"))
    );
}

#[test]
fn jooble_ids_keep_their_sign_and_digits_and_reed_its_number_text() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let jooble = accepted(&dir, "jooble", "jooble/taxlyacademy_jooble_search.json");
    assert_eq!(jooble[0].source_id, "-8199415145248694944");
    assert!(
        jooble[0]
            .payload
            .ends_with(r#","id":-8199415145248694944}"#),
        "{}",
        jooble[0].payload
    );
    // The snippets' \r\n escapes stay escapes.
    assert!(jooble.iter().any(|p| p.payload.contains(r"\r\n")));
    let reed = accepted(&dir, "reed", "reed/taxlyacademy_reed_search.json");
    assert_eq!(reed[0].source_id, "55408327");
    assert!(reed[0].payload.contains(r#""minimumSalary":21600.0,"#));
}

#[test]
fn job_posting_pages_yield_exactly_their_job_posting() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let topjobs = accepted(
        &dir,
        "jsonld",
        "html/topjobs_lk_jobposting_accounts_executive.html",
    );
    assert_eq!(topjobs.len(), 1);
    let posting = &topjobs[0];
    // Neither identifier nor url: the id is the payload's hash.
    assert_eq!(posting.source_id, hash_id(&posting.payload));
    assert_eq!(posting.url, None);
    assert!(posting.payload.contains(r#""title":"Accounts Executive ""#));
    assert!(
        posting
            .payload
            .contains(r#""validThrough":"2026-07-10T00:00:00+0530""#)
    );
    assert!(posting.payload.contains("</br>"));

    let workday = accepted(
        &dir,
        "jsonld",
        "html/workday_autodesk_jobposting_fr_en.html",
    );
    assert_eq!(workday.len(), 1);
    assert_eq!(workday[0].source_id, "24WD81528");
    assert_eq!(workday[0].url, None);
    assert!(
        workday[0]
            .payload
            .starts_with(r#"{"jobLocation":{"@type":"Place","#)
    );
    assert!(workday[0].payload.contains("(M&amp;E)"));

    for posting in topjobs.iter().chain(&workday) {
        assert!(!posting.payload.contains(['\n', '\r', '\t']));
        let value: Value = serde_json::from_str(&posting.payload).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value["@type"], "JobPosting");
    }
}

#[test]
fn pages_without_a_job_posting_are_refused_saying_what_they_hold() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let cases = [
        (
            "bosszhipin_cn_job_detail_autocad_engineer.html",
            "the page has 1 application/ld+json block, with 1 object without @type",
        ),
        (
            "hellowork_fr_search_results_dom_snapshot.html",
            "the page has 3 application/ld+json blocks, with @types [WebSite, Organization, \
             BreadcrumbList]",
        ),
        (
            "indeed_us_search_results_2024.html",
            "the page has no application/ld+json script block",
        ),
        (
            "jordan_gov_recruitment_job_detail_ar.html",
            "the page has no application/ld+json script block",
        ),
        (
            "jordan_gov_recruitment_vacancies_list_ar.html",
            "the page has no application/ld+json script block",
        ),
        (
            "linkedin_guest_jobs_search_kh_fragment.html",
            "the page has no application/ld+json script block",
        ),
        (
            "portaljob_madagascar_list_page1.html",
            "the page has no application/ld+json script block",
        ),
    ];
    for (file, reason) in cases {
        let file = format!("html/{file}");
        match split(&dir, "jsonld", &file) {
            Err(SourceError::NoJobPosting(found)) => assert_eq!(found, reason, "{file}"),
            other => panic!("{file}: expected a NoJobPosting refusal, got {other:?}"),
        }
    }
}

#[test]
fn each_corpus_file_is_accepted_by_its_own_parser_only() {
    let Some(dir) = crate::util::corpus() else {
        return;
    };
    let mut files = Vec::new();
    for folder in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let folder = folder.unwrap_or_else(|e| panic!("{e}")).path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{e}")) {
            files.push(file.unwrap_or_else(|e| panic!("{e}")).path());
        }
    }
    files.sort();
    assert_eq!(files.len(), 23, "the corpus has 23 data files");
    let job_posting_pages = [
        "html/topjobs_lk_jobposting_accounts_executive.html",
        "html/workday_autodesk_jobposting_fr_en.html",
    ];
    for path in &files {
        let Ok(relative) = path.strip_prefix(&dir) else {
            panic!("{} is outside the corpus", path.display())
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        let own = relative.split('/').next().unwrap_or_default();
        let bytes = read(&dir, &relative);
        for source in source_names() {
            let parser = parser_for(source).unwrap_or_else(|e| panic!("{e}"));
            let outcome = parser.split(&bytes).map(|postings| postings.len());
            let expected = match *source {
                "jsonld" => job_posting_pages.contains(&relative.as_str()),
                _ => own == *source && !relative.ends_with("_TRUNCATED.json"),
            };
            assert_eq!(
                outcome.is_ok(),
                expected,
                "{source} on {relative}: {outcome:?}"
            );
        }
    }
}
