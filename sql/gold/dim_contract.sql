-- Contract type (permanent, fixed term, freelance...) by working time (full or part time).
-- grain: contract_key
-- materialized: table
-- mirror: star
-- unique: contract_key
-- not_null: contract_key, contract_type, working_time
SELECT
    stable_key(contract_type, working_time) AS contract_key,
    contract_type,
    working_time
FROM (
    SELECT DISTINCT coalesce(contract_type, 'unknown') AS contract_type,
                    coalesce(working_time, 'unknown') AS working_time
    FROM silver.job_postings
) c
