-- Synthetic agg_hiring_companies_monthly for the mirror benchmark.
-- materialized: table
-- mirror: aggregate
SELECT posted_month, company_key, 'Company ' || CAST(company_key AS VARCHAR) AS company_name,
       count(*) AS postings, count(DISTINCT job_family_key) AS job_families,
       sum(CASE WHEN remote THEN 1 ELSE 0 END) AS remote_postings,
       row_number() OVER (PARTITION BY posted_month ORDER BY count(*) DESC, company_key) AS rank_in_month
FROM gold.fact_job_posting GROUP BY 1, 2
