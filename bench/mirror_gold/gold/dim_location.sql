-- Synthetic dim_location for the mirror benchmark.
-- materialized: table
-- mirror: star
SELECT value AS location_key, 'FR' AS country_code, 'France' AS country_name,
       'Région ' || CAST(value % 13 AS VARCHAR) AS region, 'Ville ' || CAST(value AS VARCHAR) AS city
FROM range(0, 500)
