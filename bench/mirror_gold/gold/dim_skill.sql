-- Synthetic dim_skill for the mirror benchmark.
-- materialized: table
-- mirror: star
SELECT value AS skill_key, 'Skill ' || CAST(value AS VARCHAR) AS skill,
       'family ' || CAST(value % 12 AS VARCHAR) AS skill_family
FROM range(0, 200)
