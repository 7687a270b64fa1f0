-- Median annual salary (EUR) per country and job family, from the fact and the location dimension.
SELECT l.country_name, j.job_family_name, count(*) AS postings,
       round(median(f.salary_annual_mid_eur)) AS median_salary_eur
FROM gold.fact_job_posting f
JOIN gold.dim_location l ON l.location_key = f.location_key
JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key
WHERE f.salary_annual_mid_eur IS NOT NULL
GROUP BY l.country_name, j.job_family_name
HAVING count(*) >= 5
ORDER BY postings DESC
LIMIT 50
