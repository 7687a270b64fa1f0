-- Hiring companies per month: postings per company and its rank in the month.
-- grain: posted_month, company_key
-- materialized: table
-- mirror: aggregate
-- unique: posted_month, company_key
-- not_null: posted_month, company_key, company_name, postings
-- relationships: company_key -> gold.dim_company.company_key
WITH monthly AS (
    SELECT
        posted_month,
        stable_key(normalize_company(company)) AS company_key,
        count(*) AS postings,
        count(DISTINCT job_family) AS job_families,
        sum(CASE WHEN remote THEN 1 ELSE 0 END) AS remote_postings
    FROM silver.job_postings
    GROUP BY posted_month, stable_key(normalize_company(company))
)
SELECT
    m.posted_month,
    m.company_key,
    c.company_name,
    m.postings,
    m.job_families,
    m.remote_postings,
    rank() OVER (PARTITION BY m.posted_month ORDER BY m.postings DESC) AS rank_in_month
FROM monthly m
JOIN gold.dim_company c ON c.company_key = m.company_key
