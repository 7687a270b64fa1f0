-- The dashboard's cube: postings per combination of the filters (month, job family, source,
-- country, region, contract, remote) that has any. Every tile and chart of `joblake
-- dashboard` is a sum over the cells that pass the filters (web/CONTRACT.md).
-- grain: month, job_family, source, country, region, contract_type, remote
-- materialized: table
-- unique: month, job_family, source, country, region, contract_type, remote
-- not_null: month, job_family, source, country, region, contract_type, remote, postings, salaried
SELECT
    month, job_family, source, country, region, contract_type, remote,
    count(*) AS postings,
    count(salary_eur) AS salaried
FROM gold.dash_postings
GROUP BY month, job_family, source, country, region, contract_type, remote
