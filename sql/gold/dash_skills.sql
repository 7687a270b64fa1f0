-- Postings asking for each skill, per dashboard cell.
-- grain: month, job_family, source, country, region, contract_type, remote, skill
-- materialized: table
-- unique: month, job_family, source, country, region, contract_type, remote, skill
-- not_null: month, job_family, source, country, region, contract_type, remote, skill, postings
SELECT
    month, job_family, source, country, region, contract_type, remote, skill,
    count(*) AS postings
FROM (
    SELECT month, job_family, source, country, region, contract_type, remote, unnest(skills) AS skill
    FROM gold.dash_postings
) s
WHERE skill IS NOT NULL
GROUP BY month, job_family, source, country, region, contract_type, remote, skill
