-- Job families (data scientist, data engineer, ...): the classification of posting titles.
-- grain: job_family_key
-- materialized: table
-- mirror: star
-- unique: job_family_key
-- not_null: job_family_key, job_family
SELECT
    stable_key(job_family) AS job_family_key,
    job_family,
    initcap(replace(job_family, '_', ' ')) AS job_family_name
FROM (
    SELECT DISTINCT family AS job_family FROM ref.job_families
    UNION SELECT 'other'
    UNION SELECT DISTINCT job_family FROM silver.job_postings
) f
