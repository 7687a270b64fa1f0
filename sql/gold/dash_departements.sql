-- French postings per département and dashboard cell: the data of the page's map.
-- grain: month, job_family, source, country, region, contract_type, remote, departement
-- materialized: table
-- unique: month, job_family, source, country, region, contract_type, remote, departement
-- not_null: month, job_family, source, country, region, contract_type, remote, departement, postings
SELECT
    month, job_family, source, country, region, contract_type, remote, departement,
    count(*) AS postings
FROM gold.dash_postings
WHERE country = 'FR' AND departement IS NOT NULL
GROUP BY month, job_family, source, country, region, contract_type, remote, departement
