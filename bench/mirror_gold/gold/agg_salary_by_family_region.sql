-- Synthetic agg_salary_by_family_region for the mirror benchmark.
-- materialized: table
-- mirror: aggregate
SELECT 'family_' || CAST(job_family_key AS VARCHAR) AS job_family, 'FR' AS country,
       'Région ' || CAST(location_key % 13 AS VARCHAR) AS region,
       count(salary_annual_mid_eur) AS postings_with_salary,
       min(salary_annual_mid_eur) AS salary_p25_eur, avg(salary_annual_mid_eur) AS salary_median_eur,
       max(salary_annual_mid_eur) AS salary_p75_eur, avg(salary_annual_mid_eur) AS salary_mean_eur
FROM gold.fact_job_posting GROUP BY 1, 2, 3
