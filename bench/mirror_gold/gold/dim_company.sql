-- Synthetic dim_company for the mirror benchmark.
-- materialized: table
-- mirror: star
SELECT value AS company_key, 'company ' || CAST(value AS VARCHAR) AS company_norm,
       'Company ' || CAST(value AS VARCHAR) || ' SAS' AS company_name, value % 90 AS postings
FROM range(0, 20000)
