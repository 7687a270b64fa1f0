-- Postings per job family and month: the star's fact joined to two dimensions.
SELECT d.year_month, j.job_family_name, count(*) AS postings, sum(f.listings) AS listings
FROM gold.fact_job_posting f
JOIN gold.dim_date d ON d.date_key = f.date_key
JOIN gold.dim_job_family j ON j.job_family_key = f.job_family_key
GROUP BY d.year_month, j.job_family_name
ORDER BY d.year_month, postings DESC
