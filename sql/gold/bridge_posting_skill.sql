-- Which skills each posting asks for: one row per (posting, skill).
-- grain: posting_key, skill_key
-- materialized: table
-- mirror: star
-- unique: posting_key, skill_key
-- relationships: posting_key -> gold.fact_job_posting.posting_key; skill_key -> gold.dim_skill.skill_key
SELECT DISTINCT
    stable_key(posting_id) AS posting_key,
    stable_key(skill) AS skill_key
FROM (SELECT posting_id, unnest(skills) AS skill FROM silver.job_postings) s
