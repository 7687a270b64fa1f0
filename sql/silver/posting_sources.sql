-- Where each posting was seen: one row per listing (source, source_id), the record of duplicates.
-- grain: source, source_id
-- materialized: table
-- unique: source, source_id
-- not_null: posting_id, source, source_id, first_seen, last_seen
-- relationships: posting_id -> silver.job_postings.posting_id
SELECT
    posting_id,
    source,
    source_id,
    max(url) AS url,
    count(*) AS records,
    min(posted_date) AS posted_date,
    min(fetched_at) AS first_seen,
    max(fetched_at) AS last_seen
FROM silver.int_posting_keys
GROUP BY posting_id, source, source_id
