-- Synthetic agg_skill_demand_monthly for the mirror benchmark.
-- materialized: table
-- mirror: aggregate
SELECT f.posted_month, 'family_' || CAST(f.job_family_key AS VARCHAR) AS job_family,
       'Skill ' || CAST(b.skill_key AS VARCHAR) AS skill, 'family' AS skill_family,
       count(*) AS postings, count(*) * 10 AS family_postings, 0.1 AS share
FROM gold.fact_job_posting f JOIN gold.bridge_posting_skill b USING (posting_key)
GROUP BY 1, 2, 3
