-- Where the records of each title and company (match_key) are: the first and last city and
-- country they name, so that a record naming no city can take the one city of its title and
-- company (silver.int_listing_records). A table, not part of that view: the view is read in
-- passes at ten million postings, and each pass grouped every record again (22 times, most of
-- the increment's `records` step, docs/performance.md). A key's row comes from that key's
-- records alone, so a refresh computes again only the keys of the records it adds.
-- grain: match_key
-- materialized: table
-- merge_on: match_key
-- deletion_vectors: keep
-- unique: match_key
-- not_null: match_key, only_city, last_city
-- "One city" is min = max rather than count(DISTINCT ...) = 1: two DISTINCT aggregates over
-- different columns keep a hash set per group in DataFusion, which took 1.3 GB at 100k
-- records (docs/performance.md); min and max keep two values.
SELECT
    match_key,
    min(city_key) AS only_city,
    max(city_key) AS last_city,
    min(country) AS only_country,
    max(country) AS last_country
FROM silver.posting_records
WHERE reject_reason IS NULL
  AND city_key IS NOT NULL
  AND match_key IS NOT NULL
  AND joblake_pass(match_key)
GROUP BY match_key
