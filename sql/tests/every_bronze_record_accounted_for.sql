-- Nothing disappears silently: every bronze record is in silver.posting_records exactly once;
-- each valid one belongs to a posting listed in silver.posting_sources, each invalid one is in
-- silver.rejects. Returns the records that break this.
WITH b AS (SELECT bronze_file, bronze_line FROM bronze.envelopes),
r AS (SELECT bronze_file, bronze_line, source, source_id, reject_reason FROM silver.posting_records)
SELECT 'in bronze, missing from silver' AS problem, b.bronze_file, b.bronze_line
FROM b LEFT JOIN r ON r.bronze_file = b.bronze_file AND r.bronze_line = b.bronze_line
WHERE r.bronze_file IS NULL
UNION ALL
SELECT 'in silver, not in bronze', r.bronze_file, r.bronze_line
FROM r LEFT JOIN b ON r.bronze_file = b.bronze_file AND r.bronze_line = b.bronze_line
WHERE b.bronze_file IS NULL
UNION ALL
SELECT 'valid record without a posting', r.bronze_file, r.bronze_line
FROM r LEFT JOIN silver.posting_sources ps ON ps.source = r.source AND ps.source_id = r.source_id
WHERE r.reject_reason IS NULL AND ps.posting_id IS NULL
UNION ALL
SELECT 'invalid record not quarantined', r.bronze_file, r.bronze_line
FROM r LEFT JOIN silver.rejects q ON q.bronze_file = r.bronze_file AND q.bronze_line = r.bronze_line
WHERE r.reject_reason IS NOT NULL AND q.bronze_file IS NULL
