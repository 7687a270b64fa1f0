-- Why each listing belongs to its posting: the listing that founded the posting (its earliest),
-- and for every other listing the rule that merged it into that one. Explains every merge of
-- silver.posting_sources (see silver.int_posting_keys for the rules).
-- grain: source, source_id
-- materialized: table
-- unique: source, source_id
-- not_null: posting_id, source, source_id, rule, score
-- relationships: posting_id -> silver.job_postings.posting_id
WITH listings AS (
    SELECT posting_id, source, source_id, first_seen
    FROM silver.posting_sources
),
founders AS (
    SELECT
        posting_id,
        first_value(source ORDER BY first_seen, source, source_id) AS founder_source,
        first_value(source_id ORDER BY first_seen, source, source_id) AS founder_source_id
    FROM listings
    GROUP BY posting_id
)
SELECT
    l.posting_id,
    l.source,
    l.source_id,
    f.founder_source AS matched_source,
    f.founder_source_id AS matched_source_id,
    CASE
        WHEN l.source = f.founder_source AND l.source_id = f.founder_source_id THEN 'first_listing'
        -- The same source published the same title, company and place again.
        WHEN l.source = f.founder_source THEN 'same_source_title_company_place'
        ELSE 'title_company_place'
    END AS rule,
    1.0 AS score
FROM listings l
JOIN founders f ON f.posting_id = l.posting_id
