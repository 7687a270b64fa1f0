-- Comparable annual pay (EUR) per dashboard cell, as a histogram of 1,000-EUR bins: medians and
-- box plots under any filter are read from it (a median does not add up across cells).
-- grain: month, job_family, source, country, region, contract_type, remote, bin
-- materialized: table
-- unique: month, job_family, source, country, region, contract_type, remote, bin
-- not_null: month, job_family, source, country, region, contract_type, remote, bin, postings
SELECT
    month, job_family, source, country, region, contract_type, remote,
    CAST(floor(salary_eur / 1000) AS BIGINT) AS bin,
    count(*) AS postings
FROM gold.dash_postings
WHERE salary_eur IS NOT NULL
GROUP BY month, job_family, source, country, region, contract_type, remote, CAST(floor(salary_eur / 1000) AS BIGINT)
