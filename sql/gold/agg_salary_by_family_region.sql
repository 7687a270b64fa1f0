-- Annual salary distribution (EUR) per job family and region: count, quartiles, mean. Excludes salaries the source itself estimated.
-- grain: job_family, country, region
-- materialized: table
-- mirror: aggregate
-- not_null: job_family, postings_with_salary, salary_median_eur
SELECT
    job_family,
    country,
    coalesce(region, '(unknown)') AS region,
    count(*) AS postings_with_salary,
    percentile_cont(0.25) WITHIN GROUP (ORDER BY salary_annual_mid_eur) AS salary_p25_eur,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY salary_annual_mid_eur) AS salary_median_eur,
    percentile_cont(0.75) WITHIN GROUP (ORDER BY salary_annual_mid_eur) AS salary_p75_eur,
    -- The mean of the salaries in whole cents, summed as integers: a float sum depends on the
    -- order parallel partitions (or a cluster's tasks) add up in, and even rounded to the cent
    -- a mean on a half cent came out .70 on one machine and .71 on the cluster.
    round(CAST(sum(CAST(round(salary_annual_mid_eur * 100) AS BIGINT)) AS DOUBLE) / count(*) / 100, 2)
        AS salary_mean_eur
FROM silver.job_postings
WHERE salary_annual_mid_eur IS NOT NULL AND NOT salary_predicted
GROUP BY job_family, country, coalesce(region, '(unknown)')
