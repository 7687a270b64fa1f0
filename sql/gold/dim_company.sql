-- Hiring companies, one row per normalized company name (legal forms and case folded together).
-- grain: company_key
-- materialized: table
-- mirror: star
-- unique: company_key
-- not_null: company_key, company_name
WITH names AS (
    SELECT normalize_company(company) AS company_norm, company, count(*) AS n
    FROM silver.job_postings
    GROUP BY 1, 2
)
SELECT
    stable_key(company_norm) AS company_key,
    company_norm,
    first_value(company ORDER BY n DESC, company) AS company_name,
    CAST(sum(n) AS BIGINT) AS postings
FROM names
GROUP BY company_norm
