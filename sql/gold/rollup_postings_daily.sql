-- Postings and their listings per posted day, job family and source: the fact counted over time. Star queries over time at this grain or coarser (per month, per family, per source) are answered from it (engine/rollups.rs).
-- grain: date_key, job_family_key, source_key
-- materialized: table
-- rollup: true
-- unique: date_key, job_family_key, source_key
-- not_null: date_key, job_family_key, source_key, postings, listings
-- At 10M postings "postings per family and month" grouped 4.7M fact rows (99-109 ms); this
-- holds one row per day, family and source (docs/performance.md).
SELECT
    f.date_key,
    f.job_family_key,
    f.source_key,
    count(*) AS postings,
    sum(f.listings) AS listings
FROM gold.fact_job_posting f
GROUP BY f.date_key, f.job_family_key, f.source_key
