-- Where each posting was seen: one row per listing (source, source_id), the record of duplicates.
-- grain: source, source_id
-- materialized: table
-- unique: source, source_id
-- not_null: posting_id, source, source_id, first_seen, last_seen
-- relationships: posting_id -> silver.job_postings.posting_id
-- merge_on: source_id
-- deletion_vectors: keep
-- A refresh computes again only the listings whose records int_posting_keys's merge replaced
-- (merge_on, docs/models.md). Models, checks and the evaluation read this table, not
-- analysts' dashboards: it keeps its deletion vectors until `joblake maintain`.
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
WHERE joblake_pass(source_id)
GROUP BY posting_id, source, source_id
