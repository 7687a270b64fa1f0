-- Arbeitnow job-board postings from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Arbeitnow gives no salary; location is "Munich" or "Munich, Bavaria, Germany"; job_types mixes contract and seniority labels
-- (["full time", "Berufserfahren"]); created_at is in unix seconds.
SELECT
    bronze_file,
    bronze_line,
    ingest_date,
    source,
    source_id,
    fetched_at,
    run_id,
    coalesce(json_get_str(payload, 'url'), url) AS url,
    parse_error,
    json_get_str(payload, 'title') AS title,
    json_get_str(payload, 'company_name') AS company,
    json_get_str(payload, 'description') AS description,
    trim(split_part(json_get_str(payload, 'location'), ',', 1)) AS city,
    CASE WHEN json_get_str(payload, 'location') LIKE '%,%,%'
         THEN trim(split_part(json_get_str(payload, 'location'), ',', 2)) END AS region,
    CASE WHEN json_get_str(payload, 'location') LIKE '%,%'
         THEN trim(reverse(split_part(reverse(json_get_str(payload, 'location')), ',', 1))) END AS country,
    CAST(NULL AS VARCHAR) AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    json_get_bool(payload, 'remote') AS remote,
    json_get_json(payload, 'job_types') AS contract_raw,
    json_get_json(payload, 'job_types') AS working_time_raw,
    CAST(NULL AS DOUBLE) AS salary_min,
    CAST(NULL AS DOUBLE) AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    CAST(NULL AS VARCHAR) AS salary_text,
    false AS salary_predicted,
    json_as_text(payload, 'created_at') AS posted_raw,
    CAST(NULL AS VARCHAR) AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM bronze.arbeitnow
