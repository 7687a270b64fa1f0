-- Postings of the 500 companies with the most postings, per dashboard cell (the page's
-- "top hiring companies" under any filter; bounded whatever the number of companies).
-- grain: month, job_family, source, country, region, contract_type, remote, company
-- materialized: table
-- unique: month, job_family, source, country, region, contract_type, remote, company
-- not_null: month, job_family, source, country, region, contract_type, remote, company, postings
WITH top AS (
    SELECT company
    FROM gold.dash_postings
    GROUP BY company
    ORDER BY count(*) DESC, company
    LIMIT 500
)
SELECT
    p.month, p.job_family, p.source, p.country, p.region, p.contract_type, p.remote, p.company,
    count(*) AS postings
FROM gold.dash_postings p
JOIN top t ON t.company = p.company
GROUP BY p.month, p.job_family, p.source, p.country, p.region, p.contract_type, p.remote, p.company
