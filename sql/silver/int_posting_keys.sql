-- Valid records with the posting they belong to (posting_id, stable across refreshes), and
-- the narrow columns that pick a posting's best record: a thin table, so that matching,
-- ranking and counting never carry descriptions around.
-- grain: bronze_file, bronze_line
-- materialized: table
-- unique: bronze_file, bronze_line
-- not_null: bronze_file, bronze_line, posting_id, source, source_id, fetched_at
-- Records match when their title and company match (match_key) and they are in the same city
-- (city_key). A record without a city (remote boards often give only a country, or nothing)
-- joins the posting of its title and company when that posting is in exactly one city and
-- no country contradicts it; otherwise it is matched on its country alone.
-- A listing (source, source_id) keeps the key of its first sighting, so a source editing a
-- title later does not split one posting in two.
-- "One city" is min = max rather than count(DISTINCT ...) = 1: two DISTINCT aggregates over
-- different columns keep a hash set per group in DataFusion, which took 1.3 GB at 100k
-- records (docs/performance.md); min and max keep two values.
WITH valid AS (
    SELECT
        bronze_file,
        bronze_line,
        source,
        source_id,
        fetched_at,
        url,
        posted_date,
        salary_min IS NOT NULL AS has_salary,
        length(description) AS description_length,
        match_key,
        city_key,
        country
    FROM silver.posting_records
    WHERE reject_reason IS NULL
),
cities AS (
    SELECT
        match_key,
        min(city_key) AS only_city,
        max(city_key) AS last_city,
        min(country) AS only_country,
        max(country) AS last_country
    FROM valid
    WHERE city_key IS NOT NULL
    GROUP BY match_key
),
keyed AS (
    SELECT
        v.*,
        v.match_key || '|' || coalesce(
            v.city_key,
            CASE WHEN c.only_city = c.last_city
                  AND (v.country IS NULL OR c.only_country IS NULL
                       OR (c.only_country = c.last_country AND c.only_country = v.country))
                 THEN c.only_city END,
            v.country,
            '') AS dedup_key
    FROM valid v
    LEFT JOIN cities c ON c.match_key = v.match_key
),
-- The key of each listing's first sighting, as an aggregate: a window partitioned by listing
-- (a million partitions of one or two rows at 1M postings) took 16 s and 5 GB in DataFusion 55.
listings AS (
    SELECT
        source,
        source_id,
        first_value(dedup_key ORDER BY fetched_at, bronze_file, bronze_line) AS first_key
    FROM keyed
    GROUP BY source, source_id
)
SELECT
    k.bronze_file,
    k.bronze_line,
    substr(encode(sha256(l.first_key), 'hex'), 1, 16) AS posting_id,
    k.source,
    k.source_id,
    k.fetched_at,
    k.url,
    k.posted_date,
    k.has_salary,
    k.description_length
FROM keyed k
JOIN listings l ON l.source = k.source AND l.source_id = k.source_id
