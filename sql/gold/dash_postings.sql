-- The postings as the dashboard filters them (web/CONTRACT.md): each with its cell, the
-- combination of period, job family, source, country, region, contract and remote a reader
-- can filter by. The dash_* tables aggregate it; a view, so nothing is stored twice.
-- grain: posting_id
-- materialized: view
SELECT
    posting_id,
    posted_month AS month,
    job_family,
    primary_source AS source,
    coalesce(country, '') AS country,
    coalesce(region, '') AS region,
    coalesce(contract_type, 'unknown') AS contract_type,
    remote,
    departement,
    company,
    title,
    url,
    city,
    posted_date,
    skills,
    -- Comparable annual pay: stated by the posting, in EUR, plausible.
    CASE WHEN NOT salary_predicted THEN salary_annual_mid_eur END AS salary_eur
FROM silver.job_postings
