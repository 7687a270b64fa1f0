-- Synthetic dim_job_family for the mirror benchmark.
-- materialized: table
-- mirror: star
SELECT value AS job_family_key, 'family_' || CAST(value AS VARCHAR) AS job_family,
       'Family ' || CAST(value AS VARCHAR) AS job_family_name
FROM range(0, 15)
