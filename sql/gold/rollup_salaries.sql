-- Postings per place, job family and annual salary (EUR), estimated or not: the fact's salary distribution, counted. Star queries over salaries at this grain or coarser (medians included) are answered from it (engine/rollups.rs).
-- grain: location_key, job_family_key, salary_annual_mid_eur, salary_predicted
-- materialized: table
-- rollup: true
-- unique: location_key, job_family_key, salary_annual_mid_eur, salary_predicted
-- not_null: location_key, job_family_key, postings
-- Salaries repeat (offers round them): at 10M postings 4.68M fact rows make about 508k rows.
SELECT
    f.location_key,
    f.job_family_key,
    f.salary_annual_mid_eur,
    f.salary_predicted,
    count(*) AS postings
FROM gold.fact_job_posting f
GROUP BY f.location_key, f.job_family_key, f.salary_annual_mid_eur, f.salary_predicted
