-- Where postings come from: job APIs and scraped boards.
-- grain: source_key
-- materialized: table
-- mirror: star
-- unique: source_key
-- not_null: source_key, source
SELECT
    stable_key(s.source) AS source_key,
    s.source,
    coalesce(r.display_name, s.source) AS source_name,
    coalesce(r.kind, 'unknown') AS source_kind,
    r.homepage
FROM (
    SELECT source FROM ref.sources
    UNION SELECT DISTINCT source FROM silver.posting_sources
) s
LEFT JOIN ref.sources r ON r.source = s.source
