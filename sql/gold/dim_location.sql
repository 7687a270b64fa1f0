-- Places of work: one row per (country, region, city) seen in postings.
-- grain: location_key
-- materialized: table
-- mirror: star
-- unique: location_key
-- not_null: location_key
SELECT
    stable_key(country, region, city) AS location_key,
    country AS country_code,
    c.name AS country_name,
    region,
    city
FROM (SELECT DISTINCT country, region, city FROM silver.job_postings) l
LEFT JOIN ref.countries c ON c.iso2 = l.country
