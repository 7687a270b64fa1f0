//! land → refresh → query on the real recorded responses of the corpus (`JOBLAKE_CORPUS`).

use joblake::pipeline::land_paths;

use crate::util::*;

/// (source, file) pairs of the corpus that joblake must land.
pub const FILES: &[(&str, &str)] = &[
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
    ("themuse", "themuse/taxlyacademy_muse_jobs_page1.json"),
    ("reed", "reed/taxlyacademy_reed_search.json"),
    ("jooble", "jooble/taxlyacademy_jooble_search.json"),
    ("findwork", "findwork/taxlyacademy_findwork_jobs.json"),
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
        "| findwork       | 100  |",
        "| france_travail | 300  |",
        "| jooble         | 20   |",
        "| jsonld         | 2    |",
        "| reed           | 100  |",
        "| remoteok       | 97   |",
        "| remotive       | 35   |",
        "| themuse        | 20   |",
    ] {
        assert!(per_source.contains(expected), "{expected} in\n{per_source}");
    }
    // The four newer sources: every record valid (Reed's dd/mm/yyyy dates, Jooble's naive
    // date-times with seven fractional digits read), places split as their sources write them.
    let rejects = "FROM silver.posting_records \
         WHERE source IN ('themuse', 'reed', 'jooble', 'findwork') AND reject_reason IS NOT NULL";
    if query_i64(&t.lake, &format!("SELECT count(*) {rejects}")).await != 0 {
        let rejected = query_text(
            &t.lake,
            &format!("SELECT source, source_id, reject_reason {rejects}"),
        )
        .await;
        panic!("no rejects expected:\n{rejected}");
    }
    for (source, id, holds) in [
        // "City, ST": a US state, not Canada.
        (
            "themuse",
            "18573699",
            "city = 'Paramount' AND region = 'CA' AND country = 'US'",
        ),
        (
            "themuse",
            "18256005",
            "city = 'Madrid' AND region IS NULL AND country = 'ES' \
             AND posted_date = DATE '2025-03-19'",
        ),
        (
            "reed",
            "55408327",
            "city = 'Canterbury' AND country = 'GB' AND posted_date = DATE '2025-07-13' \
             AND salary_min = 21600 AND salary_max = 28800 AND salary_currency = 'GBP'",
        ),
        // A postcode is no city: its area gives the town (ref.uk_postcode_areas).
        (
            "reed",
            "55388456",
            "city = 'Bristol' AND postal_code = 'BS15HH' AND country = 'GB' \
             AND posted_date = DATE '2025-07-09'",
        ),
        (
            "jooble",
            "-8199415145248694944",
            "city = 'Key West' AND region = 'FL' AND country = 'US' \
             AND salary_text = '$140.25k - $189.75k' AND working_time = 'full_time' \
             AND posted_date = DATE '2025-06-30'",
        ),
        (
            "jooble",
            "-3596963650110147502",
            "city = 'Manor' AND region = 'TX' AND contract_type = 'temporary'",
        ),
        // A state alone, a country alone, a city alone.
        (
            "jooble",
            "-4330784865443354935",
            "city IS NULL AND region = 'Arizona' AND country = 'US'",
        ),
        (
            "jooble",
            "-2736667099861758620",
            "city IS NULL AND region IS NULL AND country = 'US'",
        ),
        (
            "jooble",
            "2749104542625030978",
            "city = 'Washington' AND working_time = 'part_time'",
        ),
        // The board gives the country; the text places the worker in a city of it.
        (
            "remotive",
            "2091049",
            "city = 'Campinas' AND country = 'BR'",
        ),
        // A county is the region, not the city; a borough is its city.
        ("reed", "55408320", "city IS NULL AND region = 'Kent'"),
        ("reed", "55408229", "city = 'London'"),
        ("jooble", "6455883872235908552", "city = 'New York'"),
        // A web site where the place should be; the remote flag as given.
        (
            "findwork",
            "Mmj7PWX",
            "city IS NULL AND country IS NULL AND remote AND posted_date = DATE '2025-07-11'",
        ),
        (
            "findwork",
            "n98Z9JX",
            "city = 'Columbus' AND region = 'OH' AND country = 'US' AND NOT remote",
        ),
        (
            "findwork",
            "nYPzAYX",
            "city IS NULL AND region = 'CA' AND country = 'US'",
        ),
        ("findwork", "MrJjrLM", "city IS NULL"),
        (
            "findwork",
            "nvDKdZM",
            "city = 'London' AND country = 'GB' AND working_time = 'full_time'",
        ),
        (
            "findwork",
            "Q62xrZQ",
            "contract_type = 'fixed_term' AND remote",
        ),
    ] {
        let sql = format!(
            "SELECT count(*) FROM silver.posting_records \
             WHERE source = '{source}' AND source_id = '{id}' AND {holds}"
        );
        if query_i64(&t.lake, &sql).await != 1 {
            let row = query_text(
                &t.lake,
                &format!(
                    "SELECT city, region, country, postal_code, remote, contract_type, \
                     working_time, salary_min, salary_max, salary_currency, salary_text, \
                     posted_date FROM silver.posting_records \
                     WHERE source = '{source}' AND source_id = '{id}'"
                ),
            )
            .await;
            panic!("{source} {id}: expected {holds}, found\n{row}");
        }
    }
    assert_eq!(
        query_i64(
            &t.lake,
            "SELECT count(*) FROM silver.posting_records WHERE source = 'findwork' \
             AND (city LIKE '%http%' OR city LIKE '%www.%' OR city LIKE '%(%')"
        )
        .await,
        0,
        "findwork locations that are web sites or notes are not cities"
    );

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
