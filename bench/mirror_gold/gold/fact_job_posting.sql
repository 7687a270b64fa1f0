-- A synthetic fact table of {rows} postings for the mirror benchmark: every column type of the
-- real one, realistic NULL rates (a quarter without salary), keys spread over the dimensions.
-- materialized: table
-- mirror: star
SELECT
    value AS posting_key,
    'bench-' || CAST(value AS VARCHAR) AS posting_id,
    CAST(to_char(CAST(CAST(20454 + value % 300 AS INT) AS DATE), '%Y%m%d') AS BIGINT) AS date_key,
    value % 20000 AS company_key,
    value % 500 AS location_key,
    value % 15 AS job_family_key,
    value % 20 AS contract_key,
    value % 6 AS source_key,
    'Senior Data Engineer (H/F) - équipe plateforme ' || CAST(value % 1000 AS VARCHAR) AS title,
    'https://jobs.example.com/offers/' || CAST(value AS VARCHAR) AS url,
    value % 3 = 0 AS remote,
    CASE WHEN value % 4 = 0 THEN NULL ELSE 'EUR' END AS salary_currency,
    CASE WHEN value % 4 = 0 THEN NULL ELSE 'year' END AS salary_period,
    CASE WHEN value % 4 = 0 THEN NULL ELSE 40000.0 + (value % 50) * 1000.0 END AS salary_annual_min,
    CASE WHEN value % 4 = 0 THEN NULL ELSE 50000.0 + (value % 50) * 1000.0 END AS salary_annual_max,
    CASE WHEN value % 4 = 0 THEN NULL ELSE 45000.0 + (value % 50) * 1000.0 END AS salary_annual_mid_eur,
    value % 7 = 0 AS salary_predicted,
    value % 12 AS skill_count,
    1 + value % 3 AS listings,
    1 + value % 2 AS source_count,
    CAST(CAST(20454 + value % 300 AS INT) AS DATE) AS posted_date,
    to_timestamp_seconds(1767225600 + (value % 300) * 86400 + value % 86400) AS first_seen,
    to_timestamp_seconds(1767225600 + (value % 300) * 86400 + value % 86400 + 3600) AS last_seen,
    to_char(CAST(CAST(20454 + value % 300 AS INT) AS DATE), '%Y-%m') AS posted_month
FROM range(0, {rows})
