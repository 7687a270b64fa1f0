-- Gold's fact table holds exactly the postings of silver: one fact row per silver posting.
SELECT 'count mismatch' AS problem, f.n AS fact_rows, s.n AS silver_rows
FROM (SELECT count(*) AS n FROM gold.fact_job_posting) f,
     (SELECT count(*) AS n FROM silver.job_postings) s
WHERE f.n <> s.n
