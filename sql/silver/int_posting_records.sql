-- Valid records with the posting they belong to: posting_id, stable across refreshes.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Records match when their title and company match (match_key) and they are in the same place
-- (place_key). A record without a place (remote boards often give none) joins the posting of
-- its title and company when there is exactly one place for them; otherwise it stands alone.
-- A listing (source, source_id) keeps the key of its first sighting, so a source editing a
-- title later does not split one posting in two.
WITH places AS (
    SELECT match_key, count(DISTINCT place_key) AS places, min(place_key) AS only_place
    FROM silver.posting_records
    WHERE reject_reason IS NULL AND place_key IS NOT NULL
    GROUP BY match_key
),
keyed AS (
    SELECT
        r.*,
        r.match_key || '|' || coalesce(r.place_key, CASE WHEN p.places = 1 THEN p.only_place END, '') AS dedup_key
    FROM silver.posting_records r
    LEFT JOIN places p ON p.match_key = r.match_key
    WHERE r.reject_reason IS NULL
)
SELECT
    k.*,
    substr(encode(sha256(first_value(k.dedup_key) OVER (
        PARTITION BY k.source, k.source_id
        ORDER BY k.fetched_at, k.bronze_file, k.bronze_line
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)), 'hex'), 1, 16) AS posting_id
FROM keyed k
