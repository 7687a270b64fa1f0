-- Synthetic agg_postings_daily for the mirror benchmark.
-- materialized: table
-- mirror: aggregate
SELECT posted_date, 'source_' || CAST(source_key AS VARCHAR) AS source,
       'family_' || CAST(job_family_key AS VARCHAR) AS job_family, count(*) AS postings,
       sum(CASE WHEN remote THEN 1 ELSE 0 END) AS remote_postings,
       count(salary_annual_mid_eur) AS postings_with_salary
FROM gold.fact_job_posting GROUP BY 1, 2, 3
