-- Nothing disappears silently: every bronze record is in silver.posting_records exactly once;
-- each valid one belongs to a posting listed in silver.posting_sources, each invalid one is in
-- silver.rejects. Returns where this breaks: the bronze file or the source, with the counts.
-- Counts rather than a join on every record position: silver records only come from bronze
-- lines and are unique by position (posting_records' unique test), so equal counts per file
-- mean the same records, and the check stays small at any size (a join of a million positions
-- held about 1 GB that cannot spill).
WITH b AS (
    SELECT bronze_file, count(*) AS records FROM bronze.envelopes GROUP BY bronze_file
),
r AS (
    SELECT
        bronze_file,
        count(*) AS records
    FROM silver.posting_records
    GROUP BY bronze_file
),
by_source AS (
    SELECT
        source,
        count(*) FILTER (WHERE reject_reason IS NULL) AS valid,
        count(*) FILTER (WHERE reject_reason IS NOT NULL) AS invalid
    FROM silver.posting_records
    GROUP BY source
),
listed AS (
    SELECT source, sum(records) AS records FROM silver.posting_sources GROUP BY source
),
quarantined AS (
    SELECT source, count(*) AS records FROM silver.rejects GROUP BY source
)
SELECT
    CASE WHEN coalesce(r.records, 0) < coalesce(b.records, 0)
         THEN 'in bronze, missing from silver'
         ELSE 'in silver, not in bronze' END AS problem,
    coalesce(b.bronze_file, r.bronze_file) AS place,
    coalesce(b.records, 0) AS expected,
    coalesce(r.records, 0) AS found
FROM b FULL JOIN r ON r.bronze_file = b.bronze_file
WHERE coalesce(b.records, 0) <> coalesce(r.records, 0)
UNION ALL
SELECT 'valid records without a posting', s.source, s.valid, coalesce(l.records, 0)
FROM by_source s LEFT JOIN listed l ON l.source = s.source
WHERE s.valid <> coalesce(l.records, 0)
UNION ALL
SELECT 'invalid records not quarantined', s.source, s.invalid, coalesce(q.records, 0)
FROM by_source s LEFT JOIN quarantined q ON q.source = s.source
WHERE s.invalid <> coalesce(q.records, 0)
