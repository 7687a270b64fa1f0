-- Valid records with the posting they belong to: posting_id, stable across refreshes.
-- grain: bronze_file, bronze_line
-- materialized: view
-- Records match when their title and company match (match_key) and they are in the same city
-- (city_key). A record without a city (remote boards often give only a country, or nothing)
-- joins the posting of its title and company when that posting is in exactly one city and
-- no country contradicts it; otherwise it is matched on its country alone.
-- A listing (source, source_id) keeps the key of its first sighting, so a source editing a
-- title later does not split one posting in two.
-- "One city" is min = max rather than count(DISTINCT ...) = 1: two DISTINCT aggregates over
-- different columns keep a hash set per group in DataFusion, which took 1.3 GB at 100k
-- records (docs/performance.md); min and max keep two values.
WITH cities AS (
    SELECT
        match_key,
        min(city_key) AS only_city,
        max(city_key) AS last_city,
        min(country) AS only_country,
        max(country) AS last_country
    FROM silver.posting_records
    WHERE reject_reason IS NULL AND city_key IS NOT NULL
    GROUP BY match_key
),
keyed AS (
    SELECT
        r.*,
        r.match_key || '|' || coalesce(
            r.city_key,
            CASE WHEN c.only_city = c.last_city
                  AND (r.country IS NULL OR c.only_country IS NULL
                       OR (c.only_country = c.last_country AND c.only_country = r.country))
                 THEN c.only_city END,
            r.country,
            '') AS dedup_key
    FROM silver.posting_records r
    LEFT JOIN cities c ON c.match_key = r.match_key
    WHERE r.reject_reason IS NULL
)
SELECT
    k.*,
    substr(encode(sha256(first_value(k.dedup_key) OVER (
        PARTITION BY k.source, k.source_id
        ORDER BY k.fetched_at, k.bronze_file, k.bronze_line
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)), 'hex'), 1, 16) AS posting_id
FROM keyed k
