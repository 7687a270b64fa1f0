-- Postings opened and closed per month and job family, and how long the closed ones stayed
-- open (silver.posting_lifecycle: a posting closes when its sources stop listing it).
-- grain: month, job_family
-- materialized: table
-- mirror: aggregate
-- unique: month, job_family
-- not_null: month, job_family, opened, closed
WITH lifecycle AS (
    SELECT l.*, p.job_family
    FROM silver.posting_lifecycle l
    JOIN silver.job_postings p ON p.posting_id = l.posting_id
),
opened AS (
    SELECT to_char(opened_on, '%Y-%m') AS month, job_family, count(*) AS opened
    FROM lifecycle
    GROUP BY 1, 2
),
closed AS (
    SELECT
        to_char(closed_at, '%Y-%m') AS month,
        job_family,
        count(*) AS closed,
        median(days_to_close) AS median_days_to_close,
        -- Rounded: a float mean depends on the order partitions add up in.
        round(avg(days_to_close), 2) AS mean_days_to_close
    FROM lifecycle
    WHERE closed_at IS NOT NULL
    GROUP BY 1, 2
)
SELECT
    coalesce(o.month, c.month) AS month,
    coalesce(o.job_family, c.job_family) AS job_family,
    coalesce(o.opened, 0) AS opened,
    coalesce(c.closed, 0) AS closed,
    c.median_days_to_close,
    c.mean_days_to_close
FROM opened o
FULL OUTER JOIN closed c ON c.month = o.month AND c.job_family = o.job_family
