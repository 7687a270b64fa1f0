-- Synthetic dim_source for the mirror benchmark.
-- materialized: table
-- mirror: star
SELECT value AS source_key, 'source_' || CAST(value AS VARCHAR) AS source,
       'Source ' || CAST(value AS VARCHAR) AS source_name, 'api' AS source_kind,
       'https://source.example/' || CAST(value AS VARCHAR) AS homepage
FROM range(0, 6)
