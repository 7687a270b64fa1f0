-- Synthetic dim_contract for the mirror benchmark.
-- materialized: table
-- mirror: star
SELECT value AS contract_key, 'contract_' || CAST(value % 5 AS VARCHAR) AS contract_type,
       'time_' || CAST(value AS VARCHAR) AS working_time
FROM range(0, 20)
