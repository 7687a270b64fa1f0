-- The fact table: one row per deduplicated posting, with its dimension keys and measures.
-- grain: posting_key
-- materialized: table
-- mirror: star
-- partition_by: posted_month
-- unique: posting_key
-- merge_on: posting_id
-- not_null: posting_key, posting_id, date_key, company_key, location_key, job_family_key, contract_key, source_key
-- relationships: date_key -> gold.dim_date.date_key; company_key -> gold.dim_company.company_key; location_key -> gold.dim_location.location_key; job_family_key -> gold.dim_job_family.job_family_key; contract_key -> gold.dim_contract.contract_key; source_key -> gold.dim_source.source_key
SELECT
    stable_key(posting_id) AS posting_key,
    posting_id,
    CAST(to_char(posted_date, '%Y%m%d') AS BIGINT) AS date_key,
    stable_key(normalize_company(company)) AS company_key,
    stable_key(country, region, city) AS location_key,
    stable_key(job_family) AS job_family_key,
    stable_key(coalesce(contract_type, 'unknown'), coalesce(working_time, 'unknown')) AS contract_key,
    stable_key(primary_source) AS source_key,
    title,
    url,
    remote,
    salary_currency,
    salary_period,
    salary_annual_min,
    salary_annual_max,
    salary_annual_mid_eur,
    salary_predicted,
    CAST(coalesce(array_length(skills), 0) AS BIGINT) AS skill_count,
    CAST(listings AS BIGINT) AS listings,
    CAST(array_length(sources) AS BIGINT) AS source_count,
    posted_date,
    first_seen,
    last_seen,
    posted_month
FROM silver.job_postings
WHERE joblake_pass(posting_id)
