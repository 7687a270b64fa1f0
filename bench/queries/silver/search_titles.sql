-- A search an analyst types: data engineering roles in France asking for Spark, newest first.
SELECT posted_date, title, company, city, salary_annual_mid_eur
FROM silver.job_postings
WHERE country = 'FR' AND (title ILIKE '%data engineer%' OR title ILIKE '%ingénieur data%') AND array_has(skills, 'Apache Spark')
ORDER BY posted_date DESC
LIMIT 50
