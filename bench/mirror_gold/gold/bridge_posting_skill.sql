-- One skill per synthetic posting.
-- materialized: table
-- mirror: star
SELECT value AS posting_key, value % 200 AS skill_key FROM range(0, {rows})
