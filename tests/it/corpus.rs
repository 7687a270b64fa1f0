//! land → refresh → query on the real recorded responses of the corpus (`JOBLAKE_CORPUS`).

use joblake::pipeline::land_paths;

use crate::util::*;

/// (source, file) pairs of the corpus that joblake must land.
const FILES: &[(&str, &str)] = &[
    ("adzuna", "adzuna/job_finder_us_search.json"),
    ("adzuna", "adzuna/taxlyacademy_gb_search.json"),
    ("adzuna", "adzuna/job_market_fr_results_2000_merged.json"),
    (
        "france_travail",
        "france_travail/sarahlakh_offres_search_150.json",
    ),
    (
        "france_travail",
        "france_travail/offer_agent_offres_search_150_devsecops.json",
    ),
    ("remotive", "remotive/workverse_remote_jobs.json"),
    ("arbeitnow", "arbeitnow/jobscout_job_board_api_page1.json"),
    ("remoteok", "remoteok/resume_helper_remoteok_api.json"),
    (
        "jsonld",
        "html/topjobs_lk_jobposting_accounts_executive.html",
    ),
    ("jsonld", "html/workday_autodesk_jobposting_fr_en.html"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_responses_flow_to_silver_and_gold() {
    let Some(corpus) = corpus() else { return };
    let t = temp_lake();
    for (source, file) in FILES {
        let report = land_paths(&t.lake, source, &[corpus.join(file)])
            .await
            .expect("lands");
        assert!(report.refused.is_empty(), "{file}: {:?}", report.refused);
        assert_eq!(report.landed.len(), 1, "{file}");
    }
    // Malformed real input is refused, naming the file, and lands nothing.
    for (source, file) in [
        (
            "adzuna",
            "adzuna/personalizedjoblist_us_search_2020_TRUNCATED.json",
        ),
        (
            "jsonld",
            "html/bosszhipin_cn_job_detail_autocad_engineer.html",
        ),
        (
            "jsonld",
            "html/hellowork_fr_search_results_dom_snapshot.html",
        ),
    ] {
        let report = land_paths(&t.lake, source, &[corpus.join(file)])
            .await
            .expect("runs");
        assert_eq!(report.refused.len(), 1, "{file} refused");
        assert!(
            report.refused[0]
                .0
                .ends_with(file.rsplit('/').next().unwrap_or(file))
        );
        assert!(report.landed.is_empty());
    }

    run_refresh(&t.lake, false).await;
    let per_source = query_text(
        &t.lake,
        "SELECT source, count(*) AS n FROM silver.posting_records GROUP BY source ORDER BY source",
    )
    .await;
    for expected in [
        "| adzuna         | 2020 |",
        "| arbeitnow      | 100  |",
        "| france_travail | 300  |",
        "| jsonld         | 2    |",
        "| remoteok       | 97   |",
        "| remotive       | 35   |",
    ] {
        assert!(per_source.contains(expected), "{expected} in\n{per_source}");
    }

    // Values match the recorded payloads: every Adzuna job of one response, field by field.
    let raw = std::fs::read(corpus.join("adzuna/job_finder_us_search.json")).expect("read");
    let response: serde_json::Value = serde_json::from_slice(&raw).expect("json");
    let jobs = response["results"].as_array().expect("results");
    for job in jobs {
        let id = job["id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| job["id"].to_string());
        let row = query_text(
            &t.lake,
            &format!(
                "SELECT title, company, salary_min, salary_currency, salary_period FROM silver.posting_records WHERE source = 'adzuna' AND source_id = '{id}'"
            ),
        )
        .await;
        let title = job["title"]
            .as_str()
            .expect("title")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(row.contains(&title), "{title} in\n{row}");
        if let Some(min) = job["salary_min"].as_f64() {
            assert!(row.contains(&format!("{min}")), "salary {min} in\n{row}");
            assert!(row.contains("USD") && row.contains("year"), "{row}");
        }
    }

    // France Travail salaries are text; a good share of the offers that have one are parsed.
    let ft_salaries = query_i64(
        &t.lake,
        "SELECT count(*) FROM silver.posting_records WHERE source = 'france_travail' AND salary_text LIKE 'Mensuel%' AND salary_min > 1000 AND salary_period = 'month' AND salary_currency = 'EUR'",
    )
    .await;
    assert!(
        ft_salaries > 20,
        "parsed monthly France Travail salaries: {ft_salaries}"
    );
    let ft_regions = query_i64(
        &t.lake,
        "SELECT count(*) FROM silver.job_postings WHERE primary_source = 'france_travail' AND region IS NOT NULL",
    )
    .await;
    assert!(
        ft_regions > 200,
        "regions from département codes: {ft_regions}"
    );
    let html = query_i64(
        &t.lake,
        "SELECT count(*) FROM silver.job_postings WHERE description LIKE '%</%' OR description LIKE '%&amp;%'",
    )
    .await;
    assert_eq!(html, 0, "descriptions are plain text");
    let workday = query_text(
        &t.lake,
        "SELECT city, country FROM silver.job_postings WHERE primary_source = 'jsonld' ORDER BY city",
    )
    .await;
    assert!(
        workday.contains("CA"),
        "addressCountry \"Canada\" resolved to CA:\n{workday}"
    );
    let fact = query_i64(&t.lake, "SELECT count(*) FROM gold.fact_job_posting").await;
    assert!(fact > 2000, "{fact}");
}
