-- Calendar dimension: every day from the first to the last posting date.
-- grain: date_key
-- materialized: table
-- mirror: star
-- unique: date_key
-- not_null: date_key, date
WITH bounds AS (
    SELECT min(posted_date) AS lo, max(posted_date) AS hi FROM silver.job_postings
),
days AS (
    SELECT CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), INTERVAL '1 day')) AS DATE) AS d
    FROM bounds
    WHERE lo IS NOT NULL
)
SELECT
    CAST(to_char(d, '%Y%m%d') AS BIGINT) AS date_key,
    d AS date,
    CAST(date_part('year', d) AS INT) AS year,
    CAST(date_part('quarter', d) AS INT) AS quarter,
    CAST(date_part('month', d) AS INT) AS month,
    to_char(d, '%Y-%m') AS year_month,
    to_char(d, '%B') AS month_name,
    CAST(date_part('week', d) AS INT) AS iso_week,
    CAST(date_part('dow', d) AS INT) AS day_of_week,
    to_char(d, '%A') AS day_name,
    date_part('dow', d) IN (0, 6) AS is_weekend
FROM days
