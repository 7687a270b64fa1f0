-- Skill demand per month and job family: postings asking for the skill and their share of the family's postings.
-- grain: posted_month, job_family, skill
-- materialized: table
-- mirror: aggregate
-- unique: posted_month, job_family, skill
-- not_null: posted_month, job_family, skill, postings, share
WITH totals AS (
    SELECT posted_month, job_family, count(*) AS family_postings
    FROM silver.job_postings
    GROUP BY posted_month, job_family
),
-- A posting lists each skill once (extract_skills deduplicates; bridge_posting_skill's unique
-- test holds it), so count(*) is the number of postings: count(DISTINCT posting_id) grouped
-- 1.7M (group, posting) pairs at 1M postings, and failed to spill under a memory limit.
skills AS (
    SELECT posted_month, job_family, skill, count(*) AS postings
    FROM (SELECT posting_id, posted_month, job_family, unnest(skills) AS skill FROM silver.job_postings) x
    GROUP BY posted_month, job_family, skill
)
SELECT
    s.posted_month,
    s.job_family,
    s.skill,
    d.family AS skill_family,
    s.postings,
    t.family_postings,
    CAST(s.postings AS DOUBLE) / t.family_postings AS share
FROM skills s
JOIN totals t ON t.posted_month = s.posted_month AND t.job_family = s.job_family
LEFT JOIN ref.skills d ON d.skill = s.skill
