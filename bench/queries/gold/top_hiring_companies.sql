-- The companies that posted the most in the last month.
SELECT c.company_name, count(*) AS postings
FROM gold.fact_job_posting f
JOIN gold.dim_company c ON c.company_key = f.company_key
JOIN gold.dim_date d ON d.date_key = f.date_key
WHERE d.date >= (SELECT max(date) FROM gold.dim_date) - INTERVAL '30 days'
GROUP BY c.company_name
ORDER BY postings DESC
LIMIT 25
