-- Valid records with the posting they belong to (posting_id, stable across refreshes), and
-- the narrow columns that pick a posting's best record: a thin table, so that matching,
-- ranking and counting never carry descriptions around.
-- grain: bronze_file, bronze_line
-- materialized: table
-- merge_on: source_id
-- deletion_vectors: keep
-- unique: bronze_file, bronze_line
-- not_null: bronze_file, bronze_line, posting_id, source, source_id, fetched_at, is_current
-- The posting of each record is the opening its listing advertises (silver.int_listing_openings,
-- where the matching rules are). is_current marks each listing's latest fetch: its current state
-- (silver.listing_history keeps the earlier ones).
-- One step in passes by listing under a memory limit (joblake_pass, docs/models.md): its hash
-- joins cannot spill, and hold about 500 MB at a million postings.
CREATE TABLE keyed AS
WITH records AS (
    SELECT *
    FROM silver.posting_records
    WHERE reject_reason IS NULL AND joblake_pass(source_id)
),
openings AS (
    SELECT source, source_id, opening_key
    FROM silver.int_listing_openings
    WHERE joblake_pass(source_id)
),
latest AS (
    SELECT source, source_id, max(fetched_at) AS fetched_at
    FROM records
    GROUP BY source, source_id
)
SELECT
    r.bronze_file,
    r.bronze_line,
    substr(encode(sha256(o.opening_key), 'hex'), 1, 16) AS posting_id,
    r.source,
    r.source_id,
    r.fetched_at,
    r.url,
    r.posted_date,
    r.salary_min IS NOT NULL AS has_salary,
    r.description_length,
    r.fetched_at = l.fetched_at AS is_current
FROM records r
JOIN openings o ON o.source = r.source AND o.source_id = r.source_id
JOIN latest l ON l.source = r.source AND l.source_id = r.source_id;

SELECT * FROM keyed
