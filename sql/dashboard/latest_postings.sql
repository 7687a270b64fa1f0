-- The dashboard's posting list (web/CONTRACT.md `postings`): the latest postings with their
-- cell, so that the search box respects the filters. Bounded: the page lists at most this many.
SELECT
    month, job_family, source, country, region, contract_type, remote,
    title, company, url, CAST(posted_date AS VARCHAR) AS posted_date, city, salary_eur
FROM gold.dash_postings
ORDER BY posted_date DESC, posting_id
LIMIT 5000
