-- Hiring companies per month: postings per company and its rank in the month.
-- grain: posted_month, company_key
-- materialized: table
-- mirror: aggregate
-- unique: posted_month, company_key
-- not_null: posted_month, company_key, company_name, postings
-- relationships: company_key -> gold.dim_company.company_key
-- Counted from the fact table, whose rows carry each posting's company and family keys: from
-- silver.job_postings every company name was normalized and hashed again, and families were
-- told apart by name (0.70 s at 1M postings, against 0.05 s). Counting family keys counts
-- families: dim_job_family has a row per family and its unique test on the key runs each refresh.
WITH monthly AS (
    SELECT
        posted_month,
        company_key,
        count(*) AS postings,
        count(DISTINCT job_family_key) AS job_families,
        sum(CASE WHEN remote THEN 1 ELSE 0 END) AS remote_postings
    FROM gold.fact_job_posting
    GROUP BY posted_month, company_key
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
