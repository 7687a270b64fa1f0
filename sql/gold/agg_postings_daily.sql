-- Postings per day, source and job family (a posting on two sources counts once for each).
-- grain: posted_date, source, job_family
-- materialized: table
-- unique: posted_date, source, job_family
-- not_null: posted_date, source, job_family, postings
SELECT
    p.posted_date,
    s.source,
    p.job_family,
    count(DISTINCT p.posting_id) AS postings,
    count(DISTINCT CASE WHEN p.remote THEN p.posting_id END) AS remote_postings,
    count(DISTINCT CASE WHEN p.salary_annual_mid_eur IS NOT NULL THEN p.posting_id END) AS postings_with_salary
FROM silver.job_postings p
JOIN silver.posting_sources s ON s.posting_id = p.posting_id
GROUP BY p.posted_date, s.source, p.job_family
