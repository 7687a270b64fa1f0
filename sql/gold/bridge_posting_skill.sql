-- Which skills each posting asks for: one row per (posting, skill).
-- grain: posting_key, skill_key
-- materialized: table
-- mirror: star
-- unique: posting_key, skill_key
-- relationships: posting_key -> gold.fact_job_posting.posting_key; skill_key -> gold.dim_skill.skill_key
-- No DISTINCT: posting_id is unique in job_postings and a posting lists each skill once (the
-- extractor deduplicates them), which the unique test above checks. Grouping every pair held
-- the peak of a 10M refresh (20.4M rows, docs/performance.md).
-- Stored in skill order: a query about one skill reads the few row groups that hold it (the
-- join with dim_skill prunes the rest by their statistics; at 1M postings Python's rows are 3
-- of 18 row groups).
-- A posting's key is taken once, before its skills are unnested (558k keys at 1M postings,
-- not 2.27M: 0.62 -> 0.39 s for the query).
SELECT
    posting_key,
    stable_key(skill) AS skill_key
FROM (SELECT stable_key(posting_id) AS posting_key, unnest(skills) AS skill FROM silver.job_postings) s
ORDER BY skill_key, posting_key
