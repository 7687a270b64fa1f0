-- The dashboard's posting list (web/CONTRACT.md `postings`): the latest postings with their
-- cell, so that the search box respects the filters. Bounded: the page lists at most this many.
-- Where a posting states no salary, the salary model's estimate and its interval
-- (gold.fact_posting_prediction; none before `joblake train`), which the page marks as such.
WITH latest AS (
    SELECT
        posting_id, month, job_family, source, country, region, contract_type, remote,
        title, company, url, posted_date, city, salary_eur
    FROM gold.dash_postings
    ORDER BY posted_date DESC, posting_id
    LIMIT 5000
)
SELECT
    l.month, l.job_family, l.source, l.country, l.region, l.contract_type, l.remote,
    l.title, l.company, l.url, CAST(l.posted_date AS VARCHAR) AS posted_on, l.city, l.salary_eur,
    CASE WHEN l.salary_eur IS NULL THEN p.predicted_salary_eur END AS salary_estimate_eur,
    CASE WHEN l.salary_eur IS NULL THEN p.salary_low_eur END AS salary_estimate_low_eur,
    CASE WHEN l.salary_eur IS NULL THEN p.salary_high_eur END AS salary_estimate_high_eur,
    CASE WHEN l.salary_eur IS NULL THEN p.interval_level END AS salary_estimate_level
FROM latest l
LEFT JOIN gold.fact_posting_prediction p ON p.posting_id = l.posting_id
ORDER BY l.posted_date DESC, l.posting_id
