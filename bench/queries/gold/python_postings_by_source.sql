-- Postings asking for Python, by source: the skill bridge joined to the fact and two dimensions.
SELECT src.source_name, src.source_kind, count(*) AS postings
FROM gold.bridge_posting_skill b
JOIN gold.dim_skill k ON k.skill_key = b.skill_key
JOIN gold.fact_job_posting f ON f.posting_key = b.posting_key
JOIN gold.dim_source src ON src.source_key = f.source_key
WHERE k.skill = 'Python'
GROUP BY src.source_name, src.source_kind
ORDER BY postings DESC
