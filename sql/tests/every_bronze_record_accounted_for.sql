-- Nothing disappears silently: every bronze record is in silver.posting_records exactly once;
-- each valid one belongs to a posting listed in silver.posting_sources, each invalid one is in
-- silver.rejects. Returns the records that break this.
WITH b AS (SELECT bronze_file, bronze_line FROM bronze.envelopes),
r AS (SELECT bronze_file, bronze_line, source, source_id, reject_reason FROM silver.posting_records)
-- One full join reads bronze once (only the record positions: the envelopes are not parsed).
SELECT
    CASE WHEN r.bronze_file IS NULL THEN 'in bronze, missing from silver'
         ELSE 'in silver, not in bronze' END AS problem,
    coalesce(b.bronze_file, r.bronze_file) AS bronze_file,
    coalesce(b.bronze_line, r.bronze_line) AS bronze_line
FROM b FULL JOIN r ON r.bronze_file = b.bronze_file AND r.bronze_line = b.bronze_line
WHERE r.bronze_file IS NULL OR b.bronze_file IS NULL
UNION ALL
SELECT 'valid record without a posting', r.bronze_file, r.bronze_line
FROM r LEFT JOIN silver.posting_sources ps ON ps.source = r.source AND ps.source_id = r.source_id
WHERE r.reject_reason IS NULL AND ps.posting_id IS NULL
UNION ALL
SELECT 'invalid record not quarantined', r.bronze_file, r.bronze_line
FROM r LEFT JOIN silver.rejects q ON q.bronze_file = r.bronze_file AND q.bronze_line = r.bronze_line
WHERE r.reject_reason IS NOT NULL AND q.bronze_file IS NULL
