-- Quarantine: bronze records that failed validation, with the reason and where they are in bronze.
-- grain: bronze_file, bronze_line
-- materialized: table
-- unique: bronze_file, bronze_line
-- not_null: bronze_file, bronze_line, source, reject_reason
SELECT
    bronze_file,
    bronze_line,
    source,
    source_id,
    fetched_at,
    url,
    title,
    company,
    split_part(reject_reason, ':', 1) AS reject_code,
    reject_reason
FROM silver.posting_records
WHERE reject_reason IS NOT NULL
