-- Postings per skill, source, job family, place and contract: the skill bridge joined to the fact and counted. Star queries about skills at this grain or coarser are answered from it (engine/rollups.rs).
-- grain: skill_key, source_key, job_family_key, location_key, contract_key
-- materialized: table
-- rollup: true
-- unique: skill_key, source_key, job_family_key, location_key, contract_key
-- not_null: skill_key, postings
-- At 10M postings the bridge holds 20.4M rows and this about 170k: "Python postings by source"
-- joins 2.65M bridge rows to 4.68M fact rows otherwise (docs/performance.md).
SELECT
    b.skill_key,
    f.source_key,
    f.job_family_key,
    f.location_key,
    f.contract_key,
    count(*) AS postings
FROM gold.fact_job_posting f
JOIN gold.bridge_posting_skill b ON b.posting_key = f.posting_key
GROUP BY b.skill_key, f.source_key, f.job_family_key, f.location_key, f.contract_key
