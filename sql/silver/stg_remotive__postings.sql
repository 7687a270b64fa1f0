-- Remotive remote jobs from bronze, renamed and cast; one row per bronze record.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Every Remotive job is remote; candidate_required_location is where candidates may live
-- ("Worldwide", "Europe", "USA"): a country when it names one, never a region or a city of
-- work; salary is free text; publication_date has no time zone (taken as UTC).
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
    CAST(NULL AS VARCHAR) AS city,
    CAST(NULL AS VARCHAR) AS region,
    -- A list of places ("Americas, Europe, Israel", "USA, Canada") is open to several
    -- countries: no one country.
    CASE WHEN json_get_str(payload, 'candidate_required_location') NOT LIKE '%,%'
         THEN json_get_str(payload, 'candidate_required_location') END AS country,
    CAST(NULL AS VARCHAR) AS postal_code,
    CAST(NULL AS DOUBLE) AS latitude,
    CAST(NULL AS DOUBLE) AS longitude,
    true AS remote,
    -- Remotive's "contract" is a contractor's engagement (freelance), not a fixed-term contract.
    CASE WHEN json_get_str(payload, 'job_type') = 'contract' THEN 'contractor'
         ELSE json_get_str(payload, 'job_type') END AS contract_raw,
    json_get_str(payload, 'job_type') AS working_time_raw,
    CAST(NULL AS DOUBLE) AS salary_min,
    CAST(NULL AS DOUBLE) AS salary_max,
    CAST(NULL AS VARCHAR) AS salary_currency,
    CAST(NULL AS VARCHAR) AS salary_period,
    json_get_str(payload, 'salary') AS salary_text,
    false AS salary_predicted,
    json_get_str(payload, 'publication_date') AS posted_raw,
    json_get_str(payload, 'category') AS category_raw,
    CAST(NULL AS VARCHAR) AS departement_raw
FROM bronze.remotive
