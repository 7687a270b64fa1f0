-- Synthetic dim_date for the mirror benchmark.
-- materialized: table
-- mirror: star
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
FROM (SELECT CAST(CAST(20454 + value AS INT) AS DATE) AS d FROM range(0, 300))
