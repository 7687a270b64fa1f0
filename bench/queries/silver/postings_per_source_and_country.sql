-- Raw records per source and country, with the share that carries a salary.
SELECT source, country, count(*) AS records,
       round(avg(CASE WHEN salary_annual_mid_eur IS NULL THEN 0.0 ELSE 1.0 END), 3) AS with_salary
FROM silver.posting_records
GROUP BY source, country
ORDER BY records DESC
