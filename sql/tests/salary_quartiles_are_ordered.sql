-- Salary quartiles are ordered and positive: p25 <= median <= p75.
SELECT job_family, country, region, salary_p25_eur, salary_median_eur, salary_p75_eur
FROM gold.agg_salary_by_family_region
WHERE salary_p25_eur > salary_median_eur + 0.01
   OR salary_median_eur > salary_p75_eur + 0.01
   OR salary_p25_eur <= 0
